"""DORA metrics: metric values -> tiers, DORA's Quick Check score, events -> metrics.

Pure: no Django, no database. The benchmark cells live in ``benchmarks/dora.yaml`` next to this
module and are read once.

Units everywhere: deployment frequency in deployments per day (higher is better); lead time and
time to restore in hours; change failure rate and rework rate in percent (lower is better).

DORA's tiers are clusters found in each year's survey, and the published cells are the typical
answer of each cluster, not cut-offs: they overlap, leave gaps and change from year to year. DORA
publishes no classifier, so the product states its own rule (see ``classify``) and, per
benchmark set, which tiers the rule can never give (``unreachable_tiers``); the set's notes in
the YAML say what else the rule does with its cells (tests/assessments/dora/rule_algebra.py
derives them, and the tests hold the YAML to it).
"""

from __future__ import annotations

import functools
import math
import numbers
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import yaml

METRICS = ("deployment_frequency", "lead_time", "time_to_restore", "change_failure_rate")
METRIC_LABELS = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes",
    "time_to_restore": "Time to restore service",
    "change_failure_rate": "Change failure rate",
}
# DORA renamed the fourth metric in 2023 when it started measuring from the failing deployment.
RECOVERY_LABEL_FROM_2023 = "Failed deployment recovery time"
METRIC_UNITS = {
    "deployment_frequency": "deployments per day",
    "lead_time": "hours",
    "time_to_restore": "hours",
    "change_failure_rate": "percent",
}
TIERS = ("elite", "high", "medium", "low")
TIER_LABELS = {"elite": "Elite", "high": "High", "medium": "Medium", "low": "Low"}
DEFAULT_BENCHMARK = "2024"

# The fifth metric (2024 on): no tiers, but part of DORA's score.
REWORK_RATE = "rework_rate"
REWORK_RATE_LABEL = "Deployment rework rate"
SCORED_METRICS = (*METRICS, REWORK_RATE)
THROUGHPUT_METRICS = ("lead_time", "deployment_frequency", "time_to_restore")
STABILITY_METRICS = ("change_failure_rate", REWORK_RATE)
BUCKETED_METRICS = ("deployment_frequency", "lead_time", "time_to_restore")

# The largest plausible figure a lead enters by hand, per metric (dora.services checks entries
# against these; the API declares them in its schema): percentages at most 100, at most
# 10,000 deployments a day, times at most ten years (365-day years). Nothing is negative.
MAX_PERCENT = 100
MAX_DEPLOYMENTS_PER_DAY = 10_000
MAX_ENTRY_HOURS = 24 * 365 * 10
ENTRY_MAXIMA = MappingProxyType(
    {
        "deployment_frequency": MAX_DEPLOYMENTS_PER_DAY,
        "lead_time": MAX_ENTRY_HOURS,
        "time_to_restore": MAX_ENTRY_HOURS,
        "change_failure_rate": MAX_PERCENT,
        REWORK_RATE: MAX_PERCENT,
    }
)

# DORA's own conversions.
HOUR = 1.0
DAY = 24.0
WEEK = 168.0
MONTH = 730.0
SIX_MONTHS = 4380.0
ONCE_PER_HOUR = 24.0
ONCE_PER_DAY = 1.0
ONCE_PER_WEEK = 1 / 7
ONCE_PER_MONTH = 24 / 730
ONCE_PER_SIX_MONTHS = 24 / 4380

BENCHMARKS_FILE = Path(__file__).resolve().parent / "benchmarks" / "dora.yaml"


class UnknownBenchmark(ValueError):
    pass


class BenchmarkDataError(ValueError):
    """The benchmark YAML does not say what the code needs (a typo, a missing cell ...)."""


# --------------------------------------------------------------------------------------------
# Benchmark sets


@dataclass(frozen=True)
class Edge:
    value: float
    inclusive: bool


@dataclass(frozen=True)
class Cell:
    """One published cell: its text, and the range it stands for.

    ``better`` is the edge on the better side, ``worse`` the edge on the worse side (for
    deployment frequency the better edge is the larger number). ``None`` means the cell is
    open on that side: "< 1 hour" has no better edge, "> 6 months" no worse edge.
    """

    text: str
    better: Edge | None
    worse: Edge | None


@dataclass(frozen=True)
class BenchmarkSet:
    key: str
    name: str
    year: int | None
    source: str
    notes: tuple[str, ...]
    cells: Mapping[str, Mapping[str, Cell | None]]  # metric -> tier -> cell (None: no cell)
    default: bool = False

    def cell(self, metric: str, tier: str) -> Cell | None:
        return self.cells[_check_metric(metric)][_check_tier(tier)]

    def metric_label(self, metric: str) -> str:
        return metric_label(metric, self.year)

    @property
    def tiers(self) -> tuple[str, ...]:
        """The tiers this set publishes, best first (the 2022 report has no Elite)."""
        return tuple(
            tier for tier in TIERS if any(self.cells[m].get(tier) is not None for m in METRICS)
        )


def metric_label(metric: str, year: int | None = None) -> str:
    """The metric's name as the report of ``year`` uses it (None: the pre-2023 names)."""
    _check_metric(metric)
    if metric == "time_to_restore" and year is not None and year >= 2023:
        return RECOVERY_LABEL_FROM_2023
    return METRIC_LABELS[metric]


def benchmark_sets() -> dict[str, BenchmarkSet]:
    """Every benchmark set by key, ordered by report year, the VSM guide's table last."""
    return dict(_loaded_sets())


def get_benchmark(key: str | int | BenchmarkSet) -> BenchmarkSet:
    """The set for ``key`` ("2024", 2024 or "vsm-guide"); a BenchmarkSet is returned as is."""
    if isinstance(key, BenchmarkSet):
        return key
    sets = _loaded_sets()
    name = str(key) if isinstance(key, int) and not isinstance(key, bool) else key
    if isinstance(name, str) and name in sets:
        return sets[name]
    raise UnknownBenchmark(
        f"Unknown DORA benchmark set {key!r}; valid keys are: {', '.join(sets)}."
    )


@functools.cache
def _loaded_sets() -> Mapping[str, BenchmarkSet]:
    with BENCHMARKS_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return MappingProxyType(parse_benchmark_sets(data, source=str(BENCHMARKS_FILE)))


_SET_KEYS = {"key", "name", "year", "source", "notes", "default", *METRICS}
_CELL_KEYS = {"text", "better", "worse"}
_EDGE_KEYS = {"value", "inclusive"}


def parse_benchmark_sets(data, source: str = "benchmark data") -> dict[str, BenchmarkSet]:
    """Check and convert the YAML's contents; raise BenchmarkDataError saying what is wrong."""

    def fail(where, problem):
        raise BenchmarkDataError(f"{source}: {where}: {problem}")

    if not isinstance(data, dict) or not data:
        fail("top level", "expected a mapping of benchmark sets")
    sets = []
    for key, raw in data.items():
        where = f"set {key!r}"
        if not isinstance(key, str):
            fail(where, "keys must be strings (quote years)")
        if not isinstance(raw, dict):
            fail(where, "expected a mapping")
        unknown = set(raw) - _SET_KEYS
        missing = _SET_KEYS - {"default"} - set(raw)
        if unknown:
            fail(where, f"unknown fields {sorted(unknown)}")
        if missing:
            fail(where, f"missing fields {sorted(missing)}")
        if raw["key"] != key:
            fail(where, f"its key field says {raw['key']!r}")
        year = raw["year"]
        if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
            fail(where, "year must be an integer or null")
        for text_field in ("name", "source"):
            if not isinstance(raw[text_field], str) or not raw[text_field].strip():
                fail(where, f"{text_field} must be a non-empty string")
        notes = raw["notes"]
        if not isinstance(notes, list) or not all(isinstance(n, str) and n for n in notes):
            fail(where, "notes must be a list of sentences")
        default = raw.get("default", False)
        if not isinstance(default, bool):
            fail(where, "default must be true or false")
        cells = {}
        for metric in METRICS:
            row = raw[metric]
            if not isinstance(row, dict) or set(row) != set(TIERS):
                fail(f"{where} {metric}", f"expected exactly the tiers {list(TIERS)}")
            cells[metric] = MappingProxyType(
                {tier: _parse_cell(row[tier], metric, f"{where} {metric} {tier}", fail)
                 for tier in TIERS}
            )  # fmt: skip
        if all(cells[m]["low"] is None for m in METRICS):
            fail(where, "every metric lacks a Low cell")
        sets.append(
            BenchmarkSet(
                key=key,
                name=raw["name"].strip(),
                year=year,
                source=" ".join(raw["source"].split()),
                notes=tuple(" ".join(n.split()) for n in notes),
                cells=MappingProxyType(cells),
                default=default,
            )
        )
    defaults = [s.key for s in sets if s.default]
    if defaults != [DEFAULT_BENCHMARK]:
        fail("default", f"exactly set {DEFAULT_BENCHMARK!r} must be the default, not {defaults}")
    sets.sort(key=lambda s: (s.year is None, s.year or 0, s.key))
    return {s.key: s for s in sets}


def _parse_cell(raw, metric, where, fail) -> Cell | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != _CELL_KEYS:
        fail(where, f"expected null or a mapping with exactly {sorted(_CELL_KEYS)}")
    if not isinstance(raw["text"], str) or not raw["text"].strip():
        fail(where, "text must be a non-empty string")
    better = _parse_edge(raw["better"], metric, f"{where} better", fail)
    worse = _parse_edge(raw["worse"], metric, f"{where} worse", fail)
    cell = Cell(raw["text"].strip(), better, worse)
    if better is None and worse is None:
        fail(where, "a cell needs at least one edge")
    if _cell_interval(metric, cell) is None:
        fail(where, "its better edge lies beyond its worse edge, so it holds no value")
    return cell


def _parse_edge(raw, metric, where, fail) -> Edge | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != _EDGE_KEYS:
        fail(where, f"expected null or a mapping with exactly {sorted(_EDGE_KEYS)}")
    value, inclusive = raw["value"], raw["inclusive"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        fail(where, f"value must be a finite number, not {value!r}")
    if not isinstance(inclusive, bool):
        fail(where, "inclusive must be true or false")
    domain = _domain(metric)
    if not domain.lo <= value <= domain.hi:
        fail(where, f"value {value!r} is outside the metric's range")
    return Edge(float(value), inclusive)


# --------------------------------------------------------------------------------------------
# Classification


def higher_is_better(metric: str) -> bool:
    """Only deployment frequency improves as it grows."""
    return _check_metric(metric) == "deployment_frequency"


def classify(metric: str, value: float, benchmark: str | int | BenchmarkSet = DEFAULT_BENCHMARK):
    """The tier of one metric's value against one benchmark set. The product's rule:

    1. A value is placed in the best tier whose worse edge it does not go beyond. "Less than
       X" excludes X, "between A and B" includes both, "more than X" and "fewer than X" exclude
       X, a single published figure is an inclusive worse edge, "multiple per day" is more than
       once per day. Only worse edges decide; better edges matter for display only.
    2. A value beyond every tier's worse edge is Low.
    3. Tiers without a cell (2022's Elite) are skipped.

    So a value between two cells goes to the worse of the two, and where cells overlap the
    better tier wins. Raises ValueError for an unknown metric or a value that is not a finite
    number >= 0 (<= 100 for change failure rate).
    """
    value = _check_value(_check_metric(metric), value)
    bs = get_benchmark(benchmark)
    for tier in TIERS[:-1]:
        cell = bs.cells[metric][tier]
        if cell is not None and _within(metric, value, cell.worse):
            return tier
    return "low"


def classify_values(
    values: Mapping[str, float | None], benchmark: str | int | BenchmarkSet = DEFAULT_BENCHMARK
) -> dict[str, str | None]:
    """Every metric's tier (None where the value is missing); other keys such as rework rate
    have no tiers and are ignored."""
    return {
        m: None if values.get(m) is None else classify(m, values[m], benchmark) for m in METRICS
    }


def overall_tier(tiers: Iterable[str | None]) -> str | None:
    """The median of the tiers present, rounded toward the worse tier; None with fewer than
    three. With an even count the worse of the two middle tiers is taken."""
    present = [_check_tier(t) for t in tiers if t is not None]
    if len(present) < 3:
        return None
    ranks = sorted(TIERS.index(t) for t in present)
    # ranks grow toward Low, so the upper middle is the middle (odd) or the worse middle (even)
    return TIERS[ranks[len(ranks) // 2]]


def _within(metric: str, value: float, edge: Edge | None) -> bool:
    """Does ``value`` not go beyond ``edge`` (a worse edge)? No edge: open, always within."""
    if edge is None:
        return True
    if value == edge.value:
        return edge.inclusive
    return value > edge.value if higher_is_better(metric) else value < edge.value


# --------------------------------------------------------------------------------------------
# What the rule does with a set's cells: reachable ranges, unreachable tiers, gaps


@dataclass(frozen=True)
class Interval:
    """Values from ``lo`` to ``hi`` (plain numbers, whatever the metric's direction)."""

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool

    @property
    def is_empty(self) -> bool:
        return self.lo > self.hi or (self.lo == self.hi and not (self.lo_closed and self.hi_closed))

    @property
    def is_point(self) -> bool:
        return self.lo == self.hi and not self.is_empty

    def __contains__(self, value: float) -> bool:
        if self.lo < value < self.hi:
            return True
        return (value == self.lo and self.lo_closed) or (value == self.hi and self.hi_closed)


def _interval(lo, hi, lo_closed, hi_closed) -> Interval | None:
    iv = Interval(float(lo), float(hi), lo_closed and lo != -math.inf, hi_closed and hi != math.inf)
    return None if iv.is_empty else iv


def _intersect(a: Interval, b: Interval) -> Interval | None:
    if a.lo != b.lo:
        lo, lo_closed = (a.lo, a.lo_closed) if a.lo > b.lo else (b.lo, b.lo_closed)
    else:
        lo, lo_closed = a.lo, a.lo_closed and b.lo_closed
    if a.hi != b.hi:
        hi, hi_closed = (a.hi, a.hi_closed) if a.hi < b.hi else (b.hi, b.hi_closed)
    else:
        hi, hi_closed = a.hi, a.hi_closed and b.hi_closed
    return _interval(lo, hi, lo_closed, hi_closed)


def _subtract(pieces: Iterable[Interval], cut: Interval) -> list[Interval]:
    below = _interval(-math.inf, cut.lo, False, not cut.lo_closed)
    above = _interval(cut.hi, math.inf, not cut.hi_closed, False)
    out = []
    for piece in pieces:
        for side in (below, above):
            part = side and _intersect(piece, side)
            if part is not None:
                out.append(part)
    return sorted(out, key=lambda iv: (iv.lo, not iv.lo_closed))


def _domain(metric: str) -> Interval:
    if metric == "change_failure_rate":
        return Interval(0.0, 100.0, True, True)
    return Interval(0.0, math.inf, True, False)


def _cell_interval(metric: str, cell: Cell) -> Interval | None:
    """The values a cell's text covers, both edges counted."""
    d = _domain(metric)
    lo_edge, hi_edge = (cell.worse, cell.better) if higher_is_better(metric) else (
        cell.better, cell.worse
    )  # fmt: skip
    lo, lo_closed = (d.lo, d.lo_closed) if lo_edge is None else (lo_edge.value, lo_edge.inclusive)
    hi, hi_closed = (d.hi, d.hi_closed) if hi_edge is None else (hi_edge.value, hi_edge.inclusive)
    iv = _interval(lo, hi, lo_closed, hi_closed)
    return iv and _intersect(iv, d)


def _within_interval(metric: str, cell: Cell) -> Interval | None:
    """The values that do not go beyond a cell's worse edge (what ``classify`` tests)."""
    d, w = _domain(metric), cell.worse
    if w is None:
        return d
    if higher_is_better(metric):
        return _intersect(d, Interval(w.value, math.inf, w.inclusive, False))
    return _intersect(d, Interval(-math.inf, w.value, False, w.inclusive))


def tier_ranges(benchmark: str | int | BenchmarkSet) -> dict[str, dict[str, tuple[Interval, ...]]]:
    """metric -> tier -> the values ``classify`` gives that tier (empty: unreachable)."""
    bs = get_benchmark(benchmark)
    out = {}
    for metric in METRICS:
        taken: list[Interval] = []
        ranges = {}
        for tier in TIERS:
            cell = bs.cells[metric][tier]
            if tier == "low":
                # Low also takes every value beyond all the other tiers' worse edges.
                pieces = [_domain(metric)]
            elif cell is None:
                ranges[tier] = ()
                continue
            else:
                within = _within_interval(metric, cell)
                pieces = [within] if within else []
            for cut in taken:
                pieces = _subtract(pieces, cut)
            ranges[tier] = tuple(pieces)
            if cell is not None and tier != "low":
                within = _within_interval(metric, cell)
                if within:
                    taken.append(within)
        out[metric] = ranges
    return out


def unreachable_tiers(benchmark: str | int | BenchmarkSet) -> dict[str, list[str]]:
    """metric -> tiers that have a cell but that no value can reach, because a better tier's
    range already covers every value within their worse edge. Tiers without a cell (2022's
    Elite) are not listed: they have nothing to reach."""
    bs = get_benchmark(benchmark)
    ranges = tier_ranges(bs)
    return {
        m: [t for t in TIERS if bs.cells[m][t] is not None and not ranges[m][t]] for m in METRICS
    }


def explain_rule(benchmark: str | int | BenchmarkSet = DEFAULT_BENCHMARK) -> str:
    """The rule and the set in plain language, paragraphs separated by blank lines, for pages
    and PDFs."""
    bs = get_benchmark(benchmark)
    paragraphs = [
        f"Benchmark: {bs.name}. Source: {bs.source}",
        "DORA's tiers are clusters found in each year's survey. The published cells are the"
        " typical answers of each cluster, not cut-offs: they overlap, leave gaps and change"
        " from year to year, and DORA publishes no classifier. This product therefore names"
        " the year it compares against and uses one stated rule.",
        "The rule: a metric's value is placed in the best tier whose cell's worse edge the value"
        ' does not go beyond. "Less than X" excludes X; "between A and B" includes both;'
        ' "more than X" and "fewer than X" exclude X; a single published figure is an'
        ' inclusive worse edge; "multiple per day" means more than once per day. A value beyond'
        " every tier's worse edge is Low. So a value that falls between two cells goes to the"
        " worse of the two, and where cells overlap the better tier wins, which can leave the"
        " other tier unreachable.",
    ]
    if bs.notes:
        paragraphs.append(f"About {bs.name}:\n" + "\n".join(f"- {note}" for note in bs.notes))
    paragraphs.append(
        "A missing metric has no tier. The overall tier is the median of the metric tiers"
        " present, rounded toward the worse tier, and needs at least three metrics. Every"
        " metric's own tier is always shown beside it, so the overall tier never hides a weak"
        " metric."
    )
    return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------------------------
# DORA's Quick Check score (0-10, no tiers)

# The six answer buckets, best first, as (bucket, better edge, worse edge). A value gets the
# best bucket whose worse edge it does not go beyond, the same rule as the tiers, so an edge
# shared by two buckets belongs to the better one unless the better one says "less than":
#   lead time / recovery (hours): 6 "less than one hour" [0, 1); 5 "less than one day" [1, 24);
#     4 "one day to one week" [24, 168]; 3 "one week to one month" (168, 730];
#     2 "one to six months" (730, 4380]; 1 "more than six months" (4380, ...).
#   deployment frequency (per day): 6 "on demand (multiple per day)" (1, ...);
#     5 "once per hour to once per day": exactly 1 (its other values are "multiple per day");
#     4 "once per day to once per week" [1/7, 1); 3 "once per week to once per month"
#     [24/730, 1/7); 2 "once per month to once per six months" [24/4380, 24/730);
#     1 "fewer than once per six months" [0, 24/4380).
_DURATION_BUCKETS = (
    (6, None, Edge(HOUR, False)),
    (5, None, Edge(DAY, False)),
    (4, Edge(DAY, True), Edge(WEEK, True)),
    (3, Edge(WEEK, True), Edge(MONTH, True)),
    (2, Edge(MONTH, True), Edge(SIX_MONTHS, True)),
    (1, Edge(SIX_MONTHS, False), None),
)
QUICK_CHECK_BUCKETS = {
    "deployment_frequency": (
        (6, None, Edge(ONCE_PER_DAY, False)),
        (5, Edge(ONCE_PER_HOUR, True), Edge(ONCE_PER_DAY, True)),
        (4, Edge(ONCE_PER_DAY, True), Edge(ONCE_PER_WEEK, True)),
        (3, Edge(ONCE_PER_WEEK, True), Edge(ONCE_PER_MONTH, True)),
        (2, Edge(ONCE_PER_MONTH, True), Edge(ONCE_PER_SIX_MONTHS, True)),
        (1, Edge(ONCE_PER_SIX_MONTHS, False), None),
    ),
    "lead_time": _DURATION_BUCKETS,
    "time_to_restore": _DURATION_BUCKETS,
}


@dataclass(frozen=True)
class Score:
    """DORA's 0-10 scores; None where no metric of the group is present."""

    overall: float | None
    throughput: float | None
    stability: float | None


def quick_check_bucket(metric: str, value: float) -> int:
    """The Quick Check answer (1 worst .. 6 best) a measured value corresponds to, for
    deployment frequency, lead time and recovery time. See QUICK_CHECK_BUCKETS for which
    bucket owns each edge: exactly 1 day is "one day to one week" (4), exactly 1 week is still
    4, exactly 6 months is "one to six months" (2); more than once per day is "on demand" (6),
    so "once per hour to once per day" (5) holds exactly once per day only."""
    if metric not in BUCKETED_METRICS:
        raise ValueError(
            f"{metric!r} has no Quick Check buckets; expected one of:"
            f" {', '.join(BUCKETED_METRICS)}."
        )
    value = _check_value(metric, value)
    for bucket, _better, worse in QUICK_CHECK_BUCKETS[metric]:
        if _within(metric, value, worse):
            return bucket
    raise AssertionError("the worst bucket is open-ended")  # pragma: no cover


def metric_score(metric: str, value: float) -> float:
    """One metric on DORA's 0-10 scale (10 best): buckets 1..6 rescaled linearly to 0..10;
    change failure rate and rework rate (0-100%) rescaled to 10..0."""
    if metric in ("change_failure_rate", REWORK_RATE):
        return (100.0 - _check_value(metric, value)) / 10.0
    return (quick_check_bucket(metric, value) - 1) * 2.0


def dora_score(values: Mapping[str, float | None]) -> Score:
    """Overall = mean of the metrics present; throughput = mean of lead time, deployment
    frequency and recovery time; stability = mean of change failure rate and rework rate.
    Missing (or None) metrics are left out of every mean."""
    unknown = set(values) - set(SCORED_METRICS)
    if unknown:
        raise ValueError(
            f"Unknown DORA metrics {sorted(unknown)}; expected some of:"
            f" {', '.join(SCORED_METRICS)}."
        )
    scores = {m: metric_score(m, v) for m, v in values.items() if v is not None}

    def mean(group):
        present = [scores[m] for m in group if m in scores]
        return statistics.fmean(present) if present else None

    return Score(mean(SCORED_METRICS), mean(THROUGHPUT_METRICS), mean(STABILITY_METRICS))


# --------------------------------------------------------------------------------------------
# Survey answers


@dataclass(frozen=True)
class SurveyOption:
    """One of DORA's answer options, its Quick Check bucket, and the value that stands for it
    when a survey answer is classified against a benchmark set."""

    key: str
    label: str
    bucket: int
    value: float


# Representative values are conservative: the worst value of the bucket, so an answer never
# earns a better tier than some of the answers it stands for. Where the bucket includes its
# worse edge that edge is the value (1 week for "between one day and one week"). Where it
# excludes it, the value is the worst whole step of the bucket's own unit: 59 minutes for "less
# than one hour", 23 hours for "less than one day", 2 per day for "multiple deploys per day"
# (no published edge lies between these and the excluded edge, so they classify exactly as the
# bucket's worst values do). The open-ended worst buckets have no worst value; one year (8,760
# hours, once per 365 days) stands for them, and every value there is Low in every set.
SURVEY_OPTIONS = {
    "deployment_frequency": [
        SurveyOption("on_demand", "On demand (multiple deploys per day)", 6, 2.0),
        SurveyOption("hourly_to_daily", "Between once per hour and once per day", 5, 1.0),
        SurveyOption("daily_to_weekly", "Between once per day and once per week", 4, ONCE_PER_WEEK),
        SurveyOption(
            "weekly_to_monthly", "Between once per week and once per month", 3, ONCE_PER_MONTH
        ),
        SurveyOption(
            "monthly_to_six_monthly",
            "Between once per month and once every six months",
            2,
            ONCE_PER_SIX_MONTHS,
        ),
        SurveyOption("fewer_than_six_monthly", "Fewer than once every six months", 1, 1 / 365),
    ],
    **{
        metric: [
            SurveyOption("less_than_one_hour", "Less than one hour", 6, 59 / 60),
            SurveyOption("less_than_one_day", "Less than one day", 5, 23.0),
            SurveyOption("one_day_to_one_week", "Between one day and one week", 4, WEEK),
            SurveyOption("one_week_to_one_month", "Between one week and one month", 3, MONTH),
            SurveyOption("one_to_six_months", "Between one month and six months", 2, SIX_MONTHS),
            SurveyOption("more_than_six_months", "More than six months", 1, 2 * SIX_MONTHS),
        ]
        for metric in ("lead_time", "time_to_restore")
    },
}


def survey_option(metric: str, key: str) -> SurveyOption:
    if metric not in SURVEY_OPTIONS:
        raise ValueError(
            f"{metric!r} has no survey options; expected one of: {', '.join(SURVEY_OPTIONS)}."
        )
    for option in SURVEY_OPTIONS[metric]:
        if option.key == key:
            return option
    keys = ", ".join(o.key for o in SURVEY_OPTIONS[metric])
    raise ValueError(f"Unknown answer {key!r} for {metric}; expected one of: {keys}.")


# --------------------------------------------------------------------------------------------
# Events -> metrics

PRODUCTION_ENVIRONMENTS = frozenset({"production", "prod"})


@dataclass(frozen=True)
class Deployment:
    """One deployment. ``change_first_commit_times``: for each change it shipped, the time of
    the change's first commit. Failure flags: ``succeeded=False`` (the deployment failed),
    ``rolled_back`` (it was rolled back), ``hotfix`` (it had to be hot-fixed),
    ``caused_failure`` (it caused a failure in production). ``unplanned_fix``: it was itself
    an unplanned fix of a user-facing bug (counts toward rework rate, not failure rate)."""

    external_id: str
    finished_at: datetime
    succeeded: bool = True
    environment: str = "production"
    service: str = ""
    change_first_commit_times: tuple[datetime, ...] = ()
    rolled_back: bool = False
    hotfix: bool = False
    caused_failure: bool = False
    unplanned_fix: bool = False

    def __post_init__(self):
        what = f"Deployment {self.external_id!r}"
        _check_aware(self.finished_at, f"{what}: finished_at")
        times = tuple(self.change_first_commit_times)
        for t in times:
            _check_aware(t, f"{what}: a change's first commit time")
            if t > self.finished_at:
                raise ValueError(
                    f"{what}: a change's first commit ({t.isoformat()}) is after the deployment"
                    f" finished ({self.finished_at.isoformat()})."
                )
        object.__setattr__(self, "change_first_commit_times", times)

    @property
    def is_production(self) -> bool:
        return self.environment.strip().lower() in PRODUCTION_ENVIRONMENTS

    @property
    def is_flagged_failure(self) -> bool:
        return not self.succeeded or self.rolled_back or self.hotfix or self.caused_failure


@dataclass(frozen=True)
class Incident:
    """A production incident; ``deployment_external_id`` links it to the deployment that
    caused it, when known."""

    external_id: str
    started_at: datetime
    resolved_at: datetime | None = None
    deployment_external_id: str | None = None

    def __post_init__(self):
        what = f"Incident {self.external_id!r}"
        _check_aware(self.started_at, f"{what}: started_at")
        if self.resolved_at is not None:
            _check_aware(self.resolved_at, f"{what}: resolved_at")
            if self.resolved_at < self.started_at:
                raise ValueError(
                    f"{what}: resolved_at ({self.resolved_at.isoformat()}) is before started_at"
                    f" ({self.started_at.isoformat()})."
                )


@dataclass(frozen=True)
class EventMetrics:
    window_start: datetime
    window_end: datetime
    window_days: int
    benchmark_year: int | None
    recovery_measured_from: str  # "incident_start" (to 2022) or "deployment" (2023 on)
    deployment_frequency: float | None  # per day
    deploy_days_per_week_median: float | None
    lead_time: float | None  # hours
    change_failure_rate: float | None  # percent
    time_to_restore: float | None  # hours
    rework_rate: float | None  # percent
    deployments_count: int  # production deployments in the window, failed ones included
    successful_deployments_count: int
    failed_deployments_count: int
    changes_count: int
    incidents_count: int  # incidents resolved in the window

    def values(self) -> dict[str, float | None]:
        """The metric values, keyed as ``classify_values`` and ``dora_score`` expect."""
        return {m: getattr(self, m) for m in SCORED_METRICS}


def compute_metrics(
    deployments: Iterable[Deployment],
    incidents: Iterable[Incident],
    window_end: datetime,
    window_days: int = 90,
    benchmark_year: int | None = 2024,
) -> EventMetrics:
    """The DORA metrics of the window (window_end - window_days, window_end]: a deployment
    counts when it finished in it, an incident when it was resolved in it. Only production
    deployments count (environment "production" or "prod", any case).

    - deployment_frequency: successful deployments / window_days.
    - deploy_days_per_week_median: the window is cut into whole 7-day weeks counted back from
      window_end (a partial week at the start is left out) and each week into 24-hour days;
      the median over those weeks of the number of days with a successful deployment.
    - lead_time: median over the changes of successful deployments of (finished_at - first
      commit), in hours.
    - change_failure_rate: deployments that caused a failure / all deployments, in percent. A
      deployment caused a failure when an incident links to it (whenever that incident
      happened), or it failed, was rolled back, was hot-fixed or is flagged caused_failure.
      Not incidents / deployments, which double-counts.
    - time_to_restore: median hours over the incidents resolved in the window. For benchmark
      years up to 2022 (and None, the VSM guide's "time to restore service") from the
      incident's start; from 2023 DORA measures "failed deployment recovery time", so from the
      linked deployment's finish, falling back to the incident's start when the incident links
      to no deployment among ``deployments``.
    - rework_rate: deployments that were unplanned fixes / all deployments, in percent.

    A metric without data is None: no production deployment in the window leaves deployment
    frequency, days per week, failure rate and rework rate None; no change, lead time; no
    resolved incident, recovery time.
    """
    _check_aware(window_end, "window_end")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(f"window_days must be a whole number of days >= 1, not {window_days!r}.")
    if benchmark_year is not None and (
        isinstance(benchmark_year, bool) or not isinstance(benchmark_year, int)
    ):
        raise ValueError(f"benchmark_year must be a year (int) or None, not {benchmark_year!r}.")
    deployments, incidents = list(deployments), list(incidents)
    by_id = _unique_by_id(deployments, "deployment")
    _unique_by_id(incidents, "incident")
    window_start = window_end - timedelta(days=window_days)

    def in_window(t: datetime) -> bool:
        return window_start < t <= window_end

    linked = {i.deployment_external_id for i in incidents if i.deployment_external_id}
    prod = [d for d in deployments if d.is_production and in_window(d.finished_at)]
    ok = [d for d in prod if d.succeeded]
    failed = [d for d in prod if d.is_flagged_failure or d.external_id in linked]
    lead_times = [
        _hours(d.finished_at - t) for d in ok for t in d.change_first_commit_times
    ]  # fmt: skip

    from_deployment = benchmark_year is not None and benchmark_year >= 2023
    recoveries = []
    resolved = [i for i in incidents if i.resolved_at is not None and in_window(i.resolved_at)]
    for incident in resolved:
        start = incident.started_at
        cause = by_id.get(incident.deployment_external_id) if from_deployment else None
        if cause is not None:
            start = cause.finished_at
            if start > incident.resolved_at:
                raise ValueError(
                    f"Incident {incident.external_id!r} was resolved before its deployment"
                    f" {cause.external_id!r} finished."
                )
        recoveries.append(_hours(incident.resolved_at - start))

    def percent(part):
        return 100.0 * len(part) / len(prod) if prod else None

    return EventMetrics(
        window_start=window_start,
        window_end=window_end,
        window_days=window_days,
        benchmark_year=benchmark_year,
        recovery_measured_from="deployment" if from_deployment else "incident_start",
        deployment_frequency=len(ok) / window_days if prod else None,
        deploy_days_per_week_median=_deploy_days_per_week(ok, window_end, window_days)
        if prod
        else None,
        lead_time=statistics.median(lead_times) if lead_times else None,
        change_failure_rate=percent(failed),
        time_to_restore=statistics.median(recoveries) if recoveries else None,
        rework_rate=percent([d for d in prod if d.unplanned_fix]),
        deployments_count=len(prod),
        successful_deployments_count=len(ok),
        failed_deployments_count=len(failed),
        changes_count=len(lead_times),
        incidents_count=len(resolved),
    )


def _deploy_days_per_week(ok: list[Deployment], window_end: datetime, window_days: int):
    weeks = window_days // 7
    if weeks == 0:
        return None
    days: list[set[int]] = [set() for _ in range(weeks)]
    for d in ok:
        day = (window_end - d.finished_at) // timedelta(days=1)
        if day // 7 < weeks:
            days[day // 7].add(day)
    return float(statistics.median(len(s) for s in days))


def _unique_by_id(items, what) -> dict:
    by_id = {}
    for item in items:
        if item.external_id in by_id:
            raise ValueError(f"Two {what}s have the external_id {item.external_id!r}.")
        by_id[item.external_id] = item
    return by_id


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


# --------------------------------------------------------------------------------------------
# Input checks


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"Unknown DORA metric {metric!r}; expected one of: {', '.join(METRICS)}.")
    return metric


def _check_tier(tier: str) -> str:
    if tier not in TIERS:
        raise ValueError(f"Unknown DORA tier {tier!r}; expected one of: {', '.join(TIERS)}.")
    return tier


def _check_value(metric: str, value) -> float:
    if metric != REWORK_RATE:
        _check_metric(metric)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{metric} must be a number, not {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{metric} must be a finite number, not {value!r}.")
    if value < 0:
        raise ValueError(f"{metric} cannot be negative ({value!r}).")
    if metric in ("change_failure_rate", REWORK_RATE) and value > 100:
        raise ValueError(f"{metric} is a percentage and cannot exceed 100 ({value!r}).")
    return value


def _check_aware(value, what: str) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be a datetime, not {value!r}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, not naive ({value.isoformat()}).")
