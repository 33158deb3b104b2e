"""DORA reads and writes around the pure rules in ``dora.py``: metrics from stored events,
manual entries, the survey summary of an assessment, stored classifications (snapshots), and
the comparison of self-assessed with measured tiers. Views, API, tasks and commands call these;
none of them classifies on its own."""

import datetime as dt
import functools
import statistics

from django.db import transaction
from django.utils import timezone

from assessments import permissions
from assessments.dora import attribution, quickcheck
from assessments.dora import rules as dora
from assessments.models import (
    Deployment,
    DoraEntry,
    DoraSnapshot,
    DoraSurveyAnswer,
    Incident,
    Response,
    Webhook,
)
from assessments.periods import PeriodError, parse_period, period_end, period_for_date
from vsm_site.domain_errors import Invalid, NotAllowed

SOURCES = (DoraSnapshot.SURVEY, DoraSnapshot.ENTRY, DoraSnapshot.EVENTS)
DEFAULT_WINDOW_DAYS = 90


def resolve_benchmark(key, organization=None):
    """The set to use: the requested key, else the organisation's default, else 2024."""
    if key in (None, ""):
        key = getattr(organization, "default_benchmark", None) or dora.DEFAULT_BENCHMARK
    try:
        return dora.get_benchmark(str(key))
    except dora.UnknownBenchmark as exc:
        raise Invalid(str(exc), field="benchmark") from None


def resolve_segment(value=None, organization=None):
    """The 2025 comparison's segment: ``value`` ("industry:<key>" or "org_size:<key>", e.g. a
    page's ``segment`` parameter), else the organisation's setting, else All industries.
    Raises quickcheck.UnknownSegment for a value that names no published segment."""
    if not value:
        value = getattr(organization, "dora_segment", None)
    return quickcheck.parse_segment(value)


def compare_2025(values, segment):
    """Scores (0-10) and the comparison with ``segment`` of metric values (any subset):
    ``{"scores": quickcheck.Scores, "comparison": {aspect: quickcheck.Comparison},
    "segment": segment}``. The one call every page, PDF, export and API makes."""
    items = (values or {}).items()
    present = tuple(sorted((m, v) for m, v in items if m in dora.SCORED_METRICS and v is not None))
    if _keyable(present) and quickcheck.segments().get((segment.kind, segment.key)) is segment:
        scores, compared = _compare_2025_kept(present, segment.kind, segment.key)
    else:  # a segment made by hand (tests), or values no key can hold: computed as they are
        scores, compared = _compare_2025_pure(present, segment)
    return {"scores": scores, "comparison": dict(compared), "segment": segment}


def _keyable(present):
    try:
        hash(present)
    except TypeError:
        return False
    return True


def _compare_2025_pure(present, segment):
    scores = quickcheck.scores(dict(present))
    return scores, quickcheck.compare(scores, segment)


@functools.lru_cache(maxsize=8192)
def _compare_2025_kept(present, kind, key):
    """Kept per metric values and published segment: a CoE dashboard compares every team, and
    the previous period's teams, again on a comparison-cache miss (another period or
    benchmark set); the figures are the same as long as the snapshots are."""
    return _compare_2025_pure(present, quickcheck.get_segment(kind, key))


def classify(values, benchmark):
    """Tiers, overall tier and DORA's 0-10 score of metric values against one set. (Cached:
    dashboards classify hundreds of teams, often with equal values.)"""
    key = tuple(sorted((m, v) for m, v in values.items() if v is not None))
    cached = _classify_cached(key, benchmark.key)
    return {**cached, "values": {m: values.get(m) for m in dora.SCORED_METRICS},
            "tiers": dict(cached["tiers"]), "score": dict(cached["score"])}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _classify_cached(present_items, benchmark_key):
    benchmark = dora.get_benchmark(benchmark_key)
    present = dict(present_items)
    values = present
    tiers = {m: dora.classify(m, present[m], benchmark) if m in present else None
             for m in dora.METRICS}  # fmt: skip
    score = dora.dora_score({m: v for m, v in present.items() if m in dora.SCORED_METRICS})
    return {
        "benchmark": benchmark.key,
        "values": {m: values.get(m) for m in dora.SCORED_METRICS},
        "tiers": tiers,
        "overall": dora.overall_tier(tiers.values()),
        "score": {
            "overall": _round(score.overall),
            "throughput": _round(score.throughput),
            "stability": _round(score.stability),
        },
    }


def _round(value):
    return None if value is None else round(value, 2)


def _store_snapshot(team, period, source, values, details):
    benchmark = resolve_benchmark(None, team.organization)
    classified = classify(values, benchmark)
    snapshot, _ = DoraSnapshot.objects.update_or_create(
        team=team,
        period=period,
        source=source,
        defaults={
            "benchmark": benchmark.key,
            "values": classified["values"],
            "tiers": classified["tiers"],
            "overall_tier": classified["overall"] or "",
            "score": classified["score"],
            "details": details,
        },
    )
    return snapshot


# --- events -------------------------------------------------------------------------------


_DEPLOYMENT_FIELDS = (
    "external_id", "finished_at", "succeeded", "environment", "service", "changes",
    "rolled_back", "hotfix", "caused_failure", "unplanned_fix", "fixes", "planned", "version",
)  # fmt: skip
_INCIDENT_FIELDS = (
    "external_id", "started_at", "resolved_at", "deployment_external_id", "service",
    "description",
)  # fmt: skip
# How far before the window attribution looks for the versions a rollback returns to.
ROLLBACK_LOOKBACK = dt.timedelta(days=30)
# How far after the window it looks for incidents that started because of its deployments.
INCIDENT_LOOKAHEAD = dt.timedelta(days=30)


def incident_window_hours(team):
    """The team's attribution window in hours (default 24)."""
    from assessments.models.dora import AttributionSettings

    row = AttributionSettings.objects.filter(team=team).values_list(
        "incident_window_hours", flat=True
    )
    return next(iter(row), attribution.DEFAULT_INCIDENT_WINDOW_HOURS)


def _load_events(team, window_start, window_end, window_hours):
    """The events attribution needs for the window, as (deployment rows, incident rows,
    deployment ids an incident outside the rows links to, deployment ids fixed by a deployment
    outside the rows). Bounded: a rollback is recognised against versions deployed up to
    ROLLBACK_LOOKBACK before the window; incidents that started up to INCIDENT_LOOKAHEAD after
    it can still be attributed to its deployments."""
    from django.db.models import Q

    deployment_rows = list(
        Deployment.objects.filter(
            team=team,
            finished_at__gt=window_start - max(ROLLBACK_LOOKBACK, dt.timedelta(hours=window_hours)),
            finished_at__lte=window_end,
        ).values_list(*_DEPLOYMENT_FIELDS)
    )
    incident_rows = list(
        Incident.objects.filter(team=team)
        .filter(
            Q(resolved_at__gt=window_start, resolved_at__lte=window_end)
            | Q(started_at__gt=window_start, started_at__lte=window_end + INCIDENT_LOOKAHEAD)
        )
        .values_list(*_INCIDENT_FIELDS)
    )
    known = {row[0] for row in deployment_rows}
    loaded_incidents = {row[0] for row in incident_rows}
    # Deployments outside the rows that incidents in them point to (for recovery from 2023).
    wanted = {row[3] for row in incident_rows if row[3] and row[3] not in known}
    if wanted:
        deployment_rows += list(
            Deployment.objects.filter(team=team, external_id__in=wanted).values_list(
                *_DEPLOYMENT_FIELDS
            )
        )
    # Deployments in the window that incidents or fixes outside the rows point to (they
    # still failed).
    linked_elsewhere = set(
        Incident.objects.filter(team=team, deployment_external_id__in=known)
        .exclude(external_id__in=loaded_incidents)
        .values_list("deployment_external_id", flat=True)
    )
    fixed_elsewhere = set(
        Deployment.objects.filter(
            team=team, fixes__in=known, finished_at__gt=window_end
        ).values_list("fixes", flat=True)
    )
    return deployment_rows, incident_rows, linked_elsewhere | fixed_elsewhere


def attributed_events(team, window_end=None, window_days=DEFAULT_WINDOW_DAYS):
    """The team's events around the window with attribution applied: ``(deployments,
    incidents, attribution, window_hours)``, deployments and incidents as rules.Deployment and
    rules.Incident (each incident linked to the deployment attribution found)."""
    window_end = window_end or timezone.now()
    window_start = window_end - dt.timedelta(days=window_days)
    window_hours = incident_window_hours(team)
    deployment_rows, incident_rows, failed_elsewhere = _load_events(
        team, window_start, window_end, window_hours
    )
    events = [
        attribution.DeploymentEvent(
            external_id=row[0], finished_at=row[1], succeeded=row[2], environment=row[3],
            service=row[4], unplanned_fix=row[9], fixes=row[10], planned=row[11],
            version=row[12],
            change_titles=tuple(str(c.get("title") or "") for c in row[5] or ()),
        )
        for row in deployment_rows
    ]  # fmt: skip
    incident_events = [
        attribution.IncidentEvent(
            external_id=row[0], started_at=row[1], deployment_external_id=row[3],
            service=row[4], description=row[5],
        )
        for row in incident_rows
    ]  # fmt: skip
    result = attribution.attribute(events, incident_events, window_hours)
    deployments = [
        attribution.with_role(
            dora.Deployment(
                external_id=ext_id,
                finished_at=finished,
                succeeded=succeeded,
                environment=environment,
                service=service,
                change_first_commit_times=tuple(
                    dt.datetime.fromisoformat(c["first_commit_at"]) for c in changes or ()
                ),
                rolled_back=rolled_back,
                hotfix=hotfix,
                caused_failure=caused or ext_id in failed_elsewhere,
                unplanned_fix=unplanned,
            ),
            result.deployments.get(ext_id),
        )
        for (ext_id, finished, succeeded, environment, service, changes, rolled_back, hotfix,
             caused, unplanned, *_rest) in deployment_rows
    ]  # fmt: skip
    incidents = [
        dora.Incident(
            external_id=ext_id,
            started_at=started,
            resolved_at=resolved,
            deployment_external_id=result.incidents[ext_id].deployment_id,
        )
        for ext_id, started, resolved, *_rest in incident_rows
    ]
    return deployments, incidents, result, window_hours


def event_metrics(team, window_end=None, window_days=DEFAULT_WINDOW_DAYS, benchmark_year=2024):
    """DORA metrics computed from the team's stored events over the window, incidents and
    fixes attributed as attribution.py says (docs/dora.md, "Events and attribution")."""
    window_end = window_end or timezone.now()
    deployments, incidents, _, _ = attributed_events(team, window_end, window_days)
    return dora.compute_metrics(deployments, incidents, window_end, window_days, benchmark_year)


def _metrics_details(metrics):
    return {
        "window_days": metrics.window_days,
        "window_start": metrics.window_start.isoformat(),
        "window_end": metrics.window_end.isoformat(),
        "deployments": metrics.deployments_count,
        "failed_deployments": metrics.failed_deployments_count,
        "changes": metrics.changes_count,
        "incidents": metrics.incidents_count,
        "recovery_measured_from": metrics.recovery_measured_from,
        "deploy_days_per_week_median": metrics.deploy_days_per_week_median,
    }


def refresh_event_snapshots(team, periods=None, now=None):
    """Store the event-based classification of each period (default: the current one) over
    the 90 days that end with the period (or now, for the current period)."""
    now = now or timezone.now()
    periods = periods or [period_for_date(timezone.localdate(now))]
    benchmark = resolve_benchmark(None, team.organization)
    snapshots = []
    for period in periods:
        end = timezone.make_aware(dt.datetime.combine(period_end(period), dt.time.max))
        end = min(end, now)
        metrics = event_metrics(team, window_end=end, benchmark_year=benchmark.year)
        if metrics.deployments_count == 0 and metrics.incidents_count == 0:
            DoraSnapshot.objects.filter(team=team, period=period, source="events").delete()
            continue
        snapshots.append(
            _store_snapshot(
                team, period, DoraSnapshot.EVENTS, metrics.values(), _metrics_details(metrics)
            )  # fmt: skip
        )
    return snapshots


# --- manual entry -------------------------------------------------------------------------


# What an entry above its plausible maximum (dora.ENTRY_MAXIMA) is told, per metric.
_PERCENT_TOO_HIGH = "{metric} is a percentage: at most {max}, not {value:g}."
_TIME_TOO_HIGH = "{metric} above ten years is not plausible."
_TOO_HIGH = {
    "deployment_frequency": "deployment_frequency above {max:,} a day is not plausible.",
    "lead_time": _TIME_TOO_HIGH,
    "time_to_restore": _TIME_TOO_HIGH,
    "change_failure_rate": _PERCENT_TOO_HIGH,
    dora.REWORK_RATE: _PERCENT_TOO_HIGH,
}


def check_entry_values(values):
    """Hand-entered figures, checked: numbers in DORA's units, none negative, each at most its
    plausible maximum (``dora.ENTRY_MAXIMA``: percentages at most 100). The API's entry
    serializer calls this too, so the page and the API hold the same rule."""
    clean = {}
    for metric in dora.SCORED_METRICS:
        raw = values.get(metric)
        if raw is None or raw == "":
            clean[metric] = None
            continue
        if isinstance(raw, bool):
            raise Invalid(f"{metric} must be a number, not {raw!r}.", field=metric)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise Invalid(f"{metric} must be a number, not {raw!r}.", field=metric) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise Invalid(f"{metric} must be a finite number.", field=metric)
        if value < 0:
            raise Invalid(f"{metric} cannot be negative ({value:g}).", field=metric)
        maximum = dora.ENTRY_MAXIMA[metric]
        if value > maximum:
            raise Invalid(_TOO_HIGH[metric].format(metric=metric, max=maximum, value=value),
                          field=metric)  # fmt: skip
        clean[metric] = value
    unknown = set(values) - set(dora.SCORED_METRICS)
    if unknown:
        raise Invalid(f"Unknown metric(s): {', '.join(sorted(unknown))}.")
    if all(v is None for v in clean.values()):
        raise Invalid("Enter at least one metric.")
    return clean


def save_entry(user, team, period, values):
    """Store metrics a lead entered for a period (canonical units: deployments per day, hours,
    percent) and their classification."""
    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead enters DORA metrics.")
    try:
        parse_period(period)
    except PeriodError as exc:
        raise Invalid(str(exc), field="period") from None
    clean = check_entry_values(values)
    with transaction.atomic():
        entry, _ = DoraEntry.objects.update_or_create(
            team=team, period=period, defaults={**clean, "entered_by": user}
        )
        _store_snapshot(team, period, DoraSnapshot.ENTRY, clean, {"entered_by": user.username})
    return entry


def delete_entry(user, team, period):
    """Remove the figures a lead entered for a period, and their classification. The delete
    goes through the model, so the audit trail records it."""
    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead deletes DORA figures.")
    with transaction.atomic():
        entry = DoraEntry.objects.filter(team=team, period=period).first()
        if entry is None:
            raise Invalid(f"No figures entered for {period}.", field="period")
        entry.delete()
        DoraSnapshot.objects.filter(team=team, period=period, source=DoraSnapshot.ENTRY).delete()


ENTRY_UNITS = {
    "deployment_frequency": "per day",
    "lead_time": "hours",
    "time_to_restore": "hours",
    "change_failure_rate": "%",
    "rework_rate": "%",
}


def entered_figures(team):
    """The figures entered by hand, newest period first: per metric the stored value in its
    unit (per day, hours, percent) and the same value as the page shows it (e.g. 3.0 per
    week), so a lead can check the conversion."""
    entries = list(
        DoraEntry.objects.filter(team=team).select_related("entered_by").order_by("-period")
    )
    rows = []
    for entry in entries:
        figures = []
        for metric in dora.SCORED_METRICS:
            value = getattr(entry, metric)
            if value is None:
                continue
            stored = f"{value:g} {ENTRY_UNITS[metric]}".replace(" %", "%")
            figures.append(
                {
                    "metric": metric,
                    "value": value,
                    "stored": stored,
                    "display": display_value(metric, value),
                }
            )
        rows.append({"entry": entry, "period": entry.period, "figures": figures})
    return rows


def event_batches(team):
    from assessments.models import EventBatch

    return list(
        EventBatch.objects.filter(team=team)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-id")
    )


def remove_batch(user, team, batch_id):
    """Delete an uploaded file's events (those it last wrote) and the batch, then refresh the
    event-based classification of the periods they fell in. Returns the number of events."""
    from assessments.models import EventBatch

    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead removes uploaded events.")
    with transaction.atomic():
        batch = EventBatch.objects.select_for_update().filter(team=team, pk=batch_id).first()
        if batch is None:
            raise Invalid("That upload does not exist (any more).")
        events = Deployment.objects if batch.kind == "deployments" else Incident.objects
        moment = "finished_at" if batch.kind == "deployments" else "started_at"
        dates = events.filter(batch=batch).values_list(moment, flat=True)
        periods = {period_for_date(timezone.localdate(d)) for d in dates if d}
        removed, _ = events.filter(batch=batch).delete()
        batch.delete()
    periods.add(period_for_date(timezone.localdate()))
    refresh_event_snapshots(team, periods=sorted(periods))
    return removed


# --- survey -------------------------------------------------------------------------------

SURVEY_FIELDS = ("deployment_frequency", "lead_time", "time_to_restore")


def clean_survey_answers(answers):
    """The DORA survey answers of one respondent, checked: option keys for the three
    time-based metrics ("" when unanswered), percentages 0-100 for CFR and rework rate (None
    when unanswered). Raises Invalid naming the field. The answering service stores them
    (assessments.maturity.services.save_survey_answers)."""
    clean = {}
    for metric, raw in answers.items():
        if metric in SURVEY_FIELDS:
            if raw in (None, ""):
                clean[metric] = ""
                continue
            try:
                dora.survey_option(metric, raw)
            except (KeyError, ValueError):
                keys = ", ".join(o.key for o in dora.SURVEY_OPTIONS[metric])
                raise Invalid(f"{metric}: {raw!r} is not one of {keys}.", field=metric) from None
            clean[metric] = raw
        elif metric in ("change_failure_rate", "rework_rate"):
            if raw in (None, ""):
                clean[metric] = None
                continue
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise Invalid(
                    f"{metric} must be a percentage, not {raw!r}.", field=metric
                ) from None
            if not 0 <= value <= dora.MAX_PERCENT:
                raise Invalid(f"{metric} must be between 0 and {dora.MAX_PERCENT}.", field=metric)
            clean[metric] = value
        else:
            raise Invalid(f"Unknown DORA question {metric!r}.", field=metric)
    return clean


def survey_values(assessment):
    """The team's self-assessed values: per metric the median of the submitted respondents'
    answers (the representative value of each answer option; the worse middle value when the
    count is even, so a split team is not rounded up)."""
    rows = DoraSurveyAnswer.objects.filter(
        response__assessment=assessment, response__status=Response.SUBMITTED
    )
    collected = {m: [] for m in dora.SCORED_METRICS}
    for row in rows:
        for metric in SURVEY_FIELDS:
            key = getattr(row, metric)
            if key:
                collected[metric].append(dora.survey_option(metric, key).value)
        for metric in ("change_failure_rate", "rework_rate"):
            value = getattr(row, metric)
            if value is not None:
                collected[metric].append(value)
    values = {}
    for metric, items in collected.items():
        if not items:
            values[metric] = None
        elif metric == "deployment_frequency":  # the only metric where higher is better
            values[metric] = statistics.median_low(items)
        else:
            values[metric] = statistics.median_high(items)
    return values, len(rows)


def store_survey_snapshot(assessment):
    values, respondents = survey_values(assessment)
    if all(v is None for v in values.values()):
        return None
    return _store_snapshot(
        assessment.team, assessment.period, DoraSnapshot.SURVEY, values,
        {"respondents": respondents, "assessment": assessment.id},
    )  # fmt: skip


# --- reading ------------------------------------------------------------------------------


def compare_self_and_measured(survey, measured):
    """Metric by metric, where the self-assessed tier differs from the measured one. Both are
    classification dicts against the same set. ``better`` means the team rated itself better
    than its data shows."""
    if not survey or not measured:
        return []
    order = {tier: i for i, tier in enumerate(dora.TIERS)}
    differences = []
    for metric in dora.METRICS:
        said, shown = survey["tiers"].get(metric), measured["tiers"].get(metric)
        if said and shown and said != shown:
            differences.append(
                {
                    "metric": metric,
                    "self_assessed": said,
                    "measured": shown,
                    "direction": "better" if order[said] < order[shown] else "worse",
                }
            )
    return differences


def team_dora_overview(team, benchmark, segment=None):
    """Per period and source, the stored values re-classified against ``benchmark`` (display
    only; the snapshots keep the set they were stored with). Newest period first.

    With a ``segment`` (quickcheck.Segment) each source also carries ``compared``, its 2025
    scores and comparison (``compare_2025``), and each period ``band_gaps`` (the metrics
    whose self-assessed band differs from the measured one) and ``summary_2025`` (overall,
    throughput and stability of the measured figures, else of the survey, as pages draw
    them). Whatever path the figures came by (events, entered by hand, the survey), the same
    five stored values are compared."""
    snapshots = list(DoraSnapshot.objects.filter(team=team).order_by("-period", "source"))
    periods = {}
    for snap in snapshots:
        entry = periods.setdefault(snap.period, {"period": snap.period})
        classified = classify(snap.values, benchmark)
        classified["stored_benchmark"] = snap.benchmark
        classified["stored_overall"] = snap.overall_tier or None
        classified["details"] = snap.details
        if segment is not None:
            classified["compared"] = compare_2025(snap.values, segment)
        entry[snap.source] = classified
    rows = []
    for period in sorted(periods, reverse=True):
        entry = periods[period]
        measured_source = measured_source_of(entry)
        measured = entry.get(measured_source)
        entry["gaps"] = compare_self_and_measured(entry.get("survey"), measured)
        if segment is not None:
            survey = entry.get("survey")
            entry["band_gaps"] = compare_bands(
                survey and survey["compared"], measured and measured["compared"]
            )
            shown_source = measured_source or "survey"
            entry["summary_2025"] = summary_2025(entry[shown_source]["compared"], shown_source)
        rows.append(entry)
    return rows


def measured_source_of(row):
    """Which measured figures of a period pages show: events, else those entered by hand."""
    return "events" if "events" in row else ("entry" if "entry" in row else None)


def latest_of(overview):
    """The period the team page details: the newest with both a survey and measured figures
    (so self-assessed and measured can be set side by side), else simply the newest."""
    return next(
        (row for row in overview if "survey" in row and measured_source_of(row)),
        overview[0] if overview else None,
    )


# --- the 2025 comparison as pages draw it ---------------------------------------------------

SCALE_SD = 3  # the drawing spans mean - 3 sd .. mean + 3 sd (quickcheck.position)
_BAND_ORDER = {key: i for i, (key, _label) in enumerate(quickcheck.BANDS)}


def _signed(value):
    value = value or 0.0  # no "-0.00"
    return f"{value:+.2f}".replace("-", "\N{MINUS SIGN}")


def aspect_view(comparison):
    """One compared aspect (a quickcheck.Comparison, or None) as pages show it: the score and
    the segment's mean and sd as text, z with its sign, the band, and where the marker sits on
    the drawing (a CSS percentage, formatted here so no locale turns it into "67,3")."""
    if comparison is None:
        return None
    z = comparison.z
    return {
        "score": comparison.score,
        "score_text": f"{comparison.score:.1f}",
        "mean_text": f"{comparison.mean:.1f}",
        "sd_text": f"{comparison.sd:.1f}",
        "z": z,
        "z_text": _signed(z),
        "band": comparison.band,
        "band_label": comparison.band_label,
        "position": f"{quickcheck.position(z, SCALE_SD) * 100:.1f}%",
        # Beyond the drawing: the marker sits at its edge, the text says how far.
        "beyond": "above" if z > SCALE_SD else ("below" if z < -SCALE_SD else ""),
    }


def metric_name(metric, year=None):
    """A metric's name as the report of ``year`` uses it, rework rate included."""
    return dora.REWORK_RATE_LABEL if metric == dora.REWORK_RATE else dora.metric_label(metric, year)


def dora_card(classified, year=None):
    """What the team page's card draws of one source's figures (a ``team_dora_overview``
    entry): the five metrics in DORA's two factors (``quickcheck.FACTORS``, the one grouping
    every page uses), each with its value as people read it, its tier (tiers view) and its
    2025 score and comparison (comparison view, when the entry was compared); the factors and
    the overall score with their comparison. Names as the report of ``year`` uses them."""
    if not classified:
        return None
    values = classified.get("values") or {}
    tiers = classified.get("tiers") or {}
    compared = classified.get("compared")
    comparison = compared["comparison"] if compared else {}
    factors = []
    for key, label, metrics in quickcheck.FACTORS:
        rows = [
            {
                "metric": metric,
                "label": metric_name(metric, year),
                "value": values.get(metric),
                "display": display_value(metric, values.get(metric)),
                "tier": tiers.get(metric),
                "has_tiers": metric in dora.METRICS,
                "compared": aspect_view(comparison.get(metric)),
            }
            for metric in metrics
        ]
        factors.append(
            {"key": key, "label": label, "rows": rows, "compared": aspect_view(comparison.get(key))}
        )
    return {"factors": factors, "overall": aspect_view(comparison.get("overall"))}


def summary_2025(compared, source):
    """Overall, throughput and stability of one source's comparison, as tables show them,
    with the segment they were compared with and the citation of its figures."""
    comparison = compared["comparison"]
    return {
        "source": source,
        "segment": compared["segment"],
        "citation": quickcheck.CITATION,
        **{aspect: aspect_view(comparison.get(aspect))
           for aspect in ("overall", "throughput", "stability")},
    }  # fmt: skip


def compare_bands(survey, measured):
    """Metric by metric, where the band of the self-assessed score differs from the band of
    the measured one (both ``compare_2025`` results against the same segment): the 2025 twin
    of ``compare_self_and_measured``. ``better`` means the team rated itself better than its
    figures show."""
    if not survey or not measured:
        return []
    differences = []
    for metric in (m for _key, _label, metrics in quickcheck.FACTORS for m in metrics):
        said = survey["comparison"].get(metric)
        shown = measured["comparison"].get(metric)
        if said and shown and said.band != shown.band:
            differences.append(
                {
                    "metric": metric,
                    "self_assessed": said.band_label,
                    "measured": shown.band_label,
                    "direction": "better"
                    if _BAND_ORDER[said.band] > _BAND_ORDER[shown.band]
                    else "worse",
                }
            )
    return differences


def organization_segment(organization):
    """The segment the organisation compares with; All industries when its setting names no
    published segment (the settings form only offers published ones, but a page should not
    fail on a stored value that no longer parses)."""
    try:
        return resolve_segment(None, organization)
    except quickcheck.UnknownSegment:
        return quickcheck.get_segment(*quickcheck.DEFAULT_SEGMENT)


def display_value(metric, value):
    """A metric value for people: '2.1 per day', '3 per week', '5.2 h', '7.5 days', '12.5%'."""
    if value is None:
        return "—"
    if metric == "deployment_frequency":
        if value >= 1:
            return f"{value:.1f} per day"
        if value * 7 >= 1:
            return f"{value * 7:.1f} per week"
        return f"{value * 730 / 24:.1f} per month"
    if metric in ("lead_time", "time_to_restore"):
        if value < 1:
            return f"{value * 60:.0f} min"
        if value < 48:
            return f"{value:.1f} h"
        return f"{value / 24:.1f} days"
    return f"{value:.1f}%"


def benchmark_context(benchmark):
    """What every page that shows a tier explains: the set, its source and the rule."""
    return {
        "benchmark": benchmark,
        "benchmark_sets": list(dora.benchmark_sets().values()),
        "benchmark_rule": dora.explain_rule(benchmark),
        "benchmark_cells": [
            {
                "metric": metric,
                "label": dora.metric_label(metric, benchmark.year),
                "cells": [
                    (
                        tier,
                        benchmark.cell(metric, tier).text if benchmark.cell(metric, tier) else None,
                    )
                    for tier in dora.TIERS
                ],
            }
            for metric in dora.METRICS
        ],  # fmt: skip
    }


# --- ownership (attribution) ----------------------------------------------------------------


def team_ownerships(team):
    """What the team owns (services, repositories, path prefixes), by kind and value."""
    from assessments.models.dora import TeamOwnership

    return list(TeamOwnership.objects.filter(team=team).order_by("kind", "value"))


def _clean_ownership(kind, value):
    from assessments.models.dora import TeamOwnership

    kinds = [k for k, _ in TeamOwnership.KIND_CHOICES]
    if kind not in kinds:
        raise Invalid(f"kind must be one of {', '.join(kinds)}, not {kind!r}.", field="kind")
    value = str(value or "").strip()
    if kind == TeamOwnership.PATH:
        value = attribution.normalise_path(value).rstrip("/")
    elif kind == TeamOwnership.REPOSITORY:
        value = value.lower()
        if value.count("/") < 1 or value.startswith("/") or value.endswith("/"):
            raise Invalid("A repository is its full name, such as acme/checkout.", field="value")
    if not value:
        raise Invalid("value is required.", field="value")
    max_length = TeamOwnership._meta.get_field("value").max_length
    if len(value) > max_length:
        raise Invalid(f"value is at most {max_length} characters.", field="value")
    return value


def add_ownership(user, team, kind, value):
    """Record that ``team`` owns a service, repository or path prefix. Only the team's lead
    and organisation admins may; a thing another team of the organisation already owns is
    refused with that team's name (the unique constraint is the truth)."""
    from django.db import IntegrityError

    from assessments.models.dora import TeamOwnership

    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead or an organisation admin manages ownership.")
    value = _clean_ownership(kind, value)
    existing = (
        TeamOwnership.objects.filter(organization_id=team.organization_id, kind=kind, value=value)
        .select_related("team")
        .first()
    )
    if existing is not None:
        if existing.team_id == team.id:
            return existing, False
        raise Invalid(f"{existing.team.name} already owns {kind} {value!r}.", field="value")
    try:
        with transaction.atomic():
            ownership = TeamOwnership.objects.create(
                organization_id=team.organization_id, team=team, kind=kind, value=value
            )
    except IntegrityError:
        raise Invalid(f"Another team already owns {kind} {value!r}.", field="value") from None
    return ownership, True


def remove_ownership(user, team, ownership_id):
    """Remove one of the team's ownerships (lead or organisation admin)."""
    from assessments.models.dora import TeamOwnership
    from vsm_site.domain_errors import NotFound

    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead or an organisation admin manages ownership.")
    deleted, _ = TeamOwnership.objects.filter(team=team, pk=ownership_id).delete()
    if not deleted:
        raise NotFound("No such ownership.")


def set_incident_window(user, team, hours):
    """The team's attribution window: an incident is attributed to the last production
    deployment of its service that finished this many hours (1-720) before it started."""
    from assessments.models.dora import AttributionSettings

    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead or an organisation admin sets the window.")
    try:
        hours = int(str(hours).strip())
    except (TypeError, ValueError):
        raise Invalid(f"The window is a whole number of hours, not {hours!r}.",
                      field="incident_window_hours") from None  # fmt: skip
    if not 1 <= hours <= 720:
        raise Invalid("The window is 1 to 720 hours.", field="incident_window_hours")
    AttributionSettings.objects.update_or_create(
        team=team, defaults={"incident_window_hours": hours}
    )
    return hours


def record_unrouted_event(organization, provider, summary, reason, *, delivery=None,
                          event_type="", subject=""):  # fmt: skip
    """Keep an organisation webhook event no team owns, with the reason route_event gave, for
    the CoE's list of unrouted events. One row per delivery: deriving it again replaces it."""
    from assessments.models.dora import UnroutedEvent

    fields = {
        "organization": organization,
        "provider": provider,
        "event_type": str(event_type)[:60],
        "subject": str(subject)[:300],
        "summary": str(summary)[:300],
        "reason": str(reason)[:300],
    }
    if delivery is None:
        return UnroutedEvent.objects.create(**fields)
    fields["received_at"] = delivery.received_at
    event, _ = UnroutedEvent.objects.update_or_create(delivery=delivery, defaults=fields)
    return event


UNROUTED_PAGE_SIZE = 50


PROVIDER_LABELS = dict(Webhook.PROVIDERS)


def unrouted_subjects(organization):
    """What the organisation's unrouted events named, the most recently seen first, one row
    per name: ``{"subject", "count", "last_received_at", "providers", "kind"}``, ``kind``
    being the ownership that would route them (a repository for GitHub and GitLab events, a
    service for incident tools)."""
    from django.db.models import Count, Max

    from assessments.dora import webhooks as wh
    from assessments.models.dora import TeamOwnership, UnroutedEvent

    rows = (
        UnroutedEvent.objects.filter(organization=organization)
        .values("subject", "provider")
        .annotate(count=Count("id"), last=Max("received_at"))
    )
    subjects = {}
    for row in rows:
        entry = subjects.setdefault(
            row["subject"],
            {"subject": row["subject"], "count": 0, "last_received_at": row["last"],
             "providers": [], "kind": TeamOwnership.SERVICE},
        )  # fmt: skip
        entry["count"] += row["count"]
        entry["last_received_at"] = max(entry["last_received_at"], row["last"])
        entry["providers"].append(PROVIDER_LABELS.get(row["provider"], row["provider"]))
        if row["provider"] in (wh.GITHUB, wh.GITLAB):
            entry["kind"] = TeamOwnership.REPOSITORY
    for entry in subjects.values():
        entry["providers"].sort()
    return sorted(
        subjects.values(), key=lambda e: (-e["last_received_at"].timestamp(), e["subject"])
    )


def unrouted_events(organization):
    """The organisation's unrouted events, newest first (for a paginated list)."""
    from assessments.models.dora import UnroutedEvent

    return UnroutedEvent.objects.filter(organization=organization).order_by("-received_at", "-pk")


# --- explanation of measured figures --------------------------------------------------------

EXPLANATION_EXAMPLES = 5  # events listed per metric; the counts cover all of them


def explain_measured(team, window_end=None, window_days=DEFAULT_WINDOW_DAYS, benchmark_year=2024):
    """Plain data behind each measured figure of the window, for the DORA page's <details>:
    ``{"window_start", "window_end", "window_days", "window_hours", "metrics": {metric:
    {"value", "count", "events": [...first few...], "missing": reason or None, "rule"}},
    "incidents": [...every incident of the window with the rule that attributed it...]}``.
    The same events and attribution event_metrics uses, so the figures and the explanation
    cannot disagree."""
    window_end = window_end or timezone.now()
    deployments, incidents, result, window_hours = attributed_events(team, window_end, window_days)
    metrics = dora.compute_metrics(deployments, incidents, window_end, window_days, benchmark_year)
    start = metrics.window_start

    def in_window(moment):
        return moment is not None and start < moment <= window_end

    prod = sorted(
        (d for d in deployments if d.is_production and in_window(d.finished_at)),
        key=lambda d: d.finished_at,
    )
    linked = {i.deployment_external_id for i in incidents if i.deployment_external_id}
    ok = [d for d in prod if d.succeeded]

    def failure_reasons(d):
        role = result.deployments.get(d.external_id)
        reasons = [name for name, flag in (("failed", not d.succeeded),
                   ("flagged rolled back", d.rolled_back), ("flagged hot-fixed", d.hotfix))
                   if flag]  # fmt: skip
        if role and role.fixed_by:
            reasons.append("fixed or rolled back by " + ", ".join(role.fixed_by))
        if role and role.incidents:
            reasons.append("caused incident " + ", ".join(role.incidents))
        elif d.external_id in linked:
            reasons.append("an incident links to it")
        if d.caused_failure and not reasons:
            reasons.append("flagged caused_failure")
        return reasons

    def rework_reason(d):
        role = result.deployments.get(d.external_id)
        if role and role.fixes:
            return f"fixes {role.fixes} ({role.fix_reason})"
        return "flagged unplanned_fix"

    def row(d, text):
        return {"id": d.external_id, "at": d.finished_at, "service": d.service, "text": text}

    failed = [d for d in prod if failure_reasons(d)]
    rework = [d for d in prod if d.unplanned_fix]
    with_changes = [d for d in ok if d.change_first_commit_times]
    resolved = sorted((i for i in incidents if in_window(i.resolved_at)),
                      key=lambda i: i.resolved_at)  # fmt: skip
    no_deployments = "No production deployment finished in the window."
    incident_rows = []
    for i in sorted(incidents, key=lambda i: i.started_at):
        rule = result.incidents[i.external_id]
        incident_rows.append({
            "id": i.external_id, "started_at": i.started_at, "resolved_at": i.resolved_at,
            "deployment": rule.deployment_id, "rule": rule.rule,
            "rule_label": attribution.RULE_LABELS[rule.rule], "detail": rule.detail,
            "counts_for_failure": rule.deployment_id is not None,
            "counts_for_recovery": in_window(i.resolved_at),
        })  # fmt: skip
    recovery_from = (
        "the attributed deployment's finish (the incident's start when none)"
        if metrics.recovery_measured_from == "deployment"
        else "the incident's start"
    )
    explained = {
        "deployment_frequency": {
            "count": len(ok),
            "rule": f"{len(ok)} successful production deployments / {window_days} days.",
            "events": [row(d, "succeeded") for d in ok[-EXPLANATION_EXAMPLES:]],
            "missing": None if prod else no_deployments,
        },
        "lead_time": {
            "count": metrics.changes_count,
            "rule": "Median over the changes of successful deployments of (deployed - first "
            "commit).",
            "events": [
                row(d, f"{len(d.change_first_commit_times)} change(s)")
                for d in with_changes[-EXPLANATION_EXAMPLES:]
            ],  # fmt: skip
            "missing": None
            if with_changes
            else "No successful production deployment in the window names a change with its "
            "first-commit time.",  # fmt: skip
        },
        "change_failure_rate": {
            "count": len(failed),
            "rule": f"{len(failed)} deployments that failed, were rolled back or fixed, or "
            f"caused an attributed incident / {len(prod)} production deployments.",
            "events": [
                row(d, "; ".join(failure_reasons(d))) for d in failed[-EXPLANATION_EXAMPLES:]
            ],  # fmt: skip
            "missing": None if prod else no_deployments,
        },
        "time_to_restore": {
            "count": len(resolved),
            "rule": f"Median over the {len(resolved)} incidents resolved in the window of "
            f"(resolved - {recovery_from}).",
            "events": [
                {
                    "id": i.external_id,
                    "at": i.resolved_at,
                    "service": "",
                    "text": attribution.RULE_LABELS[result.incidents[i.external_id].rule],
                }
                for i in resolved[-EXPLANATION_EXAMPLES:]
            ],  # fmt: skip
            "missing": None if resolved else "No incident was resolved in the window.",
        },
        dora.REWORK_RATE: {
            "count": len(rework),
            "rule": f"{len(rework)} unplanned fix deployments (rollbacks included) / "
            f"{len(prod)} production deployments.",
            "events": [row(d, rework_reason(d)) for d in rework[-EXPLANATION_EXAMPLES:]],
            "missing": None if prod else no_deployments,
        },
    }
    values = metrics.values()
    for metric, entry in explained.items():
        entry["value"] = values.get(metric)
        entry["label"] = metric_name(metric, benchmark_year)
    return {
        "window_start": start,
        "window_end": window_end,
        "window_days": window_days,
        "window_hours": window_hours,
        "metrics": explained,
        "incidents": incident_rows,
        "unattributed": sum(1 for r in incident_rows if r["deployment"] is None),
    }
