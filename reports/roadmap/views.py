"""The team's roadmap page and the lead's edits of its items."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.maturity import selectors
from reports.models import Roadmap, RoadmapItem, RoadmapReport
from reports.roadmap import services as roadmap_services
from vsm_site.domain_errors import DomainError
from vsm_site.http import raise_for_page


@login_required
def team_roadmap(request, team_id):
    """The roadmap of the team's latest result. GET only reads: a roadmap is planned when its
    result is frozen. A result without one (frozen before that, or loaded without one) shows
    "Plan the roadmap", which POSTs here."""
    team = permissions.get_visible_team_or_404(request.user, team_id)
    result = selectors.latest_result(team)
    if request.method == "POST":
        if result is not None:
            roadmap_services.generate_roadmap(result)
            messages.success(request, f"Roadmap planned from the {result.period} result.")
        return redirect("team_roadmap", team_id=team.id)
    roadmap = Roadmap.objects.filter(result=result).first() if result is not None else None
    items = []
    if roadmap is not None:
        items = list(roadmap.items.select_related("owner").order_by("position"))
    for item in items:
        if item.kind == "dora":
            item.move = dora_move_text(item)
    phases = [
        {"key": key, "label": label, "items": [i for i in items if i.phase == key]}
        for key, label in RoadmapItem.PHASE_CHOICES
    ]
    reports = list(
        RoadmapReport.objects.filter(team=team, kind=RoadmapReport.ROADMAP)
        .select_related("requested_by")
        .order_by("-created_at")[:20]
    )
    can_lead = permissions.can_lead_team(request.user, team)
    members = list(team.memberships.select_related("user").order_by("user__username"))
    from assessments.dora import services as dora_services
    from assessments.dora.services import benchmark_context

    explainer = {}
    if any(i.kind == "dora" for i in items):
        explainer = benchmark_context(dora_services.resolve_benchmark(None, team.organization))
    return render(
        request,
        "reports/team_roadmap.html",
        {
            "team": team,
            "result": result,
            "roadmap": roadmap,
            "unplanned": result is not None and roadmap is None,
            "phases": phases,
            "phase_choices": RoadmapItem.PHASE_CHOICES,
            "reports": reports,
            "can_lead": can_lead,
            "members": [m.user for m in members],
            "done_count": sum(1 for i in items if i.done),
            **explainer,
            "item_count": len(items),
        },
    )


def dora_move_text(item):
    """A DORA item's step in words: "Medium → High" (tiers view), or "below typical →
    typical" for an item planned in the 2025 comparison (its tier fields hold band keys)."""
    names = quickcheck.BAND_LABELS if item.from_tier in quickcheck.BAND_LABELS else dora.TIER_LABELS
    return f"{names.get(item.from_tier, item.from_tier)} → {names.get(item.to_tier, item.to_tier)}"


def _item_for_lead(request, item_id):
    try:
        item = RoadmapItem.objects.select_related("roadmap__team__organization").get(pk=item_id)
    except RoadmapItem.DoesNotExist:
        raise Http404("No such roadmap item.") from None
    team = item.roadmap.team
    if not permissions.can_view_team(request.user, team):
        raise Http404("No such roadmap item.")
    if not permissions.can_lead_team(request.user, team):
        raise PermissionDenied("Only the team's lead edits the roadmap.")
    return item


def _member_or_none(team, username):
    """The team member named ``username`` (None for none). Looked up among the team's members
    only, so the answer never tells an existing account from a missing one."""
    if not username:
        return None
    membership = (
        team.memberships.filter(user__username=username, user__is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise DomainError(f"{team.name} has no member named {username!r}.")
    return membership.user


def _due_date(request):
    """The posted ``due_date``: a date, None when empty; DomainError when not a date."""
    due = request.POST.get("due_date", "")
    try:
        due_date = parse_date(due) if due else None
    except ValueError:  # well formed but impossible, like 2026-02-31
        due_date = None
    if due and due_date is None:
        raise DomainError(f"{due!r} is not a date (use YYYY-MM-DD).")
    return due_date


@login_required
@require_POST
def roadmap_item_update(request, item_id):
    item = _item_for_lead(request, item_id)
    team = item.roadmap.team
    try:
        due_date = _due_date(request)
        roadmap_services.update_item(
            request.user,
            item,
            owner=_member_or_none(team, request.POST.get("owner", "")),
            phase=request.POST.get("phase", item.phase),
            due_date=due_date,
            done=request.POST.get("done") == "on",
        )
    except (DomainError, ValueError) as exc:
        if isinstance(exc, DomainError):
            raise_for_page(exc)
        message, ok = getattr(exc, "message", str(exc)), False
    else:
        message, ok = f"Saved: {item.title}", True
    if request.headers.get("Accept") == "application/json":
        # roadmap.js saves each item as it is edited and shows this beside the item.
        return JsonResponse({"ok": ok, "message": message}, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    return redirect(f"/teams/{team.id}/roadmap/#item-{item.id}")


@login_required
@require_POST
def roadmap_item_add(request, roadmap_id):
    try:
        roadmap = Roadmap.objects.select_related("team__organization").get(pk=roadmap_id)
    except Roadmap.DoesNotExist:
        raise Http404("No such roadmap.") from None
    if not permissions.can_view_team(request.user, roadmap.team):
        raise Http404("No such roadmap.")
    try:
        due_date = _due_date(request)
        roadmap_services.add_custom_item(
            request.user,
            roadmap,
            request.POST.get("title", ""),
            phase=request.POST.get("phase", "next"),
            due_date=due_date,
            owner=_member_or_none(roadmap.team, request.POST.get("owner", "")),
            success_metric=request.POST.get("success_metric", ""),
        )
    except (DomainError, ValueError) as exc:
        if isinstance(exc, DomainError):
            raise_for_page(exc)
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, "Item added to the roadmap.")
    return redirect("team_roadmap", team_id=roadmap.team.id)
