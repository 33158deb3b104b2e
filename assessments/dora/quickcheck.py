"""DORA's 2025 comparison: a team's five delivery metrics scored 0-10 as the Quick Check scores
them, and each score set against the published 2025 mean and standard deviation of an industry
or an organisation size ("DORA Quick Check 2025 benchmarks").

Pure: plain data in, plain data out; the benchmark figures are read once from
``benchmarks/quickcheck-2025.yaml`` (stored as published; the inversions are made here and
documented there and in docs/dora.md).

- Factors, one definition for every page, PDF, export and API response: throughput is lead
  time, deployment frequency and failed deployment recovery time; stability is change fail rate
  and rework rate (``rules.THROUGHPUT_METRICS``, ``rules.STABILITY_METRICS``; DORA's factor is
  instability, the Quick Check shows stability with 10 best).
- Scores: ``rules.metric_score`` (a bucket answer 1-6 -> (answer - 1) / 5 x 10; a percentage
  -> 10 - percent / 10); overall, throughput and stability are means of the metrics present.
- Comparison: z = (score - mean) / sd, and a band (``BANDS``): under -1 "well below typical",
  -1 to under -0.5 "below typical", -0.5 to 0.5 "typical", over 0.5 to 1 "above typical",
  over 1 "well above typical". The edges belong to the band nearer "typical".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import yaml

from assessments.dora import rules

EDITION = "2025"
CITATION = "DORA Quick Check 2025 benchmarks"
BENCHMARK_FILE = Path(__file__).resolve().parent / "benchmarks" / "quickcheck-2025.yaml"

# The five metrics in DORA's two factors: the one grouping every view shows.
FACTORS = (
    ("throughput", "Throughput", rules.THROUGHPUT_METRICS),
    ("stability", "Stability", rules.STABILITY_METRICS),
)
FACTOR_OF = {metric: key for key, _label, metrics in FACTORS for metric in metrics}
FACTOR_LABELS = {key: label for key, label, _metrics in FACTORS}
# What the comparison holds, in the order pages show it.
ASPECTS = ("overall", "throughput", "stability", *rules.SCORED_METRICS)

SEGMENT_KINDS = ("industry", "org_size")
SEGMENT_KIND_LABELS = {"industry": "Industry", "org_size": "Organisation size"}
DEFAULT_SEGMENT = ("industry", "all")

# (upper edge, key, label): the first band whose edge is above z, edges inclusive towards
# "typical" (z = -1 is "below typical", z = 0.5 is "typical", z = 1 is "above typical").
BANDS = (
    ("well_below", "well below typical"),
    ("below", "below typical"),
    ("typical", "typical"),
    ("above", "above typical"),
    ("well_above", "well above typical"),
)
BAND_LABELS = dict(BANDS)
BAND_EDGES = (-1.0, -0.5, 0.5, 1.0)

# The published files' columns (each [mean, sd]).
_COLUMNS = (
    "performance_average",
    "throughput",
    "instability",
    "lead_time",
    "deployment_frequency",
    "recovery",
    "change_fail_rate",
    "rework",
)


class UnknownSegment(ValueError):
    """An industry or organisation size the benchmarks do not have."""


@dataclass(frozen=True)
class Stat:
    mean: float
    sd: float


@dataclass(frozen=True)
class Segment:
    kind: str  # "industry" or "org_size"
    key: str
    label: str
    # What the Quick Check compares with, per aspect (ASPECTS), in the 10-is-best direction.
    stats: Mapping[str, Stat]
    # The figures as published (column -> [mean, sd]), for citing.
    published: Mapping[str, tuple[float, float]]
    # True for the organisation-size rows: their recovery column is read as 10 - value.
    recovery_inverted: bool = False


def _segment(kind: str, row: dict) -> Segment:
    published = dict(zip(_COLUMNS, (tuple(pair) for pair in row["values"]), strict=True))

    def stat(column, invert=False):
        mean, sd = published[column]
        return Stat(round(10 - mean, 4) if invert else mean, sd)

    inverted_recovery = kind == "org_size"
    stats = {
        "lead_time": stat("lead_time"),
        "deployment_frequency": stat("deployment_frequency"),
        "time_to_restore": stat("recovery", invert=inverted_recovery),
        "change_failure_rate": stat("change_fail_rate", invert=True),
        rules.REWORK_RATE: stat("rework", invert=True),
        "throughput": stat("throughput"),
        "stability": stat("instability", invert=True),
    }
    # The overall benchmark: the mean of the five metric means after the inversions (the
    # files' performance_average is not on the same footing).
    metric_means = [stats[m].mean for m in rules.SCORED_METRICS]
    stats["overall"] = Stat(
        round(sum(metric_means) / len(metric_means), 4), published["performance_average"][1]
    )
    return Segment(kind, str(row["key"]), row["label"], stats, published, inverted_recovery)


@functools.cache
def segments() -> dict[tuple[str, str], Segment]:
    """Every benchmark row, keyed (kind, key), in the file's order."""
    data = yaml.safe_load(BENCHMARK_FILE.read_text(encoding="utf-8"))
    if str(data.get("edition")) != EDITION:
        raise ValueError(f"{BENCHMARK_FILE.name}: edition {data.get('edition')!r}, not {EDITION}")
    out = {}
    for kind in SEGMENT_KINDS:
        for row in data[kind]:
            out[(kind, str(row["key"]))] = _segment(kind, row)
    return out


def segment_keys(kind: str) -> tuple[str, ...]:
    return tuple(key for k, key in segments() if k == kind)


def get_segment(kind: str = DEFAULT_SEGMENT[0], key: str = DEFAULT_SEGMENT[1]) -> Segment:
    if kind not in SEGMENT_KINDS:
        raise UnknownSegment(f"{kind!r} is not a segment kind; use one of {SEGMENT_KINDS}.")
    try:
        return segments()[(kind, str(key))]
    except KeyError:
        known = ", ".join(segment_keys(kind))
        raise UnknownSegment(f"{key!r} is not a known {kind.replace('_', ' ')}: {known}.") from None


def parse_segment(value: str | None) -> Segment:
    """An organisation setting or a page parameter, "industry:<key>" or "org_size:<key>";
    empty: All industries."""
    if not value:
        return get_segment(*DEFAULT_SEGMENT)
    kind, _, key = value.partition(":")
    return get_segment(kind, key)


def segment_value(segment: Segment) -> str:
    return f"{segment.kind}:{segment.key}"


def segment_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select: industries, then organisation sizes."""
    return [
        (SEGMENT_KIND_LABELS[kind], [(segment_value(s), s.label) for (k, _), s in segments().items()
                                     if k == kind])
        for kind in SEGMENT_KINDS
    ]  # fmt: skip


def band(z: float | Fraction) -> str:
    """The band key of a z-score (BANDS; edges belong to the band nearer "typical"). Give the
    exact z (``exact_z``): a float z of exactly -0.5 may come out as -0.50000000001."""
    if z < BAND_EDGES[0]:
        return "well_below"
    if z < BAND_EDGES[1]:
        return "below"
    if z <= BAND_EDGES[2]:
        return "typical"
    if z <= BAND_EDGES[3]:
        return "above"
    return "well_above"


@dataclass(frozen=True)
class Scores:
    overall: float | None
    throughput: float | None
    stability: float | None
    metrics: Mapping[str, float]  # the metrics present only

    def get(self, aspect: str) -> float | None:
        if aspect in ("overall", "throughput", "stability"):
            return getattr(self, aspect)
        return self.metrics.get(aspect)


def scores(values: Mapping[str, float | None]) -> Scores:
    """The Quick Check's 0-10 scores of any subset of the five metrics (canonical units:
    hours, deployments per day, percent); metrics without a value are left out."""
    present = {m: v for m, v in values.items() if v is not None}
    score = rules.dora_score(present)
    return Scores(
        overall=_r(score.overall),
        throughput=_r(score.throughput),
        stability=_r(score.stability),
        metrics={m: _r(rules.metric_score(m, present[m])) for m in rules.SCORED_METRICS
                 if m in present},
    )  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    score: float
    mean: float
    sd: float
    z: float
    band: str

    @property
    def band_label(self) -> str:
        return BAND_LABELS[self.band]

    def as_dict(self) -> dict:
        return {"mean": self.mean, "sd": self.sd, "z": self.z, "band": self.band}


def compare(team_scores: Scores, segment: Segment) -> dict[str, Comparison]:
    """Each aspect the team has a score for, against the segment: mean, sd, z (2 decimals) and
    band. The z of a rounded score is computed from the score kept to 4 decimals."""
    out = {}
    for aspect in ASPECTS:
        value = team_scores.get(aspect)
        if value is None:
            continue
        stat = segment.stats[aspect]
        z = (value - stat.mean) / stat.sd
        if _near_edge(z):
            rounded, z_band = _exact_comparison(value, stat)
        else:
            # round(-0.001, 2) is -0.0; the exact z rounds to 0 (no sign).
            rounded, z_band = round(z, 2) + 0.0, band(z)
        out[aspect] = Comparison(value, stat.mean, stat.sd, rounded, z_band)
    return out


# The float z is within about 1e-14 of the exact one (a few units in the last place of
# figures under 10, divided by an sd of at least 1.1, the smallest published). Within this
# margin of a band edge or of a rounding half-way point the exact z decides; a wider margin
# would only send more z-scores the slow way.
_MARGIN = 1e-9


def _near_edge(z: float) -> bool:
    """Whether the float z is close enough to a band edge or to a half-way point of the
    2-decimal rounding (x.xx5) that only the exact z can tell which side it is on. Elsewhere
    the float z gives the same band and the same rounded value, at a small part of the cost
    (a dashboard compares every team's five metrics and three factors)."""
    if any(abs(z - edge) < _MARGIN for edge in BAND_EDGES):
        return True
    hundredths = abs(z) * 100
    return abs(hundredths - math.floor(hundredths) - 0.5) < _MARGIN * 100


@functools.lru_cache(maxsize=4096)
def _exact_comparison(score: float, stat: Stat) -> tuple[float, str]:
    """The z (2 decimals) and band of the exact z. Kept: the scores on an edge repeat (a
    bucket answer scores 0, 2, 4, 6, 8 or 10)."""
    z = exact_z(score, stat)
    return float(round(z, 2)), band(z)


def exact_z(score: float, stat: Stat) -> Fraction:
    """(score - mean) / sd in exact arithmetic on the figures as printed (scores are kept to 4
    decimals, the benchmarks to 1 or 4), so a score on a band's edge is banded as the rule says:
    Retail change fail rate 27% scores 7.3 against 8.3 ± 2.0, z = -0.5 exactly, "typical"."""
    return (_exact(score) - _exact(stat.mean)) / _exact(stat.sd)


def _exact(number: float) -> Fraction:
    return Fraction(repr(float(number)))


def position(z: float, limit: float = 3.0) -> float:
    """Where a z-score sits on a drawing of the distribution from -limit to +limit sd, as a
    fraction 0-1 (clamped): pages draw the team as a marker on that scale."""
    return min(1.0, max(0.0, (z + limit) / (2 * limit)))


def _r(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 4)
