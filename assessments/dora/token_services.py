"""A team's API tokens: listed to everyone who sees the team, created and revoked by its lead
and the organisation's admins. The key is returned once, by ``create_token``; only its hash is
stored. The audit trail records creations and revocations (settings.AUDITLOG_INCLUDE_TRACKING_
MODELS: name, prefix, scope, expiry, revocation; never the key or its hash)."""

import datetime as dt

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from assessments import permissions
from assessments.models import TeamApiToken
from vsm_site.domain_errors import Invalid, NotAllowed, NotFound

# An expiry, when a token has one, is at most a year away: a date further out is more often a
# typing slip (2062 for 2026) than a plan, and a token meant to live longer is better created
# without one, which the list then shows as "never" for everyone to see, than hidden behind a
# far date that looks like rotation.
MAX_EXPIRY_DAYS = 365
MAX_NAME_LENGTH = TeamApiToken._meta.get_field("name").max_length
SCOPES = dict(TeamApiToken.SCOPE_CHOICES)


def check_may_manage(user, team):
    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead or an organisation admin manages API tokens.")


def team_tokens(team):
    """Every token of the team, working ones first, newest first within each group; with who
    created it (one query)."""
    now = timezone.now()
    working = Case(
        When(revoked_at__isnull=False, then=Value(1)),
        When(expires_at__lte=now, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return list(
        TeamApiToken.objects.filter(team=team)
        .select_related("created_by")
        .defer("key_hash")
        .annotate(ended=working)
        .order_by("ended", "-created_at", "-id")
    )


def expiry(days=None, on=None, now=None):
    """When a token made now expires: ``days`` from now, or at the start (00:00, site time)
    of the date ``on``; neither: never (None). Either must lie in the future and at most
    MAX_EXPIRY_DAYS ahead."""
    now = now or timezone.now()
    if days is not None and on is not None:
        raise Invalid("Give the expiry in days or as a date, not both.", field="expires_on")
    if days is not None:
        if not 1 <= days <= MAX_EXPIRY_DAYS:
            raise Invalid(
                f"A token expires after 1 to {MAX_EXPIRY_DAYS} days.", field="expires_in_days"
            )
        return now + dt.timedelta(days=days)
    if on is not None:
        today = timezone.localdate(now)
        if on <= today:
            raise Invalid("The expiry date must be after today.", field="expires_on")
        if on > today + dt.timedelta(days=MAX_EXPIRY_DAYS):
            raise Invalid(
                f"The expiry date is at most {MAX_EXPIRY_DAYS} days from today.",
                field="expires_on",
            )
        return timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    return None


def create_token(user, team, name, scope, expires_at=None):
    """Issue a token for the team; returns ``(token, key)``. The key is not stored: show it
    once."""
    check_may_manage(user, team)
    name = str(name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise Invalid(f"Give the token a name of 1 to {MAX_NAME_LENGTH} characters.", field="name")
    if scope not in SCOPES:
        raise Invalid(f"The scope is one of {', '.join(SCOPES)}, not {scope!r}.", field="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid("The expiry must lie in the future.", field="expires_at")
    return TeamApiToken.issue(
        team, name, created_by=user if user.is_authenticated else None, scope=scope,
        expires_at=expires_at,
    )  # fmt: skip


def revoke_token(user, team, token_id):
    """Revoke one of the team's tokens (at once; a revoked token stays listed). Revoking it
    again changes nothing. Returns the token."""
    check_may_manage(user, team)
    token = TeamApiToken.objects.filter(team=team, pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])  # through the model: the audit trail sees it
    return token
