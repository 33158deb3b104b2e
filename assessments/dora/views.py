"""The team's DORA page, manual entry, CSV upload, and the DORA questions of the survey."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.dora.forms import DoraEntryForm, EventUploadForm
from assessments.dora.services import benchmark_context
from assessments.periods import current_period
from vsm_site.http import reported


def _benchmark_or_default(request, team):
    with reported(request):
        return dora_services.resolve_benchmark(request.GET.get("benchmark"), team.organization)
    return dora_services.resolve_benchmark(None, team.organization)


def _metric_rows(classified, benchmark):
    if not classified:
        return []
    rows = []
    for metric in dora.SCORED_METRICS:
        value = classified["values"].get(metric)
        rows.append(
            {
                "metric": metric,
                "label": dora.metric_label(metric, benchmark.year)
                if metric in dora.METRICS
                else "Deployment rework rate",
                "value": value,
                "display": dora_services.display_value(metric, value),
                "tier": classified["tiers"].get(metric),
                "group": "throughput"
                if metric in ("deployment_frequency", "lead_time")
                else "stability",
            }
        )
    return rows


@login_required
def team_dora(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    benchmark = _benchmark_or_default(request, team)
    overview = dora_services.team_dora_overview(team, benchmark)
    # The newest period with both a survey and measured figures, so the comparison shows;
    # otherwise simply the newest period.
    latest = next(
        (row for row in overview if "survey" in row and ("events" in row or "entry" in row)),
        overview[0] if overview else None,
    )
    measured_source = None
    if latest:
        measured_source = (
            "events" if "events" in latest else ("entry" if "entry" in latest else None)
        )
    can_lead = permissions.can_lead_team(request.user, team)
    entered = dora_services.entered_figures(team)
    editing = None
    if can_lead and request.GET.get("edit"):
        editing = next((row for row in entered if row["period"] == request.GET["edit"]), None)
    context = {
        "team": team,
        "overview": overview,
        "latest": latest,
        "measured_source": measured_source,
        "measured_rows": _metric_rows(latest.get(measured_source), benchmark)
        if latest and measured_source
        else [],
        "survey_rows": _metric_rows(latest.get("survey"), benchmark) if latest else [],
        "can_lead": can_lead,
        "entry_form": DoraEntryForm(initial=_entry_initial(editing)) if can_lead else None,
        "editing": editing,
        "entered": entered,
        "batches": dora_services.event_batches(team),
        "upload_form": EventUploadForm() if can_lead else None,
        "tier_labels": dora.TIER_LABELS,
        "metric_labels": {m: dora.metric_label(m, benchmark.year) for m in dora.METRICS},
        **benchmark_context(benchmark),
    }
    return render(request, "assessments/team_dora.html", context)


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
    return redirect("team_dora", team_id=team.id)


@login_required
@require_POST
def team_dora_batch_delete(request, team_id, batch_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    with reported(request):
        removed = dora_services.remove_batch(request.user, team, batch_id)
        messages.success(request, f"Upload removed with its {removed} event{pluralize(removed)}.")
    return redirect("team_dora", team_id=team.id)


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
        return redirect("team_dora", team_id=team.id)
    with reported(request):
        dora_services.save_entry(
            request.user, team, form.cleaned_data["period"], form.canonical_values()
        )
        messages.success(request, f"Metrics for {form.cleaned_data['period']} saved.")
    return redirect("team_dora", team_id=team.id)


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
        return redirect("team_dora", team_id=team.id)
    kind = form.cleaned_data["kind"]
    with reported(request, message=_refusal_with_lines):
        upload = form.cleaned_data["file"]
        report = ingest_csv(team, kind, upload, uploaded_by=request.user, filename=upload.name)
        messages.success(
            request,
            f"{kind.capitalize()}: {report.created} created, {report.updated} updated, "
            f"{report.rejected} rejected.",
        )
    return redirect("team_dora", team_id=team.id)
