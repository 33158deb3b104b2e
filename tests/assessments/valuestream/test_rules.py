"""Value stream figures, input rules and the future-state draft (pure, no database)."""

import math
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.valuestream import rules as valuestream
from assessments.valuestream.rules import (
    MAX_HOURS,
    PainPoint,
    PlannedChange,
    Stage,
    StageError,
    compute_figures,
    draft_future_state,
    stage_category,
    validate_stages,
)
from reports.roadmap.planner import DimensionState, FlowState, PlanInput, plan_roadmap

# The hand-worked example:
#   stage        wait  process  %C&A  handoff
#   Ideation       40        8    70
#   Development    16       24    90   yes
#   Testing        72        6    75   yes
#   Deployment     32        2   100
# process = 8 + 24 + 6 + 2 = 40 h; wait = 40 + 16 + 72 + 32 = 160 h; lead = 200 h
# flow efficiency = 40 / 200 = 20%; rolled %C&A = 0.70 x 0.90 x 0.75 x 1.00 = 47.25%
# handoffs = 2; intake wait: 40 h before Ideation (the first stage); largest delay between
# stages: Testing (72 h, against 16 and 32), no constraint marked, so the roadmap's focus is
# Testing, guide stage testing; lowest %C&A received: Ideation (70%)
EXAMPLE = [
    {
        "name": "Ideation",
        "wait_time_hours": 40,
        "process_time_hours": 8,
        "percent_complete_accurate": 70,
        "pain_points": [{"kind": "delay", "note": "Waits for monthly planning"}],
    },
    {
        "name": "Development",
        "wait_time_hours": 16,
        "process_time_hours": 24,
        "percent_complete_accurate": 90,
        "handoff": True,
        "activities": ["Coding", "Code review"],
        "people": 4,
    },
    {
        "name": "Testing",
        "wait_time_hours": 72,
        "process_time_hours": 6,
        "percent_complete_accurate": 75,
        "handoff": True,
        "pain_points": [{"kind": "manual_work", "note": "Manual regression"}, "quality"],
    },
    {"name": "Deployment", "wait_time_hours": 32, "process_time_hours": 2},
]


def stage(name, wait, process=1.0, pca=100.0, **kwargs):
    return Stage(name, float(process), float(wait), float(pca), **kwargs)


def test_compute_figures_hand_worked_example():
    figures = compute_figures(validate_stages(EXAMPLE))
    assert figures.to_json() == {
        "stage_count": 4,
        "lead_time_hours": 200.0,
        "process_time_hours": 40.0,
        "wait_time_hours": 160.0,
        "flow_efficiency": 20.0,
        "rolled_percent_complete_accurate": 47.25,
        "handoffs": 2,
        "intake_wait_hours": 40.0,
        "intake_stage": "Ideation",
        "largest_delay": "Testing",
        "largest_delay_wait_hours": 72.0,
        "constraint": None,
        "bottleneck": "Testing",
        "bottleneck_kind": "largest_delay",
        "bottleneck_wait_hours": 72.0,
        "bottleneck_category": "testing",
        "worst_quality_stage": "Ideation",
        "worst_quality_percent": 70.0,
        "pain_points": {"delay": 1, "rework": 0, "quality": 1, "manual_work": 1},
    }
    assert figures.flow_efficiency_fraction == 0.2


def test_compute_figures_intake_wait_is_reported_apart_and_never_the_largest_delay():
    # Intake    120 h before Ideation: the longest wait of all, but the backlog
    # Between:  16 h before Development, 30 h before Testing, 8 h before Deployment
    # Largest delay: Testing (30 h); under the old rule Ideation (120 h) was the bottleneck.
    figures = compute_figures(
        [stage("Ideation", 120), stage("Development", 16), stage("Testing", 30),
         stage("Deployment", 8)]
    )  # fmt: skip
    assert (figures.intake_wait_hours, figures.intake_stage) == (120.0, "Ideation")
    assert (figures.largest_delay, figures.largest_delay_wait_hours) == ("Testing", 30.0)
    assert (figures.bottleneck, figures.bottleneck_kind, figures.bottleneck_category) == (
        "Testing", "largest_delay", "testing",
    )  # fmt: skip
    assert figures.wait_time_hours == 174.0  # the intake wait still counts in the lead time


def test_compute_figures_only_the_intake_waits_no_largest_delay():
    figures = compute_figures([stage("Ideation", 50), stage("Development", 0)])
    assert figures.intake_wait_hours == 50.0
    assert (figures.largest_delay, figures.bottleneck, figures.bottleneck_kind) == (
        None, None, None,
    )  # fmt: skip
    single = compute_figures([stage("Ideation", 50)])
    assert (single.intake_wait_hours, single.largest_delay, single.bottleneck) == (50.0, None, None)


def test_compute_figures_largest_delay_tie_takes_the_earliest_stage():
    figures = compute_figures([stage("A", 5), stage("B", 30), stage("C", 30), stage("D", 2)])
    assert (figures.largest_delay, figures.largest_delay_wait_hours) == ("B", 30.0)
    assert (figures.bottleneck, figures.bottleneck_wait_hours) == ("B", 30.0)


def test_compute_figures_marked_constraint_is_the_focus_over_the_largest_delay():
    stages = validate_stages(EXAMPLE)
    stages[1] = replace(stages[1], constraint=True)  # Development
    figures = compute_figures(stages)
    assert (figures.constraint, figures.largest_delay) == ("Development", "Testing")
    focus = (
        figures.bottleneck,
        figures.bottleneck_kind,
        figures.bottleneck_wait_hours,
        figures.bottleneck_category,
    )
    assert focus == ("Development", "constraint", 16.0, "development")


def test_compute_figures_focus_category_is_the_teams_choice_not_the_guess():
    # "Code review" proposes development; the team mapped it to testing.
    figures = compute_figures(
        [stage("Ideation", 10), stage("Code review", 40, category="testing"), stage("Build", 4)]
    )
    assert (figures.bottleneck, figures.bottleneck_category) == ("Code review", "testing")
    unmapped = compute_figures([stage("Ideation", 10), stage("Lunch", 40, category=None)])
    assert (unmapped.bottleneck, unmapped.bottleneck_category) == ("Lunch", None)


def test_compute_figures_lowest_quality_tie_takes_the_earliest_stage():
    figures = compute_figures([stage("A", 1, pca=90), stage("B", 1, pca=60), stage("C", 1, pca=60)])
    assert (figures.worst_quality_stage, figures.worst_quality_percent) == ("B", 60.0)


def test_compute_figures_nothing_waits_no_bottleneck_and_all_accurate_no_quality_loss():
    figures = compute_figures([stage("A", 0), stage("B", 0)])
    assert figures.bottleneck is None
    assert figures.bottleneck_wait_hours is None
    assert figures.worst_quality_stage is None
    assert figures.flow_efficiency == 100.0


def test_compute_figures_zero_lead_time_has_no_flow_efficiency():
    figures = compute_figures([stage("A", 0, process=0)])
    assert figures.lead_time_hours == 0.0
    assert figures.flow_efficiency is None
    assert figures.flow_efficiency_fraction is None
    assert figures.to_json()["flow_efficiency"] is None


def test_compute_figures_rounds_only_in_json():
    figures = compute_figures([stage("A", 2, process=1)])
    assert figures.flow_efficiency == pytest.approx(100 / 3)
    assert figures.to_json()["flow_efficiency"] == 33.33


def test_formulas_cover_every_figure_shown():
    assert set(valuestream.FORMULAS) == {
        "lead_time_hours", "process_time_hours", "wait_time_hours", "flow_efficiency",
        "rolled_percent_complete_accurate", "handoffs", "intake_wait_hours", "largest_delay",
        "constraint", "bottleneck", "worst_quality_stage",
    }  # fmt: skip
    assert "process time ÷ lead time" in valuestream.FORMULAS["flow_efficiency"]


# --------------------------------------------------------------------------------------------
# Invariants

times = st.floats(min_value=0, max_value=MAX_HOURS, allow_nan=False, allow_infinity=False)
percents = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)


@st.composite
def stage_lists(draw):
    count = draw(st.integers(min_value=1, max_value=valuestream.MAX_STAGES))
    constraint = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=count - 1)))
    categories = st.sampled_from([*valuestream.DEFAULT_STAGE_KEYS, None])
    return [
        Stage(
            name=f"Stage {i}",
            process_time_hours=draw(times),
            wait_time_hours=draw(times),
            percent_complete_accurate=draw(percents),
            handoff=draw(st.booleans()),
            pain_points=tuple(
                PainPoint(k)
                for k in draw(
                    st.lists(st.sampled_from(list(valuestream.PAIN_POINT_KINDS)), max_size=3)
                )
            ),  # fmt: skip
            category=draw(categories),
            constraint=i == constraint,
        )
        for i in range(count)
    ]


@settings(max_examples=300, deadline=None)
@given(stage_lists())
def test_figures_invariants(stages):
    figures = compute_figures(stages)
    assert figures.lead_time_hours == figures.process_time_hours + figures.wait_time_hours
    assert math.isclose(
        figures.lead_time_hours,
        math.fsum(s.process_time_hours + s.wait_time_hours for s in stages),
        rel_tol=1e-9,
    )
    if figures.lead_time_hours == 0:
        assert figures.flow_efficiency is None
    else:
        assert 0 <= figures.flow_efficiency <= 100
        assert 0 <= figures.flow_efficiency_fraction <= 1
    assert figures.rolled_percent_complete_accurate >= 0
    assert figures.rolled_percent_complete_accurate <= min(
        s.percent_complete_accurate for s in stages
    )
    assert figures.handoffs == sum(s.handoff for s in stages)
    assert figures.intake_wait_hours == stages[0].wait_time_hours
    between = stages[1:]
    longest = max((s.wait_time_hours for s in between), default=0)
    if longest > 0:
        first = next(s for s in between if s.wait_time_hours == longest)
        assert figures.largest_delay == first.name
    else:
        assert figures.largest_delay is None
    marked = [s for s in stages if s.constraint]
    delay = next((s for s in between if s.name == figures.largest_delay), None)
    focus = marked[0] if marked else delay
    assert figures.bottleneck == (focus.name if focus else None)
    assert figures.bottleneck_category == (focus.category if focus else None)
    kind = "constraint" if marked else "largest_delay" if delay else None
    assert figures.bottleneck_kind == kind
    if stages[0].wait_time_hours > 0 and not stages[0].constraint:
        assert figures.bottleneck != stages[0].name  # the intake wait never decides the focus
    assert sum(dict(figures.pain_points).values()) == sum(len(s.pain_points) for s in stages)
    # Stored as JSON and read back, stages are the same stages.
    assert validate_stages([s.to_json() for s in stages]) == stages
    assert [Stage.from_json(s.to_json()) for s in stages] == stages


@settings(max_examples=200, deadline=None)
@given(stage_lists())
def test_future_draft_never_lengthens_the_stream(stages):
    draft = draft_future_state(stages)
    assert [s.name for s in draft] == [s.name for s in stages]
    for before, after in zip(stages, draft, strict=True):
        assert after.wait_time_hours <= before.wait_time_hours + 0.05  # rounded to 0.1 h
        assert after.process_time_hours <= before.process_time_hours + 0.05
        assert after.percent_complete_accurate >= before.percent_complete_accurate - 0.05
        assert after.pain_points == ()
    validate_stages([s.to_json() for s in draft])  # a draft is always valid input


# --------------------------------------------------------------------------------------------
# The future-state draft


def test_draft_future_state_hand_worked_example():
    draft = draft_future_state(validate_stages(EXAMPLE))
    ideation, development, testing, deployment = draft
    # A delay: wait halved, the note carried into the planned change.
    assert (ideation.wait_time_hours, ideation.process_time_hours) == (20.0, 8.0)
    assert ideation.planned_changes == (
        PlannedChange("remove_waste", "Waits for monthly planning"),
    )
    # A handoff: wait halved.
    assert development.wait_time_hours == 8.0
    assert [c.kind for c in development.planned_changes] == ["reduce_handoffs"]
    assert development.activities == ("Coding", "Code review")
    assert development.people == 4
    assert development.handoff is True
    # Bottleneck and handoff: halved once; manual work: a quarter off; quality: halfway to 100.
    assert testing.wait_time_hours == 36.0
    assert testing.process_time_hours == 4.5
    assert testing.percent_complete_accurate == 87.5
    assert [c.kind for c in testing.planned_changes] == [
        "pull", "reduce_handoffs", "automate", "remove_waste"
    ]  # fmt: skip
    assert testing.planned_changes[2].note == "Manual regression"
    # Nothing to change.
    assert deployment == validate_stages(EXAMPLE)[3]
    figures = compute_figures(draft)
    assert (figures.lead_time_hours, figures.process_time_hours) == (134.5, 38.5)
    assert figures.bottleneck == "Testing"
    assert [s.category for s in draft] == ["ideation", "development", "testing", "deployment"]


def test_draft_future_state_pulls_at_the_marked_constraint_and_keeps_the_mark():
    current = validate_stages(
        [EXAMPLE[0], dict(EXAMPLE[1], constraint=True, category="testing"), *EXAMPLE[2:]]
    )
    ideation, development, testing, deployment = draft_future_state(current)
    assert (development.constraint, development.category) == (True, "testing")
    assert [c.kind for c in development.planned_changes] == ["pull", "reduce_handoffs"]
    assert development.wait_time_hours == 8.0
    # Testing is still the largest delay but no longer the focus: its handoff halves it alone.
    kinds = [c.kind for c in testing.planned_changes]
    assert kinds == ["reduce_handoffs", "automate", "remove_waste"]


# --------------------------------------------------------------------------------------------
# Input rules


def test_validate_stages_defaults_and_normalisation():
    [only] = validate_stages(
        [{"name": "  Code   review ", "process_time_hours": 1, "wait_time_hours": 0,
          "pain_points": ["delay", {"kind": "rework"}], "activities": [" Review ", ""]}]
    )  # fmt: skip
    assert only == Stage(
        "Code review", 1.0, 0.0, 100.0, False, ("Review",), None,
        (PainPoint("delay"), PainPoint("rework")),
    )  # fmt: skip


def test_validate_stages_orders_by_position():
    stages = validate_stages(
        [
            {"name": "B", "process_time_hours": 1, "wait_time_hours": 1, "position": 2},
            {"name": "A", "process_time_hours": 1, "wait_time_hours": 1, "position": 1},
        ]
    )
    assert [s.name for s in stages] == ["A", "B"]


def ok(**overrides):
    return {"name": "Testing", "process_time_hours": 1, "wait_time_hours": 2, **overrides}


BAD_INPUTS = [
    ({"not": "a list"}, "stages", "stages must be a list of stages."),
    ([], "stages", "stages: a value stream map needs at least one stage."),
    (
        [ok(name=f"S{i}") for i in range(31)],
        "stages",
        "stages: at most 30 stages, got 31.",
    ),
    (
        ["Testing"],
        "stages[0]",
        "Stage 1: each stage must be an object with a name and its times.",
    ),
    (
        [ok(wait_time_hours=-1)],
        "stages[0].wait_time_hours",
        'Stage 1 ("Testing"): wait_time_hours cannot be negative, got -1.',
    ),
    (
        [ok(), ok(name="Deploy", process_time_hours=87601)],
        "stages[1].process_time_hours",
        'Stage 2 ("Deploy"): process_time_hours must be at most 87600 working hours, got 87601.',
    ),
    (
        [ok(process_time_hours="8")],
        "stages[0].process_time_hours",
        'Stage 1 ("Testing"): process_time_hours must be a number, not "8".',
    ),
    (
        [ok(wait_time_hours=None)],
        "stages[0].wait_time_hours",
        'Stage 1 ("Testing"): wait_time_hours is required (hours).',
    ),
    (
        [ok(percent_complete_accurate=101)],
        "stages[0].percent_complete_accurate",
        'Stage 1 ("Testing"): percent_complete_accurate is a percentage: 0 to 100, got 101.',
    ),
    (
        [ok(percent_complete_accurate=-5)],
        "stages[0].percent_complete_accurate",
        'Stage 1 ("Testing"): percent_complete_accurate is a percentage: 0 to 100, got -5.',
    ),
    (
        [ok(name="  ")],
        "stages[0].name",
        "Stage 1: name cannot be blank.",
    ),
    (
        [{"process_time_hours": 1, "wait_time_hours": 1}],
        "stages[0].name",
        "Stage 1: name is required.",
    ),
    (
        [ok(name="Testing"), ok(name=" testing ")],
        "stages[1].name",
        'Stage 2 ("testing"): the name repeats stage 1 ("Testing"); stage names must be unique.',
    ),
    (
        [ok(pain_points=["slow"])],
        "stages[0].pain_points",
        'Stage 1 ("Testing"): unknown pain point kind "slow"; allowed: delay, rework, quality, '
        "manual_work.",
    ),
    (
        [ok(pain_points=[{"kind": "delay", "severity": 3}])],
        "stages[0].pain_points",
        'Stage 1 ("Testing"): pain points take a kind and a note, not severity.',
    ),
    (
        [ok(planned_changes=["outsource"])],
        "stages[0].planned_changes",
        'Stage 1 ("Testing"): unknown planned change kind "outsource"; allowed: remove_waste, '
        "reduce_handoffs, automate, pull.",
    ),
    (
        [ok(handoff="yes")],
        "stages[0].handoff",
        'Stage 1 ("Testing"): handoff must be true or false, not "yes".',
    ),
    (
        [ok(people=2.5)],
        "stages[0].people",
        'Stage 1 ("Testing"): people must be a whole number, not 2.5.',
    ),
    (
        [ok(wait_hours=3)],
        "stages[0].wait_hours",
        'Stage 1 ("Testing"): unknown field "wait_hours"; allowed: name, process_time_hours, '
        "wait_time_hours, percent_complete_accurate, handoff, activities, people, pain_points, "
        "planned_changes, category, constraint, position.",
    ),
    (
        [ok(position=1), ok(name="Deploy", position=3)],
        "stages",
        "stages: positions must run 1 to 2 without gaps or repeats, got 1, 3.",
    ),
    (
        [ok(position=1), ok(name="Deploy", position=1)],
        "stages",
        "stages: positions must run 1 to 2 without gaps or repeats, got 1, 1.",
    ),
    (
        [ok(position=1), ok(name="Deploy")],
        "stages[1].position",
        'Stage 2 ("Deploy"): position is missing; give every stage a position or none.',
    ),
    (
        [ok(constraint=True), ok(name="Build"), ok(name="Deploy", constraint=True)],
        "stages[2].constraint",
        'Stage 3 ("Deploy") and stage 1 ("Testing") are both marked as the constraint; a value '
        "stream has one constraint: mark one stage only.",
    ),
    (
        [ok(constraint="yes")],
        "stages[0].constraint",
        'Stage 1 ("Testing"): constraint must be true or false, not "yes".',
    ),
    (
        [ok(category="qa")],
        "stages[0].category",
        'Stage 1 ("Testing"): unknown category "qa"; allowed: ideation, development, testing, '
        "deployment, operations, or null for none of them.",
    ),
]


@pytest.mark.parametrize(("raw", "field", "message"), BAD_INPUTS)
def test_validate_stages_rejects_with_a_message_naming_stage_and_field(raw, field, message):
    with pytest.raises(StageError) as info:
        validate_stages(raw)
    assert (info.value.field, info.value.message) == (field, message)
    assert isinstance(info.value, ValueError)


def test_validate_stages_explicit_category_wins_over_the_guess():
    stages = validate_stages(
        [ok(category="deployment"), ok(name="Build", category=None), ok(name="QA")]
    )
    # Chosen: deployment (the name proposes testing); chosen: none (the name proposes
    # deployment); left out: the proposal from the name.
    assert [s.category for s in stages] == ["deployment", None, "testing"]
    assert [s.constraint for s in stages] == [False, False, False]
    assert [s.to_json()["category"] for s in stages] == ["deployment", None, "testing"]


def test_stage_from_json_of_a_map_stored_before_categories_and_constraints():
    stored = {
        "name": "Production deployment",
        "process_time_hours": 2.0,
        "wait_time_hours": 24.0,
        "percent_complete_accurate": 95.0,
        "handoff": False,
        "activities": [],
        "people": None,
        "pain_points": [],
        "planned_changes": [],
    }
    old = Stage.from_json(stored)
    assert (old.category, old.constraint) == ("deployment", False)
    # Stored with the keys, the team's choice is kept, "none" included.
    assert Stage.from_json({**stored, "category": None, "constraint": True}).category is None
    assert Stage.from_json({**stored, "category": "operations"}).category == "operations"


def test_validate_stages_accepts_thirty_stages_and_the_cap():
    stages = validate_stages([ok(name=f"S{i}", wait_time_hours=MAX_HOURS) for i in range(30)])
    assert len(stages) == 30


# --------------------------------------------------------------------------------------------
# Stage names -> the guide's stages -> the roadmap's bottleneck


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Testing", "testing"),
        ("  deployment ", "deployment"),
        ("Code review", "development"),
        ("Release approval", "deployment"),
        ("App store release", "deployment"),
        ("UAT", "testing"),
        ("Request intake", "ideation"),
        ("Incident follow-up", "operations"),
        ("Lunch", None),
        # Where or how, not what: a context word decides only when nothing else does.
        ("Production deployment", "deployment"),
        ("Deploy to production", "deployment"),
        ("Production support", "operations"),
        ("Production", "operations"),
        ("Runbook deployment", "deployment"),
        # The guide puts code review under development and the checks of a built change
        # (integration, UAT, performance testing) under testing: a security review is such
        # a check.
        ("Security review", "testing"),
        ("Security incident response", "operations"),
        ("Review", "development"),
        ("Design review", "ideation"),
        ("Pull request review", "development"),
        ("Change approval", "deployment"),
    ],
)
def test_stage_category(name, key):
    assert stage_category(name) == key


def test_default_stages_are_the_guides_five():
    assert [stage_category(s.name) for s in valuestream.DEFAULT_STAGES] == list(
        valuestream.DEFAULT_STAGE_KEYS
    )


def test_planner_ranks_the_bottleneck_stage_first():
    """The example's bottleneck (Testing) puts the testing dimension first, although the flow
    dimension has the larger gap and so the higher priority without a map."""
    figures = compute_figures(validate_stages(EXAMPLE))
    flow = FlowState(
        figures.bottleneck_category,
        figures.flow_efficiency_fraction,
        figures.lead_time_hours,
        bottleneck_kind=figures.bottleneck_kind,
        intake_wait_hours=figures.intake_wait_hours,
    )
    dimensions = [
        DimensionState("flow", "Flow", 1, 1.5, 3, position=0),
        DimensionState("testing", "Testing", 3, 3.2, None, position=1),
    ]

    def plan(flow_state):
        plan_input = PlanInput("Team A", "2026-Q4", date(2026, 12, 1), dimensions, flow=flow_state)
        return [item.key for item in plan_roadmap(plan_input).items]

    assert plan(None) == ["dimension:flow", "dimension:testing"]
    assert plan(flow) == ["dimension:testing", "dimension:flow"]
