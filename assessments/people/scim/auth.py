"""Who calls /scim/v2/: an organisation's identity provider, with the organisation's SCIM
token (``Authorization: Bearer vsms_...``). Nothing else is accepted there (no session, no
personal or team token), and a SCIM token is accepted nowhere else."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from assessments import credentials
from assessments.models import ScimToken
from assessments.models.scim import KEY_PREFIX


class ScimPrincipal(credentials.TokenPrincipal):
    """The identity provider behind a request: not a user and without roles, so that no
    other code takes it for one."""

    kind = "scim-token"

    @property
    def scim_token(self):
        return self.token

    def __str__(self):
        return f"SCIM token {self.token.prefix} of {self.token.organization}"


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
        credentials.touch(token)
        return ScimPrincipal(token), token

    def authenticate_header(self, request):
        return 'Bearer realm="scim"'


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
