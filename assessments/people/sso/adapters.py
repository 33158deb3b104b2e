"""django-allauth's hooks, thin: each asks ``provisioning`` (and ``policy``) and turns a
refusal into a page. Settings name these classes (ACCOUNT_ADAPTER, SOCIALACCOUNT_ADAPTER)."""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import render

from assessments.models import SingleSignOn
from assessments.people.sso import mapping, provisioning
from vsm_site.domain_errors import DomainError

logger = logging.getLogger("assessments.sso")

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def refusal(request, message, status=403):
    return render(request, "registration/sso_error.html", {"message": message}, status=status)


def claims_of(sociallogin):
    """The identity's claims as one dict: an OIDC ID token's, overridden by the userinfo
    answer's (Entra ID sends groups in the ID token only); a SAML assertion's attributes."""
    data = sociallogin.account.extra_data or {}
    if "id_token" in data or "userinfo" in data:
        return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return dict(data)


def _first(value):
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up on their own: accounts come from invitations, the site operator, or
    an organisation's provider (``SocialAccountAdapter``)."""

    def is_open_for_signup(self, request):
        return False

    def get_login_stages(self):
        # allauth's MFA step would ask SSO sign-ins for a code on a page this site does not
        # route; the organisation's provider enforces its own MFA, and password sign-in asks
        # for the second factor in sso.views.
        return [stage for stage in super().get_login_stages() if ".mfa." not in stage]

    def login(self, request, user):
        # The session remembers Django's model backend, as for a password sign-in (allauth
        # would pick its own, which this site does not list).
        if not hasattr(user, "backend"):
            user.backend = MODEL_BACKEND
        super().login(request, user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return False  # a first sign-in is provisioned in pre_social_login, never a form

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        # The person sees one sentence; the operator's log says which check refused what.
        cause = exception.__cause__ if exception is not None else None
        saml_reason = (extra_context or {}).get("saml_last_error_reason")
        logger.warning(
            "SSO sign-in refused by %s: %s %r%s%s",
            getattr(getattr(provider, "app", None), "provider_id", None) or provider.id,
            error,
            exception,
            f" ({cause!r})" if cause is not None else "",
            f" ({saml_reason})" if saml_reason else "",
        )

    def pre_social_login(self, request, sociallogin):
        sso = (
            SingleSignOn.objects.select_related("organization")
            .filter(social_app__provider_id=sociallogin.account.provider)
            .exclude(protocol="")
            .first()
        )
        if sso is None:
            raise ImmediateHttpResponse(
                refusal(request, "This identity provider is not connected to any organisation.")
            )
        claims = claims_of(sociallogin)
        try:
            if sociallogin.is_existing:
                user = sociallogin.user
            else:
                email = sociallogin.user.email or _first(claims.get("email")) or ""
                names = {
                    "first_name": sociallogin.user.first_name,
                    "last_name": sociallogin.user.last_name,
                }
                user = provisioning.provision(sso, email, names)
                sociallogin.connect(request, user)
            groups = mapping.groups_from_claim(claims.get(sso.groups_claim))
            provisioning.signed_in(sso, user, groups)
        except DomainError as exc:
            raise ImmediateHttpResponse(refusal(request, exc.message, exc.status)) from None
