"""Improvement roadmap: a team's frozen result in, a prioritised, phased plan out.

Pure: no Django, no database. Plain frozen dataclasses in (``PlanInput``), plain frozen
dataclasses out (``Plan``), so every item and its priority can be recomputed and explained from
the result alone. The practice content (titles, steps, success metrics, owner roles) lives in
``content/practices.yaml`` next to this module and is read once.

The rules follow the VSM guide's "Implementation Roadmap": the biggest bottlenecks first
(``PRIORITY_FORMULA``), measurable success metrics (a level or a DORA tier to reach), incremental
changes (an item aims one level or one tier up, never more), an owner role per item and a review
schedule (reassessment one quarter after the result, checkpoints every four weeks).

DORA metrics are planned in the view the organisation chose (``PlanInput.dora_view``): against
the tiers of a benchmark year (``DoraState``), or in DORA's 2025 comparison with the Quick Check
2025 benchmarks of its industry or size (``DoraComparisonState``): the weakest metric relative
to its benchmark first, each item one band up (``next_band_step``).

Item keys (``dimension:<key>``, ``dora:<metric>``, ``sustain:<key>``) are stable across
regenerations: the product keeps a lead's edits by matching them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import yaml

from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.levels import LEVEL_NAMES, MAX_LEVEL, MIN_LEVEL, score_text
from assessments.maturity.scoring import SCORING_RULES_VERSION, level_for_score

PRACTICES_FILE = Path(__file__).resolve().parent / "content" / "practices.yaml"

# --------------------------------------------------------------------------------------------
# The rules, as numbers and as the text shown in the PDF appendix

# DORA's research ties High and better to good outcomes, so High is the implicit target of a
# DORA metric: its gap counts tiers below High. A High metric is a stretch to Elite where the
# benchmark set has an Elite tier; in a set whose best tier is High (DORA 2022 found no Elite
# cluster) a High metric is at the top and is not planned, as Elite is not in other sets.
DORA_GAPS = {"low": 2.0, "medium": 1.0, "high": 0.5}
DORA_WEIGHT = 1.0
# A dimension whose practices move a Low (Medium) DORA metric is boosted; the worst counts.
DORA_BOOSTS = {"low": 1.5, "medium": 1.25, "high": 1.0, "elite": 1.0}
SELF_ASSESSMENT_BOOST_PER_TIER = 0.25
BOTTLENECK_BOOST = 2.0

# The 2025 comparison view (quickcheck.BANDS, worst first). A DORA metric's gap is 1 - z: the
# distance in standard deviations up to where "well above typical" begins, so the weakest
# metric relative to its benchmark comes first, and the figures match the tiers view's (the
# mean: 1, like Medium; z = -1: 2, like Low; z = 0.5, the top of typical: 0.5, like High).
DORA_VIEWS = ("tiers", "comparison")
BAND_ORDER = tuple(key for key, _label in quickcheck.BANDS)
BAND_GAP_TOP = 1.0
# A dimension whose practices move a metric well below (below) typical is boosted as a Low
# (Medium) tier boosts it in the tiers view.
BAND_BOOSTS = {"well_below": 1.5, "below": 1.25}
# Rework rate's practices are written per overall tier (REWORK_BANDS); the comparison band picks
# one: a baseline first when far behind, design work when already ahead.
REWORK_PRACTICE_BY_BAND = {
    "well_below": "low",
    "below": "medium",
    "typical": "medium",
    "above": "high",
}
# Where the comparison lists a metric: the one grouping every page shows (quickcheck.FACTORS).
FACTOR_ORDER = tuple(metric for _key, _label, metrics in quickcheck.FACTORS for metric in metrics)

NOW_LIMIT = 3  # items in "Now (next 90 days)": a team can run about three changes at once
NEXT_LIMIT = 4  # items in "Next (3-6 months)"; the rest are "Later"
SUSTAIN_LIMIT = 3  # sustain items in an all-at-target roadmap
CHECKPOINT_WEEKS = 4
NOW_PHASE_WEEKS = 12  # the four-weekly checkpoint that closes the 90-day Now phase

PRIORITY_DECIMALS = 4

PHASE_LABELS = {"now": "Now (next 90 days)", "next": "Next (3-6 months)", "later": "Later"}
KINDS = ("dimension", "dora", "sustain")

# Which DORA metrics a dimension's practices move. A Low or Medium tier in one of them raises
# the dimension's priority (the DORA boost), so measured delivery problems pull the practices
# that fix them up the list. Dimensions not listed move no single metric directly.
# architecture: DORA's "loosely coupled architecture" capability (dora.dev/capabilities/
# loosely-coupled-architecture; Accelerate, ch. 5): teams that can test and deploy their
# services on demand, without coordinating with other teams or an integrated test
# environment, deploy more often and get changes to production sooner. So a Low or Medium
# deployment frequency or lead time raises the architecture practices too.
DIMENSION_METRICS = MappingProxyType(
    {
        "deployment": ("deployment_frequency", "lead_time"),
        "testing": ("change_failure_rate",),
        "operations": ("time_to_restore",),
        "development": ("lead_time",),
        "flow": ("lead_time",),
        "architecture": ("deployment_frequency", "lead_time"),
    }
)

# Value stream map stage -> the dimension that covers it (plan_roadmap takes another mapping).
STAGE_DIMENSIONS = MappingProxyType(
    {stage: stage for stage in ("ideation", "development", "testing", "deployment", "operations")}
)

_MOVES = "; ".join(
    f"{dimension} moves {' and '.join(dora.METRIC_LABELS[m].lower() for m in metrics)}"
    for dimension, metrics in DIMENSION_METRICS.items()
)


def priority_formula(benchmarks: Sequence[str] = ()) -> str:
    """The rules in words, for the plan and its PDF appendix. ``benchmarks``: the keys of the
    DORA benchmark sets the plan compares against (none: the default set). A set without an
    Elite tier (2022) is described without it, so nobody using it reads about Elite."""
    sets = [
        dora.get_benchmark(key) for key in dict.fromkeys(benchmarks or [dora.DEFAULT_BENCHMARK])
    ]
    without = [_set_name(bs) for bs in sets if not _has_tier(bs, "elite")]
    if not without:
        stretch = "a High metric is a stretch to Elite and counts 0.5"
        at_top = "nor are DORA metrics at Elite"
    elif len(without) == len(sets):
        names = _join(without)
        stretch = f"High is the best tier of {names}, so a High metric is not listed"
        at_top = f"nor are DORA metrics at High, the best tier of {names}"
    else:
        names = _join(without)
        stretch = (
            f"a High metric is a stretch to Elite and counts 0.5, except against {names}, "
            "whose best tier is High: there it is not listed"
        )
        at_top = "nor are DORA metrics at the best tier of their benchmark set"
    return f"""\
How the roadmap is prioritised

The biggest bottlenecks come first. Each improvement gets a priority:

priority = gap term × weight × weakness × DORA boost × self-assessment boost × decline boost \
× bottleneck boost

- Gap term = gap². For a maturity dimension the gap is the number of levels between its \
current level and its target level: the team's target, or one level above the current level \
when no target is set (at most 5). Squaring makes one gap of two (4) outweigh two gaps of one \
(1 + 1). For a DORA metric the gap counts tiers below High: Low 2, Medium 1; {stretch}.
- Weight: the dimension's weight in the questionnaire; DORA metrics weigh {DORA_WEIGHT:g}.
- Weakness (dimensions): 1 + how far the dimension's score lies below the team's overall \
score (no lower: 1). The weakest dimensions are the biggest bottlenecks.
- DORA boost (dimensions): {DORA_BOOSTS["low"]:g} when a DORA metric the dimension's practices \
move is Low, {DORA_BOOSTS["medium"]:g} when it is Medium, otherwise 1; the worst such metric \
counts. Which dimension moves which metric: {_MOVES}.
- Self-assessment boost (DORA metrics): 1 + {SELF_ASSESSMENT_BOOST_PER_TIER:g} for each tier \
the team rated itself above the measured tier.
- Decline boost (dimensions): 1 + the fall in score since the previous result (no fall: 1).
- Bottleneck boost: {BOTTLENECK_BOOST:g} for the dimension that covers the bottleneck stage of \
the value stream map, otherwise 1. The bottleneck stage is the constraint the team marked on \
its value stream map or, when none is marked, the stage after the largest delay between \
stages. The wait before the first stage (the intake backlog) never counts. The bottleneck's \
improvement is also listed first, whatever its priority.

Every boost is at least 1, so each one, like a larger gap or weight, can only raise a \
priority. Items are listed by priority, highest first; equal priorities keep the \
questionnaire's dimension order, dimensions before DORA metrics. The first {NOW_LIMIT} items \
are Now (next 90 days), the next {NEXT_LIMIT} are Next (3-6 months), the rest Later: a team \
can carry only a few changes at a time.

Each item aims one maturity level or one DORA tier up, never more; the following step comes \
with the next reassessment. A DORA item's target is the next tier's edge in the benchmark set \
in use: the nearest value that the set's cells place in a better tier. Where the set lists a \
tier that no value can be placed in (every value within it is classified better), the item \
says so and aims at the tier those values get. Dimensions at or above their target are not \
listed, {at_top}. Dimensions with too few answers to score are left out until they are \
scored: there is no level to step up from. When every scored dimension is at its target and \
no DORA metric is below High (in the 2025 comparison: below typical), the roadmap lists up to \
{SUSTAIN_LIMIT} practices that sustain the level reached (the weightiest dimensions, then the \
lowest scores).

DORA metrics in the 2025 comparison

Where the organisation compares its teams with the {quickcheck.CITATION} of its industry or \
size instead of tiers, every DORA metric is scored 0-10 as the Quick Check scores it and set \
against the segment's published mean and standard deviation: z = (score − mean) ÷ standard \
deviation. The bands: well below typical (z under −1), below typical (−1 to under −0.5), \
typical (−0.5 to 0.5), above typical (over 0.5 to 1), well above typical (over 1).

- Gap = {BAND_GAP_TOP:g} − z: the distance, in standard deviations, up to where well above \
typical begins. So the weakest metric relative to its benchmark comes first (the lowest z); a \
metric at the mean has gap 1, one at z = −1 gap 2. Weight {DORA_WEIGHT:g}; no self-assessment \
boost.
- DORA boost (dimensions): {BAND_BOOSTS["well_below"]:g} when a metric the dimension's \
practices move is well below typical, {BAND_BOOSTS["below"]:g} when it is below typical, \
otherwise 1.
- Each item aims one band up, not at the segment's mean: from well below typical the mean is \
two bands away, and a metric in the typical band may be past it already, so one band at a time \
keeps each change as small as a level or a tier. Lead time, deployment frequency and recovery \
time aim at the Quick Check's next answer up that lands in a better band, stated in the \
metric's own unit (lead time "less than one day": a median under 24 hours); where no answer \
lands in the next band, the item says so and aims at the band the next answer reaches. Change \
failure rate and rework rate aim at the highest percentage, in tenths, that reaches the next \
band.
- Metrics well above typical, or with no better band within reach (at 0% a change failure rate \
can still be only above typical), are not listed. The recovery-time figures published per \
organisation size are read as 10 − value, as the benchmark notes advise.
"""


def _has_tier(bs: dora.BenchmarkSet, tier: str) -> bool:
    return any(bs.cell(metric, tier) is not None for metric in dora.METRICS)


def _set_name(bs: dora.BenchmarkSet) -> str:
    return f"DORA {bs.year}" if bs.year is not None else bs.name


# --------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class DimensionState:
    """One dimension of the frozen result. ``target`` None: one level above ``level`` (max 5).
    ``level``/``score`` None or ``insufficient``: not scored, so not planned."""

    key: str
    name: str
    level: int | None
    score: float | None
    target: int | None
    weight: float = 1.0
    disagreement: bool = False
    insufficient: bool = False
    previous_score: float | None = None
    focus_areas: Mapping[int, Sequence[str]] = field(default_factory=dict)
    position: int = 0
    # The scoring rules the result was frozen with: their bands tie score and level.
    rules_version: int = SCORING_RULES_VERSION

    def __post_init__(self):
        where = f"dimension {self.key!r}"
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"{where}: key must be a non-empty string")
        for name in ("level", "target"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or not MIN_LEVEL <= value <= MAX_LEVEL):
                raise ValueError(f"{where}: {name} must be 1-5 or None, not {value!r}")
        for name in ("score", "previous_score"):
            value = getattr(self, name)
            if value is not None and (not _is_number(value) or not 1 <= value <= 5):
                raise ValueError(f"{where}: {name} must be a number 1-5 or None, not {value!r}")
        if self.score is not None:
            if self.level is None:
                raise ValueError(f"{where}: a score needs its level")
            banded = level_for_score(self.score, self.rules_version)
            if banded != self.level:
                raise ValueError(
                    f"{where}: score {self.score!r} is level {banded}, not {self.level}"
                )
        if not _is_number(self.weight) or self.weight <= 0:
            raise ValueError(f"{where}: weight must be a positive number, not {self.weight!r}")
        if not _is_int(self.position):
            raise ValueError(f"{where}: position must be an integer")
        areas = {}
        for level, names in dict(self.focus_areas).items():
            # Frozen results come from JSON, whose keys are strings.
            number = int(level) if isinstance(level, str) and level.isdigit() else level
            if not _is_int(number) or not MIN_LEVEL <= number <= MAX_LEVEL:
                raise ValueError(f"{where}: focus area level {level!r} is not 1-5")
            areas[number] = tuple(names)
        object.__setattr__(self, "focus_areas", MappingProxyType(areas))

    @property
    def planned(self) -> bool:
        return not self.insufficient and self.level is not None

    @property
    def effective_target(self) -> int:
        return self.target if self.target is not None else min(self.level + 1, MAX_LEVEL)


@dataclass(frozen=True)
class DoraState:
    """One DORA metric's latest classification. No measured tier: nothing to plan."""

    metric: str
    measured_tier: str | None
    self_assessed_tier: str | None = None
    measured_value: float | None = None
    benchmark: str = dora.DEFAULT_BENCHMARK

    def __post_init__(self):
        if self.metric not in dora.SCORED_METRICS:
            raise ValueError(
                f"Unknown DORA metric {self.metric!r}; valid: {', '.join(dora.SCORED_METRICS)}."
            )
        for name in ("measured_tier", "self_assessed_tier"):
            tier = getattr(self, name)
            if tier is not None and tier not in dora.TIERS:
                raise ValueError(f"{self.metric}: {name} {tier!r} is not one of {dora.TIERS}")
        value = self.measured_value
        if value is not None and (not _is_number(value) or value < 0):
            raise ValueError(f"{self.metric}: measured_value must be a number >= 0")


@dataclass(frozen=True)
class DoraComparisonState:
    """One measured DORA metric in the 2025 comparison: its value (canonical units: hours,
    deployments per day, percent) against ``segment``, the published figures of the
    organisation's industry or size. ``comparison`` (score, mean, sd, z, band) is computed as
    every page computes it (``quickcheck.compare``)."""

    metric: str
    measured_value: float
    segment: quickcheck.Segment
    comparison: quickcheck.Comparison = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.metric not in dora.SCORED_METRICS:
            raise ValueError(
                f"Unknown DORA metric {self.metric!r}; valid: {', '.join(dora.SCORED_METRICS)}."
            )
        value = self.measured_value
        if not _is_number(value) or value < 0:
            raise ValueError(f"{self.metric}: measured_value must be a number >= 0")
        if self.metric in dora.STABILITY_METRICS and value > dora.MAX_PERCENT:
            raise ValueError(f"{self.metric}: measured_value is a percentage, at most 100")
        object.__setattr__(self, "comparison", _compare(self.metric, value, self.segment))

    @property
    def band(self) -> str:
        return self.comparison.band


def _compare(metric: str, value: float, segment: quickcheck.Segment) -> quickcheck.Comparison:
    return quickcheck.compare(quickcheck.scores({metric: value}), segment)[metric]


@dataclass(frozen=True)
class FlowState:
    """From the team's value stream map. ``flow_efficiency`` is a fraction (0-1),
    ``lead_time_hours`` in working hours as the map counts them.

    ``bottleneck_stage`` is the stage whose dimension the roadmap boosts: the constraint the
    team marked on its map (``bottleneck_kind`` "constraint") or, when none is marked, the stage
    after the largest wait between stages (``bottleneck_kind`` "largest_delay"). The intake wait
    (the backlog before the first stage) never boosts anything; it is reported on its own."""

    bottleneck_stage: str | None
    flow_efficiency: float | None = None
    lead_time_hours: float | None = None
    bottleneck_kind: str = "largest_delay"
    intake_wait_hours: float | None = None

    def __post_init__(self):
        fe = self.flow_efficiency
        if fe is not None and (not _is_number(fe) or not 0 <= fe <= 1):
            raise ValueError(f"flow_efficiency must be a fraction 0-1, not {fe!r}")
        lt = self.lead_time_hours
        if lt is not None and (not _is_number(lt) or lt < 0):
            raise ValueError(f"lead_time_hours must be a number >= 0, not {lt!r}")
        if self.bottleneck_kind not in ("constraint", "largest_delay"):
            raise ValueError(
                f"bottleneck_kind must be 'constraint' or 'largest_delay', "
                f"not {self.bottleneck_kind!r}"
            )
        iw = self.intake_wait_hours
        if iw is not None and (not _is_number(iw) or iw < 0):
            raise ValueError(f"intake_wait_hours must be a number >= 0, not {iw!r}")


@dataclass(frozen=True)
class PlanInput:
    team_name: str
    period: str
    result_date: date
    dimensions: Sequence[DimensionState]
    dora: Sequence[DoraState] = ()
    flow: FlowState | None = None
    review_weeks: int = 13
    # How the organisation reads delivery performance (DORA_VIEWS): "tiers" plans ``dora``,
    # "comparison" plans ``dora_comparison``; the other one stays empty.
    dora_view: str = "tiers"
    dora_comparison: Sequence[DoraComparisonState] = ()

    def __post_init__(self):
        if isinstance(self.result_date, datetime) or not isinstance(self.result_date, date):
            raise ValueError(f"result_date must be a date, not {self.result_date!r}")
        if not _is_int(self.review_weeks) or self.review_weeks < 1:
            raise ValueError(f"review_weeks must be a whole number >= 1, not {self.review_weeks!r}")
        if self.dora_view not in DORA_VIEWS:
            raise ValueError(f"dora_view must be one of {DORA_VIEWS}, not {self.dora_view!r}")
        object.__setattr__(self, "dimensions", tuple(self.dimensions))
        object.__setattr__(self, "dora", tuple(self.dora))
        object.__setattr__(self, "dora_comparison", tuple(self.dora_comparison))
        if self.dora_view == "tiers" and self.dora_comparison:
            raise ValueError("dora_comparison is planned in the comparison view only")
        if self.dora_view == "comparison" and self.dora:
            raise ValueError("DORA tiers (dora) are planned in the tiers view only")
        for what, keys in (
            ("dimension", [d.key for d in self.dimensions]),
            ("DORA metric", [d.metric for d in (*self.dora, *self.dora_comparison)]),
        ):
            duplicates = sorted({k for k in keys if keys.count(k) > 1})
            if duplicates:
                raise ValueError(f"Duplicate {what} {', '.join(map(repr, duplicates))}.")


# --------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class PlanItem:
    key: str  # "dimension:<key>", "dora:<metric>" or "sustain:<key>": stable across regenerations
    kind: str  # "dimension", "dora" or "sustain"
    ref: str  # the dimension key or the metric
    title: str
    why: tuple[str, ...]
    focus_areas: tuple[str, ...]
    steps: tuple[str, ...]
    success_metric: str
    owner_role: str
    phase: str  # "now", "next" or "later" (PHASE_LABELS)
    priority: float
    from_level: int | None
    to_level: int | None
    # DORA items: the tier (tiers view) or the quickcheck band key (comparison view) the metric
    # is in and the one the item aims at; None for other items.
    from_tier: str | None
    to_tier: str | None
    factors: Mapping[str, float]  # gap, gap_term and the boosts; their product is the priority

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase]


@dataclass(frozen=True)
class ReviewSchedule:
    next_assessment: date
    checkpoints: tuple[tuple[date, str], ...]  # the last one is the reassessment itself


@dataclass(frozen=True)
class Plan:
    items: tuple[PlanItem, ...]
    review: ReviewSchedule
    formula: str

    def by_phase(self) -> dict[str, tuple[PlanItem, ...]]:
        return {p: tuple(i for i in self.items if i.phase == p) for p in PHASE_LABELS}


# --------------------------------------------------------------------------------------------
# Practice content


class PracticesError(ValueError):
    """The practice content lacks something the planner needs, or is malformed."""


@dataclass(frozen=True)
class Practice:
    """One bundle of steps. ``aims`` holds, per step, the key of the questionnaire question the
    step moves one level up (None for a generic step such as measuring a baseline); the
    planner does not use it, the content tests do (tests/reports/roadmap/test_practices.py)."""

    title: str
    steps: tuple[str, ...]
    success_metric: str
    aims: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class DimensionPractices:
    owner_role: str
    levels: Mapping[int, Practice]  # 1-5; level n: from n to n+1, level 5: sustain


def fallback_practices(dim) -> DimensionPractices:
    """Content for a dimension the practice file does not know (a questionnaire an
    organisation wrote itself): built from the questionnaire's own focus areas per level."""
    levels = {}
    for level in range(1, 6):
        areas = tuple(dim.focus_areas.get(level) or dim.focus_areas.get(str(level)) or ())
        if level < 5:
            title = f"Move to level {level + 1} ({LEVEL_NAMES[level + 1]})"
            metric = f"{dim.name} scores level {level + 1} or above at the next assessment."
        else:
            title = "Sustain level 5"
            metric = f"{dim.name} stays at level 5 at the next assessment."
        steps = tuple(f"Work on: {area}" for area in areas) or (
            f"Agree with the team which practices of {dim.name} to change first.",
        )
        levels[level] = Practice(title=title, steps=steps, success_metric=metric)
    return DimensionPractices(owner_role="Team lead", levels=levels)


@dataclass(frozen=True)
class TargetPractice:
    """What to do to bring a DORA metric to one value, ``edge`` (in the metric's units: hours,
    deployments per day, percent). The figure to reach is not written here: the planner takes
    it from the benchmark set in use, and picks the bundle written for that figure.
    ``alongside``: what must hold as well (may be empty)."""

    edge: float
    steps: tuple[str, ...]
    alongside: str = ""


# Rework rate has no DORA tiers: its bands are keyed by the team's overall DORA tier. A team at
# its set's best tier gets no rework item, as no metric at the best tier gets one.
REWORK_BANDS = ("low", "medium", "high")


@dataclass(frozen=True)
class MetricPractices:
    owner_role: str
    targets: tuple[TargetPractice, ...] = ()  # the tiered metrics, by edge
    bands: Mapping[str, Practice] = field(default_factory=dict)  # rework rate, REWORK_BANDS

    def for_edge(self, metric: str, value: float) -> TargetPractice:
        """The bundle written for ``value``: the loosest target at least as strict as it (an
        exact match in the shipped content), else the strictest there is."""

        def stricter_or_equal(edge):
            if math.isclose(edge, value, rel_tol=1e-3):
                return True
            return edge > value if dora.higher_is_better(metric) else edge < value

        def strictness(target):
            return target.edge if dora.higher_is_better(metric) else -target.edge

        fitting = [t for t in self.targets if stricter_or_equal(t.edge)]
        if fitting:
            return min(fitting, key=strictness)
        return max(self.targets, key=strictness)


@dataclass(frozen=True)
class Practices:
    version: int
    dimensions: Mapping[str, DimensionPractices]
    dora: Mapping[str, MetricPractices]
    source: str = "practice content"

    def for_dimension(self, key: str) -> DimensionPractices:
        try:
            return self.dimensions[key]
        except KeyError:
            raise PracticesError(
                f"{self.source}: no practices for dimension {key!r}; add it under "
                f"'dimensions' (known: {', '.join(self.dimensions)})."
            ) from None

    def for_metric(self, metric: str) -> MetricPractices:
        try:
            return self.dora[metric]
        except KeyError:
            raise PracticesError(
                f"{self.source}: no practices for DORA metric {metric!r}; add it under 'dora'."
            ) from None


def load_practices(path: str | Path | None = None) -> Practices:
    """The practice content at ``path`` (default: the shipped ``content/practices.yaml``),
    parsed and checked once per path. Raises PracticesError saying what is missing."""
    return _load_practices(str(Path(path or PRACTICES_FILE).resolve()))


@functools.cache
def _load_practices(path: str) -> Practices:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return parse_practices(data, source=path)


def parse_practices(data, source: str = "practice content") -> Practices:
    """Check and convert the YAML's contents: every dimension has levels 1-5, each with a
    title, steps (text, or ``{do: text, aims: question-key}``) and a success metric; every
    DORA metric (dora.METRICS) has targets, each an edge with steps; rework rate (optional)
    has the bands low, medium and high; everything has its owner role."""

    def fail(where, problem):
        raise PracticesError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict):
        fail("top level", "expected a mapping with 'version', 'dimensions' and 'dora'")
    missing = {"version", "dimensions", "dora"} - set(data)
    if missing:
        fail("top level", f"missing {sorted(missing)}")
    if not _is_int(data["version"]):
        fail("version", "must be an integer")

    def owner(raw, where):
        if not isinstance(raw, dict):
            fail(where, "expected a mapping")
        role = raw.get("owner_role")
        if not isinstance(role, str) or not role.strip():
            fail(where, "owner_role must be a non-empty string")
        return role.strip()

    def text(value, where, name):
        if not isinstance(value, str) or not value.strip():
            fail(where, f"{name} must be a non-empty string")
        return " ".join(value.split())

    def steps_of(raw, where, aims_allowed):
        steps = raw.get("steps")
        if not isinstance(steps, list) or not steps:
            fail(where, "steps must be a non-empty list")
        texts, aims = [], []
        for step in steps:
            if isinstance(step, dict) and aims_allowed:
                unknown = set(step) - {"do", "aims"}
                if unknown or "do" not in step:
                    fail(where, "a step is text or a mapping with 'do' and optional 'aims'")
                texts.append(text(step["do"], where, "every step"))
                aims.append(None if step.get("aims") is None else text(step["aims"], where, "aims"))
            elif isinstance(step, str) and step.strip():
                texts.append(" ".join(step.split()))
                aims.append(None)
            else:
                fail(where, "every step must be a non-empty string")
        return tuple(texts), tuple(aims)

    def practice(raw, where, aims_allowed=False):
        if not isinstance(raw, dict):
            fail(where, "expected a mapping with title, steps and success_metric")
        unknown = set(raw) - {"title", "steps", "success_metric"}
        if unknown:
            fail(where, f"unknown fields {sorted(unknown)}")
        title = text(raw.get("title"), where, "title")
        metric = text(raw.get("success_metric"), where, "success_metric")
        steps, aims = steps_of(raw, where, aims_allowed)
        return Practice(title, steps, metric, aims)

    def target(raw, metric, where):
        if not isinstance(raw, dict):
            fail(where, "expected a mapping with edge, steps and optional alongside")
        unknown = set(raw) - {"edge", "steps", "alongside"}
        if unknown:
            fail(where, f"unknown fields {sorted(unknown)}")
        edge = raw.get("edge")
        if not _is_number(edge) or edge < 0 or (metric == "change_failure_rate" and edge > 100):
            fail(where, f"edge must be a value of the metric, not {edge!r}")
        alongside = raw.get("alongside")
        alongside = "" if alongside is None else text(alongside, where, "alongside")
        return TargetPractice(float(edge), steps_of(raw, where, False)[0], alongside)

    dimensions = {}
    if not isinstance(data["dimensions"], dict) or not data["dimensions"]:
        fail("dimensions", "expected a mapping of dimension keys")
    for key, raw in data["dimensions"].items():
        where = f"dimension {key!r}"
        role = owner(raw, where)
        levels = raw.get("levels")
        if not isinstance(levels, dict) or set(levels) != set(range(MIN_LEVEL, MAX_LEVEL + 1)):
            found = sorted(levels, key=str) if isinstance(levels, dict) else levels
            fail(where, f"levels must be exactly 1-5, found {found!r}")
        dimensions[key] = DimensionPractices(
            role,
            MappingProxyType(
                {n: practice(levels[n], f"{where} level {n}", True) for n in sorted(levels)}
            ),
        )

    metrics = {}
    raw_dora = data["dora"]
    if not isinstance(raw_dora, dict):
        fail("dora", "expected a mapping of DORA metrics")
    unknown = set(raw_dora) - set(dora.SCORED_METRICS)
    if unknown:
        fail("dora", f"unknown metrics {sorted(unknown)}; valid: {list(dora.SCORED_METRICS)}")
    absent = [m for m in dora.METRICS if m not in raw_dora]
    if absent:
        fail("dora", f"missing metrics {absent}")
    for metric in (m for m in dora.SCORED_METRICS if m in raw_dora):
        raw = raw_dora[metric]
        where = f"DORA metric {metric!r}"
        role = owner(raw, where)
        if metric == dora.REWORK_RATE:
            bands = raw.get("bands")
            if not isinstance(bands, dict) or set(bands) != set(REWORK_BANDS):
                found = sorted(bands) if isinstance(bands, dict) else bands
                fail(where, f"bands must be exactly {list(REWORK_BANDS)}, found {found!r}")
            metrics[metric] = MetricPractices(
                role,
                bands=MappingProxyType(
                    {b: practice(bands[b], f"{where} band {b}") for b in REWORK_BANDS}
                ),
            )
            continue
        targets = raw.get("targets")
        if not isinstance(targets, list) or not targets:
            fail(where, "targets must be a non-empty list")
        parsed = [target(t, metric, f"{where} target {i + 1}") for i, t in enumerate(targets)]
        edges = [t.edge for t in parsed]
        if len(set(edges)) != len(edges):
            fail(where, f"two targets share an edge: {edges}")
        metrics[metric] = MetricPractices(role, targets=tuple(sorted(parsed, key=lambda t: t.edge)))
    return Practices(
        data["version"], MappingProxyType(dimensions), MappingProxyType(metrics), source
    )


# --------------------------------------------------------------------------------------------
# Planning


def plan_roadmap(
    plan_input: PlanInput,
    practices: Practices | None = None,
    *,
    stage_dimensions: Mapping[str, str] | None = None,
) -> Plan:
    """The prioritised, phased roadmap for ``plan_input`` (rules: ``PRIORITY_FORMULA``).

    ``stage_dimensions`` maps value stream map stages to the dimension covering them (default
    ``STAGE_DIMENSIONS``); a bottleneck stage it does not list has no effect. Raises
    PracticesError when the content lacks a planned dimension or metric, and
    dora.UnknownBenchmark for an unknown benchmark set.
    """
    if practices is None:
        practices = load_practices()
    stages = STAGE_DIMENSIONS if stage_dimensions is None else stage_dimensions
    flow = plan_input.flow
    bottleneck = None
    if flow is not None and flow.bottleneck_stage is not None:
        bottleneck = stages.get(flow.bottleneck_stage)

    review = _review_schedule(plan_input)
    deadline = _date_text(review.next_assessment)
    measured = {d.metric: d for d in plan_input.dora if d.measured_tier is not None}
    compared = {d.metric: d for d in plan_input.dora_comparison}

    team_mean = _team_mean(plan_input.dimensions)
    candidates = []  # (sort key, item without phase)
    for dim in plan_input.dimensions:
        if not dim.planned:
            continue
        content = practices.dimensions.get(dim.key) or fallback_practices(dim)
        if dim.level < dim.effective_target:
            item = _dimension_item(
                dim, content, measured, compared, flow, dim.key == bottleneck, deadline, team_mean
            )
            rank = (0 if dim.key == bottleneck else 1, -item.priority, 0, dim.position, dim.key)
            candidates.append((rank, item))
    for state in plan_input.dora:
        step = None if state.measured_tier is None else next_dora_step(state)
        if step is not None:
            content = practices.for_metric(state.metric)
            item = _dora_item(state, step, content, plan_input, deadline)
            position = dora.SCORED_METRICS.index(state.metric)
            candidates.append(((1, -item.priority, 1, position, state.metric), item))
    for state in plan_input.dora_comparison:
        step = next_band_step(state)
        if step is not None:
            content = practices.for_metric(state.metric)
            item = _dora_comparison_item(state, step, content, plan_input, deadline)
            # The priority falls as z rises: the weakest metric relative to its benchmark first.
            position = FACTOR_ORDER.index(state.metric)
            candidates.append(((1, -item.priority, 1, position, state.metric), item))
    ordered = [item for _, item in sorted(candidates, key=lambda c: c[0])]

    scored = [d for d in plan_input.dimensions if d.planned]
    dims_done = not any(item.kind == "dimension" for item in ordered)
    dora_fine = not any(d.measured_tier in ("low", "medium") for d in measured.values())
    dora_fine = dora_fine and not any(d.band in BAND_BOOSTS for d in compared.values())
    if scored and dims_done and dora_fine:
        ordered.extend(_sustain_items(scored, practices, deadline))

    items = tuple(replace(item, phase=_phase(index)) for index, item in enumerate(ordered))
    formula = priority_formula(tuple(state.benchmark for state in plan_input.dora))
    return Plan(items=items, review=review, formula=formula)


def _phase(index: int) -> str:
    if index < NOW_LIMIT:
        return "now"
    if index < NOW_LIMIT + NEXT_LIMIT:
        return "next"
    return "later"


def _priority(factors: Mapping[str, float]) -> float:
    product = 1.0
    for name in _PRODUCT_FACTORS:
        product *= factors[name]
    return round(product, PRIORITY_DECIMALS)


_PRODUCT_FACTORS = (
    "gap_term",
    "weight",
    "weakness",
    "dora_boost",
    "self_assessment_boost",
    "decline_boost",
    "bottleneck_boost",
)


def _team_mean(dimensions) -> float | None:
    """The weighted mean score of the scored dimensions (the team's overall score)."""
    scored = [d for d in dimensions if d.score is not None]
    total = sum(d.weight for d in scored)
    if not total:
        return None
    return sum(d.score * d.weight for d in scored) / total


def _dimension_item(
    dim, content, measured, compared, flow, is_bottleneck, deadline, team_mean
) -> PlanItem:
    target = dim.effective_target
    # The gap is counted in whole levels, so that a dimension just below a band edge (1.95)
    # is not mistaken for one that is nearly there; how weak it is compared with the rest of
    # the team is the weakness factor below.
    gap = float(target - dim.level)
    weakness = 1.0
    if team_mean is not None and dim.score is not None:
        weakness = round(1.0 + max(0.0, team_mean - dim.score), PRIORITY_DECIMALS)
    decline = 0.0
    if dim.previous_score is not None and dim.score is not None:
        decline = max(0.0, round(dim.previous_score - dim.score, PRIORITY_DECIMALS))
    related = [measured[m] for m in DIMENSION_METRICS.get(dim.key, ()) if m in measured]
    related_bands = [compared[m] for m in DIMENSION_METRICS.get(dim.key, ()) if m in compared]
    dora_boost = max(
        [DORA_BOOSTS[d.measured_tier] for d in related]
        + [BAND_BOOSTS.get(d.band, 1.0) for d in related_bands],
        default=1.0,
    )
    factors = {
        "gap": gap,
        "gap_term": round(gap * gap, PRIORITY_DECIMALS),
        "weight": float(dim.weight),
        "weakness": weakness,
        "dora_boost": dora_boost,
        "self_assessment_boost": 1.0,
        "decline_boost": round(1.0 + decline, PRIORITY_DECIMALS),
        "bottleneck_boost": BOTTLENECK_BOOST if is_bottleneck else 1.0,
    }

    from_level = dim.level
    to_level = from_level + 1  # one step, whatever the target: incremental change
    practice = content.levels[from_level]

    why = _dimension_evidence(dim, target)
    for state in related:
        if DORA_BOOSTS[state.measured_tier] > 1:
            why.append(
                f"{_metric_label(state)} is {dora.TIER_LABELS[state.measured_tier]} against "
                f"{_benchmark_label(state)}, and this dimension's practices move it."
            )
    for state in related_bands:
        if state.band in BAND_BOOSTS:
            why.append(
                f"{_comparison_label(state.metric)} is {state.comparison.band_label} "
                f"{_segment_phrase(state.segment)}, and this dimension's practices move it."
            )
    if is_bottleneck:
        why.append(_bottleneck_evidence(flow))

    success = (
        f"Reach level {to_level} ({LEVEL_NAMES[to_level]}) in {dim.name} by the next assessment "
        f"on {deadline}. {practice.success_metric}"
    )
    return PlanItem(
        key=f"dimension:{dim.key}",
        kind="dimension",
        ref=dim.key,
        title=f"{dim.name}: {practice.title}",
        why=tuple(why),
        focus_areas=_focus_areas(dim, from_level),
        steps=practice.steps,
        success_metric=success,
        owner_role=content.owner_role,
        phase="later",
        priority=_priority(factors),
        from_level=from_level,
        to_level=to_level,
        from_tier=None,
        to_tier=None,
        factors=MappingProxyType(factors),
    )


@dataclass(frozen=True)
class DoraStep:
    """Where a DORA item aims in its benchmark set: ``to_tier``, reached at ``edge`` (the
    nearest worse edge among the better tiers' cells), ``cell`` the to_tier's published cell,
    ``passed_over`` the tiers listed between the two in which the rule places no value (their
    values are all classified better). Rework rate has no tiers: no edge, no cell."""

    to_tier: str
    edge: dora.Edge | None = None
    cell: dora.Cell | None = None
    passed_over: tuple[str, ...] = ()


def next_dora_step(state: DoraState) -> DoraStep | None:
    """The next tier up for ``state`` in its benchmark set, or None at the set's best tier
    (Elite; High in a set without Elite, such as DORA 2022)."""
    bs = dora.get_benchmark(state.benchmark)
    metric, better = state.metric, dora.TIERS[: dora.TIERS.index(state.measured_tier)]
    if metric == dora.REWORK_RATE:
        # The band follows the team's overall tier: the next one the set has.
        tiers = [t for t in better if _has_tier(bs, t)]
        return DoraStep(tiers[-1]) if tiers else None
    cells = [bs.cell(metric, t) for t in better]
    edges = [c.worse for c in cells if c is not None and c.worse is not None]
    if not edges:
        return None
    up = dora.higher_is_better(metric)
    edge = max(edges, key=lambda e: ((-e.value if up else e.value), e.inclusive))
    # The tier a value at the edge gets: the best tier whose worse edge it does not go beyond.
    point = edge.value if edge.inclusive else math.nextafter(edge.value, math.inf if up else 0)
    to_tier = dora.classify(metric, point, bs)
    between = dora.TIERS[dora.TIERS.index(to_tier) + 1 : dora.TIERS.index(state.measured_tier)]
    passed_over = tuple(t for t in between if bs.cell(metric, t) is not None)
    return DoraStep(to_tier, edge, bs.cell(metric, to_tier), passed_over)


def _dora_item(state, step: DoraStep, content: MetricPractices, plan_input, deadline) -> PlanItem:
    from_tier, to_tier = state.measured_tier, step.to_tier
    gap = DORA_GAPS[from_tier]
    over = 0
    if state.self_assessed_tier is not None:
        over = max(0, dora.TIERS.index(from_tier) - dora.TIERS.index(state.self_assessed_tier))
    factors = _dora_factors(gap, gap * gap, 1.0 + SELF_ASSESSMENT_BOOST_PER_TIER * over)
    label = _metric_label(state)
    to_label = dora.TIER_LABELS[to_tier]

    why = [_tier_evidence(state)]
    why.extend(_movers_evidence(plan_input, state.metric))

    if state.metric == dora.REWORK_RATE:
        band = content.bands[from_tier]
        title, steps = band.title, band.steps
        success = f"By the next assessment on {deadline}: {band.success_metric}"
    else:
        target = content.for_edge(state.metric, step.edge.value)
        title, steps = _target_title(state.metric, step.edge), target.steps
        bench = _benchmark_label(state)
        success = (
            f"Reach {to_label} for {label.lower()} by the next assessment on {deadline}: "
            f"{_target_text(state.metric, label, step.edge)} over a 90-day window "
            f'({bench} {to_label}: "{step.cell.text}").'
        )
        bs = dora.get_benchmark(state.benchmark)
        for tier in step.passed_over:
            # Listed on paper, but the rule places every value within it in a better tier:
            # say so rather than promise a tier nobody can be placed in.
            listed = f'{dora.TIER_LABELS[tier]} ("{bs.cell(state.metric, tier).text}")'
            success += (
                f" {bench} also lists {listed}, but every value within it is classified "
                f"{to_label} or better."
            )
        if target.alongside:
            success += f" {target.alongside}"

    return _dora_plan_item(
        state.metric, f"{label}: {title}", why, steps, success, content, factors, from_tier, to_tier
    )


@dataclass(frozen=True)
class BandStep:
    """Where a DORA item aims in the 2025 comparison: ``to_band``, reached at ``edge`` (in the
    metric's unit; for bucketed metrics the worse edge of the Quick Check answer ``answer``),
    where the metric scores ``score``. ``passed_over``: the bands between the two in which no
    Quick Check answer lands for this segment."""

    to_band: str
    edge: dora.Edge
    score: float
    answer: str | None = None
    passed_over: tuple[str, ...] = ()


def next_band_step(state: DoraComparisonState) -> BandStep | None:
    """The nearest value of ``state``'s metric that the comparison places in a better band, or
    None when no value does (well above typical, or out of reach: a 0% change failure rate may
    be only above typical). Lead time, deployment frequency and recovery time move by Quick
    Check answers: the next answer up whose score lands in a better band. Change failure rate
    and rework rate: the highest percentage, in tenths, that lands in the next band."""
    metric, segment = state.metric, state.segment
    current = BAND_ORDER.index(state.band)
    if metric in dora.BUCKETED_METRICS:
        bucket = dora.quick_check_bucket(metric, state.measured_value)
        worse_edges = {b: worse for b, _better, worse in dora.QUICK_CHECK_BUCKETS[metric]}
        for option in sorted(dora.SURVEY_OPTIONS[metric], key=lambda o: o.bucket):
            if option.bucket <= bucket:
                continue
            # The option's value is the worst of its bucket: every answer there does as well.
            reached = _compare(metric, option.value, segment)
            rank = BAND_ORDER.index(reached.band)
            if rank > current:
                return BandStep(
                    reached.band, worse_edges[option.bucket], reached.score, option.label,
                    BAND_ORDER[current + 1 : rank],
                )  # fmt: skip
        return None
    if current + 1 == len(BAND_ORDER):
        return None
    stat = segment.stats[metric]
    # The score where the next band begins, as a percentage (score = 10 - percent / 10), cut
    # to tenths; a step lower where the cut lands on an edge the next band does not include.
    percent = min(100.0, (10 - (stat.mean + quickcheck.BAND_EDGES[current] * stat.sd)) * 10)
    percent = math.floor(round(percent * 10, 6)) / 10
    while percent >= 0:
        reached = _compare(metric, percent, segment)
        if BAND_ORDER.index(reached.band) > current:
            return BandStep(reached.band, dora.Edge(percent, True), reached.score)
        percent = round(percent - 0.1, 1)
    return None


def _dora_comparison_item(
    state: DoraComparisonState, step: BandStep, content: MetricPractices, plan_input, deadline
) -> PlanItem:
    compared = state.comparison
    gap = round(max(0.0, BAND_GAP_TOP - compared.z), PRIORITY_DECIMALS)
    factors = _dora_factors(gap, round(gap * gap, PRIORITY_DECIMALS), 1.0)
    label = _comparison_label(state.metric)
    phrase = _segment_phrase(state.segment)
    to_label = quickcheck.BAND_LABELS[step.to_band]

    why = [_band_evidence(state)]
    why.extend(_movers_evidence(plan_input, state.metric))

    alongside = ""
    if state.metric == dora.REWORK_RATE:
        steps = content.bands[REWORK_PRACTICE_BY_BAND[state.band]].steps
    else:
        target = content.for_edge(state.metric, step.edge.value)
        steps, alongside = target.steps, target.alongside
    answer = f', the Quick Check answer "{step.answer.lower()}"' if step.answer else ""
    success = (
        f"Move {label.lower()} from {compared.band_label} to {to_label} {phrase} by the next "
        f"assessment on {deadline}: {_target_text(state.metric, label, step.edge)} over a 90-day "
        f"window{answer} (score {_score(step.score)} of 10 against a mean of "
        f"{_score(compared.mean)}; {quickcheck.CITATION})."
    )
    for band in step.passed_over:
        success += (
            f" No Quick Check answer is {quickcheck.BAND_LABELS[band]} {phrase}: the next one "
            f"up is {to_label}."
        )
    if alongside:
        success += f" {alongside}"

    title = f"{label}: {_target_title(state.metric, step.edge)}"
    return _dora_plan_item(
        state.metric, title, why, steps, success, content, factors, state.band, step.to_band
    )


def _movers_evidence(plan_input, metric) -> list[str]:
    """The line naming the dimensions whose practices move ``metric`` (none: no line)."""
    movers = [d.name for d in plan_input.dimensions if metric in DIMENSION_METRICS.get(d.key, ())]
    return [f"Practices in {_join(movers)} move this metric."] if movers else []


def _dora_factors(gap, gap_term, self_assessment_boost) -> dict[str, float]:
    """A DORA item's priority factors: only the gap and the self-assessment boost vary."""
    return {
        "gap": gap,
        "gap_term": gap_term,
        "weight": DORA_WEIGHT,
        "weakness": 1.0,
        "dora_boost": 1.0,
        "self_assessment_boost": self_assessment_boost,
        "decline_boost": 1.0,
        "bottleneck_boost": 1.0,
    }


def _dora_plan_item(metric, title, why, steps, success, content, factors, from_tier, to_tier):
    """A DORA item, in either view (tiers: tier keys; 2025 comparison: band keys)."""
    return PlanItem(
        key=f"dora:{metric}",
        kind="dora",
        ref=metric,
        title=title,
        why=tuple(why),
        focus_areas=(),
        steps=steps,
        success_metric=success,
        owner_role=content.owner_role,
        phase="later",
        priority=_priority(factors),
        from_level=None,
        to_level=None,
        from_tier=from_tier,
        to_tier=to_tier,
        factors=MappingProxyType(factors),
    )


# DORA's conversions (dora.DAY ...) in words, for targets and titles.
_DURATIONS = ((dora.HOUR, "1 hour"), (dora.DAY, "1 day"), (dora.WEEK, "1 week"),
              (dora.MONTH, "1 month"), (dora.SIX_MONTHS, "6 months"))  # fmt: skip
_FREQUENCIES = ((dora.ONCE_PER_HOUR, "once per hour"), (dora.ONCE_PER_DAY, "once per day"),
                (dora.ONCE_PER_WEEK, "once per week"), (dora.ONCE_PER_MONTH, "once per month"),
                (dora.ONCE_PER_SIX_MONTHS, "once per 6 months"))  # fmt: skip


def _named(value: float, names) -> str | None:
    return next((name for known, name in names if math.isclose(value, known)), None)


def _target_title(metric: str, edge: dora.Edge) -> str:
    """The item's title: what to reach, in the words of the edge ("... within 1 week")."""
    v = edge.value
    if metric == "deployment_frequency":
        how = "at least" if edge.inclusive else "more than"
        return f"Deploy to production {how} {_named(v, _FREQUENCIES) or _num(v, 3) + ' per day'}"
    if metric in ("change_failure_rate", dora.REWORK_RATE):
        what = "change failure rate" if metric == "change_failure_rate" else "rework rate"
        return f"Bring the {what} to {_num(v, 1)}%{' or below' if edge.inclusive else ''}"
    span = _named(v, _DURATIONS) or f"{_num(v, 1)} h"
    within = "within" if edge.inclusive else "in under"
    if metric == "lead_time":
        return f"Get changes to production {within} {span}"
    return f"Recover from failures {within} {span}"


def _target_text(metric: str, label: str, edge: dora.Edge) -> str:
    """The value to reach, with its unit, as the success metric states it."""
    v = edge.value
    if metric == "deployment_frequency":
        how = "at least" if edge.inclusive else "more than"
        name = _named(v, _FREQUENCIES)
        figure = f"{name} ({_num(v, 3)} per day)" if name else f"{_num(v, 3)} per day"
        return f"production deployments {how} {figure} on average"
    how = "at or below" if edge.inclusive else "below"
    if metric == "change_failure_rate":
        return f"change failure rate (failed deployments / all deployments) {how} {_num(v, 1)}%"
    if metric == dora.REWORK_RATE:
        return (
            "rework rate (unplanned deployments to fix a user-facing bug / all deployments) "
            f"{how} {_num(v, 1)}%"
        )
    name = _named(v, _DURATIONS)
    figure = f"{name} ({_num(v, 1)} h)" if name and v != dora.HOUR else name or f"{_num(v, 1)} h"
    what = "lead time for changes (first commit to production)" if metric == "lead_time" else (
        label.lower()
    )  # fmt: skip
    return f"median {what} {how} {figure}"


def _sustain_items(scored, practices: Practices, deadline) -> list[PlanItem]:
    """Every scored dimension is at its target: keep the weightiest (then the lowest-scoring)
    few where they are, with the level-5 practices, which are about sustaining."""
    chosen = sorted(
        scored,
        key=lambda d: (-d.weight, d.score if d.score is not None else d.level, d.position, d.key),
    )[:SUSTAIN_LIMIT]
    items = []
    for dim in chosen:
        content = practices.dimensions.get(dim.key) or fallback_practices(dim)
        practice = content.levels[MAX_LEVEL]
        why = _dimension_evidence(dim, dim.effective_target)
        factors = {
            "gap": 0.0,
            "gap_term": 0.0,
            "weight": float(dim.weight),
            "weakness": 1.0,
            "dora_boost": 1.0,
            "self_assessment_boost": 1.0,
            "decline_boost": 1.0,
            "bottleneck_boost": 1.0,
        }
        success = (
            f"Stay at level {dim.level} ({LEVEL_NAMES[dim.level]}) or above in {dim.name} at the "
            f"next assessment on {deadline}. {practice.success_metric}"
        )
        items.append(
            PlanItem(
                key=f"sustain:{dim.key}",
                kind="sustain",
                ref=dim.key,
                title=f"{dim.name}: {practice.title}",
                why=tuple(why),
                focus_areas=_focus_areas(dim, MAX_LEVEL),
                steps=practice.steps,
                success_metric=success,
                owner_role=content.owner_role,
                phase="later",
                priority=0.0,
                from_level=dim.level,
                to_level=dim.level,
                from_tier=None,
                to_tier=None,
                factors=MappingProxyType(factors),
            )
        )
    return items


def _review_schedule(plan_input: PlanInput) -> ReviewSchedule:
    start = plan_input.result_date
    next_assessment = start + timedelta(weeks=plan_input.review_weeks)
    checkpoints = []
    for weeks in range(CHECKPOINT_WEEKS, plan_input.review_weeks, CHECKPOINT_WEEKS):
        if weeks < NOW_PHASE_WEEKS:
            label = "Check progress on Now items"
        elif weeks == NOW_PHASE_WEEKS:
            label = "Close the Now phase: review Now items against their success metrics"
        else:
            label = "Check progress on Next items"
        checkpoints.append((start + timedelta(weeks=weeks), label))
    label = "Reassess maturity and DORA metrics, then regenerate the roadmap"
    unscored = [d.name for d in plan_input.dimensions if not d.planned]
    if unscored:
        label += f"; answer enough questions to score {_join(unscored)}"
    checkpoints.append((next_assessment, label))
    return ReviewSchedule(next_assessment=next_assessment, checkpoints=tuple(checkpoints))


# --------------------------------------------------------------------------------------------
# Evidence in words


def _dimension_evidence(dim: DimensionState, target: int) -> list[str]:
    why = [_score_evidence(dim, target)]
    if dim.previous_score is not None and dim.score is not None:
        why.append(_change_evidence(dim))
    if dim.disagreement:
        why.append("Respondents disagree on some questions.")
    if dim.weight != 1:
        why.append(f"Counts {_fmt(dim.weight)} times in the overall score.")
    return why


def _score_evidence(dim: DimensionState, target: int) -> str:
    if dim.score is not None:
        text = f"Scored {_fmt(dim.score)} (level {dim.level}, {LEVEL_NAMES[dim.level]})"
    else:
        text = f"At level {dim.level} ({LEVEL_NAMES[dim.level]})"
    if dim.target is None and dim.level == MAX_LEVEL:
        return f"{text}, the top level."
    if dim.target is None:
        return f"{text} against a target of {target} (one level up; no target set)."
    if dim.level >= target:
        return f"{text}, at or above its target of {target}."
    return f"{text} against a target of {target}."


def _change_evidence(dim: DimensionState) -> str:
    delta = round(dim.score - dim.previous_score, PRIORITY_DECIMALS)
    before = _fmt(dim.previous_score)
    if delta < 0:
        return f"Down {_fmt(-delta)} since the previous result ({before})."
    if delta > 0:
        return f"Up {_fmt(delta)} since the previous result ({before})."
    return f"Unchanged since the previous result ({before})."


def _tier_evidence(state: DoraState) -> str:
    tier = dora.TIER_LABELS[state.measured_tier]
    if state.metric == dora.REWORK_RATE:
        # No published tiers: the "tier" is the team's overall DORA tier, picking the guidance.
        value = state.measured_value
        measured = "" if value is None else f" is {_value_text(state.metric, value)}; it"
        return (
            f"{dora.REWORK_RATE_LABEL}{measured} has no DORA tiers, so this is the guidance for "
            f"teams whose overall DORA tier is {tier}."
        )
    text = f"{_metric_label(state)} is {tier} against {_benchmark_label(state)}"
    if state.measured_value is not None:
        word = "median" if state.metric in ("lead_time", "time_to_restore") else "measured"
        text += f" ({word} {_value_text(state.metric, state.measured_value)})"
    own = state.self_assessed_tier
    if own is not None:
        mine, theirs = dora.TIERS.index(state.measured_tier), dora.TIERS.index(own)
        own_label = dora.TIER_LABELS[own]
        if theirs < mine:
            text += f"; the team rated itself {own_label}"
        elif theirs > mine:
            text += f"; the team rated itself lower, {own_label}"
        else:
            text += "; the team's own rating agrees"
    return text + "."


def _band_evidence(state: DoraComparisonState) -> str:
    """ "Lead time for changes 2.0 of 10 (median 900 h, "between one month and six months"),
    well below typical for Retail/Consumer/e-Commerce (mean 5.9, sd 2.3, z -1.70; DORA Quick
    Check 2025 benchmarks)." """
    compared, metric = state.comparison, state.metric
    word = "median" if metric in ("lead_time", "time_to_restore") else "measured"
    measured = f"{word} {_value_text(metric, state.measured_value)}"
    if metric in dora.BUCKETED_METRICS:
        bucket = dora.quick_check_bucket(metric, state.measured_value)
        option = next(o for o in dora.SURVEY_OPTIONS[metric] if o.bucket == bucket)
        measured += f', "{option.label.lower()}"'
    text = (
        f"{_comparison_label(metric)} {_score(compared.score)} of 10 ({measured}), "
        f"{compared.band_label} {_segment_phrase(state.segment)} (mean "
        f"{_score(compared.mean)}, sd {_score(compared.sd)}, z {compared.z:+.2f}; "
        f"{quickcheck.CITATION})."
    )
    if metric == "time_to_restore" and state.segment.recovery_inverted:
        text += (
            " The recovery figures published per organisation size run the other way, so the "
            "mean is read as 10 minus the published one."
        )
    return text


def _comparison_label(metric: str) -> str:
    if metric == dora.REWORK_RATE:
        return dora.REWORK_RATE_LABEL
    return dora.metric_label(metric, int(quickcheck.EDITION))


def _segment_phrase(segment: quickcheck.Segment) -> str:
    """ "for Retail/Consumer/e-Commerce", "for organisations with 100 to 499 employees",
    "across all industries"."""
    if segment.key == "all":
        return "across all industries" if segment.kind == "industry" else "across all organisations"
    if segment.kind == "industry":
        return f"for {segment.label}"
    return f"for organisations with {segment.label}"


def _bottleneck_evidence(flow: FlowState) -> str:
    """Why the bottleneck dimension comes first: the stage the team marked as its constraint,
    or the stage after the largest delay between stages (never the intake wait)."""
    stage = flow.bottleneck_stage.replace("_", " ")
    details = []
    if flow.flow_efficiency is not None:
        details.append(f"flow efficiency {_num(flow.flow_efficiency * 100, 1)}%")
    if flow.lead_time_hours is not None:
        # The value stream map counts working hours (8 h a day), not calendar hours.
        details.append(f"lead time {_num(flow.lead_time_hours, 1)} working hours")
    if flow.bottleneck_kind == "constraint":
        text = f"The bottleneck is {stage}, the constraint the team marked on its value stream map"
    else:
        text = (
            "The bottleneck is the largest delay between stages on the value stream map, "
            f"before {stage}"
        )
    return text + (f" ({', '.join(details)})." if details else ".")


def _focus_areas(dim: DimensionState, level: int) -> tuple[str, ...]:
    return tuple(dim.focus_areas.get(level, ()))


def _metric_label(state: DoraState) -> str:
    if state.metric == dora.REWORK_RATE:
        return dora.REWORK_RATE_LABEL
    return dora.metric_label(state.metric, dora.get_benchmark(state.benchmark).year)


def _benchmark_label(state: DoraState) -> str:
    bs = dora.get_benchmark(state.benchmark)
    return f"DORA {bs.year}" if bs.year is not None else bs.name


def _value_text(metric: str, value: float) -> str:
    if metric in ("lead_time", "time_to_restore"):
        return f"{_num(value, 1)} h"
    if metric == "deployment_frequency":
        return f"{_num(value, 3)} per day"
    return f"{_num(value, 1)}%"


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _date_text(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _fmt(number: float) -> str:
    # Cut as every printed score is (levels.score_text), then without trailing zeros.
    text = score_text(number, 2).rstrip("0")
    return text + "0" if text.endswith(".") else text


def _score(number: float) -> str:
    # A 0-10 score, mean or sd: "2.0", "7.05" (one decimal at least, two at most).
    text = f"{number:.2f}"
    return text[:-1] if text.endswith("0") else text


def _num(number: float, decimals: int) -> str:
    # Measured values: "310 h", "12.5%", "0.143 per day" (no trailing zeros).
    return f"{number:.{decimals}f}".rstrip("0").rstrip(".")


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# Last: the text needs the helpers above.
PRIORITY_FORMULA = priority_formula()
