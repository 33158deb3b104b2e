"""What a team's roadmap document is made of, read once, in dependency order.

``gather(result)`` reads every source the roadmap PDF shows (shape of the PDF's context:
reports/pdf/render.py), and the parts the roadmap page shows, in one pass:

    result -> team (group, organisation) -> benchmark set and DORA view and segment (the
                                               organisation's: tiers, or the 2025 comparison)
           -> roadmap and its items (owners)        planned when the result was frozen
           -> previous result                       the change since, the radar's dashed line
           -> history up to the result's period     the trend chart
           -> DORA state for the period             measured and self-assessed, classified
           -> value stream maps                     current and future

Builders take the gathered ``RoadmapSources`` and read nothing more (the questionnaire's
structure comes from its process cache; comments only when the reader may see them):
``reports.pdf.context.roadmap_context`` for the PDF, and the roadmap page."""

from dataclasses import dataclass

from assessments.dora import services as dora_services
from assessments.maturity import selectors
from assessments.models import Result, Team, ValueStreamMap
from assessments.valuestream import services as valuestream_services
from reports.coe.history import trend_rows
from reports.models import Roadmap
from reports.roadmap import inputs


@dataclass(frozen=True)
class RoadmapSources:
    result: Result
    team: Team
    benchmark: object  # assessments.dora.rules.BenchmarkSet
    dora_view: str  # "comparison" (DORA's 2025 comparison) or "tiers" (Organization.dora_view)
    segment: object  # assessments.dora.quickcheck.Segment the comparison is made against
    roadmap: Roadmap
    items: list  # RoadmapItem, in position order, owners loaded
    previous: Result | None
    history: list  # reports.coe.history.trend_rows up to the result's period
    measured: dict | None  # DORA classification from events or manual entry
    self_assessed: dict | None  # DORA classification from the survey
    current_map: ValueStreamMap | None
    future_map: ValueStreamMap | None


def gather(result):
    """Every source of ``result``'s roadmap document, each read once (about ten queries)."""
    team = Team.objects.select_related("group", "organization").get(pk=result.team_id)
    result.team = team
    benchmark = dora_services.resolve_benchmark(None, team.organization)
    segment = dora_services.resolve_segment(None, team.organization)
    roadmap = Roadmap.objects.get(result=result)  # planned when the result was frozen
    roadmap.team, roadmap.result = team, result
    items = list(roadmap.items.select_related("owner").order_by("position"))
    previous = selectors.previous_result(result)
    history = [
        row for row in trend_rows(team, result.questionnaire_key) if row["period"] <= result.period
    ]
    measured, self_assessed = inputs.dora_for_period(team, result.period, benchmark)
    current = valuestream_services.current_map(team)
    future = (
        valuestream_services.current_map(team, ValueStreamMap.FUTURE)
        if current is not None
        else None
    )
    return RoadmapSources(
        result=result, team=team, benchmark=benchmark, dora_view=team.organization.dora_view,
        segment=segment, roadmap=roadmap, items=items,
        previous=previous, history=history, measured=measured, self_assessed=self_assessed,
        current_map=current, future_map=future,
    )  # fmt: skip
