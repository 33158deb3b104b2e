"""Team API tokens on the REST API: who presents one (``TeamTokenAuthentication``), and what
each scope may call (``TeamTokenScope``, the one place that decides it).

A token has one scope:

- ``events``: POST the team's deployments and incidents (``events_api``);
- ``metrics``: GET the team's DORA metrics (``api.TeamDoraView``); read-only.

Only the views that list ``TeamTokenAuthentication`` accept a token at all; every other
endpoint answers it 401 as if no credentials had been sent. Those views also list
``TeamTokenScope`` and name the scope they serve (``token_scope``): a token of the other scope
is refused with 403, a write with a read-only token too, and a token never reaches another
team than its own (404, like any team the caller cannot see).
"""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from assessments import credentials, permissions
from assessments.models import TeamApiToken

EVENTS, METRICS = TeamApiToken.EVENTS, TeamApiToken.METRICS
# What a token of each scope may call, in words: refusals and the OpenAPI description say it.
SCOPE_USES = {
    EVENTS: "send the team's deployment and incident events "
    "(POST /api/v1/teams/{id}/deployments/ and /incidents/)",
    METRICS: "read the team's DORA metrics (GET /api/v1/teams/{id}/dora/)",
}


class TeamTokenPrincipal(credentials.TokenPrincipal):
    """Who sends a request authenticated with a team token; the views that list
    ``TeamTokenAuthentication`` recognise it through ``team_token``."""

    kind = "team-token"

    @property
    def team_token(self):
        return self.token

    def __str__(self):
        return f"team token {self.token.name!r} of {self.token.team}"


def _expiry_text(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


class TeamTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer vsmt_...``. Other schemes are left to the next class."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send the team token as 'Authorization: Bearer vsmt_...'.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid or revoked team token.") from None
        token = TeamApiToken.matching(key) if key.startswith("vsmt_") else None
        if token is None or token.revoked_at is not None:
            raise AuthenticationFailed("Invalid or revoked team token.")
        if token.is_expired():
            raise AuthenticationFailed(
                f"This team token expired at {_expiry_text(token.expires_at)}; "
                "ask the team's lead for a new one."
            )
        credentials.touch(token)
        return TeamTokenPrincipal(token), token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


def team_token_of(request):
    """The team token the request was authenticated with, or None (a user, or nobody)."""
    return getattr(request.user, "team_token", None)


class TeamTokenScope(BasePermission):
    """The scope rules, in one place. A view that accepts team tokens names the scope it
    serves in ``token_scope``; a request made with a token passes only when the token has that
    scope, and a ``metrics`` token only for reading. Requests of users pass on to the view's
    own checks (``assessments.permissions``)."""

    def has_permission(self, request, view):
        token = team_token_of(request)
        if token is None:
            return True
        wanted = getattr(view, "token_scope", None)
        if wanted is None or token.scope not in SCOPE_USES:
            raise PermissionDenied("This endpoint does not accept team tokens.")
        if token.scope != wanted:
            raise PermissionDenied(
                f"This team token has the scope '{token.scope}': it may only "
                f"{SCOPE_USES[token.scope]}. This endpoint needs a token with the scope "
                f"'{wanted}'."
            )
        if token.scope == METRICS and request.method not in SAFE_METHODS:
            raise PermissionDenied("A 'metrics' team token is read-only.")
        return True


def request_team(request, team_id):
    """The team a request is about: a token's own team (any other is a 404, as for a team the
    caller cannot see), else the team if the user may see it."""
    token = team_token_of(request)
    if token is not None:
        if token.team_id != team_id:
            raise Http404("No such team.")
        return token.team
    return permissions.get_visible_team_or_404(request.user, team_id)


class TeamTokenScheme(OpenApiAuthenticationExtension):
    target_class = "assessments.dora.token_auth.TeamTokenAuthentication"
    name = "teamToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "vsmt_...",
            "description": (
                "A team's API token, accepted only by the endpoints that list it, and only for "
                "the token's own team. Each endpoint names the scope it needs "
                "(`x-team-token-scope`): a token with scope `events` may "
                f"{SCOPE_USES[EVENTS]}; one with scope `metrics` may {SCOPE_USES[METRICS]}. "
                "A token of the other scope gets 403; a revoked, unknown or expired token 401 "
                "(an expired one is told when it expired)."
            ),
        }


def scope_extension(scope):
    """The OpenAPI extension on an operation that accepts team tokens: the scope it needs."""
    return {"x-team-token-scope": scope}


def scope_note(scope):
    """The sentence an operation's description ends with, for people reading the docs."""
    return (
        f"A team token (`Authorization: Bearer vsmt_...`) needs the scope `{scope}` and works "
        "for its own team only."
    )
