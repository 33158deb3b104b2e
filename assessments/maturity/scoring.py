"""Maturity scoring: questionnaire answers in, dimension and team scores out.

Pure functions over plain data (no ORM), so that every number on a page or in a PDF can be
recomputed, tested and explained from the answers alone.

The rules (SCORING_RULES_VERSION 1):
- An answer is a level 1-5, None for "don't know / not applicable", or absent (unanswered).
- A respondent's dimension score is the weighted mean (question weights) of the levels they
  gave; "don't know" and unanswered questions are left out, never counted as a low level.
- A respondent's dimension score exists only when at least half of the dimension's questions
  have a level (answered * 2 >= total); otherwise it is "insufficient".
- A team's dimension score is the plain mean of its respondents' scores that exist.
- The overall score is the weighted mean (dimension weights) of the dimension scores that exist.
- Every score is rounded to 4 decimal places (half to even) before it is shown or banded.

Arithmetic is exact (fractions.Fraction) until that rounding, so a result never depends on the
order of respondents or answers, and float noise cannot move a score across a level boundary
(three answers at level 3 score exactly 3.0, whatever the weights).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from assessments.levels import LEVEL_NAMES, MAX_LEVEL, MIN_LEVEL, SCORE_DECIMALS

# Stored with every result, so that a change of the rules never silently changes old numbers.
SCORING_RULES_VERSION = 1

# Two respondents two levels apart describe different realities, not a rounding difference.
DISAGREEMENT_SPREAD = 2


class ScoringError(ValueError):
    """The specs or the answers do not fit together (unknown key, level outside 1-5, ...)."""


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    dimension: str
    weight: float = 1.0


@dataclass(frozen=True)
class DimensionSpec:
    key: str
    name: str
    weight: float = 1.0
    # The dimension's questions in display order; empty means "those QuestionSpecs whose
    # dimension is this key, in the order given".
    question_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class DimensionResponseScore:
    score: float | None
    answered: int  # questions with a level
    dont_know: int
    unanswered: int
    total: int
    insufficient: bool


@dataclass(frozen=True)
class ResponseScore:
    dimensions: dict[str, DimensionResponseScore]  # in dimension order


@dataclass(frozen=True)
class QuestionStats:
    key: str
    count: int  # answers with a level
    dont_know: int
    mean: float | None
    min: int | None
    max: int | None
    distribution: dict[int, int]  # level 1..5 -> number of respondents


@dataclass(frozen=True)
class DimensionTeamScore:
    key: str
    name: str
    score: float | None
    min: float | None
    max: float | None
    spread: float | None
    respondents_scored: int
    insufficient: bool
    disagreement: bool
    disagreeing_questions: tuple[str, ...]
    dont_know: int
    level: int | None


@dataclass(frozen=True)
class TeamScore:
    dimensions: dict[str, DimensionTeamScore]  # in dimension order
    questions: dict[str, QuestionStats]  # in dimension order, then question order
    overall_score: float | None
    overall_level: int | None
    weakest_dimension: str | None
    respondents: int
    rules_version: int = SCORING_RULES_VERSION


def level_for_score(score: float) -> int:
    """The maturity level whose band holds the score: 1.00-1.99 -> 1, ..., 5.00 -> 5.

    The score is first rounded to 4 decimal places, like every computed score, so that
    2.99999999 (float noise) is level 3, not 2.
    """
    if isinstance(score, bool) or not isinstance(score, int | float | Fraction):
        raise ValueError(f"score must be a number, not {score!r}")
    if isinstance(score, float) and not math.isfinite(score):
        raise ValueError(f"score {score!r} is outside 1-5")
    rounded = round(score, SCORE_DECIMALS)
    if not MIN_LEVEL <= rounded <= MAX_LEVEL:
        raise ValueError(f"score {score!r} is outside 1-5")
    return min(math.floor(rounded), MAX_LEVEL)


def score_response(
    dimensions: Sequence[DimensionSpec],
    questions: Sequence[QuestionSpec],
    answers: Mapping[str, int | None],
) -> ResponseScore:
    """One respondent's score per dimension. Raises ScoringError for unknown question keys,
    levels outside 1-5 and inconsistent specs."""
    layout = _Layout(dimensions, questions)
    return _score_response(layout, answers)


def score_team(
    dimensions: Sequence[DimensionSpec],
    questions: Sequence[QuestionSpec],
    responses: Sequence[Mapping[str, int | None]],
) -> TeamScore:
    """A team's scores from all its respondents' answers (one mapping per respondent)."""
    layout = _Layout(dimensions, questions)
    responses = list(responses)
    scored = [_score_response(layout, answers) for answers in responses]

    question_stats = {}
    for dim in layout.dimensions:
        for key in layout.question_keys[dim.key]:
            question_stats[key] = _question_stats(key, responses)

    dim_scores = {}
    for dim in layout.dimensions:
        per_response = [r.dimensions[dim.key] for r in scored]
        values = [d.score for d in per_response if not d.insufficient]
        disagreeing = tuple(
            key
            for key in layout.question_keys[dim.key]
            if question_stats[key].count
            and question_stats[key].max - question_stats[key].min >= DISAGREEMENT_SPREAD
        )
        score = _round(sum(map(_exact, values)) / len(values)) if values else None
        dim_scores[dim.key] = DimensionTeamScore(
            key=dim.key,
            name=dim.name,
            score=score,
            min=min(values) if values else None,
            max=max(values) if values else None,
            spread=_round(_exact(max(values)) - _exact(min(values))) if values else None,
            respondents_scored=len(values),
            insufficient=not values,
            disagreement=bool(disagreeing),
            disagreeing_questions=disagreeing,
            dont_know=sum(d.dont_know for d in per_response),
            level=None if score is None else level_for_score(score),
        )

    counted = [d for d in layout.dimensions if not dim_scores[d.key].insufficient]
    overall = None
    if counted:
        overall = _round(
            sum(Fraction(d.weight) * _exact(dim_scores[d.key].score) for d in counted)
            / sum(Fraction(d.weight) for d in counted)
        )
    # min() keeps the first of equal scores, which is the earlier dimension.
    weakest = min(counted, key=lambda d: dim_scores[d.key].score).key if counted else None
    return TeamScore(
        dimensions=dim_scores,
        questions=question_stats,
        overall_score=overall,
        overall_level=None if overall is None else level_for_score(overall),
        weakest_dimension=weakest,
        respondents=len(responses),
    )


def explain_dimension(
    dim_score: DimensionTeamScore,
    questions: Sequence[QuestionSpec],
    team_score: TeamScore,
) -> str:
    """How a team's dimension score was formed, in plain words.

    `questions` are the questionnaire's question specs (those of other dimensions are
    ignored); `team_score` is the TeamScore that dim_score belongs to.
    """
    own = [q for q in questions if q.dimension == dim_score.key]
    total = len(own)
    respondents = team_score.respondents
    need = math.ceil(total / 2)
    answered = sum(team_score.questions[q.key].count for q in own if q.key in team_score.questions)
    unanswered = respondents * total - answered - dim_score.dont_know
    dont_know = _count(dim_score.dont_know, '"don\'t know" answer')
    rule = (
        f"A respondent's answers count only when at least {need} of the {total} "
        f"{_plural(total, 'question')} have a level."
    )

    if respondents == 0:
        return f"{dim_score.name}: no score yet, because nobody has answered."
    if dim_score.insufficient:
        return (
            f"{dim_score.name}: no score. {rule} None of the {_count(respondents, 'respondent')} "
            f"reached that: in all {_count(answered, 'answer')} with a level, {dont_know} and "
            f"{unanswered} unanswered."
        )

    parts = [
        f"{dim_score.name}: {_fmt(dim_score.score)}, level {dim_score.level} "
        f"({LEVEL_NAMES[dim_score.level]}).",
        f"Each respondent's score is the {_weighting(own, 'question')} of the levels (1-5) they "
        f"chose for the {total} {_plural(total, 'question')} of this dimension; "
        f'"don\'t know" answers are left out, not counted as a low level '
        f"({dont_know} left out here).",
        rule,
    ]
    left_out = respondents - dim_score.respondents_scored
    if left_out:
        parts.append(
            f"{_count(left_out, 'respondent')} answered too few and "
            f"{_plural(left_out, 'was', 'were')} left out."
        )
    if dim_score.respondents_scored == 1:
        parts.append("The team score is the score of the one respondent counted.")
    else:
        parts.append(
            f"The team score is the plain mean of {dim_score.respondents_scored} respondents' "
            f"scores (lowest {_fmt(dim_score.min)}, highest {_fmt(dim_score.max)}, "
            f"spread {_fmt(dim_score.spread)})."
        )
    if dim_score.disagreement:
        keys = ", ".join(dim_score.disagreeing_questions)
        parts.append(
            f"Respondents' levels differ by {DISAGREEMENT_SPREAD} or more on {keys}: worth "
            f"talking through before acting on the score."
        )
    return " ".join(parts)


def explain_overall(team_score: TeamScore, dimensions: Sequence[DimensionSpec]) -> str:
    """How the overall score was formed, in plain words."""
    scores = team_score.dimensions
    counted = [d for d in dimensions if d.key in scores and not scores[d.key].insufficient]
    missing = [d for d in dimensions if d.key in scores and scores[d.key].insufficient]
    if team_score.respondents == 0:
        return "No overall score yet, because nobody has answered."
    if team_score.overall_score is None:
        return (
            "No overall score: no dimension has enough answers (at least half of its "
            "questions answered with a level by at least one respondent)."
        )
    level = team_score.overall_level
    parts = [
        f"Overall: {_fmt(team_score.overall_score)}, level {level} ({LEVEL_NAMES[level]}).",
        f"It is the {_weighting(counted, 'dimension')} of the scores of {len(counted)} of "
        f"{len(dimensions)} {_plural(len(dimensions), 'dimension')}, from "
        f"{_count(team_score.respondents, 'respondent')}.",
    ]
    if missing:
        names = ", ".join(d.name for d in missing)
        parts.append(f"Left out for lack of answers: {names}.")
    weakest = scores[team_score.weakest_dimension]
    parts.append(f"Weakest dimension: {weakest.name} ({_fmt(weakest.score)}).")
    return " ".join(parts)


# --- internals ---------------------------------------------------------------------------


class _Layout:
    """The specs, checked once: dimensions in order, each with its question keys in order."""

    def __init__(self, dimensions: Sequence[DimensionSpec], questions: Sequence[QuestionSpec]):
        self.dimensions = tuple(dimensions)
        self.weights: dict[str, Fraction] = {}
        by_dimension: dict[str, list[str]] = {}
        for dim in self.dimensions:
            if dim.key in by_dimension:
                raise ScoringError(f"dimension key {dim.key!r} is used twice")
            _check_weight(dim.weight, f"dimension {dim.key!r}")
            by_dimension[dim.key] = []
        for q in questions:
            if q.key in self.weights:
                raise ScoringError(f"question key {q.key!r} is used twice")
            if q.dimension not in by_dimension:
                raise ScoringError(f"question {q.key!r} names unknown dimension {q.dimension!r}")
            _check_weight(q.weight, f"question {q.key!r}")
            self.weights[q.key] = Fraction(q.weight)
            by_dimension[q.dimension].append(q.key)
        self.question_keys: dict[str, tuple[str, ...]] = {}
        for dim in self.dimensions:
            keys = tuple(dim.question_keys) or tuple(by_dimension[dim.key])
            if len(set(keys)) != len(keys) or set(keys) != set(by_dimension[dim.key]):
                raise ScoringError(
                    f"dimension {dim.key!r} lists questions {list(keys)!r}, but its questions "
                    f"are {by_dimension[dim.key]!r}"
                )
            if not keys:
                raise ScoringError(f"dimension {dim.key!r} has no questions")
            self.question_keys[dim.key] = keys


def _check_weight(weight, what):
    if (
        isinstance(weight, bool)
        or not isinstance(weight, int | float)
        or not math.isfinite(weight)
        or weight <= 0
    ):
        raise ScoringError(f"{what} has weight {weight!r}; weights must be numbers > 0")


def _check_answers(layout: _Layout, answers: Mapping[str, int | None]):
    for key, level in answers.items():
        if key not in layout.weights:
            raise ScoringError(f"answer to unknown question {key!r}")
        if level is None:
            continue
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise ScoringError(
                f"answer to question {key!r} is {level!r}; it must be a level 1-5 or None "
                f"(don't know)"
            )


def _score_response(layout: _Layout, answers: Mapping[str, int | None]) -> ResponseScore:
    _check_answers(layout, answers)
    result = {}
    for dim in layout.dimensions:
        keys = layout.question_keys[dim.key]
        answered = dont_know = unanswered = 0
        weighted_sum = weight_sum = Fraction(0)
        for key in keys:
            if key not in answers:
                unanswered += 1
            elif answers[key] is None:
                dont_know += 1
            else:
                answered += 1
                weighted_sum += layout.weights[key] * answers[key]
                weight_sum += layout.weights[key]
        insufficient = answered * 2 < len(keys)
        result[dim.key] = DimensionResponseScore(
            score=None if insufficient else _round(weighted_sum / weight_sum),
            answered=answered,
            dont_know=dont_know,
            unanswered=unanswered,
            total=len(keys),
            insufficient=insufficient,
        )
    return ResponseScore(dimensions=result)


def _question_stats(key: str, responses: Sequence[Mapping[str, int | None]]) -> QuestionStats:
    levels = [r[key] for r in responses if r.get(key) is not None]
    return QuestionStats(
        key=key,
        count=len(levels),
        dont_know=sum(1 for r in responses if key in r and r[key] is None),
        mean=_round(Fraction(sum(levels), len(levels))) if levels else None,
        min=min(levels, default=None),
        max=max(levels, default=None),
        distribution={level: levels.count(level) for level in range(MIN_LEVEL, MAX_LEVEL + 1)},
    )


def _round(value: Fraction) -> float:
    return float(round(value, SCORE_DECIMALS))


def _exact(score: float) -> Fraction:
    # Scores are 4-decimal values stored in floats; repr() gives back those decimals, so the
    # sums over them are exact (and independent of order).
    return Fraction(repr(score))


def _fmt(number: float) -> str:
    # Up to 4 decimals, never rounded further: "2.9999" must not read as "3.00" next to
    # "level 2".
    text = f"{number:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _weighting(specs, noun: str) -> str:
    weights = {spec.weight for spec in specs}
    if len(weights) <= 1:
        return "plain mean (all weigh the same)" if noun == "question" else "plain mean"
    listed = ", ".join(f"{getattr(spec, 'name', spec.key)} ×{_fmt(spec.weight)}" for spec in specs)
    return f"weighted mean ({noun} weights: {listed})"


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return singular if n == 1 else (plural or singular + "s")


def _count(n: int, singular: str) -> str:
    return f"{n} {_plural(n, singular)}"
