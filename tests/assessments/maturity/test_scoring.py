"""Scoring rules: hand-worked examples and properties. Pure functions, no database."""

import math
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assessments.levels import LEVEL_DESCRIPTIONS, LEVEL_NAMES
from assessments.maturity.scoring import (
    NOT_APPLICABLE,
    SCORING_RULES_VERSION,
    DimensionResponseScore,
    DimensionSpec,
    DimensionTeamScore,
    QuestionSpec,
    QuestionStats,
    ScoringError,
    TeamScore,
    explain_dimension,
    explain_overall,
    level_for_score,
    score_response,
    score_team,
)

# flow weighs 2, its first question weighs 2; visibility has two questions.
DIMS = [DimensionSpec("flow", "Flow", weight=2.0), DimensionSpec("visibility", "Visibility")]
QUESTIONS = [
    QuestionSpec("f1", "flow", weight=2.0),
    QuestionSpec("f2", "flow"),
    QuestionSpec("f3", "flow"),
    QuestionSpec("v1", "visibility"),
    QuestionSpec("v2", "visibility"),
]
# r1: flow (2*4 + 1) / 3 = 3.0 with one "don't know"; visibility 2 of 2 needed halves: 2.0
# r2: flow (2*2 + 3 + 3) / 4 = 2.5; visibility only "don't know" -> insufficient
# r3: flow 1 of 3 answered -> insufficient; visibility nothing -> insufficient
RESPONSES = [
    {"f1": 4, "f2": 1, "f3": None, "v1": 2},
    {"f1": 2, "f2": 3, "f3": 3, "v1": None},
    {"f1": 1},
]


def dist(**counts):
    return {n: counts.get(f"l{n}", 0) for n in range(1, 6)}


def one_dimension(*weights):
    """One dimension "d" whose questions q0, q1, ... have the given weights."""
    dims = [DimensionSpec("d", "D")]
    questions = [QuestionSpec(f"q{i}", "d", weight=w) for i, w in enumerate(weights)]
    return dims, questions


# --- constants -----------------------------------------------------------------------------


def test_levels_named_and_described_for_1_to_5():
    assert LEVEL_NAMES == {
        1: "Initial",
        2: "Managed",
        3: "Defined",
        4: "Quantitatively Managed",
        5: "Optimizing",
    }
    assert sorted(LEVEL_DESCRIPTIONS) == [1, 2, 3, 4, 5]
    assert LEVEL_DESCRIPTIONS[1] == "Ad-hoc processes, limited visibility and a reactive approach."
    assert SCORING_RULES_VERSION == 2


# --- one response --------------------------------------------------------------------------


def test_score_response_weighted_mean_leaves_out_dont_know():
    result = score_response(DIMS, QUESTIONS, RESPONSES[0])
    assert result.dimensions == {
        "flow": DimensionResponseScore(
            score=3.0, answered=2, dont_know=1, unanswered=0, total=3, insufficient=False
        ),
        "visibility": DimensionResponseScore(
            score=2.0, answered=1, dont_know=0, unanswered=1, total=2, insufficient=False
        ),
    }


def test_score_response_float_weights_land_exactly_on_the_level():
    dims, questions = one_dimension(0.1, 0.7, 0.2)
    # Plain float arithmetic gives 2.9999999999999996 here, which would band as level 2.
    assert (0.1 * 3 + 0.7 * 3 + 0.2 * 3) / (0.1 + 0.7 + 0.2) < 3
    score = score_response(dims, questions, {"q0": 3, "q1": 3, "q2": 3}).dimensions["d"].score
    assert score == 3.0
    assert level_for_score(score) == 3


def test_score_response_rounds_to_four_decimals():
    dims, questions = one_dimension(1, 1, 1)
    assert score_response(dims, questions, {"q0": 1, "q1": 1, "q2": 2}).dimensions["d"].score == (
        1.3333
    )


def test_score_response_exactly_half_answered_is_scored():
    dims, questions = one_dimension(1, 1, 1, 1)
    result = score_response(dims, questions, {"q0": 2, "q1": 5, "q2": None})
    assert result.dimensions["d"] == DimensionResponseScore(
        score=3.5, answered=2, dont_know=1, unanswered=1, total=4, insufficient=False
    )


@pytest.mark.parametrize(
    ("weights", "answers", "answered"),
    [
        ((1, 1, 1, 1), {"q0": 4, "q1": None, "q2": None, "q3": None}, 1),  # 1 of 4
        ((1, 1, 1), {"q0": 4, "q1": None}, 1),  # 1 of 3
        ((1, 1, 1, 1, 1), {"q0": 4, "q1": 4}, 2),  # 2 of 5
        ((3, 1, 1), {"q0": 5}, 1),  # weight does not count towards "half"
    ],
)
def test_score_response_under_half_answered_is_insufficient(weights, answers, answered):
    dims, questions = one_dimension(*weights)
    result = score_response(dims, questions, answers).dimensions["d"]
    assert result.insufficient is True
    assert result.score is None
    assert result.answered == answered


def test_score_response_only_dont_know_is_insufficient_everywhere():
    answers = {q.key: None for q in QUESTIONS}
    result = score_response(DIMS, QUESTIONS, answers)
    assert [d.insufficient for d in result.dimensions.values()] == [True, True]
    assert result.dimensions["flow"].dont_know == 3


def test_score_response_unknown_question_raises_naming_it():
    with pytest.raises(ScoringError, match="unknown question 'x9'"):
        score_response(DIMS, QUESTIONS, {"f1": 3, "x9": 3})


@pytest.mark.parametrize("level", [0, 6, -1, "3", 3.0, True])
def test_score_response_level_outside_1_to_5_raises_naming_question(level):
    with pytest.raises(ScoringError, match="answer to question 'f2' is"):
        score_response(DIMS, QUESTIONS, {"f1": 3, "f2": level})


@pytest.mark.parametrize(
    ("dims", "questions", "message"),
    [
        ([DimensionSpec("a", "A"), DimensionSpec("a", "B")], [], "dimension key 'a' is used twice"),
        ([DimensionSpec("a", "A")], [QuestionSpec("q", "a"), QuestionSpec("q", "a")],
         "question key 'q' is used twice"),
        ([DimensionSpec("a", "A")], [QuestionSpec("q", "b")], "unknown dimension 'b'"),
        ([DimensionSpec("a", "A")], [], "dimension 'a' has no questions"),
        ([DimensionSpec("a", "A", question_keys=("q", "r"))], [QuestionSpec("q", "a")],
         "dimension 'a' lists questions"),
        ([DimensionSpec("a", "A", weight=0)], [QuestionSpec("q", "a")], "weights must be"),
        ([DimensionSpec("a", "A")], [QuestionSpec("q", "a", weight=math.nan)], "weights must be"),
    ],
)  # fmt: skip
def test_score_response_inconsistent_specs_raise(dims, questions, message):
    with pytest.raises(ScoringError, match=message):
        score_response(dims, questions, {})


def test_score_response_question_keys_give_the_order():
    dims = [DimensionSpec("d", "D", question_keys=("b", "a"))]
    questions = [QuestionSpec("a", "d"), QuestionSpec("b", "d")]
    team = score_team(dims, questions, [{"a": 1, "b": 2}])
    assert list(team.questions) == ["b", "a"]


# --- a team --------------------------------------------------------------------------------


def test_score_team_hand_worked_example():
    assert score_team(DIMS, QUESTIONS, RESPONSES) == TeamScore(
        dimensions={
            "flow": DimensionTeamScore(
                key="flow",
                name="Flow",
                score=2.75,  # (3.0 + 2.5) / 2; r3 answered too few
                min=2.5,
                max=3.0,
                spread=0.5,
                respondents_scored=2,
                insufficient=False,
                # f1: 4, 2, 1: a third of the respondents (one) answered 3 levels below
                # another third; f2: 1, 3 are two apart. 1 of 2 comparable questions.
                disagreement=True,
                disagreeing_questions=("f1",),
                dont_know=1,
                level=2,
                # levels 4, 2, 1, 1, 3, 3 (f1, f2, f3): 4 of 6 at 2+, 3 at 3+, 1 at 4+
                at_or_above={2: 0.6667, 3: 0.5, 4: 0.1667, 5: 0.0},
                dont_know_share=0.1429,  # 1 of 7 answers
            ),
            "visibility": DimensionTeamScore(
                key="visibility",
                name="Visibility",
                score=2.0,
                min=2.0,
                max=2.0,
                spread=0.0,
                respondents_scored=1,
                insufficient=False,
                disagreement=False,
                disagreeing_questions=(),
                dont_know=1,
                level=2,
                at_or_above={2: 1.0, 3: 0.0, 4: 0.0, 5: 0.0},
                dont_know_share=0.5,  # v1: 2 and "don't know"
                dont_know_warning=True,  # above a quarter
            ),
        },
        questions={
            "f1": QuestionStats(
                "f1", 3, 0, 2.3333, 1, 4, dist(l1=1, l2=1, l4=1), median=2.0, disagreement=True
            ),
            "f2": QuestionStats("f2", 2, 0, 2.0, 1, 3, dist(l1=1, l3=1), median=2.0),
            "f3": QuestionStats("f3", 1, 1, 3.0, 3, 3, dist(l3=1), median=3.0),
            "v1": QuestionStats("v1", 1, 1, 2.0, 2, 2, dist(l2=1), median=2.0),
            "v2": QuestionStats("v2", 0, 0, None, None, None, dist()),
        },
        overall_score=2.5,  # (2 * 2.75 + 1 * 2.0) / 3
        overall_level=2,
        weakest_dimension="visibility",
        respondents=3,
        rules_version=2,
        coverage=1.0,
    )


def test_score_team_disagreement_at_three_levels_apart_not_at_two():
    dims, questions = one_dimension(1, 1)
    three_apart = score_team(dims, questions, [{"q0": 1, "q1": 3}, {"q0": 4, "q1": 3}])
    assert three_apart.dimensions["d"].disagreement is True
    assert three_apart.dimensions["d"].disagreeing_questions == ("q0",)
    assert three_apart.questions["q0"].disagreement is True
    two_apart = score_team(dims, questions, [{"q0": 2, "q1": 3}, {"q0": 4, "q1": 3}])
    assert two_apart.dimensions["d"].disagreement is False
    assert two_apart.dimensions["d"].disagreeing_questions == ()


def test_score_team_disagreement_ignores_dont_know():
    dims, questions = one_dimension(1, 1)
    team = score_team(dims, questions, [{"q0": 1, "q1": 3}, {"q0": None, "q1": 5}, {"q1": 3}])
    assert team.dimensions["d"].disagreement is False


def test_score_team_overall_is_weighted_by_dimension_and_skips_insufficient():
    dims = [
        DimensionSpec("a", "A", weight=3.0),
        DimensionSpec("b", "B"),
        DimensionSpec("c", "C", weight=5.0),
    ]
    questions = [QuestionSpec("a1", "a"), QuestionSpec("b1", "b"), QuestionSpec("c1", "c")]
    team = score_team(dims, questions, [{"a1": 4, "b1": 2, "c1": None}])
    assert team.dimensions["c"].insufficient is True
    assert team.dimensions["c"].score is None
    assert team.dimensions["c"].level is None
    # a and b carry 4 of 9 weight: too little for an overall score (70% needed).
    assert (team.overall_score, team.overall_level) == (None, None)
    assert (team.coverage, team.overall_incomplete) == (0.4444, True)
    assert team.weakest_dimension == "b"
    # With c "not applicable" rather than "don't know", a and b are all that applies.
    team = score_team(dims, questions, [{"a1": 4, "b1": 2, "c1": "n/a"}])
    assert team.dimensions["c"].applicable is False
    assert team.overall_score == 3.5  # (3 * 4 + 1 * 2) / 4
    assert (team.overall_level, team.coverage, team.overall_incomplete) == (3, 1.0, False)
    assert team.weakest_dimension == "b"


def test_score_team_weakest_tie_goes_to_earlier_dimension():
    dims = [DimensionSpec("a", "A"), DimensionSpec("b", "B"), DimensionSpec("c", "C")]
    questions = [QuestionSpec("a1", "a"), QuestionSpec("b1", "b"), QuestionSpec("c1", "c")]
    assert score_team(dims, questions, [{"a1": 3, "b1": 2, "c1": 2}]).weakest_dimension == "b"
    assert score_team(dims, questions, [{"a1": 2, "b1": 2, "c1": 2}]).weakest_dimension == "a"


def test_score_team_without_responses_has_no_scores():
    team = score_team(DIMS, QUESTIONS, [])
    assert team.respondents == 0
    assert team.overall_score is None
    assert team.overall_level is None
    assert team.weakest_dimension is None
    assert all(d.insufficient and d.score is None for d in team.dimensions.values())
    assert team.questions["f1"] == QuestionStats("f1", 0, 0, None, None, None, dist())


def test_overall_can_fall_when_an_unanswered_question_gets_a_level():
    # Why monotonicity is a property of answers that already are levels: a new level can make
    # an insufficient dimension count, and a low one then pulls the overall score down.
    dims = [DimensionSpec("a", "A"), DimensionSpec("b", "B")]
    questions = [QuestionSpec("a1", "a"), QuestionSpec("b1", "b")]
    before = score_team(dims, questions, [{"a1": 5, "b1": "n/a"}])
    after = score_team(dims, questions, [{"a1": 5, "b1": 1}])
    assert (before.overall_score, after.overall_score) == (5.0, 3.0)


# --- level bands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1.0, 1),
        (1.99, 1),
        (1.9999, 1),
        (2.0, 2),
        (2.99999, 3),  # 3.0 at 4 decimals
        (3 - 1e-12, 3),
        (3.5, 3),
        (4.7999, 4),
        (4.79999, 5),  # 4.8 at 4 decimals
        (4.8, 5),  # Optimizing starts at 4.8
        (4.9999, 5),
        (5.0, 5),
        (5 + 1e-9, 5),
        (3, 3),
        (Fraction(7, 2), 3),
    ],
)
def test_level_for_score_bands(score, level):
    assert level_for_score(score) == level


@pytest.mark.parametrize(("score", "level"), [(4.8, 4), (4.9999, 4), (5.0, 5), (3.0, 3)])
def test_level_for_score_of_a_rules_v1_result_keeps_its_bands(score, level):
    assert level_for_score(score, rules_version=1) == level


@pytest.mark.parametrize("score", [0.0, 0.9999, 5.0001, 6, -3, math.nan, math.inf, -math.inf])
def test_level_for_score_outside_1_to_5_raises(score):
    with pytest.raises(ValueError):
        level_for_score(score)


@pytest.mark.parametrize("score", [None, "3", True])
def test_level_for_score_non_number_raises(score):
    with pytest.raises(ValueError):
        level_for_score(score)


# --- explanations --------------------------------------------------------------------------


def test_explain_dimension_scored_with_weights_dont_know_and_disagreement():
    team = score_team(DIMS, QUESTIONS, RESPONSES)
    assert explain_dimension(team.dimensions["flow"], QUESTIONS, team) == (
        "Flow: 2.75, level 2 (Managed). Each respondent's score is the weighted mean (question "
        "weights: f1 ×2.0, f2 ×1.0, f3 ×1.0) of the levels (1-5) they chose for the 3 questions "
        'of this dimension; "don\'t know" answers are left out of the mean, not counted as a low '
        "level (1 \"don't know\" answer here). A respondent's answers count only when at least "
        "half of the questions that apply to them have a level. 1 respondent answered too few "
        "and was left out. The team score is the plain mean of 2 respondents' scores (lowest "
        "2.5, highest 3.0, spread 0.5). Of the answers with a level, 66% at level 2 or above, "
        "50% at level 3 or above, 16% at level 4 or above and 0% at 5. Respondents disagree on "
        "f1: on each, at least a quarter of them answered 3 or more levels below another "
        "quarter. Worth talking through before acting on the score."
    )


def test_explain_dimension_single_respondent_counted_and_dont_know_warning():
    team = score_team(DIMS, QUESTIONS, RESPONSES)
    assert explain_dimension(team.dimensions["visibility"], QUESTIONS, team) == (
        "Visibility: 2.0, level 2 (Managed). Each respondent's score is the plain mean (all "
        "weigh the same) of the levels (1-5) they chose for the 2 questions of this dimension; "
        '"don\'t know" answers are left out of the mean, not counted as a low level (1 "don\'t '
        "know\" answer here). A respondent's answers count only when at least half of the "
        "questions that apply to them have a level. 2 respondents answered too few and were "
        "left out. The team score is the score of the one respondent counted. Of the answers "
        "with a level, 100% at level 2 or above, 0% at level 3 or above, 0% at level 4 or above "
        'and 0% at 5. 50% of the answers are "don\'t know", more than 25%: the score rests on '
        "what fewer people know, and not knowing is itself worth acting on."
    )


def test_explain_dimension_at_level_5_states_the_band():
    dims, questions = one_dimension(1, 1, 1, 1, 1)
    team = score_team(dims, questions, [{"q0": 5, "q1": 5, "q2": 5, "q3": 5, "q4": 4}] * 3)
    text = explain_dimension(team.dimensions["d"], questions, team)
    assert text.startswith("D: 4.8, level 5 (Optimizing).")
    assert "level 5 (Optimizing) 4.80-5.00" in text
    assert "answering 5 on 80% of the questions and 4 on the rest" in text


def test_explain_dimension_insufficient_says_why():
    questions = [QuestionSpec(f"q{i}", "d") for i in range(4)]
    dims = [DimensionSpec("d", "Quality")]
    team = score_team(dims, questions, [{"q0": None, "q1": None, "q2": 3}, {}])
    assert explain_dimension(team.dimensions["d"], questions, team) == (
        "Quality: no score. A respondent's answers count only when at least half of the "
        "questions that apply to them have a level. None of the 2 respondents reached that: in "
        'all 1 answer with a level, 2 "don\'t know" answers and 5 unanswered.'
    )


def test_explain_dimension_not_applicable_to_anyone():
    dims, questions = one_dimension(1, 1)
    team = score_team(dims, questions, [{"q0": "n/a", "q1": "n/a"}] * 2)
    assert explain_dimension(team.dimensions["d"], questions, team) == (
        'D: not applicable. Every respondent answered "not applicable" to all its 2 questions, '
        "so it is left out of the overall score."
    )


def test_explain_dimension_without_respondents():
    team = score_team(DIMS, QUESTIONS, [])
    assert explain_dimension(team.dimensions["flow"], QUESTIONS, team) == (
        "Flow: no score yet, because nobody has answered."
    )


def test_explain_overall_names_weights_coverage_and_incomplete():
    team = score_team(DIMS, QUESTIONS, RESPONSES)
    assert explain_overall(team, DIMS) == (
        "Overall: 2.5, level 2 (Managed). It is the weighted mean (dimension weights: Flow ×2.0, "
        "Visibility ×1.0) of the scores of 2 of 2 dimensions, from 3 respondents; they carry "
        "100% of the weight (at least 70% is needed). Weakest dimension: Visibility (2.0)."
    )
    team = score_team(DIMS, QUESTIONS, [{"f1": 4, "f2": 4, "v1": None}])
    assert explain_overall(team, DIMS) == (
        "Overall incomplete: the scored dimensions carry 66% of the weight of the dimensions "
        "that apply, and an overall score needs at least 70%. Without a score: Visibility. Each "
        "dimension's own score stands; the overall level is not given, and comparisons list "
        "this team as incomplete."
    )
    team = score_team(DIMS, QUESTIONS, [{"f1": 4, "f2": 4, "v1": "n/a", "v2": "n/a"}])
    assert explain_overall(team, DIMS) == (
        "Overall: 4.0, level 4 (Quantitatively Managed). It is the plain mean of the scores of 1 "
        "of 2 dimensions, from 1 respondent; they carry 100% of the weight (at least 70% is "
        "needed). Not applicable to this team: Visibility. Weakest dimension: Flow (4.0)."
    )


def test_explain_overall_without_any_scored_dimension():
    team = score_team(DIMS, QUESTIONS, [{"f1": None}])
    assert explain_overall(team, DIMS) == (
        "No overall score: no dimension has enough answers (at least half of its applicable "
        "questions answered with a level by at least one respondent)."
    )
    assert explain_overall(score_team(DIMS, QUESTIONS, []), DIMS) == (
        "No overall score yet, because nobody has answered."
    )


# --- properties ----------------------------------------------------------------------------

weights = st.floats(min_value=0.001, max_value=10) | st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0])
answers = st.none() | st.integers(1, 5) | st.just(NOT_APPLICABLE)


@st.composite
def questionnaires(draw):
    dims, questions = [], []
    for d in range(draw(st.integers(1, 4))):
        dims.append(DimensionSpec(f"d{d}", f"Dimension {d}", weight=draw(weights)))
        for q in range(draw(st.integers(1, 5))):
            questions.append(QuestionSpec(f"d{d}-q{q}", f"d{d}", weight=draw(weights)))
    return dims, questions


@st.composite
def scenarios(draw, min_responses=0):
    dims, questions = draw(questionnaires())
    keys = [q.key for q in questions]
    response = st.dictionaries(st.sampled_from(keys), answers)
    responses = draw(st.lists(response, min_size=min_responses, max_size=6))
    return dims, questions, responses


def all_scores(team):
    for dim in team.dimensions.values():
        yield from (dim.score, dim.min, dim.max)
    for stats in team.questions.values():
        yield stats.mean
    yield team.overall_score


@given(scenarios())
def test_property_every_score_within_1_and_5(scenario):
    dims, questions, responses = scenario
    for answers_ in responses:
        for dim in score_response(dims, questions, answers_).dimensions.values():
            assert dim.score is None or 1 <= dim.score <= 5
            assert dim.answered + dim.dont_know + dim.unanswered + dim.not_applicable == dim.total
    team = score_team(dims, questions, responses)
    assert all(1 <= s <= 5 for s in all_scores(team) if s is not None)
    for dim in team.dimensions.values():
        assert dim.spread is None or 0 <= dim.spread <= 4
        assert dim.insufficient == (dim.score is None)


@given(scenarios(min_responses=1), st.data())
def test_property_raising_a_level_never_lowers_a_score(scenario, data):
    """Monotonicity, for answers that already are levels: raising one respondent's answer from
    level l to any level above l never lowers that respondent's score for the dimension, the
    team's dimension score or the overall score, and changes no "insufficient" flag (the set of
    answered questions is the same). Other dimensions do not move.

    Turning an unanswered or "don't know" question into a level is not covered: it can make a
    dimension count that did not, and a low score then lowers the overall score (see
    test_overall_can_fall_when_an_unanswered_question_gets_a_level)."""
    dims, questions, responses = scenario
    candidates = [
        (i, key)
        for i, answers_ in enumerate(responses)
        for key, level in answers_.items()
        if level not in (None, NOT_APPLICABLE) and level < 5
    ]
    assume(candidates)
    i, key = data.draw(st.sampled_from(candidates))
    raised = [dict(a) for a in responses]
    raised[i][key] = data.draw(st.integers(responses[i][key] + 1, 5))
    dimension = next(q.dimension for q in questions if q.key == key)

    before = score_response(dims, questions, responses[i]).dimensions
    after = score_response(dims, questions, raised[i]).dimensions
    assert after[dimension].insufficient == before[dimension].insufficient
    if not after[dimension].insufficient:
        assert after[dimension].score >= before[dimension].score
    assert {k: v for k, v in after.items() if k != dimension} == {
        k: v for k, v in before.items() if k != dimension
    }

    team_before = score_team(dims, questions, responses)
    team_after = score_team(dims, questions, raised)
    dim_before, dim_after = team_before.dimensions[dimension], team_after.dimensions[dimension]
    assert dim_after.insufficient == dim_before.insufficient
    if not dim_after.insufficient:
        assert dim_after.score >= dim_before.score
        assert dim_after.level >= dim_before.level
    assert (team_after.overall_score is None) == (team_before.overall_score is None)
    if team_after.overall_score is not None:
        assert team_after.overall_score >= team_before.overall_score
        assert team_after.overall_level >= team_before.overall_level


@given(scenarios(), st.randoms(use_true_random=False))
def test_property_order_of_respondents_and_answers_does_not_matter(scenario, random):
    dims, questions, responses = scenario
    shuffled = list(responses)
    random.shuffle(shuffled)
    reordered = []
    for answers_ in shuffled:
        items = list(answers_.items())
        random.shuffle(items)
        reordered.append(dict(items))
    assert score_team(dims, questions, reordered) == score_team(dims, questions, responses)


@given(scenarios(min_responses=1), st.data())
def test_property_dont_know_only_affects_its_own_dimension(scenario, data):
    dims, questions, responses = scenario
    candidates = [
        (i, key)
        for i, answers_ in enumerate(responses)
        for key, level in answers_.items()
        if level is not None
    ]
    assume(candidates)
    i, key = data.draw(st.sampled_from(candidates))
    changed = [dict(a) for a in responses]
    changed[i][key] = None
    dimension = next(q.dimension for q in questions if q.key == key)

    before = score_response(dims, questions, responses[i]).dimensions
    after = score_response(dims, questions, changed[i]).dimensions
    assert after[dimension].dont_know == before[dimension].dont_know + 1
    for other in before:
        if other != dimension:
            assert after[other] == before[other]

    team_before = score_team(dims, questions, responses)
    team_after = score_team(dims, questions, changed)
    for other in team_before.dimensions:
        if other != dimension:
            assert team_after.dimensions[other] == team_before.dimensions[other]
    own_keys = {q.key for q in questions if q.dimension == dimension}
    for q, stats in team_before.questions.items():
        if q not in own_keys:
            assert team_after.questions[q] == stats


@given(questionnaires(), st.integers(1, 5))
def test_property_only_dont_know_makes_every_dimension_insufficient(spec, count):
    dims, questions = spec
    answers_ = {q.key: None for q in questions}
    assert all(
        d.insufficient and d.score is None
        for d in score_response(dims, questions, answers_).dimensions.values()
    )
    team = score_team(dims, questions, [answers_] * count)
    assert all(d.insufficient for d in team.dimensions.values())
    assert (team.overall_score, team.overall_level, team.weakest_dimension) == (None, None, None)
    assert sum(d.dont_know for d in team.dimensions.values()) == len(questions) * count


@given(st.floats(min_value=1, max_value=5))
def test_property_level_for_score_is_the_band_of_the_rounded_score(score):
    level = level_for_score(score)
    rounded = round(score, 4)
    assert level in (1, 2, 3, 4, 5)
    bands = {1: (1, 2), 2: (2, 3), 3: (3, 4), 4: (4, 4.8), 5: (4.8, 5.0001)}
    assert bands[level][0] <= rounded < bands[level][1]


@given(st.floats(min_value=1, max_value=5), st.floats(min_value=1, max_value=5))
def test_property_level_for_score_is_monotone(a, b):
    low, high = sorted((a, b))
    assert level_for_score(low) <= level_for_score(high)


@given(scenarios())
def test_property_levels_agree_with_scores(scenario):
    team = score_team(*scenario)
    for dim in team.dimensions.values():
        assert dim.level == (None if dim.score is None else level_for_score(dim.score))
    if team.overall_score is not None:
        assert team.overall_level == level_for_score(team.overall_score)
        assert team.weakest_dimension is not None


@settings(max_examples=50)
@given(
    st.lists(st.floats(min_value=0.001, max_value=10), min_size=1, max_size=6), st.integers(1, 5)
)
def test_property_same_level_everywhere_scores_exactly_that_level(weights_, level):
    dims, questions = one_dimension(*weights_)
    answers_ = {q.key: level for q in questions}
    team = score_team(dims, questions, [answers_, answers_])
    assert team.dimensions["d"].score == float(level)
    assert team.dimensions["d"].level == level
