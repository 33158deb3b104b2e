"""Scoring rules version 2 (docs/scoring.md): a reachable level 5, the share of answers at or
above each level, disagreement that one-level noise cannot raise, "not applicable" apart from
"don't know", and an overall score only with enough coverage. Pure functions, no database."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.maturity.scoring import (
    NOT_APPLICABLE,
    DimensionSpec,
    QuestionSpec,
    level_for_score,
    question_disagrees,
    score_team,
)


def one_dimension(questions):
    return [DimensionSpec("d", "D")], [QuestionSpec(f"q{i}", "d") for i in range(questions)]


# --- level 5 is reachable ------------------------------------------------------------------


def test_five_on_80_percent_and_four_on_the_rest_is_level_5():
    dims, questions = one_dimension(5)
    answers = {"q0": 5, "q1": 5, "q2": 5, "q3": 5, "q4": 4}
    team = score_team(dims, questions, [answers] * 3)
    assert (team.dimensions["d"].score, team.dimensions["d"].level) == (4.8, 5)
    assert (team.overall_score, team.overall_level) == (4.8, 5)


def test_just_below_the_level_5_band_is_level_4():
    dims, questions = one_dimension(5)
    answers = {"q0": 5, "q1": 5, "q2": 5, "q3": 4, "q4": 4}  # 4.6
    assert score_team(dims, questions, [answers]).dimensions["d"].level == 4


@given(
    questions=st.integers(1, 12),
    respondents=st.integers(1, 8),
    data=st.data(),
)
def test_property_level_5_reachable_as_stated(questions, respondents, data):
    """Every respondent answers 5 on at least 80% of the questions and 4 on the rest (in any
    order, some with "not applicable" questions taken out): the dimension is level 5."""
    dims, specs = one_dimension(questions)
    keys = [q.key for q in specs]
    responses = []
    for _ in range(respondents):
        applicable = data.draw(st.lists(st.sampled_from(keys), min_size=1, unique=True))
        fours = math.floor(len(applicable) * Fraction(2, 10))
        fours = data.draw(st.integers(0, fours))
        answers = dict.fromkeys(keys, NOT_APPLICABLE)
        answers.update(dict.fromkeys(applicable, 5))
        answers.update(dict.fromkeys(data.draw(st.permutations(applicable))[:fours], 4))
        responses.append(answers)
    dim = score_team(dims, specs, responses).dimensions["d"]
    assert dim.level == 5
    assert dim.score >= 4.8


# --- share of answers at or above each level -------------------------------------------------


def test_a_split_team_is_not_passed_off_as_defined():
    dims, questions = one_dimension(2)
    split = [{"q0": 1, "q1": 1}, {"q0": 5, "q1": 5}]
    dim = score_team(dims, questions, split).dimensions["d"]
    assert (dim.score, dim.level) == (3.0, 3)
    # Beside the mean: half the answers are at 5 and nobody answered 2, 3 or 4.
    assert dim.at_or_above == {2: 0.5, 3: 0.5, 4: 0.5, 5: 0.5}
    assert dim.disagreement is True


def test_shares_count_answers_not_respondents():
    dims, questions = one_dimension(2)
    dim = score_team(dims, questions, [{"q0": 2, "q1": 3}, {"q0": 4, "q1": None}]).dimensions["d"]
    assert dim.at_or_above == {2: 1.0, 3: 0.6667, 4: 0.3333, 5: 0.0}


# --- disagreement --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "disagrees"),
    [
        ([2, 3, 4], False),  # one-level noise around 3
        ([2, 2, 2, 4], False),  # two apart is within one-level noise
        ([1, 5], True),
        ([1, 1, 5, 5], True),
        ([1, 4, 4], True),  # a third of the team three levels below the rest
        ([1, 5, 5, 5, 5], False),  # one respondent in five: a fifth, not a quarter
        ([1, 5, 5, 5], True),  # one in four: a quarter
        ([3], False),
        ([], False),
    ],
)
def test_question_disagreement_hand_worked(levels, disagrees):
    assert question_disagrees(levels) is disagrees


def test_dimension_flagged_when_a_quarter_of_its_questions_disagree():
    dims, questions = one_dimension(5)
    one = [
        {"q0": 1, "q1": 3, "q2": 3, "q3": 3, "q4": 3},
        {"q0": 5, "q1": 3, "q2": 3, "q3": 3, "q4": 3},
    ]
    # 1 of 5 questions: less than a quarter (2 needed).
    assert score_team(dims, questions, one).dimensions["d"].disagreement is False
    assert score_team(dims, questions, one).dimensions["d"].disagreeing_questions == ("q0",)
    two = [dict(one[0], q1=1), dict(one[1], q1=5)]
    assert score_team(dims, questions, two).dimensions["d"].disagreement is True


@given(
    centre=st.integers(2, 4),
    questions=st.integers(1, 8),
    respondents=st.integers(2, 12),
    data=st.data(),
)
def test_property_one_level_noise_never_flags(centre, questions, respondents, data):
    dims, specs = one_dimension(questions)
    noise = st.sampled_from([centre - 1, centre, centre + 1])
    responses = [{q.key: data.draw(noise) for q in specs} for _ in range(respondents)]
    team = score_team(dims, specs, responses)
    assert team.dimensions["d"].disagreement is False
    assert not any(stats.disagreement for stats in team.questions.values())


@given(questions=st.integers(1, 8), respondents=st.integers(2, 12))
def test_property_a_team_split_between_1_and_5_always_flags(questions, respondents):
    dims, specs = one_dimension(questions)
    low = respondents // 2
    responses = [{q.key: 1 if i < low else 5 for q in specs} for i in range(respondents)]
    team = score_team(dims, specs, responses)
    assert team.dimensions["d"].disagreement is True
    assert team.dimensions["d"].disagreeing_questions == tuple(q.key for q in specs)


# --- "not applicable" and "don't know" -----------------------------------------------------


def test_not_applicable_leaves_the_question_out_dont_know_is_reported():
    dims, questions = one_dimension(4)
    # Respondent 1: two levels, two "not applicable": 2 of 2 applicable questions have a level.
    # Respondent 2: two levels, two "don't know": 2 of 4 have a level (half: enough).
    responses = [
        {"q0": 4, "q1": 2, "q2": NOT_APPLICABLE, "q3": NOT_APPLICABLE},
        {"q0": 4, "q1": 2, "q2": None, "q3": None},
    ]
    dim = score_team(dims, questions, responses).dimensions["d"]
    assert (dim.score, dim.respondents_scored) == (3.0, 2)
    assert (dim.not_applicable, dim.dont_know) == (2, 2)
    assert dim.dont_know_share == 0.3333  # 2 of 6 answers that apply
    assert dim.dont_know_warning is True  # above a quarter


def test_not_applicable_answers_make_too_few_applicable_questions_no_less_sufficient():
    dims, questions = one_dimension(4)
    # One level among one applicable question: enough (1 of 1), where "don't know" would not be.
    assert (
        not score_team(
            dims,
            questions,
            [{"q0": 3, "q1": NOT_APPLICABLE, "q2": NOT_APPLICABLE, "q3": NOT_APPLICABLE}],
        )
        .dimensions["d"]
        .insufficient
    )
    assert (
        score_team(dims, questions, [{"q0": 3, "q1": None, "q2": None, "q3": None}])
        .dimensions["d"]
        .insufficient
    )


def test_dont_know_at_a_quarter_does_not_warn():
    dims, questions = one_dimension(4)
    dim = score_team(dims, questions, [{"q0": 3, "q1": 3, "q2": 3, "q3": None}]).dimensions["d"]
    assert (dim.dont_know_share, dim.dont_know_warning) == (0.25, False)


# --- overall coverage ----------------------------------------------------------------------


def test_overall_needs_70_percent_of_the_weight():
    dims = [DimensionSpec(k, k.upper(), weight=w) for k, w in (("a", 7), ("b", 2), ("c", 1))]
    questions = [QuestionSpec(f"{d.key}1", d.key) for d in dims]
    exactly = score_team(dims, questions, [{"a1": 3, "b1": None, "c1": None}])
    assert (exactly.coverage, exactly.overall_score, exactly.overall_incomplete) == (
        0.7,
        3.0,
        False,
    )
    below = score_team(dims, questions, [{"a1": None, "b1": 4, "c1": 2}])
    assert (below.coverage, below.overall_score, below.overall_level) == (0.3, None, None)
    assert below.overall_incomplete is True
    assert below.weakest_dimension == "c"  # the dimensions' own scores stand


@given(st.lists(st.tuples(st.integers(1, 5), st.booleans()), min_size=1, max_size=8))
def test_property_overall_exists_exactly_when_coverage_reaches_70_percent(dims_scored):
    dims = [DimensionSpec(f"d{i}", f"D{i}", weight=w) for i, (w, _) in enumerate(dims_scored)]
    questions = [QuestionSpec(f"d{i}q", f"d{i}") for i in range(len(dims))]
    answers = {f"d{i}q": 3 if scored else None for i, (_, scored) in enumerate(dims_scored)}
    team = score_team(dims, questions, [answers])
    scored = sum(w for w, s in dims_scored if s)
    enough = scored and Fraction(scored, sum(w for w, _ in dims_scored)) >= Fraction(7, 10)
    assert (team.overall_score is not None) == bool(enough)
    assert team.overall_incomplete == (bool(scored) and not enough)


def test_level_bands_of_rules_v1_results_are_kept():
    assert level_for_score(4.85, rules_version=1) == 4
    assert level_for_score(4.85) == 5
