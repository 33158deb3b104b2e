"""DORA items in the 2025 comparison view (reports.roadmap.planner): the weakest metric relative
to its benchmark first, each item one band up, the target in the metric's own unit. Figures
worked by hand from the DORA Quick Check 2025 benchmarks (../shared/reference/dora-2025.md)."""

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.dora import quickcheck
from assessments.dora import rules as dora
from reports.roadmap import planner as roadmap
from reports.roadmap.planner import (
    BAND_ORDER,
    PRIORITY_FORMULA,
    DimensionState,
    DoraComparisonState,
    DoraState,
    PlanInput,
    load_practices,
    next_band_step,
    plan_roadmap,
)

RESULT_DATE = date(2025, 1, 6)
PRACTICES = load_practices()
ALL = quickcheck.get_segment("industry", "all")
RETAIL = quickcheck.get_segment("industry", "retail")
MID_SIZE = quickcheck.get_segment("org_size", "100-499")


def compared(metric, value, segment=RETAIL):
    return DoraComparisonState(metric, value, segment)


def plan(states, dimensions=()):
    plan_input = PlanInput(
        "Team A", "2025 Q1", RESULT_DATE, dimensions, dora_view="comparison", dora_comparison=states
    )
    return plan_roadmap(plan_input)


def test_lead_time_well_below_typical_aims_one_band_up_at_the_next_answer():
    # 900 h is "between one month and six months": score (2 - 1) / 5 x 10 = 2.0; Retail's lead
    # time is 5.9 +- 2.3, so z = (2.0 - 5.9) / 2.3 = -1.70, well below typical. The next answer
    # up, "between one week and one month", scores 4.0: z = -0.83, below typical.
    (item,) = plan([compared("lead_time", 900.0)]).items
    assert (item.key, item.kind, item.from_tier, item.to_tier) == (
        "dora:lead_time", "dora", "well_below", "below",
    )  # fmt: skip
    assert item.title == "Lead time for changes: Get changes to production within 1 month"
    assert item.why == (
        'Lead time for changes 2.0 of 10 (median 900 h, "between one month and six months"), '
        "well below typical for Retail/Consumer/e-Commerce (mean 5.9, sd 2.3, z -1.70; DORA "
        "Quick Check 2025 benchmarks).",
    )
    assert item.success_metric == (
        "Move lead time for changes from well below typical to below typical for "
        "Retail/Consumer/e-Commerce by the next assessment on 7 April 2025: median lead time "
        "for changes (first commit to production) at or below 1 month (730 h) over a 90-day "
        'window, the Quick Check answer "between one week and one month" (score 4.0 of 10 '
        "against a mean of 5.9; DORA Quick Check 2025 benchmarks)."
    )
    assert item.steps == PRACTICES.dora["lead_time"].for_edge("lead_time", dora.MONTH).steps
    # gap = 1 - z = 2.7; priority = gap² = 7.29
    assert (item.factors["gap"], item.priority) == (2.7, 7.29)


def test_lead_time_of_less_than_a_week_aims_at_less_than_one_day():
    # 30 h: "between one day and one week", 6.0 against Retail's 5.9 (z +0.04, typical); the
    # next answer, "less than one day", scores 8.0: z = 0.91, above typical.
    (item,) = plan([compared("lead_time", 30.0)]).items
    assert (item.from_tier, item.to_tier) == ("typical", "above")
    assert item.title == "Lead time for changes: Get changes to production in under 1 day"
    assert (
        'below 1 day (24 h) over a 90-day window, the Quick Check answer "less than one day"'
        in (item.success_metric)
    )


def test_items_come_weakest_metric_first():
    states = [
        compared("deployment_frequency", 0.2),  # 6.0 vs 5.3 +- 2.7: z +0.26
        compared("lead_time", 900.0),  # 2.0 vs 5.9 +- 2.3: z -1.70
        compared("time_to_restore", 30.0),  # 6.0 vs 7.8 +- 1.8: z -1.00
        compared("change_failure_rate", 30.0),  # 7.0 vs 8.3 +- 2.0: z -0.65
        compared("rework_rate", 20.0),  # 8.0 vs 8.0 +- 1.9: z 0.00
    ]
    result = plan(states)
    assert [(i.key, i.from_tier, i.to_tier, i.priority) for i in result.items] == [
        ("dora:lead_time", "well_below", "below", 7.29),  # (1 + 1.70)²
        ("dora:time_to_restore", "below", "typical", 4.0),  # (1 + 1.00)²
        ("dora:change_failure_rate", "below", "typical", 2.7225),  # (1 + 0.65)²
        ("dora:rework_rate", "typical", "above", 1.0),  # (1 - 0)²
        ("dora:deployment_frequency", "typical", "above", 0.5476),  # (1 - 0.26)²
    ]
    assert [i.phase for i in result.items] == ["now", "now", "now", "next", "next"]


def test_percentage_aims_at_the_highest_tenth_in_the_next_band():
    # All industries' change failure rate: 1.9 +- 2.1 as published, 8.1 after the inversion.
    # 35% scores 6.5: z = -0.76, below typical. Typical begins at z = -0.5: score 7.05, 29.5%.
    (item,) = plan([compared("change_failure_rate", 35.0, ALL)]).items
    assert (item.from_tier, item.to_tier) == ("below", "typical")
    assert item.title == "Change failure rate: Bring the change failure rate to 29.5% or below"
    assert item.success_metric == (
        "Move change failure rate from below typical to typical across all industries by the "
        "next assessment on 7 April 2025: change failure rate (failed deployments / all "
        "deployments) at or below 29.5% over a 90-day window (score 7.05 of 10 against a mean of "
        "8.1; DORA Quick Check 2025 benchmarks)."
    )


def test_percentage_above_typical_excludes_its_edge():
    # Retail 10%: 9.0 vs 8.3 +- 2.0, z 0.35, typical. Above typical is over z = 0.5, score
    # 9.3, 7%: 7% itself is still typical, so the target is 6.9%.
    step = next_band_step(compared("change_failure_rate", 10.0))
    assert (step.to_band, step.edge, step.score) == ("above", dora.Edge(6.9, True), 9.31)


def test_rework_rate_target_and_practices_follow_its_band():
    # Retail rework 20%: 8.0 against 10 - 2.0 = 8.0 +- 1.9: typical. Above typical needs a
    # score over 8.95: 10.4%.
    (item,) = plan([compared("rework_rate", 20.0)]).items
    assert item.title == "Deployment rework rate: Bring the rework rate to 10.4% or below"
    assert "rework rate (unplanned deployments to fix a user-facing bug / all deployments) at " \
        "or below 10.4%" in item.success_metric  # fmt: skip
    assert item.steps == PRACTICES.dora["rework_rate"].bands["medium"].steps


def test_a_band_no_answer_lands_in_is_passed_over_and_said():
    # All industries' deployment frequency, 4.8 +- 2.8: "daily to weekly" scores 6.0 (z 0.43,
    # typical) and the next answer 8.0 (z 1.14, well above): no answer is above typical.
    (item,) = plan([compared("deployment_frequency", 0.2, ALL)]).items
    assert (item.from_tier, item.to_tier) == ("typical", "well_above")
    assert item.title == "Deployment frequency: Deploy to production at least once per day"
    assert item.success_metric.endswith(
        "No Quick Check answer is above typical across all industries: the next one up is "
        "well above typical. Change failure rate must not rise while deployments become more "
        "frequent."
    )


@pytest.mark.parametrize(
    ("metric", "value"),
    [
        ("lead_time", 0.5),  # "less than one hour": 10.0, z +1.78, well above typical
        ("deployment_frequency", 3.0),  # on demand
        ("change_failure_rate", 5.0),  # 9.5, z 0.6: above; even 0% (z 0.85) is not well above
        ("rework_rate", 0.0),  # 10.0, z 1.05: well above typical
    ],
)
def test_no_item_where_no_better_band_is_in_reach(metric, value):
    assert plan([compared(metric, value)]).items == ()


def test_org_size_recovery_is_read_inverted_and_said_so():
    # 100 to 499 employees publish recovery as 2.6 +- 2.1: read as 7.4. 200 h ("between one
    # week and one month") scores 4.0: z = -1.62.
    (item,) = plan([compared("time_to_restore", 200.0, MID_SIZE)]).items
    assert item.why == (
        'Failed deployment recovery time 4.0 of 10 (median 200 h, "between one week and one '
        'month"), well below typical for organisations with 100 to 499 employees (mean 7.4, '
        "sd 2.1, z -1.62; DORA Quick Check 2025 benchmarks). The recovery figures published per "
        "organisation size run the other way, so the mean is read as 10 minus the published one.",
    )
    assert (item.from_tier, item.to_tier) == ("well_below", "below")
    assert item.title == "Failed deployment recovery time: Recover from failures within 1 week"


def test_dimension_boost_follows_the_band_of_a_metric_it_moves():
    testing = DimensionState("testing", "Testing", 2, 2.0, None)
    ops = DimensionState("operations", "Operations", 2, 2.0, None, position=1)
    states = [
        compared("change_failure_rate", 45.0),  # 5.5 vs 8.3 +- 2.0: z -1.40, well below
        compared("time_to_restore", 30.0),  # z -1.00: below
    ]
    items = {i.key: i for i in plan(states, [testing, ops]).items}
    assert items["dimension:testing"].factors["dora_boost"] == 1.5
    assert items["dimension:operations"].factors["dora_boost"] == 1.25
    assert items["dimension:testing"].why[-1] == (
        "Change failure rate is well below typical for Retail/Consumer/e-Commerce, and this "
        "dimension's practices move it."
    )


def test_same_values_in_both_views_keep_the_item_key():
    tiers = PlanInput(
        "T", "P", RESULT_DATE, [], [DoraState("lead_time", "low", measured_value=900.0)]
    )
    (tier_item,) = plan_roadmap(tiers).items
    (band_item,) = plan([compared("lead_time", 900.0)]).items
    assert tier_item.key == band_item.key == "dora:lead_time"
    assert (tier_item.from_tier, tier_item.to_tier) == ("low", "medium")  # the tiers, unchanged
    assert (band_item.from_tier, band_item.to_tier) == ("well_below", "below")


def test_views_do_not_mix():
    with pytest.raises(ValueError, match="planned in the comparison view only"):
        PlanInput("T", "P", RESULT_DATE, [], dora_comparison=[compared("lead_time", 1.0)])
    with pytest.raises(ValueError, match="planned in the tiers view only"):
        PlanInput(
            "T", "P", RESULT_DATE, [], [DoraState("lead_time", "low")], dora_view="comparison"
        )
    with pytest.raises(ValueError, match="dora_view must be one of"):
        PlanInput("T", "P", RESULT_DATE, [], dora_view="league")


def test_comparison_state_checks_its_value():
    with pytest.raises(ValueError, match="percentage, at most 100"):
        compared("rework_rate", 120.0)
    with pytest.raises(ValueError, match="number >= 0"):
        compared("lead_time", -1.0)


def test_practices_have_a_target_for_every_quick_check_answer_edge():
    # The comparison view aims at the next Quick Check answer: steps are written for each.
    for metric in dora.BUCKETED_METRICS:
        written = [t.edge for t in PRACTICES.dora[metric].targets]
        for _bucket, _better, worse in dora.QUICK_CHECK_BUCKETS[metric]:
            if worse is not None:
                assert any(math.isclose(e, worse.value) for e in written), (metric, worse)


def test_formula_documents_the_comparison_rule():
    text = " ".join(PRIORITY_FORMULA.split())
    assert "Gap = 1 − z" in text
    assert "So the weakest metric relative to its benchmark comes first (the lowest z)" in text
    assert "Each item aims one band up, not at the segment's mean" in text
    assert plan([compared("lead_time", 900.0)]).formula == PRIORITY_FORMULA


# --------------------------------------------------------------------------------------------
# Properties


def _values(metric):
    """Measured values, the Quick Check's bucket edges among them."""
    if metric in dora.STABILITY_METRICS:
        return st.floats(0, 100, allow_nan=False) | st.integers(0, 100).map(float)
    edges = [
        edge.value
        for _bucket, better, worse in dora.QUICK_CHECK_BUCKETS[metric]
        for edge in (better, worse)
        if edge is not None
    ]
    top = 50.0 if metric == "deployment_frequency" else 10_000.0
    return st.sampled_from(edges) | st.floats(0, top, allow_nan=False)


@st.composite
def comparison_inputs(draw):
    segment = draw(st.sampled_from(list(quickcheck.segments().values())))
    metrics = draw(st.lists(st.sampled_from(dora.SCORED_METRICS), unique=True))
    return [DoraComparisonState(m, draw(_values(m)), segment) for m in metrics]


def _reaches(metric, edge):
    """A value that just meets the edge."""
    if edge.inclusive:
        return edge.value
    up = dora.higher_is_better(metric)
    return math.nextafter(edge.value, math.inf if up else 0)


@settings(max_examples=400, deadline=None)
@given(comparison_inputs())
def test_a_comparison_plan_never_targets_a_band_the_team_is_in_or_above(states):
    result = plan(states)
    by_metric = {s.metric: s for s in states}
    for item in result.items:
        state = by_metric[item.ref]
        assert item.from_tier == state.band
        assert BAND_ORDER.index(item.to_tier) > BAND_ORDER.index(item.from_tier)
        step = next_band_step(state)
        # Reaching the stated figure is the band the item names, as the pages compute it.
        reached = roadmap._compare(item.ref, _reaches(item.ref, step.edge), state.segment)
        assert reached.band == item.to_tier
        # Every band passed over holds no Quick Check answer of this metric.
        assert all(BAND_ORDER.index(b) < BAND_ORDER.index(item.to_tier) for b in step.passed_over)
    # The weakest metric relative to its benchmark first.
    zs = [by_metric[i.ref].comparison.z for i in result.items]
    assert zs == sorted(zs)
    # Nothing left out that has a better band within reach.
    planned = {i.ref for i in result.items}
    assert planned == {s.metric for s in states if next_band_step(s) is not None}
    assert all(s.band != "well_above" for s in states if s.metric in planned)
