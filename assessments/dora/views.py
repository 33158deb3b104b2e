"""The team's DORA page, manual entry, CSV upload, and the DORA questions of the survey."""

import contextlib
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.dora import quickcheck, webhook_services
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.dora.forms import DoraEntryForm, EventUploadForm
from assessments.dora.services import benchmark_context
from assessments.models import Organization
from assessments.periods import current_period
from vsm_site.http import reported


def _benchmark_or_default(request, team):
    with reported(request):
        return dora_services.resolve_benchmark(request.GET.get("benchmark"), team.organization)
    return dora_services.resolve_benchmark(None, team.organization)


def _segment_or_default(request, organization):
    """The ``segment`` parameter ("industry:<key>" or "org_size:<key>"); unknown: said so,
    and the organisation's segment instead."""
    fallback = dora_services.organization_segment(organization)
    raw = request.GET.get("segment", "").strip()
    if not raw:
        return fallback
    try:
        return dora_services.resolve_segment(raw, organization)
    except quickcheck.UnknownSegment as exc:
        messages.error(
            request,
            f"Unknown segment {raw!r}: {exc} Showing {fallback.label}, the organisation's.",
        )
        return fallback


def _view_or_default(request, organization):
    """The ``view`` parameter, "comparison" or "tiers"; else the organisation's default."""
    raw = request.GET.get("view", "").strip()
    if raw in VIEWS:
        return raw
    default = organization.dora_view if organization.dora_view in VIEWS else VIEWS[0]
    if raw:
        messages.error(
            request, f"Unknown view {raw!r}: use comparison or tiers. Showing {VIEWS[default]}."
        )
    return default


def _segment_options(organization, current):
    """The segment select's groups: the organisation's own industry and size first (those it
    set), then every industry and every size. The current segment is selected once."""
    own = []
    for kind in quickcheck.SEGMENT_KINDS:
        key = getattr(organization, kind, "all") or "all"
        if key != "all":
            with contextlib.suppress(quickcheck.UnknownSegment):  # a stale key: not offered
                own.append(quickcheck.get_segment(kind, key))
    groups = [("This organisation", [(quickcheck.segment_value(s), s.label) for s in own])]
    groups = [g for g in groups if g[1]] + quickcheck.segment_choices()
    current_value, default_value = (
        quickcheck.segment_value(current),
        quickcheck.segment_value(dora_services.organization_segment(organization)),
    )
    selected = False
    options = []
    for group, choices in groups:
        rows = []
        for value, label in choices:
            is_current = value == current_value and not selected
            selected = selected or is_current
            rows.append({"value": value, "label": label, "selected": is_current,
                         "default": value == default_value})  # fmt: skip
        options.append((group, rows))
    return options


# The page's views, as its tabs name them ("tiers" is completed with the set's report year).
VIEWS = {
    Organization.DORA_VIEW_COMPARISON: "the 2025 comparison",
    Organization.DORA_VIEW_TIERS: "tiers",
}
# Page parameters a form on the page carries back, so a lead stays where they were.
PAGE_PARAMETERS = ("view", "segment", "benchmark")


def _page_url(team, params):
    query = urlencode({k: v for k, v in params.items() if k in PAGE_PARAMETERS and v})
    url = reverse("team_dora", args=[team.id])
    return f"{url}?{query}" if query else url


@login_required
def team_dora(request, team_id):
    """The team's delivery performance: the five metrics in DORA's two factors, measured and
    self-assessed, shown as the 2025 comparison with a segment's published benchmarks or as
    tiers against a benchmark year (``view``; the organisation's default when not given)."""
    team = permissions.get_visible_team_or_404(request.user, team_id)
    organization = team.organization
    view = _view_or_default(request, organization)
    segment = _segment_or_default(request, organization)
    benchmark = _benchmark_or_default(request, team)
    overview = dora_services.team_dora_overview(team, benchmark, segment)
    latest = dora_services.latest_of(overview)
    measured_source = dora_services.measured_source_of(latest) if latest else None
    # The names of the report the view follows: 2025's in the comparison, the set's in tiers.
    year = int(quickcheck.EDITION) if view == Organization.DORA_VIEW_COMPARISON else benchmark.year
    can_lead = permissions.can_lead_team(request.user, team)
    entered = dora_services.entered_figures(team)
    editing = None
    if can_lead and request.GET.get("edit"):
        editing = next((row for row in entered if row["period"] == request.GET["edit"]), None)
    # What the page was asked for, kept by its tabs and forms (only what was given).
    state = {"view": view}
    if request.GET.get("segment"):
        state["segment"] = quickcheck.segment_value(segment)
    if request.GET.get("benchmark"):
        state["benchmark"] = benchmark.key
    context = {
        "team": team,
        "view": view,
        "state": state,
        "view_urls": {v: _page_url(team, {**state, "view": v}) for v in VIEWS},
        "page_url": _page_url(team, state),
        "segment": segment,
        "segment_options": _segment_options(organization, segment),
        "citation": quickcheck.CITATION,
        "overview": overview,
        "latest": latest,
        "measured_source": measured_source,
        "measured_card": dora_services.dora_card(latest.get(measured_source), year)
        if measured_source
        else None,
        "survey_card": dora_services.dora_card(latest.get("survey"), year) if latest else None,
        "can_lead": can_lead,
        "entry_form": DoraEntryForm(initial=_entry_initial(editing)) if can_lead else None,
        "editing": editing,
        "entered": entered,
        "batches": dora_services.event_batches(team),
        "upload_form": EventUploadForm() if can_lead else None,
        "tier_labels": dora.TIER_LABELS,
        "metric_labels": {m: dora_services.metric_name(m, year) for m in dora.SCORED_METRICS},
        **benchmark_context(benchmark),
    }
    if measured_source == "events":
        context["explanation"] = _explanation(team, latest["events"])
    return render(request, "assessments/team_dora.html", context)


def _explanation(team, events):
    """The explanation of the measured figures over the stored snapshot's window, with the
    benchmark year the snapshot was computed for (it decides where recovery is measured from)."""
    details = events.get("details") or {}
    end = details.get("window_end")
    stored = dora_services.resolve_benchmark(None, team.organization)
    return dora_services.explain_measured(
        team,
        window_end=dt.datetime.fromisoformat(end) if end else None,
        window_days=details.get("window_days") or dora_services.DEFAULT_WINDOW_DAYS,
        benchmark_year=stored.year,
    )


def _entry_initial(editing):
    """The form's starting values: the period being edited in the stored units (per day,
    hours, percent), or the current period."""
    if editing is None:
        return {"period": current_period()}
    initial = {
        "period": editing["period"],
        "deployment_frequency_unit": "day",
        "lead_time_unit": "hours",
        "time_to_restore_unit": "hours",
    }
    for figure in editing["figures"]:
        initial[figure["metric"]] = f"{figure['value']:.6g}"
    return initial


@login_required
@require_POST
def team_dora_entry_delete(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    period = request.POST.get("period", "")
    with reported(request):
        dora_services.delete_entry(request.user, team, period)
        messages.success(request, f"Figures entered for {period} deleted.")
    return redirect(_page_url(team, request.POST))


@login_required
@require_POST
def team_dora_batch_delete(request, team_id, batch_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    with reported(request):
        removed = dora_services.remove_batch(request.user, team, batch_id)
        messages.success(request, f"Upload removed with its {removed} event{pluralize(removed)}.")
    return redirect(_page_url(team, request.POST))


@login_required
@require_POST
def team_dora_entry(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    if not permissions.can_lead_team(request.user, team):
        raise PermissionDenied("Only the team's lead enters DORA metrics.")
    form = DoraEntryForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(_page_url(team, request.POST))
    with reported(request):
        dora_services.save_entry(
            request.user, team, form.cleaned_data["period"], form.canonical_values()
        )
        messages.success(request, f"Metrics for {form.cleaned_data['period']} saved.")
    return redirect(_page_url(team, request.POST))


def _refusal_with_lines(exc):
    """A refused upload's message followed by its first 20 rejected lines."""
    errors = getattr(exc, "errors", None) or []
    lines = [
        f"line {e.get('line')}: {e.get('message')}" if isinstance(e, dict) else str(e)
        for e in errors[:20]
    ]
    # File-level problems carry their line in the message itself: do not say it twice.
    extra = [line for line in lines if line.split(": ", 1)[-1] not in exc.message]
    return " ".join([exc.message, *extra])


@login_required
@require_POST
def team_dora_upload(request, team_id):
    from assessments.dora.ingest import ingest_csv

    team = permissions.get_visible_team_or_404(request.user, team_id)
    if not permissions.can_lead_team(request.user, team):
        raise PermissionDenied("Only the team's lead uploads events.")
    form = EventUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose the kind of events and a CSV file.")
        return redirect(_page_url(team, request.POST))
    kind = form.cleaned_data["kind"]
    with reported(request, message=_refusal_with_lines):
        upload = form.cleaned_data["file"]
        report = ingest_csv(team, kind, upload, uploaded_by=request.user, filename=upload.name)
        messages.success(
            request,
            f"{kind.capitalize()}: {report.created} created, {report.updated} updated, "
            f"{report.rejected} rejected.",
        )
    return redirect(_page_url(team, request.POST))


@login_required
def team_dora_ownership(request, team_id):
    """What the team owns (services, repositories, path prefixes), by which organisation
    webhooks route events to it; its lead and organisation admins add and remove them."""
    from assessments.models.dora import TeamOwnership

    team = permissions.get_visible_team_or_404(request.user, team_id)
    if request.method == "POST" and "incident_window_hours" in request.POST:
        with reported(request):
            hours = dora_services.set_incident_window(
                request.user, team, request.POST["incident_window_hours"]
            )
            messages.success(request, f"Incidents are now attributed within {hours} h.")
        return redirect("team_dora_ownership", team_id=team.id)
    if request.method == "POST":
        with reported(request):
            ownership, created = dora_services.add_ownership(
                request.user, team, request.POST.get("kind", ""), request.POST.get("value", "")
            )
            if created:
                messages.success(request, f"{team.name} now owns {ownership.kind} "
                                          f"{ownership.value!r}.")  # fmt: skip
        return redirect("team_dora_ownership", team_id=team.id)
    context = {
        "team": team,
        "ownerships": dora_services.team_ownerships(team),
        "kinds": TeamOwnership.KIND_CHOICES,
        "can_lead": permissions.can_lead_team(request.user, team),
        "window_hours": dora_services.incident_window_hours(team),
        "can_analyse": permissions.can_analyse(request.user, team.organization),
    }
    return render(request, "assessments/team_dora_ownership.html", context)


@login_required
@require_POST
def team_dora_ownership_delete(request, team_id, ownership_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    with reported(request):
        dora_services.remove_ownership(request.user, team, ownership_id)
        messages.success(request, "Ownership removed.")
    return redirect("team_dora_ownership", team_id=team.id)


@login_required
def organization_unrouted_events(request, slug):
    """Events the organisation's webhooks received that no team owns, grouped by what they
    named, with the reason; CoE analysts and organisation admins see them (other members:
    403, other organisations: 404). An organisation admin gives a name to a team here: the
    ownership is recorded and the events are derived again for that team."""
    from assessments.models.dora import TeamOwnership

    organization = permissions.member_organization(request.user, slug)
    if organization is None:
        raise Http404("No such organisation.")
    if not permissions.can_analyse(request.user, organization):
        raise PermissionDenied("Only CoE analysts and organisation admins see unrouted events.")
    can_route = permissions.can_administer(request.user, organization)
    if request.method == "POST":
        if not can_route:
            raise PermissionDenied("Only organisation admins route events from this page.")
        team = organization.teams.filter(pk=request.POST.get("team") or None).first()
        if team is None:
            messages.error(request, "Choose a team of the organisation.")
        else:
            with reported(request):
                ownership, routed = webhook_services.route_unrouted(
                    request.user, team, request.POST.get("kind", ""), request.POST.get("subject")
                )
                messages.success(
                    request,
                    f"{team.name} now owns {ownership.get_kind_display().lower()} "
                    f"{ownership.value!r}; {routed} event{pluralize(routed)} routed to it.",
                )
        return redirect("organization_unrouted_events", slug=organization.slug)
    page = Paginator(
        dora_services.unrouted_events(organization), dora_services.UNROUTED_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "subjects": dora_services.unrouted_subjects(organization),
        "page": page,
        "can_route": can_route,
        "teams": organization.teams.order_by("name") if can_route else [],
        "kinds": TeamOwnership.KIND_CHOICES,
    }
    return render(request, "assessments/organization_unrouted_events.html", context)
