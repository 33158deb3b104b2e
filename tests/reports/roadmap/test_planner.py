import math
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.dora import rules as dora
from assessments.maturity.scoring import level_for_score
from assessments.questionnaires.format import parse_questionnaire
from reports.roadmap import planner as roadmap
from reports.roadmap.planner import (
    DIMENSION_METRICS,
    PHASE_LABELS,
    PRIORITY_FORMULA,
    DimensionState,
    DoraState,
    FlowState,
    PlanInput,
    PracticesError,
    load_practices,
    parse_practices,
    plan_roadmap,
)

ROOT = Path(__file__).resolve().parents[3]
QUESTIONNAIRE = parse_questionnaire(
    (ROOT / "assessments/questionnaires/vsm-maturity-v1.yaml").read_text(encoding="utf-8")
)
KEYS = [d.key for d in QUESTIONNAIRE.dimensions]
POSITION = {key: i for i, key in enumerate(KEYS)}
RESULT_DATE = date(2025, 1, 6)
PRACTICES = load_practices()


def dim(key, level, score=None, target=None, **kwargs):
    kwargs.setdefault("position", POSITION.get(key, 0))
    score = float(level) if score is None and level is not None else score
    return DimensionState(key, key.title(), level, score, target, **kwargs)


def plan(dimensions, dora_states=(), flow=None, **kwargs):
    stage_dimensions = kwargs.pop("stage_dimensions", None)
    plan_input = PlanInput(
        "Team A", "2025 Q1", RESULT_DATE, dimensions, dora_states, flow, **kwargs
    )
    return plan_roadmap(plan_input, stage_dimensions=stage_dimensions)


def by_key(result):
    return {item.key: item for item in result.items}


def keys(result):
    return [item.key for item in result.items]


# --------------------------------------------------------------------------------------------
# Practice content


def test_practices_cover_every_dimension_of_the_shipped_questionnaire():
    for key in KEYS:
        content = PRACTICES.dimensions[key]
        assert sorted(content.levels) == [1, 2, 3, 4, 5]
        assert content.owner_role
        for practice in content.levels.values():
            assert practice.title and practice.steps and practice.success_metric


def test_practices_have_a_target_for_every_edge_a_benchmark_set_can_ask_for():
    # The steps of a DORA item are written for the value it asks the team to reach; every
    # next-tier edge of every shipped set (and every tier) has steps written for that value.
    for key in dora.benchmark_sets():
        for metric in dora.METRICS:
            written = [t.edge for t in PRACTICES.dora[metric].targets]
            for tier in dora.TIERS:
                step = roadmap.next_dora_step(DoraState(metric, tier, benchmark=key))
                if step is not None:
                    assert any(math.isclose(e, step.edge.value) for e in written), (key, metric)


def test_questionnaire_focus_areas_exist_for_every_level():
    for dimension in QUESTIONNAIRE.dimensions:
        assert sorted(dimension.focus_areas) == [1, 2, 3, 4, 5]


def test_load_practices_is_cached_per_path():
    assert load_practices() is load_practices(roadmap.PRACTICES_FILE)


def test_parse_practices_missing_level_names_the_dimension():
    data = {
        "version": 1,
        "dimensions": {"flow": {"owner_role": "Team lead", "levels": {1: {}, 2: {}}}},
        "dora": {},
    }
    with pytest.raises(PracticesError) as exc:
        parse_practices(data, source="x.yaml")
    assert str(exc.value) == "x.yaml: dimension 'flow': levels must be exactly 1-5, found [1, 2]"


def test_parse_practices_missing_dora_metric_is_an_error():
    raw = {"owner_role": "Team lead", "levels": {n: _practice() for n in range(1, 6)}}
    data = {"version": 1, "dimensions": {"flow": raw}, "dora": {}}
    with pytest.raises(PracticesError) as exc:
        parse_practices(data, source="x.yaml")
    assert str(exc.value) == (
        "x.yaml: dora: missing metrics "
        "['deployment_frequency', 'lead_time', 'time_to_restore', 'change_failure_rate']"
    )


def test_parse_practices_empty_steps_is_an_error():
    levels = {n: _practice() for n in range(1, 6)}
    levels[3] = {**_practice(), "steps": []}
    data = {"version": 1, "dimensions": {"flow": {"owner_role": "Lead", "levels": levels}}}
    data["dora"] = {}
    with pytest.raises(PracticesError) as exc:
        parse_practices(data, source="x.yaml")
    assert str(exc.value) == "x.yaml: dimension 'flow' level 3: steps must be a non-empty list"


def test_plan_roadmap_dimension_without_practices_uses_its_focus_areas():
    item = plan([dim("security", 2, focus_areas={2: ("Threat modelling", "SAST in CI")})]).items[0]
    assert item.title == "Security: Move to level 3 (Defined)"
    assert item.steps == ("Work on: Threat modelling", "Work on: SAST in CI")
    assert item.owner_role == "Team lead"


def _practice():
    return {"title": "T", "steps": ["S"], "success_metric": "M"}


# --------------------------------------------------------------------------------------------
# Priority rules, one by one


def test_priority_gap_of_two_outweighs_two_gaps_of_one():
    # Equal scores, so weakness is 1 everywhere and only the gaps differ.
    result = plan([dim("flow", 2, target=4), dim("testing", 2, target=3), dim("tooling", 2)])
    items = by_key(result)
    assert items["dimension:flow"].factors["gap"] == 2.0
    assert items["dimension:flow"].factors["gap_term"] == 4.0
    assert items["dimension:testing"].priority == 1.0
    assert items["dimension:tooling"].priority == 1.0
    assert items["dimension:flow"].priority == 4.0  # weight 1 here
    assert items["dimension:flow"].priority > (
        items["dimension:testing"].priority + items["dimension:tooling"].priority
    )


def test_priority_gap_counts_whole_levels_and_weakness_ranks_the_weaker_first():
    # Both one level from their target; testing lies 0.25 below the team's mean (2.65).
    result = plan([dim("testing", 2, score=2.4, target=3), dim("tooling", 2, score=2.9)])
    items = by_key(result)
    assert items["dimension:testing"].factors["gap"] == 1.0
    assert items["dimension:testing"].factors["weakness"] == 1.25
    assert items["dimension:testing"].priority == 1.25
    assert items["dimension:tooling"].factors["weakness"] == 1.0
    assert items["dimension:tooling"].priority == 1.0
    assert keys(result) == ["dimension:testing", "dimension:tooling"]


def test_dimension_just_below_a_band_edge_is_not_deprioritised():
    # 1.95 (level 1) is weaker than 2.0 (level 2): it must not rank last.
    result = plan([dim("testing", 1, score=1.95), dim("development", 2, score=2.0)])
    assert keys(result) == ["dimension:testing", "dimension:development"]


def test_priority_grows_with_weight():
    result = plan([dim("testing", 2), dim("tooling", 2, weight=1.5)])
    assert [(i.key, i.priority) for i in result.items] == [
        ("dimension:tooling", 1.5),
        ("dimension:testing", 1.0),
    ]


@pytest.mark.parametrize(
    ("tier", "item_priority", "dimension_boost"),
    [("low", 4.0, 1.5), ("medium", 1.0, 1.25), ("high", 0.25, 1.0)],
)
def test_priority_dora_tier_boosts_item_and_related_dimensions(
    tier, item_priority, dimension_boost
):
    dimensions = [dim(k, 2) for k in ("visibility", "flow", "development", "deployment")]
    result = plan(dimensions, [DoraState("lead_time", tier)])
    items = by_key(result)
    assert items["dora:lead_time"].priority == item_priority
    for key in ("flow", "development", "deployment"):  # all move lead time
        assert items[f"dimension:{key}"].factors["dora_boost"] == dimension_boost
    assert items["dimension:visibility"].factors["dora_boost"] == 1.0
    assert items["dimension:development"].priority == dimension_boost


def test_priority_dora_boost_takes_the_worst_related_metric():
    states = [DoraState("deployment_frequency", "medium"), DoraState("lead_time", "low")]
    result = plan([dim("deployment", 3)], states)
    assert by_key(result)["dimension:deployment"].factors["dora_boost"] == 1.5


def test_priority_dora_elite_metric_has_no_item_and_no_boost():
    result = plan([dim("testing", 2)], [DoraState("change_failure_rate", "elite")])
    assert keys(result) == ["dimension:testing"]
    assert result.items[0].factors["dora_boost"] == 1.0


@pytest.mark.parametrize(
    ("measured", "own", "boost"),
    [
        ("low", None, 1.0),
        ("low", "low", 1.0),
        ("low", "medium", 1.25),
        ("low", "high", 1.5),
        ("low", "elite", 1.75),
        ("medium", "low", 1.0),  # rating yourself lower is no blind spot
    ],
)
def test_priority_self_assessed_better_than_measured_boosts(measured, own, boost):
    result = plan([], [DoraState("time_to_restore", measured, own)])
    item = result.items[0]
    assert item.factors["self_assessment_boost"] == boost
    assert item.priority == item.factors["gap_term"] * boost


@pytest.mark.parametrize(
    ("previous", "boost", "priority"), [(None, 1.0, 1.0), (2.0, 1.0, 1.0), (2.5, 1.5, 1.5)]
)
def test_priority_decline_since_previous_result_boosts(previous, boost, priority):
    result = plan([dim("testing", 2, previous_score=previous)])
    assert result.items[0].factors["decline_boost"] == boost
    assert result.items[0].priority == priority


def test_priority_larger_decline_ranks_higher():
    result = plan([dim("testing", 2, previous_score=2.5), dim("tooling", 2, previous_score=3.5)])
    assert keys(result) == ["dimension:tooling", "dimension:testing"]


def test_bottleneck_stage_dimension_ranks_first_whatever_its_priority():
    dimensions = [dim("flow", 1, target=4), dim("testing", 3, score=3.9), dim("ideation", 2)]
    result = plan(dimensions, [DoraState("lead_time", "low")], FlowState("testing"))
    assert keys(result) == [
        "dimension:testing",
        "dimension:flow",
        "dora:lead_time",
        "dimension:ideation",
    ]
    testing = result.items[0]
    assert testing.factors["bottleneck_boost"] == 2.0
    assert testing.priority == 2.0  # gap 1, at the team's mean or above: weakness 1
    assert testing.phase == "now"


def test_bottleneck_without_flow_map_changes_nothing():
    dimensions = [dim("flow", 1, target=4), dim("testing", 3, score=3.9)]
    assert keys(plan(dimensions)) == ["dimension:flow", "dimension:testing"]
    assert keys(plan(dimensions, flow=FlowState(None))) == ["dimension:flow", "dimension:testing"]


def test_bottleneck_custom_stage_mapping():
    dimensions = [dim("flow", 1, target=4), dim("testing", 3, score=3.9)]
    result = plan(dimensions, flow=FlowState("qa"), stage_dimensions={"qa": "testing"})
    assert keys(result) == ["dimension:testing", "dimension:flow"]
    # The default mapping does not know "qa": no effect.
    assert keys(plan(dimensions, flow=FlowState("qa"))) == ["dimension:flow", "dimension:testing"]


def test_bottleneck_dimension_at_target_adds_no_item():
    result = plan([dim("testing", 3, target=3), dim("flow", 2)], flow=FlowState("testing"))
    assert keys(result) == ["dimension:flow"]


def test_priority_is_the_product_of_the_factors():
    result = plan(
        [dim("deployment", 2, score=2.5, weight=1.5, previous_score=3.0)],
        [DoraState("deployment_frequency", "medium")],
        FlowState("deployment"),
    )
    item = by_key(result)["dimension:deployment"]
    assert dict(item.factors) == {
        "gap": 1.0,
        "gap_term": 1.0,
        "weight": 1.5,
        "weakness": 1.0,
        "dora_boost": 1.25,
        "self_assessment_boost": 1.0,
        "decline_boost": 1.5,
        "bottleneck_boost": 2.0,
    }
    assert item.priority == 5.625  # 1 * 1.5 * 1 * 1.25 * 1.5 * 2


# --------------------------------------------------------------------------------------------
# Incremental steps


def test_dimension_item_aims_one_level_up_even_with_a_far_target():
    item = plan([dim("visibility", 1, score=1.2, target=4)]).items[0]
    assert (item.from_level, item.to_level) == (1, 2)
    assert item.factors["gap"] == 3.0
    assert item.title == "Visibility: " + PRACTICES.dimensions["visibility"].levels[1].title


def test_dimension_at_or_above_target_is_not_listed():
    assert keys(plan([dim("flow", 3, target=3), dim("testing", 4, target=2)])) == [
        "sustain:flow",
        "sustain:testing",
    ]
    assert keys(plan([dim("flow", 3, target=3), dim("testing", 2)])) == ["dimension:testing"]


@pytest.mark.parametrize(
    ("tier", "to", "edge"),
    [("low", "medium", dora.ONCE_PER_MONTH), ("medium", "high", 1 / 7), ("high", "elite", 1)],
)
def test_dora_item_aims_one_tier_up(tier, to, edge):
    item = plan([], [DoraState("deployment_frequency", tier)]).items[0]
    assert (item.from_tier, item.to_tier) == (tier, to)
    assert (
        item.steps
        == PRACTICES.dora["deployment_frequency"].for_edge("deployment_frequency", edge).steps
    )


@st.composite
def dimension_states(draw, key):
    insufficient = draw(st.booleans()) and draw(st.booleans())
    if insufficient:
        return dim(key, None, insufficient=True)
    level = draw(st.integers(1, 5))
    score = 5.0 if level == 5 else draw(st.sampled_from([0, 0.1, 0.25, 0.5, 0.9, 0.9999])) + level
    return dim(
        key,
        level_for_score(score),  # the scoring rules decide where a band ends
        score=score,
        target=draw(st.none() | st.integers(1, 5)),
        weight=draw(st.sampled_from([0.5, 1.0, 1.5, 2.0])),
        disagreement=draw(st.booleans()),
        previous_score=draw(st.none() | st.floats(1, 5).map(lambda x: round(x, 2))),
    )


@st.composite
def plan_inputs(draw):
    chosen = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=len(KEYS)))
    dimensions = [draw(dimension_states(key)) for key in chosen]
    metrics = draw(st.lists(st.sampled_from(dora.METRICS), unique=True))
    tiers = st.none() | st.sampled_from(dora.TIERS)
    states = [DoraState(m, draw(tiers), draw(tiers)) for m in metrics]
    stage = draw(st.none() | st.sampled_from(sorted(roadmap.STAGE_DIMENSIONS)))
    return PlanInput("T", "P", RESULT_DATE, dimensions, states, FlowState(stage))


@settings(max_examples=300, deadline=None)
@given(plan_inputs())
def test_items_never_skip_levels_or_tiers(plan_input):
    result = plan_roadmap(plan_input)
    for item in result.items:
        if item.kind == "dimension":
            assert item.to_level == item.from_level + 1
            assert item.from_tier is None and item.to_tier is None
        elif item.kind == "dora":
            # One tier up; a tier listed between the two is one the rule places no value in.
            between = dora.TIERS[
                dora.TIERS.index(item.to_tier) + 1 : dora.TIERS.index(item.from_tier)
            ]
            unreachable = dora.unreachable_tiers(dora.DEFAULT_BENCHMARK)[item.ref]
            assert set(between) <= set(unreachable)
            assert item.from_level is None and item.to_level is None
        else:
            assert item.to_level == item.from_level
    assert len({item.key for item in result.items}) == len(result.items)


@settings(max_examples=300, deadline=None)
@given(plan_inputs())
def test_every_plan_follows_the_ordering_and_phase_rules(plan_input):
    result = plan_roadmap(plan_input)
    items = result.items
    boosts = (
        "weakness", "dora_boost", "self_assessment_boost", "decline_boost", "bottleneck_boost"
    )  # fmt: skip
    for item in items:
        assert all(item.factors[b] >= 1 for b in boosts)
        product = item.factors["gap_term"] * item.factors["weight"]
        for b in boosts:
            product *= item.factors[b]
        assert item.priority == round(product, 4)
    ranked = [i for i in items if i.factors["bottleneck_boost"] == 1 and i.kind != "sustain"]
    assert [i.priority for i in ranked] == sorted((i.priority for i in ranked), reverse=True)
    phases = [i.phase for i in items]
    assert phases == sorted(phases, key=list(PHASE_LABELS).index)
    assert phases.count("now") == min(3, len(items))
    assert phases.count("next") == min(4, max(0, len(items) - 3))


# --------------------------------------------------------------------------------------------
# Sustain


def test_all_level_five_gets_a_sustain_roadmap():
    dimensions = [dim(key, 5, weight=1.5 if key in ("visibility", "flow") else 1.0) for key in KEYS]
    states = [DoraState(m, "elite") for m in dora.METRICS]
    result = plan(dimensions, states)
    assert [(i.key, i.kind, i.phase, i.priority) for i in result.items] == [
        ("sustain:visibility", "sustain", "now", 0.0),
        ("sustain:flow", "sustain", "now", 0.0),
        ("sustain:ideation", "sustain", "now", 0.0),
    ]
    item = result.items[0]
    level5 = PRACTICES.dimensions["visibility"].levels[5]
    assert (item.from_level, item.to_level) == (5, 5)
    assert item.title == f"Visibility: {level5.title}"
    assert item.steps == level5.steps
    assert item.owner_role == "Engineering manager"
    assert item.why == (
        "Scored 5.0 (level 5, Optimizing), the top level.",
        "Counts 1.5 times in the overall score.",
    )
    assert item.success_metric == (
        "Stay at level 5 (Optimizing) or above in Visibility at the next assessment on "
        f"7 April 2025. {level5.success_metric}"
    )


def test_sustain_prefers_lower_scores_among_equal_weights():
    dimensions = [dim("ideation", 3, 3.8, 3), dim("testing", 3, 3.1, 3), dim("tooling", 5)]
    dimensions.append(dim("operations", 4, 4.0, 4))
    result = plan(dimensions)
    assert keys(result) == ["sustain:testing", "sustain:ideation", "sustain:operations"]
    assert result.items[0].why == ("Scored 3.1 (level 3, Defined), at or above its target of 3.",)


def test_sustain_roadmap_keeps_high_dora_metrics_as_stretch_items():
    states = [DoraState("lead_time", "high"), DoraState("time_to_restore", "elite")]
    result = plan([dim("flow", 5), dim("testing", 5)], states)
    assert [(i.key, i.phase) for i in result.items] == [
        ("dora:lead_time", "now"),
        ("sustain:flow", "now"),
        ("sustain:testing", "now"),
    ]


def test_no_sustain_while_a_dora_metric_is_below_high():
    result = plan([dim("flow", 5), dim("testing", 5)], [DoraState("lead_time", "medium")])
    assert keys(result) == ["dora:lead_time"]


def test_no_sustain_while_a_dimension_is_below_target():
    assert keys(plan([dim("flow", 5), dim("testing", 4)])) == ["dimension:testing"]


def test_no_scored_dimension_gives_an_empty_plan():
    result = plan([dim("flow", None, insufficient=True)])
    assert result.items == ()


# --------------------------------------------------------------------------------------------
# Ties and phases


def test_equal_priorities_keep_dimension_position_order():
    dimensions = [dim(key, 2) for key in reversed(KEYS)]
    assert keys(plan(dimensions)) == [f"dimension:{key}" for key in KEYS]


def test_equal_priorities_dimension_before_dora():
    result = plan([dim("tooling", 2)], [DoraState("lead_time", "medium")])
    assert keys(result) == ["dimension:tooling", "dora:lead_time"]


@settings(max_examples=100, deadline=None)
@given(st.permutations(KEYS), st.permutations(dora.METRICS))
def test_input_order_does_not_change_output_order(dimension_order, metric_order):
    by_position = {key: dim(key, 2 if POSITION[key] % 2 else 3) for key in KEYS}
    states = {m: DoraState(m, "medium") for m in dora.METRICS}
    expected = keys(plan([by_position[k] for k in KEYS], [states[m] for m in dora.METRICS]))
    shuffled = plan([by_position[k] for k in dimension_order], [states[m] for m in metric_order])
    assert keys(shuffled) == expected


def test_equal_priorities_with_equal_positions_order_by_key():
    dimensions = [dim("tooling", 2, position=0), dim("flow", 2, position=0)]
    assert keys(plan(dimensions)) == ["dimension:flow", "dimension:tooling"]
    assert keys(plan(dimensions[::-1])) == ["dimension:flow", "dimension:tooling"]


def test_phases_three_now_four_next_rest_later():
    result = plan([dim(key, 2) for key in KEYS])
    assert [i.phase for i in result.items] == ["now"] * 3 + ["next"] * 4 + ["later"] * 3
    assert result.by_phase()["now"] == result.items[:3]
    assert result.items[0].phase_label == "Now (next 90 days)"


def test_item_keys_are_stable_across_regenerations():
    dimensions = [dim("flow", 2), dim("testing", 1)]
    first = plan(dimensions, [DoraState("lead_time", "low")])
    second = plan([replace(d, score=d.score + 0.5) for d in dimensions])
    assert keys(first) == ["dora:lead_time", "dimension:flow", "dimension:testing"]
    assert sorted(keys(second)) == ["dimension:flow", "dimension:testing"]


# --------------------------------------------------------------------------------------------
# Evidence, content and success metrics


def test_dimension_item_content_and_evidence():
    visibility = dim(
        "visibility",
        2,
        2.4,
        3,
        weight=1.5,
        disagreement=True,
        previous_score=2.9,
        focus_areas={"2": ["Extend the board", "Link work items"]},  # JSON keys are strings
    )
    item = plan([visibility], [DoraState("lead_time", "low")]).items[1]
    practice = PRACTICES.dimensions["visibility"].levels[2]
    assert item.key == "dimension:visibility"
    assert item.why == (
        "Scored 2.4 (level 2, Managed) against a target of 3.",
        "Down 0.5 since the previous result (2.9).",
        "Respondents disagree on some questions.",
        "Counts 1.5 times in the overall score.",
    )
    assert item.focus_areas == ("Extend the board", "Link work items")
    assert item.steps == practice.steps
    assert item.owner_role == "Engineering manager"
    assert item.success_metric == (
        "Reach level 3 (Defined) in Visibility by the next assessment on 7 April 2025. "
        + practice.success_metric
    )


def test_dimension_item_evidence_cites_related_dora_and_bottleneck():
    result = plan(
        [dim("testing", 1, 1.5)],
        [DoraState("change_failure_rate", "low")],
        FlowState("testing", flow_efficiency=0.125, lead_time_hours=310.0),
    )
    assert by_key(result)["dimension:testing"].why == (
        "Scored 1.5 (level 1, Initial) against a target of 2 (one level up; no target set).",
        "Change failure rate is Low against DORA 2024, and this dimension's practices move it.",
        "The bottleneck is the largest delay between stages on the value stream map, before "
        "testing (flow efficiency 12.5%, lead time 310 working hours).",
    )


def test_dora_item_content_and_evidence():
    state = DoraState("lead_time", "low", "high", measured_value=310.0)
    item = plan([dim("deployment", 4), dim("flow", 4)], [state]).items[0]
    practice = PRACTICES.dora["lead_time"].for_edge("lead_time", 730)
    assert item.key == "dora:lead_time"
    assert item.title == "Lead time for changes: Get changes to production within 1 month"
    assert item.why == (
        "Lead time for changes is Low against DORA 2024 (median 310 h); the team rated itself "
        "High.",
        "Practices in Deployment and Flow move this metric.",
    )
    assert item.owner_role == "Team lead"
    assert item.steps == practice.steps
    assert item.success_metric == (
        "Reach Medium for lead time for changes by the next assessment on 7 April 2025: median "
        "lead time for changes (first commit to production) at or below 1 month (730 h) over a "
        '90-day window (DORA 2024 Medium: "1 week - 1 month").'
    )


def test_dora_item_passes_over_a_tier_no_value_can_reach():
    # DORA 2024 lists Medium at 10%, but its High (20%) takes every value up to 20%: leaving
    # Low means reaching 20%, which is High, not 10%.
    item = plan([], [DoraState("change_failure_rate", "low", measured_value=31.0)]).items[0]
    assert (item.from_tier, item.to_tier) == ("low", "high")
    assert item.title == "Change failure rate: Bring the change failure rate to 20% or below"
    assert item.success_metric == (
        "Reach High for change failure rate by the next assessment on 7 April 2025: change "
        "failure rate (failed deployments / all deployments) at or below 20% over a 90-day "
        'window (DORA 2024 High: "20%"). DORA 2024 also lists Medium ("10%"), but every value '
        "within it is classified High or better."
    )
    assert (
        item.steps
        == PRACTICES.dora["change_failure_rate"].for_edge("change_failure_rate", 20).steps
    )


def test_dora_item_uses_the_chosen_benchmark():
    state = DoraState("time_to_restore", "medium", "medium", 30.0, benchmark="vsm-guide")
    item = plan([], [state]).items[0]
    assert item.why == (
        "Time to restore service is Medium against VSM guide table (median 30 h); the team's "
        "own rating agrees.",
    )


def test_rework_rate_item_uses_the_overall_tier_guidance():
    item = plan([], [DoraState("rework_rate", "medium", measured_value=12.0)]).items[0]
    practice = PRACTICES.dora["rework_rate"].bands["medium"]
    assert (item.key, item.from_tier, item.to_tier) == ("dora:rework_rate", "medium", "high")
    assert item.why == (
        "Deployment rework rate is 12%; it has no DORA tiers, so this is the guidance for teams "
        "whose overall DORA tier is Medium.",
    )
    assert item.success_metric == (
        f"By the next assessment on 7 April 2025: {practice.success_metric}"
    )


def test_dora_unknown_benchmark_raises():
    with pytest.raises(dora.UnknownBenchmark):
        plan([], [DoraState("lead_time", "low", benchmark="1999")])


def test_dimension_metrics_mapping_names_known_metrics():
    assert dict(DIMENSION_METRICS) == {
        "deployment": ("deployment_frequency", "lead_time"),
        "testing": ("change_failure_rate",),
        "operations": ("time_to_restore",),
        "development": ("lead_time",),
        "flow": ("lead_time",),
        "architecture": ("deployment_frequency", "lead_time"),
    }
    assert set(DIMENSION_METRICS) <= set(PRACTICES.dimensions)


def test_plan_carries_the_formula_text():
    result = plan([dim("flow", 2)])
    assert result.formula == PRIORITY_FORMULA
    assert "priority = gap term × weight × weakness × DORA boost" in PRIORITY_FORMULA


# --------------------------------------------------------------------------------------------
# Review schedule


def test_review_schedule_default_quarter_with_four_weekly_checkpoints():
    review = plan([dim("flow", 2)]).review
    assert review.next_assessment == date(2025, 4, 7)
    assert review.checkpoints == (
        (date(2025, 2, 3), "Check progress on Now items"),
        (date(2025, 3, 3), "Check progress on Now items"),
        (date(2025, 3, 31), "Close the Now phase: review Now items against their success metrics"),
        (date(2025, 4, 7), "Reassess maturity and DORA metrics, then regenerate the roadmap"),
    )


def test_review_schedule_half_year():
    review = plan([dim("flow", 2)], review_weeks=26).review
    assert review.next_assessment == date(2025, 7, 7)
    assert [d for d, _ in review.checkpoints] == [
        date(2025, 2, 3),
        date(2025, 3, 3),
        date(2025, 3, 31),
        date(2025, 4, 28),
        date(2025, 5, 26),
        date(2025, 6, 23),
        date(2025, 7, 7),
    ]
    assert review.checkpoints[3][1] == "Check progress on Next items"


@pytest.mark.parametrize(("weeks", "count"), [(1, 1), (4, 1), (5, 2), (8, 2)])
def test_review_schedule_short_cycles_have_no_checkpoint_on_the_reassessment(weeks, count):
    review = plan([dim("flow", 2)], review_weeks=weeks).review
    assert len(review.checkpoints) == count
    assert review.checkpoints[-1][0] == review.next_assessment


def test_insufficient_dimension_is_skipped_and_named_in_the_reassessment():
    dimensions = [dim("flow", 2), dim("testing", None, insufficient=True)]
    dimensions.append(dim("tooling", None, insufficient=True))
    result = plan(dimensions)
    assert keys(result) == ["dimension:flow"]
    assert result.review.checkpoints[-1][1] == (
        "Reassess maturity and DORA metrics, then regenerate the roadmap; answer enough "
        "questions to score Testing and Tooling"
    )


# --------------------------------------------------------------------------------------------
# Input checks


def test_score_must_match_its_level():
    with pytest.raises(ValueError, match="score 2.4 is level 2, not 3"):
        dim("flow", 3, 2.4)


def test_target_must_be_a_level():
    with pytest.raises(ValueError, match="target must be 1-5 or None"):
        dim("flow", 3, target=6)


def test_result_date_must_be_a_date():
    with pytest.raises(ValueError, match="result_date must be a date"):
        PlanInput("T", "P", datetime(2025, 1, 6), [])


def test_duplicate_dimensions_are_rejected():
    with pytest.raises(ValueError, match="Duplicate dimension 'flow'"):
        PlanInput("T", "P", RESULT_DATE, [dim("flow", 2), dim("flow", 3)])


def test_unknown_dora_tier_is_rejected():
    with pytest.raises(ValueError, match="measured_tier 'great'"):
        DoraState("lead_time", "great")


def test_flow_efficiency_is_a_fraction():
    with pytest.raises(ValueError, match="flow_efficiency must be a fraction 0-1"):
        FlowState("testing", flow_efficiency=12.5)


# --------------------------------------------------------------------------------------------
# DORA items aim at the next tier of the benchmark set in use


@pytest.mark.parametrize(
    ("benchmark", "from_tier", "cell", "passed_over"),
    [
        # 2024: 48 h is beyond High's and Medium's "< 1 day" and within nothing better: Low.
        ("2024", "low", "< 1 day", ' DORA 2024 also lists Medium ("< 1 day"), but every value '
         "within it is classified High or better."),
        # 2022: the same 48 h is Medium ("1 day - 1 week"); the next tier is High, "< 1 day".
        ("2022", "medium", "< 1 day", ""),
    ],
)  # fmt: skip
def test_dora_recovery_of_48_hours_aims_at_the_next_tiers_edge(
    benchmark, from_tier, cell, passed_over
):
    measured = dora.classify("time_to_restore", 48.0, benchmark)
    state = DoraState("time_to_restore", measured, measured_value=48.0, benchmark=benchmark)
    item = plan([], [state]).items[0]
    label = dora.metric_label("time_to_restore", int(benchmark))
    assert (item.from_tier, item.to_tier) == (from_tier, "high")
    assert item.title == f"{label}: Recover from failures in under 1 day"
    assert item.success_metric == (
        f"Reach High for {label.lower()} by the next assessment on 7 April 2025: median "
        f"{label.lower()} below 1 day (24 h) over a 90-day window (DORA {benchmark} High: "
        f'"{cell}").{passed_over}'
    )
    assert item.steps == PRACTICES.dora["time_to_restore"].for_edge("time_to_restore", 24).steps
    # The team already restores within a week: nothing asks it to.
    assert "week" not in " ".join((item.title, item.success_metric, *item.steps))


def _values(metric):
    """Measured values, the published edges among them (where tiers change)."""
    edges = sorted(
        {
            edge.value
            for bs in dora.benchmark_sets().values()
            for cell in bs.cells[metric].values()
            if cell is not None
            for edge in (cell.better, cell.worse)
            if edge is not None
        }
    )
    top = {"deployment_frequency": 50.0, "change_failure_rate": 100.0}.get(metric, 10_000.0)
    return st.sampled_from(edges) | st.floats(0, top, allow_nan=False)


def _beyond(metric, value, edge):
    """Does the value go beyond the edge (is the team not there yet)?"""
    if value == edge.value:
        return not edge.inclusive
    return value < edge.value if dora.higher_is_better(metric) else value > edge.value


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(list(dora.benchmark_sets())),
    st.sampled_from(dora.METRICS).flatmap(lambda m: st.tuples(st.just(m), _values(m))),
)
def test_dora_item_aims_at_an_edge_the_team_has_not_reached(benchmark, metric_value):
    metric, value = metric_value
    bs = dora.get_benchmark(benchmark)
    tier = dora.classify(metric, value, bs)
    state = DoraState(metric, tier, measured_value=value, benchmark=benchmark)
    items = plan([], [state]).items
    better = [t for t in dora.TIERS[: dora.TIERS.index(tier)] if bs.cell(metric, t) is not None]
    if not better:  # the set's best tier: nothing to plan
        assert items == ()
        return
    (item,) = items
    step = roadmap.next_dora_step(state)
    assert item.to_tier == step.to_tier and dora.TIERS.index(item.to_tier) < dora.TIERS.index(tier)
    assert _beyond(metric, value, step.edge)  # never a target the team already meets
    edge = step.edge.value
    if not step.edge.inclusive:
        edge = math.nextafter(edge, math.inf if dora.higher_is_better(metric) else 0)
    assert dora.classify(metric, edge, bs) == item.to_tier  # reaching the edge is the tier
    between = dora.TIERS[dora.TIERS.index(item.to_tier) + 1 : dora.TIERS.index(tier)]
    assert set(between) <= set(dora.unreachable_tiers(bs)[metric]) | {
        t for t in dora.TIERS if bs.cell(metric, t) is None
    }
    to_label = dora.TIER_LABELS[item.to_tier]
    assert f'{roadmap._benchmark_label(state)} {to_label}: "{step.cell.text}"' in (
        item.success_metric
    )
    assert item.steps == PRACTICES.dora[metric].for_edge(metric, step.edge.value).steps


def _all_text(result):
    texts = [result.formula]
    for item in result.items:
        texts += [item.title, item.success_metric, item.owner_role, *item.why, *item.steps]
        texts += [*item.focus_areas, item.phase_label]
    texts += [label for _, label in result.review.checkpoints]
    return "\n".join(texts)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries({m: st.none() | _values(m) for m in dora.METRICS}),
    st.fixed_dictionaries({m: st.none() | _values(m) for m in dora.METRICS}),
    st.floats(0, 100, allow_nan=False),
    st.lists(st.sampled_from(KEYS), unique=True, max_size=4).flatmap(
        lambda keys: st.tuples(*[dimension_states(k) for k in keys])
    ),
)
def test_plan_against_2022_never_mentions_elite(measured, surveyed, rework, dimensions):
    # DORA 2022 found no Elite cluster: nobody is told to reach it, and a High metric, at the
    # top of that set, is not planned as a stretch.
    tiers = dora.classify_values(measured, "2022")
    own = dora.classify_values(surveyed, "2022")
    states = [DoraState(m, tiers[m], own[m], measured[m], benchmark="2022") for m in dora.METRICS]
    overall = dora.overall_tier(tiers.values())
    states.append(DoraState("rework_rate", overall, measured_value=rework, benchmark="2022"))
    result = plan(list(dimensions), states)
    assert "elite" not in _all_text(result).lower()
    planned = {item.ref for item in result.items if item.kind == "dora"}
    assert planned == {s.metric for s in states if s.measured_tier in ("low", "medium")}


def test_formula_for_a_set_without_elite_says_high_is_its_top():
    result = plan([], [DoraState("lead_time", "high", benchmark="2022")])
    assert result.items == ()
    assert "High is the best tier of DORA 2022, so a High metric is not listed" in result.formula
    assert "nor are DORA metrics at High, the best tier of DORA 2022" in result.formula
    assert "Elite" not in result.formula
    assert plan([], [DoraState("lead_time", "high")]).formula == PRIORITY_FORMULA


def test_rework_rate_items_are_its_own_per_band():
    states = [("low", 30.0), ("medium", 15.0), ("high", 6.0)]
    items = [
        plan([], [DoraState("rework_rate", tier, measured_value=value)]).items[0]
        for tier, value in states
    ]
    assert [(i.from_tier, i.to_tier) for i in items] == [
        ("low", "medium"), ("medium", "high"), ("high", "elite")
    ]  # fmt: skip
    assert len({i.title for i in items}) == 3
    assert len({step for i in items for step in i.steps}) == sum(len(i.steps) for i in items)
    failures = PRACTICES.dora["change_failure_rate"]
    cfr_steps = {step for target in failures.targets for step in target.steps}
    for item in items:
        assert not set(item.steps) & cfr_steps
        assert item.success_metric.endswith(PRACTICES.dora["rework_rate"].bands[item.from_tier]
                                            .success_metric)  # fmt: skip


# --------------------------------------------------------------------------------------------
# The value stream boost: the marked constraint or the largest delay, never the intake wait


def test_bottleneck_marked_constraint_is_named_as_the_teams_constraint():
    flow = FlowState("deployment", bottleneck_kind="constraint", intake_wait_hours=900.0)
    item = plan([dim("deployment", 2), dim("flow", 1, target=3)], flow=flow).items[0]
    assert item.key == "dimension:deployment"
    assert item.factors["bottleneck_boost"] == 2.0
    assert item.why[-1] == (
        "The bottleneck is deployment, the constraint the team marked on its value stream map."
    )


def test_bottleneck_largest_delay_names_the_stage_it_comes_before():
    flow = FlowState("testing", lead_time_hours=80.0, bottleneck_kind="largest_delay")
    item = plan([dim("testing", 2)], flow=flow).items[0]
    assert item.why[-1] == (
        "The bottleneck is the largest delay between stages on the value stream map, before "
        "testing (lead time 80 working hours)."
    )


def test_intake_wait_never_boosts_anything():
    # A long backlog before the first stage, and no constraint or delay between stages.
    flow = FlowState(None, flow_efficiency=0.05, intake_wait_hours=2_000.0)
    result = plan([dim("ideation", 2), dim("flow", 1, target=3)], flow=flow)
    assert keys(result) == ["dimension:flow", "dimension:ideation"]
    assert all(item.factors["bottleneck_boost"] == 1.0 for item in result.items)
    assert not any("bottleneck" in why for item in result.items for why in item.why)


def test_formula_names_both_kinds_of_bottleneck_and_excludes_the_intake_wait():
    text = " ".join(PRIORITY_FORMULA.split())
    assert "the constraint the team marked on its value stream map" in text
    assert "the stage after the largest delay between stages" in text
    assert "The wait before the first stage (the intake backlog) never counts." in text


def test_a_rules_v1_result_keeps_its_bands_in_the_plan():
    """Scoring rules v1 made 4.85 level 4 (level 5 only at 5.00); v2 makes it level 5. A frozen
    v1 result is planned with its own level, never rescored."""
    v1 = DimensionState("flow", "Flow", level=4, score=4.85, target=None, rules_version=1)
    assert v1.effective_target == 5
    with pytest.raises(ValueError, match="score 4.85 is level 5, not 4"):
        DimensionState("flow", "Flow", level=4, score=4.85, target=None)
    assert DimensionState("flow", "Flow", level=5, score=4.85, target=None).effective_target == 5
