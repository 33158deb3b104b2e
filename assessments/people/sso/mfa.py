"""A second factor for password sign-in: TOTP (an authenticator app) with recovery codes,
kept by django-allauth's MFA (its models, code checks and rate limits; this module is the only
one that imports it). Sign-ins through an organisation's provider leave MFA to the provider.

State in the session: ``PENDING`` names the account whose password was right and whose code is
awaited (nobody is signed in yet); ``ENROL`` marks a session that must set up MFA before
anything else (its organisation requires MFA and the person has none yet)."""

import time

from allauth.mfa.adapter import get_adapter
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.flows import activate_totp, deactivate_totp
from django.contrib.auth import get_user_model

PENDING = "vsm_mfa_pending"
ENROL = "vsm_mfa_enrol"
PENDING_SECONDS = 300  # the password step is good for this long


def has_mfa(user):
    return get_adapter().is_mfa_enabled(user, [Authenticator.Type.TOTP])


def begin_second_factor(request, user, next_url):
    """After a right password: remember who, for the code step, without signing in."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", ""),
        "next": next_url,
        "at": time.time(),
    }


def pending_user(request):
    """The account awaiting its code, or None (no password step, or too long ago)."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


def code_form(user, data=None):
    """A TOTP code or an unused recovery code (allauth checks it, rate-limited)."""
    return AuthenticateForm(data=data, user=user)


def finish_second_factor(request, form):
    form.save()  # records the use (a recovery code is spent)
    request.session.pop(PENDING, None)


def activation_form(user, data=None):
    return ActivateTOTPForm(data=data, user=user)


def totp_setup(user, form):
    """What the enrolment page shows: the secret, its otpauth URL and QR code (SVG)."""
    adapter = get_adapter()
    url = adapter.build_totp_url(user, form.secret)
    return {"secret": form.secret, "url": url, "svg": adapter.build_totp_svg(url)}


def activate(request, form):
    """TOTP on, recovery codes made; returns the codes to show once."""
    _, codes = activate_totp(request, form)
    request.session.pop(ENROL, None)
    return RecoveryCodes(codes).get_unused_codes() if codes else []


def deactivate(request):
    authenticator = Authenticator.objects.filter(
        user=request.user, type=Authenticator.Type.TOTP
    ).first()
    if authenticator is not None:
        deactivate_totp(request, authenticator)


def recovery_codes_left(user):
    instance = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).first()
    return len(RecoveryCodes(instance).get_unused_codes()) if instance else 0


def clear_setup_secret(request):
    totp_auth.clear_totp_secret(request)
