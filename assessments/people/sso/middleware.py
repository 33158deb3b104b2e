"""Someone whose organisation requires MFA and who has none yet sets it up before anything
else (the password step marked the session: sso.mfa.ENROL)."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from assessments.people.sso.mfa import ENROL


def mfa_enrolment_required(get_response):
    # The health probes (the benchmarks' floor among them) show nobody's data and read no
    # session; every other address does, and is held until the MFA is set up.
    probes = (reverse("ping"), reverse("healthz"))

    def middleware(request):
        # The session first: a person without the mark costs no user query here.
        held = request.path not in probes and request.session.get(ENROL)
        if held and request.user.is_authenticated:
            allowed = (reverse("mfa_setup"), reverse("logout"), "/" + settings.STATIC_URL)
            if not request.path.startswith(allowed):
                return redirect("mfa_setup")
        return get_response(request)

    return middleware
