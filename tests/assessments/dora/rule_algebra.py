"""What the classification rule does with a benchmark set's cells, worked out with interval
algebra: which cells a better tier covers, the gaps between cells, and the notes that follow.
Test support, not product code: the product shows the notes written in
assessments/dora/benchmarks/dora.yaml, and test_rules.py holds them to what is derived here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assessments.dora.rules import (
    DAY,
    HOUR,
    METRICS,
    MONTH,
    ONCE_PER_DAY,
    ONCE_PER_HOUR,
    ONCE_PER_MONTH,
    ONCE_PER_SIX_MONTHS,
    ONCE_PER_WEEK,
    REWORK_RATE,
    SIX_MONTHS,
    TIER_LABELS,
    TIERS,
    WEEK,
    BenchmarkSet,
    Interval,
    _cell_interval,
    _domain,
    _intersect,
    _subtract,
    _within_interval,
    get_benchmark,
    higher_is_better,
    tier_ranges,
    unreachable_tiers,
)


def _measure_is_zero(pieces: Iterable[Interval]) -> bool:
    return all(iv.is_point for iv in pieces)


def covered_cells(benchmark: str | int | BenchmarkSet) -> dict[str, list[str]]:
    """metric -> tiers that can be reached, but not (or only at a single value) inside their
    own published cell, because better cells cover it. Example: 2018's Low deployment frequency
    cell equals Medium's, so only values beyond every cell are Low."""
    bs = get_benchmark(benchmark)
    ranges = tier_ranges(bs)
    out = {}
    for m in METRICS:
        out[m] = []
        for t in TIERS:
            cell = bs.cells[m][t]
            if cell is None or not ranges[m][t]:
                continue
            own = _cell_interval(m, cell)
            inside = [p for r in ranges[m][t] if (p := _intersect(r, own)) is not None]
            if _measure_is_zero(inside):
                out[m].append(t)
    return out


@dataclass(frozen=True)
class Gap:
    """Values that lie in no published cell, and the tier the rule gives them.

    ``kind``: "between" two cells, "better_than_all" cells, or "beyond_all" cells.
    """

    metric: str
    interval: Interval
    kind: str
    tier: str

    @property
    def text(self) -> str:
        return describe_interval(self.metric, self.interval)


def gaps(benchmark: str | int | BenchmarkSet) -> dict[str, list[Gap]]:
    """metric -> the value ranges outside every published cell, best values first."""
    bs = get_benchmark(benchmark)
    ranges = tier_ranges(bs)
    out = {}
    for m in METRICS:
        cells = [_cell_interval(m, c) for c in bs.cells[m].values() if c is not None]
        outside = [_domain(m)]
        for iv in cells:
            outside = _subtract(outside, iv)
        found = []
        for hole in outside:
            for tier in TIERS:
                for r in ranges[m][tier]:
                    part = _intersect(hole, r)
                    if part is not None:
                        found.append(Gap(m, part, _gap_kind(m, part, cells), tier))
        found.sort(key=lambda g: g.interval.lo, reverse=higher_is_better(m))
        out[m] = found
    return out


def _gap_kind(metric: str, hole: Interval, cells: list[Interval]) -> str:
    above = any(c.lo >= hole.hi for c in cells)
    below = any(c.hi <= hole.lo for c in cells)
    better_side, worse_side = (above, below) if higher_is_better(metric) else (below, above)
    if better_side and worse_side:
        return "between"
    return "beyond_all" if better_side else "better_than_all"


def derived_notes(benchmark: str | int | BenchmarkSet) -> list[str]:
    """Plain sentences stating what the rule does with the set's cells: unreachable tiers,
    cells covered by better ones, and values outside every cell. The YAML's notes repeat them
    (a test checks they agree)."""
    bs = get_benchmark(benchmark)
    ranges = tier_ranges(bs)
    unreachable, covered, holes = unreachable_tiers(bs), covered_cells(bs), gaps(bs)
    notes = []
    for m in METRICS:
        label = bs.metric_label(m)
        for tier in unreachable[m]:
            cell = bs.cells[m][tier]
            winner = _covering_tier(bs, m, tier)
            notes.append(
                f"{label}, {TIER_LABELS[tier]} ({cell.text}): unreachable; every value within it"
                f" is already {TIER_LABELS[winner]} ({bs.cells[m][winner].text})."
            )
        for tier in covered[m]:
            cell = bs.cells[m][tier]
            where = " or ".join(describe_interval(m, iv) for iv in ranges[m][tier])
            notes.append(
                f"{label}, {TIER_LABELS[tier]} ({cell.text}): its cell is covered by better"
                f" cells; {TIER_LABELS[tier]} is given only to values {where}."
            )
        for gap in holes[m]:
            notes.append(
                f"{label}, values {gap.text}: {_GAP_PHRASES[gap.kind]}; classified"
                f" {TIER_LABELS[gap.tier]}."
            )
    return notes


def _covering_tier(bs: BenchmarkSet, metric: str, tier: str) -> str:
    """The best better tier whose range alone covers ``tier``'s (worse edges are nested, so
    one always does for an unreachable tier)."""
    cell = bs.cells[metric][tier]
    mine = _within_interval(metric, cell) if tier != "low" else _domain(metric)
    for better in TIERS[: TIERS.index(tier)]:
        other = bs.cells[metric][better]
        if other is not None and not _subtract([mine], _within_interval(metric, other)):
            return better
    raise AssertionError(f"{tier} of {metric} in {bs.key} is covered by no single better tier")


def format_value(metric: str, value: float) -> str:
    """A value in words: DORA's named durations and frequencies where it is one of them."""
    if metric == "deployment_frequency":
        return _FREQUENCY_NAMES.get(value, f"{value:g} per day")
    if metric in ("lead_time", "time_to_restore"):
        return _HOURS_NAMES.get(value, f"{value:g} hours")
    if metric in ("change_failure_rate", REWORK_RATE):
        return f"{value:g}%"
    raise ValueError(f"Unknown DORA metric {metric!r}.")


def describe_interval(metric: str, iv: Interval) -> str:
    """E.g. "at least 1 hour and below 1 day", "exactly once per day", "above 60%". The
    metric's own limits (0, or 100% for failure rate) are left unsaid."""
    if iv.is_point:
        return f"exactly {format_value(metric, iv.lo)}"
    d = _domain(metric)
    parts = []
    if not (iv.lo == d.lo and iv.lo_closed == d.lo_closed):
        parts.append(f"{'at least' if iv.lo_closed else 'above'} {format_value(metric, iv.lo)}")
    if not (iv.hi == d.hi and iv.hi_closed == d.hi_closed):
        parts.append(f"{'at most' if iv.hi_closed else 'below'} {format_value(metric, iv.hi)}")
    return " and ".join(parts) or "any value"


_GAP_PHRASES = {
    "between": "between the published cells",
    "better_than_all": "better than every published cell",
    "beyond_all": "beyond every published cell",
}


_HOURS_NAMES = {HOUR: "1 hour", DAY: "1 day", WEEK: "1 week", MONTH: "1 month"}
_HOURS_NAMES[SIX_MONTHS] = "6 months"


_FREQUENCY_NAMES = {
    ONCE_PER_HOUR: "once per hour",
    ONCE_PER_DAY: "once per day",
    ONCE_PER_WEEK: "once per week",
    ONCE_PER_MONTH: "once per month",
    ONCE_PER_SIX_MONTHS: "once per 6 months",
}
