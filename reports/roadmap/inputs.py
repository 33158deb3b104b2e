"""Gathers what the roadmap planner needs for one result, from the database, into the plain
inputs of the pure planner (reports/roadmap.py)."""

from django.utils import timezone

from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.maturity import selectors
from assessments.models import DoraSnapshot
from assessments.periods import period_end
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.valuestream import rules as valuestream_rules
from assessments.valuestream import services as valuestream_services
from reports.roadmap import planner as roadmap


def dora_for_period(team, period, benchmark):
    """The measured classification (events, else manual entry; ``source`` says which) and the
    self-assessed one (the survey) of the latest period up to ``period``, re-classified against
    ``benchmark``."""
    snapshots = list(
        DoraSnapshot.objects.filter(team=team, period__lte=period).order_by("-period", "source")
    )
    by_period = {}
    for snap in snapshots:
        by_period.setdefault(snap.period, {})[snap.source] = snap
    measured = survey = None
    for period in sorted(by_period, reverse=True):
        sources = by_period[period]
        chosen = sources.get(DoraSnapshot.EVENTS) or sources.get(DoraSnapshot.ENTRY)
        if measured is None and chosen is not None:
            measured = {
                **dora_services.classify(chosen.values, benchmark),
                "period": period,
                "source": chosen.source,  # "events" or "entry": the PDF says which
            }
        if survey is None and DoraSnapshot.SURVEY in sources:
            values = sources[DoraSnapshot.SURVEY].values
            survey = {**dora_services.classify(values, benchmark), "period": period}
    return measured, survey


def plan_input_for_result(result, flow=None):
    team = result.team
    benchmark = dora_services.resolve_benchmark(None, team.organization)
    previous = selectors.previous_result(result)
    previous_by_lineage = {}
    if previous is not None:
        previous_by_lineage = {
            row.get("lineage", row["key"]): row["score"] for row in previous.data["dimensions"]
        }
    dimensions_by_key = {
        d.key: d for d, _ in questionnaire_selectors.questionnaire_structure(result.questionnaire)
    }
    states = []
    for position, row in enumerate(result.data["dimensions"]):
        dimension = dimensions_by_key.get(row["key"])
        states.append(
            roadmap.DimensionState(
                key=row["key"],
                name=row["name"],
                level=row["level"],
                score=row["score"],
                target=row.get("target") if row.get("target_set") else None,
                weight=dimension.weight if dimension else 1.0,
                disagreement=row["disagreement"],
                insufficient=row["insufficient"],
                previous_score=previous_by_lineage.get(row.get("lineage", row["key"])),
                focus_areas={int(k): tuple(v) for k, v in (dimension.focus_areas.items()
                                                           if dimension else [])},
                position=position,
                rules_version=result.scoring_rules_version,
            )
        )  # fmt: skip
    measured, survey = dora_for_period(team, result.period, benchmark)
    organization = team.organization
    if organization.dora_view == organization.DORA_VIEW_COMPARISON:
        segment = dora_services.resolve_segment(None, organization)
        dora_states, comparison_states = [], dora_comparison_states(measured, segment)
    else:
        dora_states, comparison_states = dora_tier_states(measured, survey, benchmark), []
    # The day the result was frozen (when the lead closed the assessment).
    frozen = result.created_at
    result_date = timezone.localdate(frozen) if frozen else period_end(result.period)
    return roadmap.PlanInput(
        team_name=team.name,
        period=result.period,
        result_date=result_date,
        dimensions=states,
        dora=dora_states,
        flow=flow,
        dora_view=organization.dora_view,
        dora_comparison=comparison_states,
    )


def dora_comparison_states(measured, segment):
    """The 2025 comparison view: every measured metric (rework rate too) against the
    organisation's segment. As in the tiers view, only measured values are planned; the
    survey's are the team's own view, shown beside them in the PDF."""
    values = (measured or {}).get("values", {})
    return [
        roadmap.DoraComparisonState(metric, values[metric], segment)
        for metric in dora.SCORED_METRICS
        if values.get(metric) is not None
    ]


def dora_tier_states(measured, survey, benchmark):
    """The tiers view: each metric's measured and self-assessed tier against ``benchmark``."""
    dora_states = []
    if measured or survey:
        for metric in dora.METRICS:
            dora_states.append(
                roadmap.DoraState(
                    metric=metric,
                    measured_tier=(measured or {}).get("tiers", {}).get(metric),
                    self_assessed_tier=(survey or {}).get("tiers", {}).get(metric),
                    measured_value=(measured or {}).get("values", {}).get(metric),
                    benchmark=benchmark.key,
                )
            )
        # Rework rate has no DORA tiers: the team's overall tier picks its guidance band
        # (planner.REWORK_BANDS), so it is planned where it was measured and a tier exists.
        rework = (measured or {}).get("values", {}).get(dora.REWORK_RATE)
        overall = (measured or {}).get("overall")
        if rework is not None and overall is not None:
            dora_states.append(
                roadmap.DoraState(
                    metric=dora.REWORK_RATE,
                    measured_tier=overall,
                    measured_value=rework,
                    benchmark=benchmark.key,
                )
            )
    return dora_states


def plan_for_result(result):
    flow = flow_state_for_team(result.team)
    return roadmap.plan_roadmap(plan_input_for_result(result, flow=flow))


def flow_state_for_team(team):
    """The roadmap planner's view of the team's latest current-state map, or None.

    ``bottleneck_stage`` is the guide stage (ideation ... operations, as the team mapped the
    stage in the editor) of the constraint the team marked (``bottleneck_kind``
    "constraint"), or, when none is marked, of the stage after the largest wait between
    stages ("largest_delay"). None when neither exists or the team mapped that stage to no
    guide stage: the roadmap then boosts nothing. The intake wait (before the first stage) is
    passed on as ``intake_wait_hours`` and never becomes the bottleneck. Figures are
    recomputed from the stored stages, so maps saved before these rules read the same way."""
    vsm = valuestream_services.current_map(team)
    if vsm is None:
        return None
    figures = valuestream_rules.compute_figures(valuestream_services.stages_of(vsm))
    return roadmap.FlowState(
        bottleneck_stage=figures.bottleneck_category,
        flow_efficiency=figures.flow_efficiency_fraction,
        lead_time_hours=figures.lead_time_hours,
        bottleneck_kind=figures.bottleneck_kind or "largest_delay",
        intake_wait_hours=figures.intake_wait_hours,
    )
