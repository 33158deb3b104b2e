from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from assessments.audit import trail as audit


def _int_or_none(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@login_required
def audit_log(request):
    """Who changed what, newest first, filterable by team and model. Organisation admins see
    their organisations' teams; superusers see everything."""
    if not audit.may_read(request.user):
        raise PermissionDenied("Only organisation admins read the audit trail.")
    teams = list(audit.teams_for(request.user).select_related("organization"))
    team = next((t for t in teams if t.id == _int_or_none(request.GET.get("team"))), None)
    model_key = request.GET.get("model") if request.GET.get("model") in audit.AUDITED else ""
    entries = audit.entries_for(
        request.user, team_ids=[team.id] if team else None, model_key=model_key or None
    )
    page = Paginator(entries, audit.PAGE_SIZE).get_page(request.GET.get("page"))
    query = {"team": team.id if team else "", "model": model_key}
    return render(
        request,
        "assessments/audit.html",
        {
            "page": page,
            "rows": audit.describe(page.object_list),
            "teams": teams,
            "team": team,
            "models": [(a.key, a.label) for a in audit.AUDITED.values()],
            "model_key": model_key,
            "filter_query": "&".join(f"{k}={v}" for k, v in query.items() if v),
            "show_organization": len({t.organization_id for t in teams}) > 1,
        },
    )
