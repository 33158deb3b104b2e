"""The login page (email first when any organisation signs in through a provider), the start
of a provider sign-in, and the second-factor step of a password sign-in."""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assessments.people.sso import domains, policy


class PasswordForm(AuthenticationForm):
    """Django's login form, refusing a password where the person's organisation requires
    its identity provider (``policy``)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refusal = policy.password_refusal(user)
        if refusal:
            raise ValidationError(refusal, code="sso_required")


def _safe_next(request, value):
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


class LoginView(auth_views.LoginView):
    """Email first when SSO is configured anywhere (``?password=1``, a returned address or a
    posted form show the password form); otherwise Django's password form as it was."""

    form_class = PasswordForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        email = request.GET.get("email", "").strip()[:254]
        context["email"] = email
        form = context.get("form")
        errors = form.errors.as_data().get("__all__", []) if form is not None else []
        context["refusal"] = next(
            (e.messages[0] for e in errors if e.code in ("sso_required", "mfa_unavailable")), ""
        )
        context["email_first"] = (
            request.method == "GET"
            and not email
            and not request.GET.get("password")
            and domains.sso_anywhere()
        )
        return context


@never_cache
@require_GET
def sso_start(request):
    """``?email=<address>``: to the identity provider of the address's organisation, or back
    to the password form for an address no organisation signs in through a provider."""
    email = request.GET.get("email", "").strip()[:254]
    next_url = _safe_next(request, request.GET.get("next", ""))
    sso = domains.sign_in_for_email(email)
    if sso is None:
        query = {"email": email, "password": "1"}
        if next_url:
            query["next"] = next_url
        return redirect(f"{reverse('login')}?{urlencode(query)}")
    provider = get_adapter().get_provider(request, sso.social_app.provider_id)
    kwargs = {}
    if sso.protocol == sso.OIDC:
        kwargs["auth_params"] = {"login_hint": email}
    return provider.redirect(request, AuthProcess.LOGIN, next_url=next_url or None, **kwargs)
