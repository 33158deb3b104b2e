"""What the machine credentials share (a team's API token, an organisation's SCIM token): the
principal a request authenticated with one carries, and the throttled record of its last use.

A principal is not a user and holds no role: its roles are cached as none, so
``permissions.access_for`` never queries for it and no view that asks for a role lets it in;
only the views that list the credential's authentication class recognise it."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from assessments import permissions

NO_ROLES = permissions.Access(True, False, frozenset(), frozenset(), frozenset(), frozenset())
TOUCH_INTERVAL = dt.timedelta(minutes=1)


class TokenPrincipal:
    """Who sends a request with a token (``kind`` names the credential in the username)."""

    kind = "token"
    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = False
    is_staff = False
    id = None
    pk = None

    def __init__(self, token):
        self.token = token
        self._vsm_access = NO_ROLES
        self.username = f"{self.kind}:{token.prefix}"

    def get_username(self):
        return self.username


def touch(token):
    """Record the token's use at most once a TOUCH_INTERVAL: a client sending requests in a
    loop should not write the token row on every one. The conditional UPDATE keeps concurrent
    requests from writing it twice."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    type(token).objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now
