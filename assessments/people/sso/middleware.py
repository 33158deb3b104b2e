"""Someone whose organisation requires MFA and who has none yet sets it up before anything
else (the password step marked the session: sso.mfa.ENROL)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from assessments.people.sso.mfa import ENROL


def mfa_enrolment_required(get_response):
    def middleware(request):
        if request.user.is_authenticated and request.session.get(ENROL):
            allowed = (reverse("mfa_setup"), reverse("logout"), "/" + settings.STATIC_URL)
            if not request.path.startswith(allowed):
                return redirect("mfa_setup")
        return get_response(request)

    return middleware
