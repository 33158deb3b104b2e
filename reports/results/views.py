"""A team's result page: the frozen result, kept rendered per organisation data version."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from assessments import permissions
from assessments.models import Result
from assessments.questionnaires import selectors as questionnaire_selectors
from reports.results.content import individual_answers, result_page_context
from vsm_site import caching
from vsm_site.prepared import Prepared

_result_of = Prepared(
    lambda assessment_id: (
        Result.objects.filter(assessment_id=assessment_id)
        .select_related("questionnaire")
        .order_by("pk")[:1]
    ),
    int,
)


@login_required
def result_page(request, assessment_id):
    """A frozen result. Its content reads the same for every viewer who may see the same
    detail (the comments and spread of a low-confidence result are for organisation admins
    only: ``permissions.may_see_candid_detail``) and changes only with the organisation's
    data version (a review, a newer or older result, a rename, the threshold): rendered once
    per version and detail and kept in the cache. The review form and the individual answers
    are per viewer."""
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    found = _result_of(assessment.id)
    if not found:
        raise Http404("This assessment has no result yet.")
    result = found[0]
    team = assessment.team
    result.assessment, result.team = assessment, team  # loaded already
    candour = permissions.candour(request.user, team.organization, result.low_confidence)
    # The body holds the comments and spread the viewer may see: ``candour`` is in its key.
    body = caching.kept(
        caching.result_body_key(result.id, team.organization.data_version, candour),
        caching.RESULT_BODY_SECONDS,
        lambda: render_to_string(
            "assessments/_result_body.html", result_page_context(result, candour=candour)
        ),
    )
    may_see_individuals = permissions.can_administer(request.user, team.organization)
    # The CoE's answers for the organisation as a whole this period, beside the team's result
    # (not part of its score); read per request, as the CoE may answer them at any time.
    organization = team.organization
    practices_url = None
    if permissions.can_analyse(request.user, organization):
        practices_url = (
            reverse("organization_practices", args=[organization.slug]) + f"?period={result.period}"
        )
    return render(
        request,
        "assessments/result.html",
        {
            "result": result,
            "team": team,
            "body": mark_safe(body),
            "can_lead": permissions.can_lead_team(request.user, team),
            "can_review": permissions.can_analyse(request.user, team.organization),
            "individual": individual_answers(result) if may_see_individuals else None,
            "organization_practices": questionnaire_selectors.organization_practices(
                organization, result.period, result.questionnaire_key
            ),
            "practices_url": practices_url,
        },
    )
