"""A team's result page: the frozen result, kept rendered per organisation data version."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from assessments import permissions
from assessments.models import Result
from reports.results.content import individual_answers, result_page_context

RESULT_CACHE_SECONDS = 600


@login_required
def result_page(request, assessment_id):
    """A frozen result. Its content reads the same for every viewer who may see the same
    detail (the comments and spread of a low-confidence result are for organisation admins
    only: ``permissions.may_see_candid_detail``) and changes only with the organisation's
    data version (a review, a newer or older result, a rename, the threshold): rendered once
    per version and detail and kept in the cache. The review form and the individual answers
    are per viewer."""
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    result = Result.objects.filter(assessment=assessment).select_related("questionnaire").first()
    if result is None:
        raise Http404("This assessment has no result yet.")
    team = assessment.team
    result.assessment, result.team = assessment, team  # loaded already
    candid = permissions.may_see_candid_detail(
        request.user, team.organization, result.low_confidence
    )
    # The kept body holds the comments when ``candid``, so ``candid`` is in its key. "v2": bodies
    # kept before comments were hidden must never be served.
    key = f"result-v2:{result.id}:{team.organization.data_version}:{int(candid)}"
    body = cache.get(key)
    if body is None:
        context = result_page_context(result, candid=candid)
        body = render_to_string("assessments/_result_body.html", context)
        cache.set(key, body, RESULT_CACHE_SECONDS)
    may_see_individuals = permissions.can_administer(request.user, team.organization)
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
        },
    )
