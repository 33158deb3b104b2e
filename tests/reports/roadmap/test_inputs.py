"""What the planner is given for a frozen result (reports.roadmap.inputs): the result's own
scoring rules, and every measured DORA metric including rework rate, in the view the
organisation chose (tiers, or the 2025 comparison with its segment)."""

import pytest

from assessments.dora import quickcheck
from assessments.dora import services as dora_services
from assessments.models import Organization, Result
from reports.roadmap import inputs

MEASURED = {"deployment_frequency": 1 / 30, "lead_time": 400.0, "time_to_restore": 48.0,
            "change_failure_rate": 30.0, "rework_rate": 25.0}  # fmt: skip


def _view(result, view, segment="industry:all"):
    """The result, read again after its organisation chose ``view`` and ``segment``."""
    Organization.objects.filter(pk=result.team.organization_id).update(
        dora_view=view, dora_segment=segment
    )
    return Result.objects.get(pk=result.pk)


def test_rework_rate_is_planned_from_measured_values(world, closed_result):
    closed_result = _view(closed_result, Organization.DORA_VIEW_TIERS)
    dora_services.save_entry(
        world.lead_a,
        world.team_a,
        closed_result.period,
        {"deployment_frequency": 1 / 30, "lead_time": 400.0, "time_to_restore": 48.0,
         "change_failure_rate": 30.0, "rework_rate": 25.0},
    )  # fmt: skip
    plan_input = inputs.plan_input_for_result(closed_result)
    rework = next(s for s in plan_input.dora if s.metric == "rework_rate")
    assert (rework.measured_value, rework.measured_tier) == (25.0, "low")  # the overall tier
    assert "dora:rework_rate" in [item.key for item in inputs.plan_for_result(closed_result).items]


@pytest.mark.parametrize("view", [Organization.DORA_VIEW_TIERS, Organization.DORA_VIEW_COMPARISON])
def test_without_a_measured_rework_rate_there_is_no_rework_item(world, closed_result, view):
    closed_result = _view(closed_result, view)
    dora_services.save_entry(
        world.lead_a, world.team_a, closed_result.period, {"time_to_restore": 48.0}
    )
    plan_input = inputs.plan_input_for_result(closed_result)
    assert "rework_rate" not in [s.metric for s in (*plan_input.dora, *plan_input.dora_comparison)]


def test_a_rules_v1_result_is_planned_with_its_own_level(world, closed_result):
    """A result frozen under rules v1 with a dimension at 4.85 (level 4 then, 5 now)."""
    data = closed_result.data
    row = data["dimensions"][0]
    row.update(score=4.85, level=4, insufficient=False, target=None, target_set=False)
    Result.objects.filter(pk=closed_result.pk).update(data=data, scoring_rules_version=1)
    result = Result.objects.get(pk=closed_result.pk)
    state = inputs.plan_input_for_result(result).dimensions[0]
    assert (state.level, state.rules_version, state.effective_target) == (4, 1, 5)


def test_comparison_view_plans_every_measured_metric_against_the_organisations_segment(
    world, closed_result
):
    closed_result = _view(closed_result, Organization.DORA_VIEW_COMPARISON, "industry:retail")
    dora_services.save_entry(world.lead_a, world.team_a, closed_result.period, MEASURED)
    plan_input = inputs.plan_input_for_result(closed_result)
    assert (plan_input.dora_view, plan_input.dora) == ("comparison", ())
    retail = quickcheck.get_segment("industry", "retail")
    assert [(s.metric, s.measured_value, s.segment) for s in plan_input.dora_comparison] == [
        (metric, value, retail) for metric, value in MEASURED.items()
    ]
    # 400 h is "between one week and one month": score 4.0 against Retail's 5.9 +- 2.3.
    lead_time = plan_input.dora_comparison[1].comparison
    assert (lead_time.score, lead_time.z, lead_time.band) == (4.0, -0.83, "below")
    items = {i.key: i for i in inputs.plan_for_result(closed_result).items}
    assert (items["dora:lead_time"].from_tier, items["dora:lead_time"].to_tier) == (
        "below",
        "typical",
    )


def test_tiers_view_plans_tiers_as_before(world, closed_result):
    closed_result = _view(closed_result, Organization.DORA_VIEW_TIERS, "industry:retail")
    dora_services.save_entry(world.lead_a, world.team_a, closed_result.period, MEASURED)
    plan_input = inputs.plan_input_for_result(closed_result)
    assert (plan_input.dora_view, plan_input.dora_comparison) == ("tiers", ())
    assert [(s.metric, s.measured_tier) for s in plan_input.dora] == [
        ("deployment_frequency", "medium"),
        ("lead_time", "medium"),
        ("time_to_restore", "low"),
        ("change_failure_rate", "low"),
        ("rework_rate", "low"),  # the overall tier picks rework's guidance
    ]
    items = {i.key: i for i in inputs.plan_for_result(closed_result).items}
    assert (items["dora:lead_time"].from_tier, items["dora:lead_time"].to_tier) == (
        "medium",
        "high",
    )


def test_comparison_view_without_measured_values_plans_no_dora_item(world, closed_result):
    closed_result = _view(closed_result, Organization.DORA_VIEW_COMPARISON)
    plan_input = inputs.plan_input_for_result(closed_result)
    assert plan_input.dora_comparison == ()
    assert not [i for i in inputs.plan_for_result(closed_result).items if i.kind == "dora"]


def test_measured_dora_says_where_it_comes_from(world, closed_result):
    dora_services.save_entry(world.lead_a, world.team_a, closed_result.period, MEASURED)
    benchmark = dora_services.resolve_benchmark(None, world.org)
    measured, survey = inputs.dora_for_period(world.team_a, closed_result.period, benchmark)
    assert (measured["source"], measured["period"], survey) == ("entry", closed_result.period, None)
