"""Who calls /scim/v2/: an organisation's identity provider, with the organisation's SCIM
token (``Authorization: Bearer vsms_...``). Nothing else is accepted there (no session, no
personal or team token), and a SCIM token is accepted nowhere else."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from assessments import permissions
from assessments.models import ScimToken
from assessments.models.scim import KEY_PREFIX

TOUCH_INTERVAL = dt.timedelta(minutes=1)
NO_ROLES = permissions.Access(True, False, frozenset(), frozenset(), frozenset(), frozenset())


class ScimPrincipal:
    """The identity provider behind a request: not a user and without roles, so that no
    other code takes it for one (``permissions.access_for`` finds its roles cached as none)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = False
    is_staff = False
    id = None
    pk = None

    def __init__(self, token):
        self.scim_token = token
        self._vsm_access = NO_ROLES
        self.username = f"scim-token:{token.prefix}"

    def get_username(self):
        return self.username

    def __str__(self):
        return f"SCIM token {self.scim_token.prefix} of {self.scim_token.organization}"


class ScimTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        try:
            key = parts[1].decode("ascii") if len(parts) == 2 else ""
        except UnicodeDecodeError:
            key = ""
        token = ScimToken.find(key) if key.startswith(KEY_PREFIX) and len(key) < 200 else None
        if token is None:
            raise AuthenticationFailed("Invalid or revoked SCIM token.")
        _touch(token)
        return ScimPrincipal(token), token

    def authenticate_header(self, request):
        return 'Bearer realm="scim"'


def _touch(token):
    """Record the use at most once a minute (a provisioning cycle sends many requests)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    ScimToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_INTERVAL)
    ).update(last_used_at=now)
    token.last_used_at = now


class ScimTokenScheme(OpenApiAuthenticationExtension):
    target_class = "assessments.people.scim.auth.ScimTokenAuthentication"
    name = "scimToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "vsms_...",
            "description": "An organisation's SCIM token (created by its admins on the "
            "organisation's provisioning page, or with `python manage.py scim_token ORG_SLUG`), "
            "accepted by the /scim/v2/ endpoints only; it sees and changes that organisation's "
            "people and groups only.",
        }
