"""What the planner is given for a frozen result (reports.roadmap.inputs): the result's own
scoring rules, and every measured DORA metric including rework rate."""

from assessments.dora import services as dora_services
from assessments.models import Result
from reports.roadmap import inputs


def test_rework_rate_is_planned_from_measured_values(world, closed_result):
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


def test_without_a_measured_rework_rate_there_is_no_rework_item(world, closed_result):
    dora_services.save_entry(
        world.lead_a, world.team_a, closed_result.period, {"time_to_restore": 48.0}
    )
    plan_input = inputs.plan_input_for_result(closed_result)
    assert "rework_rate" not in [s.metric for s in plan_input.dora]


def test_a_rules_v1_result_is_planned_with_its_own_level(world, closed_result):
    """A result frozen under rules v1 with a dimension at 4.85 (level 4 then, 5 now)."""
    data = closed_result.data
    row = data["dimensions"][0]
    row.update(score=4.85, level=4, insufficient=False, target=None, target_set=False)
    Result.objects.filter(pk=closed_result.pk).update(data=data, scoring_rules_version=1)
    result = Result.objects.get(pk=closed_result.pk)
    state = inputs.plan_input_for_result(result).dimensions[0]
    assert (state.level, state.rules_version, state.effective_target) == (4, 1, 5)
