"""Maturity scoring: questionnaire answers in, dimension and team scores out.

Pure functions over plain data (no ORM), so that every number on a page or in a PDF can be
recomputed, tested and explained from the answers alone. docs/scoring.md states the rules in
words; a change of any rule below is a new SCORING_RULES_VERSION.

The rules (SCORING_RULES_VERSION 2):
- An answer is a level 1-5, None for "don't know", NOT_APPLICABLE, or absent (unanswered).
  "Not applicable" takes the question out of the dimension for that respondent; "don't know"
  stays in it without a level and is reported (not knowing is evidence too).
- A respondent's dimension score is the weighted mean (question weights) of the levels they
  gave. It exists only when at least half of the dimension's applicable questions have a level
  (answered * 2 >= total - not applicable); otherwise it is "insufficient".
- A team's dimension score is the plain mean of its respondents' scores that exist. Beside it:
  the share of the level answers at or above each level, and the share of "don't know".
- Levels are bands of the score: 1.00-1.99 Initial, 2.00-2.99 Managed, 3.00-3.99 Defined,
  4.00-4.79 Quantitatively Managed, 4.80-5.00 Optimizing (LEVEL_5_FROM). A respondent who
  answers 5 on at least 80% of a dimension's questions (by weight) and 4 on the rest scores at
  least 4.8, so Optimizing is reachable without every answer being 5.
- A question *disagrees* when at least a quarter of its respondents answer three or more
  levels below at least another quarter; a dimension disagrees when at least a quarter of its
  questions answered by two or more respondents disagree. One-level noise around a level
  (answers c-1, c, c+1) can never disagree; a team split between 1 and 5 always does.
- The overall score is the weighted mean (dimension weights) of the dimension scores that
  exist, shown only when they carry at least OVERALL_MIN_COVERAGE of the weight of the
  applicable dimensions; otherwise the overall is *incomplete* (no overall score or level).
- Every score is rounded to 4 decimal places (half to even) before it is shown or banded.

Arithmetic is exact (fractions.Fraction) until that rounding, so a result never depends on the
order of respondents or answers, and float noise cannot move a score across a level boundary
(three answers at level 3 score exactly 3.0, whatever the weights).

Results frozen under version 1 keep their stored figures; ``level_for_score`` still bands a
version-1 score as version 1 did (5 only at 5.00).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from assessments.levels import LEVEL_NAMES, LEVELS, MAX_LEVEL, MIN_LEVEL, SCORE_DECIMALS

# Stored with every result, so that a change of the rules never silently changes old numbers.
SCORING_RULES_VERSION = 2

# The answer "not applicable" (None is "don't know").
NOT_APPLICABLE = "n/a"

# Optimizing starts at 4.8: 5 on 80% of the questions and 4 on the rest.
LEVEL_5_FROM = Fraction(48, 10)
LEVEL_5_FROM_FLOAT = float(LEVEL_5_FROM)
# Where a score's level changes or its range ends; ``level_for_score`` takes the exact path for
# a rounded score within _EDGE_MARGIN of one (a float is within 1e-15 of its decimal).
_LEVEL_EDGES = (*(float(level) for level in LEVELS), LEVEL_5_FROM_FLOAT)
_EDGE_MARGIN = 1e-9
LEVEL_5_SHARE = Fraction(8, 10)

# Disagreement: a quarter of respondents three or more levels below another quarter.
DISAGREEMENT_RESPONDENT_SHARE = Fraction(1, 4)
DISAGREEMENT_GAP = 3
DISAGREEMENT_QUESTION_SHARE = Fraction(1, 4)

# The overall score needs 70% of the applicable dimensions' weight scored.
OVERALL_MIN_COVERAGE = Fraction(7, 10)

# Above this share of "don't know" among a dimension's answers the result page warns.
DONT_KNOW_WARNING_SHARE = Fraction(1, 4)

# The organisation's confidence threshold (respondents) is never below this.
MIN_CONFIDENCE_THRESHOLD = 3


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
    not_applicable: int = 0

    @property
    def applicable(self) -> bool:
        return self.not_applicable < self.total


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
    not_applicable: int = 0
    median: float | None = None
    disagreement: bool = False


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
    not_applicable: int = 0
    # False when no respondent found any of its questions applicable.
    applicable: bool = True
    # Level 2..5 -> share (0-1, 4 decimals) of the level answers at or above it.
    at_or_above: dict[int, float] = field(default_factory=dict)
    # "Don't know" answers / (level answers + "don't know"); None without such answers.
    dont_know_share: float | None = None
    dont_know_warning: bool = False


@dataclass(frozen=True)
class TeamScore:
    dimensions: dict[str, DimensionTeamScore]  # in dimension order
    questions: dict[str, QuestionStats]  # in dimension order, then question order
    overall_score: float | None
    overall_level: int | None
    weakest_dimension: str | None
    respondents: int
    rules_version: int = SCORING_RULES_VERSION
    # Share (0-1, 4 decimals) of the applicable dimensions' weight that has a score.
    coverage: float | None = None
    # True when dimensions are scored but carry too little weight for an overall score.
    overall_incomplete: bool = False


def level_for_score(score: float, rules_version: int = SCORING_RULES_VERSION) -> int:
    """The maturity level whose band holds the score: 1.00-1.99 -> 1, 2.00-2.99 -> 2,
    3.00-3.99 -> 3, 4.00-4.79 -> 4, 4.80-5.00 -> 5 (rules version 1: 4.00-4.99 -> 4 and
    5 only at 5.00).

    The score is first rounded to 4 decimal places, like every computed score, so that
    2.99999999 (float noise) is level 3, not 2.
    """
    if type(score) is float:
        # A float's rounding is exact (round() rounds its binary value correctly, as Fraction
        # does), so away from the edges float comparisons give the exact path's level at a
        # small part of its cost (a CoE page bands thousands of scores).
        rounded = round(score, SCORE_DECIMALS)
        if MIN_LEVEL < rounded < MAX_LEVEL and all(
            abs(rounded - edge) > _EDGE_MARGIN for edge in _LEVEL_EDGES
        ):
            if rules_version >= 2 and rounded > LEVEL_5_FROM_FLOAT:
                return MAX_LEVEL
            return math.floor(rounded)
    if isinstance(score, bool) or not isinstance(score, int | float | Fraction | Decimal):
        raise ValueError(f"score must be a number, not {score!r}")
    if isinstance(score, Decimal) and not score.is_finite():
        raise ValueError(f"score {score!r} is outside 1-5")
    if isinstance(score, float) and not math.isfinite(score):
        raise ValueError(f"score {score!r} is outside 1-5")
    rounded = round(Fraction(score), SCORE_DECIMALS)
    if not MIN_LEVEL <= rounded <= MAX_LEVEL:
        raise ValueError(f"score {score!r} is outside 1-5")
    if rules_version >= 2 and rounded >= LEVEL_5_FROM:
        return MAX_LEVEL
    return min(math.floor(rounded), MAX_LEVEL)


def question_disagrees(levels: Sequence[int]) -> bool:
    """At least a quarter of the respondents answer DISAGREEMENT_GAP (3) or more levels below
    at least another quarter: the k-th highest answer is 3 or more above the k-th lowest,
    k = a quarter of the answers, rounded up."""
    if len(levels) < 2:
        return False
    ordered = sorted(levels)
    k = math.ceil(len(ordered) * DISAGREEMENT_RESPONDENT_SHARE)
    return ordered[-k] - ordered[k - 1] >= DISAGREEMENT_GAP


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
    responses: Sequence[Mapping[str, int | str | None]],
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
        keys = layout.question_keys[dim.key]
        per_response = [r.dimensions[dim.key] for r in scored]
        values = [d.score for d in per_response if not d.insufficient]
        score = _round(sum(map(_exact, values)) / len(values)) if values else None
        stats = [question_stats[key] for key in keys]
        disagreeing = tuple(q.key for q in stats if q.disagreement)
        # Questions that can disagree at all: two or more respondents gave a level.
        comparable = sum(1 for q in stats if q.count >= 2)
        needed = max(1, math.ceil(comparable * DISAGREEMENT_QUESTION_SHARE))
        # Level answers per level, over the dimension's questions and respondents.
        counts = {level: sum(q.distribution[level] for q in stats) for level in LEVELS}
        dont_know = sum(d.dont_know for d in per_response)
        asked = sum(counts.values()) + dont_know
        dont_know_share = _round(Fraction(dont_know, asked)) if asked else None
        dim_scores[dim.key] = DimensionTeamScore(
            key=dim.key,
            name=dim.name,
            score=score,
            min=min(values) if values else None,
            max=max(values) if values else None,
            spread=_round(_exact(max(values)) - _exact(min(values))) if values else None,
            respondents_scored=len(values),
            insufficient=not values,
            disagreement=len(disagreeing) >= needed and bool(disagreeing),
            disagreeing_questions=disagreeing,
            dont_know=dont_know,
            level=None if score is None else level_for_score(score),
            not_applicable=sum(d.not_applicable for d in per_response),
            applicable=any(d.applicable for d in per_response) or not per_response,
            at_or_above=_at_or_above(counts),
            dont_know_share=dont_know_share,
            dont_know_warning=bool(asked) and Fraction(dont_know, asked) > DONT_KNOW_WARNING_SHARE,
        )

    applicable = [d for d in layout.dimensions if dim_scores[d.key].applicable]
    counted = [d for d in applicable if not dim_scores[d.key].insufficient]
    overall = coverage = None
    incomplete = False
    if applicable:
        share = sum(Fraction(d.weight) for d in counted) / sum(
            Fraction(d.weight) for d in applicable
        )
        coverage = _round(share)
        if counted and share >= OVERALL_MIN_COVERAGE:
            overall = _round(
                sum(Fraction(d.weight) * _exact(dim_scores[d.key].score) for d in counted)
                / sum(Fraction(d.weight) for d in counted)
            )
        incomplete = bool(counted) and overall is None
    # min() keeps the first of equal scores, which is the earlier dimension.
    weakest = min(counted, key=lambda d: dim_scores[d.key].score).key if counted else None
    return TeamScore(
        dimensions=dim_scores,
        questions=question_stats,
        overall_score=overall,
        overall_level=None if overall is None else level_for_score(overall),
        weakest_dimension=weakest,
        respondents=len(responses),
        coverage=coverage,
        overall_incomplete=incomplete,
    )


def explain_dimension(
    dim_score: DimensionTeamScore,
    questions: Sequence[QuestionSpec],
    team_score: TeamScore,
) -> str:
    """How a team's dimension score was formed, in plain words (rules version 2).

    `questions` are the questionnaire's question specs (those of other dimensions are
    ignored); `team_score` is the TeamScore that dim_score belongs to.
    """
    own = [q for q in questions if q.dimension == dim_score.key]
    total = len(own)
    respondents = team_score.respondents
    answered = sum(team_score.questions[q.key].count for q in own if q.key in team_score.questions)
    unanswered = respondents * total - answered - dim_score.dont_know - dim_score.not_applicable
    dont_know = _count(dim_score.dont_know, '"don\'t know" answer')
    not_applicable = _count(dim_score.not_applicable, '"not applicable" answer')
    rule = (
        "A respondent's answers count only when at least half of the questions that apply to "
        "them have a level."
    )

    if respondents == 0:
        return f"{dim_score.name}: no score yet, because nobody has answered."
    if not dim_score.applicable:
        return (
            f'{dim_score.name}: not applicable. Every respondent answered "not applicable" to '
            f"all its {_count(total, 'question')}, so it is left out of the overall score."
        )
    if dim_score.insufficient:
        return (
            f"{dim_score.name}: no score. {rule} None of the {_count(respondents, 'respondent')} "
            f"reached that: in all {_count(answered, 'answer')} with a level, {dont_know}"
            + (f", {not_applicable}" if dim_score.not_applicable else "")
            + f" and {unanswered} unanswered."
        )

    parts = [
        f"{dim_score.name}: {_fmt(dim_score.score)}, level {dim_score.level} "
        f"({LEVEL_NAMES[dim_score.level]}).",
        f"Each respondent's score is the {_weighting(own, 'question')} of the levels (1-5) they "
        f"chose for the {total} {_plural(total, 'question')} of this dimension; "
        f'"don\'t know" answers are left out of the mean, not counted as a low level '
        f"({dont_know} here)"
        + (
            f', and "not applicable" takes a question out ({not_applicable} here).'
            if dim_score.not_applicable
            else "."
        ),
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
    if dim_score.at_or_above:
        shares = dim_score.at_or_above
        listed = [f"{_percent(shares[level])} at level {level} or above" for level in (2, 3, 4)]
        parts.append(
            f"Of the answers with a level, {', '.join(listed)} and {_percent(shares[5])} at 5."
        )
    if dim_score.level >= 4:
        parts.append(
            f"Level 4 spans 4.00-4.79 and level 5 (Optimizing) 4.80-5.00, which a respondent "
            f"reaches by answering 5 on {_percent(LEVEL_5_SHARE)} of the questions and 4 on the "
            f"rest."
        )
    if dim_score.dont_know_warning:
        parts.append(
            f'{_percent(dim_score.dont_know_share)} of the answers are "don\'t know", more than '
            f"{_percent(DONT_KNOW_WARNING_SHARE)}: the score rests on what fewer people know, and "
            f"not knowing is itself worth acting on."
        )
    if dim_score.disagreement:
        keys = ", ".join(dim_score.disagreeing_questions)
        parts.append(
            f"Respondents disagree on {keys}: on each, at least a quarter of them answered "
            f"{DISAGREEMENT_GAP} or more levels below another quarter. Worth talking through "
            f"before acting on the score."
        )
    return " ".join(parts)


def explain_overall(team_score: TeamScore, dimensions: Sequence[DimensionSpec]) -> str:
    """How the overall score was formed, in plain words (rules version 2)."""
    scores = team_score.dimensions
    applicable = [d for d in dimensions if d.key in scores and scores[d.key].applicable]
    counted = [d for d in applicable if not scores[d.key].insufficient]
    missing = [d for d in applicable if scores[d.key].insufficient]
    not_applicable = [d for d in dimensions if d.key in scores and not scores[d.key].applicable]
    need = _percent(OVERALL_MIN_COVERAGE)
    if team_score.respondents == 0:
        return "No overall score yet, because nobody has answered."
    if not counted:
        return (
            "No overall score: no dimension has enough answers (at least half of its "
            "applicable questions answered with a level by at least one respondent)."
        )
    coverage = _percent(team_score.coverage)
    if team_score.overall_incomplete:
        names = ", ".join(d.name for d in missing)
        return (
            f"Overall incomplete: the scored dimensions carry {coverage} of the weight of the "
            f"dimensions that apply, and an overall score needs at least {need}. Without a "
            f"score: {names}. Each dimension's own score stands; the overall level is not "
            f"given, and comparisons list this team as incomplete."
        )
    level = team_score.overall_level
    parts = [
        f"Overall: {_fmt(team_score.overall_score)}, level {level} ({LEVEL_NAMES[level]}).",
        f"It is the {_weighting(counted, 'dimension')} of the scores of {len(counted)} of "
        f"{len(dimensions)} {_plural(len(dimensions), 'dimension')}, from "
        f"{_count(team_score.respondents, 'respondent')}; they carry {coverage} of the weight "
        f"(at least {need} is needed).",
    ]
    if missing:
        names = ", ".join(d.name for d in missing)
        parts.append(f"Left out for lack of answers: {names}.")
    if not_applicable:
        names = ", ".join(d.name for d in not_applicable)
        parts.append(f"Not applicable to this team: {names}.")
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


def _check_answers(layout: _Layout, answers: Mapping[str, int | str | None]):
    for key, level in answers.items():
        if key not in layout.weights:
            raise ScoringError(f"answer to unknown question {key!r}")
        if level is None or level == NOT_APPLICABLE:
            continue
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise ScoringError(
                f"answer to question {key!r} is {level!r}; it must be a level 1-5, None "
                f"(don't know) or {NOT_APPLICABLE!r} (not applicable)"
            )


def _score_response(layout: _Layout, answers: Mapping[str, int | str | None]) -> ResponseScore:
    _check_answers(layout, answers)
    result = {}
    for dim in layout.dimensions:
        keys = layout.question_keys[dim.key]
        answered = dont_know = unanswered = not_applicable = 0
        weighted_sum = weight_sum = Fraction(0)
        for key in keys:
            if key not in answers:
                unanswered += 1
            elif answers[key] is None:
                dont_know += 1
            elif answers[key] == NOT_APPLICABLE:
                not_applicable += 1
            else:
                answered += 1
                weighted_sum += layout.weights[key] * answers[key]
                weight_sum += layout.weights[key]
        applicable = len(keys) - not_applicable
        insufficient = answered == 0 or answered * 2 < applicable
        result[dim.key] = DimensionResponseScore(
            score=None if insufficient else _round(weighted_sum / weight_sum),
            answered=answered,
            dont_know=dont_know,
            unanswered=unanswered,
            total=len(keys),
            insufficient=insufficient,
            not_applicable=not_applicable,
        )
    return ResponseScore(dimensions=result)


def _question_stats(key: str, responses: Sequence[Mapping[str, int | str | None]]) -> QuestionStats:
    levels = [r[key] for r in responses if r.get(key) not in (None, NOT_APPLICABLE)]
    ordered = sorted(levels)
    median = None
    if ordered:
        middle = len(ordered) // 2
        median = float(
            ordered[middle]
            if len(ordered) % 2
            else Fraction(ordered[middle - 1] + ordered[middle], 2)
        )
    return QuestionStats(
        key=key,
        count=len(levels),
        dont_know=sum(1 for r in responses if key in r and r[key] is None),
        mean=_round(Fraction(sum(levels), len(levels))) if levels else None,
        min=min(levels, default=None),
        max=max(levels, default=None),
        distribution={level: levels.count(level) for level in range(MIN_LEVEL, MAX_LEVEL + 1)},
        not_applicable=sum(1 for r in responses if r.get(key) == NOT_APPLICABLE),
        median=median,
        disagreement=question_disagrees(levels),
    )


def _at_or_above(counts: Mapping[int, int]) -> dict[int, float]:
    """Level 2..5 -> the share of the level answers (``counts``: level -> answers) at or above
    it; empty without answers."""
    total = sum(counts.values())
    if not total:
        return {}
    return {
        level: _round(Fraction(sum(n for x, n in counts.items() if x >= level), total))
        for level in range(MIN_LEVEL + 1, MAX_LEVEL + 1)
    }


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


def _percent(share) -> str:
    # Whole percent, cut like a score: 79.9% is "79%", never "80%" beside an 80% rule.
    exact = Fraction(repr(share)) if isinstance(share, float) else Fraction(share)
    return f"{math.floor(exact * 100)}%"


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
