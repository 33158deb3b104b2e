"""The login page (email first when any organisation signs in through a provider), the start
of a provider sign-in, and the second-factor step of a password sign-in."""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assessments.people.sso import domains, mfa, policy


class PasswordForm(AuthenticationForm):
    """Django's login form, refusing a password where the person's organisation requires
    its identity provider (``policy``)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refusal = policy.password_refusal(user)
        if refusal:
            raise ValidationError(refusal, code="sso_required")
        if policy.is_break_glass(user) and not mfa.has_mfa(user):
            raise ValidationError(
                "A break-glass sign-in needs MFA, and this account has none: ask another "
                "organisation admin, or the site operator.",
                code="mfa_unavailable",
            )


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

    def form_valid(self, form):
        """A right password: with MFA set up, on to the code step (nobody signed in yet);
        without, signed in, and sent to set it up when the organisation requires it."""
        user = form.get_user()
        if mfa.has_mfa(user):
            mfa.begin_second_factor(self.request, user, self.get_success_url())
            return redirect("login_code")
        response = super().form_valid(form)
        if policy.mfa_required(user):
            self.request.session[mfa.ENROL] = True
            return redirect("mfa_setup")
        return response


@never_cache
def login_code(request):
    """The second step of a password sign-in: a code from the authenticator app, or a
    recovery code."""
    user, pending = mfa.pending_user(request)
    if user is None:
        return redirect("login")
    form = mfa.code_form(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        mfa.finish_second_factor(request, form)
        auth_login(request, user, backend=pending.get("backend") or None)
        return redirect(_safe_next(request, pending.get("next")) or settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/login_code.html", {"form": form})


@never_cache
@login_required
def mfa_setup(request):
    """The person's own second factor: set up TOTP (and get recovery codes, shown once), or
    turn it off where no organisation of theirs requires it. Both ask for the password again
    (accounts from single sign-on have none)."""
    user = request.user
    required = policy.mfa_required(user)
    if mfa.has_mfa(user):
        if request.method == "POST" and request.POST.get("action") == "deactivate":
            if required:
                messages.error(request, "Your organisation requires MFA: it stays on.")
            elif _password_confirmed(request):
                mfa.deactivate(request)
                messages.success(request, "MFA is off.")
            return redirect("mfa_setup")
        return render(
            request,
            "registration/mfa_setup.html",
            {"enabled": True, "required": required,
             "codes_left": mfa.recovery_codes_left(user)},
        )  # fmt: skip
    bound = request.method == "POST"
    form = mfa.activation_form(user, request.POST if bound else None)
    if bound and _password_confirmed(request) and form.is_valid():
        codes = mfa.activate(request, form)
        return render(request, "registration/mfa_setup.html", {"enabled": True, "codes": codes})
    return render(
        request,
        "registration/mfa_setup.html",
        {"enabled": False, "required": required, "form": form,
         "setup": mfa.totp_setup(user, form), "needs_password": user.has_usable_password()},
        status=400 if bound else 200,
    )  # fmt: skip


def _password_confirmed(request):
    user = request.user
    if not user.has_usable_password() or user.check_password(request.POST.get("password", "")):
        return True
    messages.error(request, "That password is not right.")
    return False


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
    response = provider.redirect(request, AuthProcess.LOGIN, next_url=next_url or None, **kwargs)
    location = response.get("Location", "")
    if response.status_code == 302 and not location.startswith(("https://", "http://")):
        # Only a web address leaves for the provider (its discovery document is the
        # organisation's to write): never a javascript: or data: URL onto the page below.
        return render(
            request,
            "registration/sso_error.html",
            {"message": "This organisation's identity provider is misconfigured."},
            status=502,
        )
    if request.GET.get("via") == "form" and response.status_code == 302:
        # Browsers hold a form submission's redirects to the page's CSP form-action ('self'),
        # so the login page's form is answered with a page that moves on by itself (a
        # refresh is a navigation, not a form submission) instead of the redirect.
        return render(request, "registration/sso_continue.html", {"url": response["Location"]})
    return response
