"""Tests for assessments/dora.py and the benchmark data in assessments/benchmarks/dora.yaml.

No database: everything here is pure. Edge cases are generated from the YAML itself, read
independently of the module's parser, so a changed cell is tested without editing this file.
"""

import copy
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from assessments.dora import rules as dora
from tests.assessments.dora import rule_algebra

RAW = yaml.safe_load(
    (Path(dora.__file__).parent / "benchmarks" / "dora.yaml").read_text(encoding="utf-8")
)
SET_KEYS = ["2018", "2019", "2021", "2022", "2023", "2024", "vsm-guide"]
HOURS = {"hour": 1.0, "day": 24.0, "week": 168.0, "month": 730.0, "6 months": 4380.0}
PER_DAY = {"hour": 24.0, "day": 1.0, "week": 1 / 7, "month": 24 / 730, "6 months": 24 / 4380}
DOMAIN_MAX = {"change_failure_rate": 100.0}


def rank(tier):
    return dora.TIERS.index(tier)


def worse_direction(metric):
    return -math.inf if metric == "deployment_frequency" else math.inf


def better_direction(metric):
    return -worse_direction(metric)


def in_domain(metric, value):
    return 0 <= value <= DOMAIN_MAX.get(metric, math.inf)


def oracle(key, metric, value):
    """The rule restated over the raw YAML: the best tier whose worse edge the value does not
    go beyond, else Low."""
    for tier in ("elite", "high", "medium"):
        cell = RAW[key][metric][tier]
        if cell is None:
            continue
        edge = cell["worse"]
        if edge is None:
            return tier
        if value == edge["value"]:
            if edge["inclusive"]:
                return tier
        elif (value > edge["value"]) == (metric == "deployment_frequency"):
            return tier
    return "low"


# --------------------------------------------------------------------------------------------
# The data: texts as the reference publishes them, ranges that say what the texts say

REFERENCE_TEXTS = {
    "2018": {
        "deployment_frequency": (
            "on demand (multiple per day)", "once per hour - once per day",
            "once per week - once per month", "once per week - once per month",
        ),
        "lead_time": ("< 1 hour", "1 day - 1 week", "1 week - 1 month", "1 month - 6 months"),
        "time_to_restore": ("< 1 hour", "< 1 day", "< 1 day", "1 week - 1 month"),
        "change_failure_rate": ("0-15%", "0-15%", "0-15%", "46-60%"),
    },
    "2019": {
        "deployment_frequency": (
            "on demand (multiple per day)", "once per day - once per week",
            "once per week - once per month", "once per month - once per 6 months",
        ),
        "lead_time": ("< 1 day", "1 day - 1 week", "1 week - 1 month", "1 month - 6 months"),
        "time_to_restore": ("< 1 hour", "< 1 day", "< 1 day", "1 week - 1 month"),
        "change_failure_rate": ("0-15%", "0-15%", "0-15%", "46-60%"),
    },
    "2021": {
        "deployment_frequency": (
            "on demand (multiple per day)", "once per week - once per month",
            "once per month - once per 6 months", "fewer than once per 6 months",
        ),
        "lead_time": ("< 1 hour", "1 day - 1 week", "1 month - 6 months", "> 6 months"),
        "time_to_restore": ("< 1 hour", "< 1 day", "1 day - 1 week", "> 6 months"),
        "change_failure_rate": ("0-15%", "16-30%", "16-30%", "16-30%"),
    },
    "2022": {
        "deployment_frequency": (
            None, "on demand (multiple per day)", "once per week - once per month",
            "once per month - once per 6 months",
        ),
        "lead_time": (None, "1 day - 1 week", "1 week - 1 month", "1 month - 6 months"),
        "time_to_restore": (None, "< 1 day", "1 day - 1 week", "1 week - 1 month"),
        "change_failure_rate": (None, "0-15%", "16-30%", "46-60%"),
    },
    "2023": {
        "deployment_frequency": (
            "on demand (multiple per day)", "once per day - once per week",
            "once per week - once per month", "once per week - once per month",
        ),
        "lead_time": ("< 1 day", "1 day - 1 week", "1 week - 1 month", "1 week - 1 month"),
        "time_to_restore": ("< 1 hour", "< 1 day", "1 day - 1 week", "1 month - 6 months"),
        "change_failure_rate": ("5%", "10%", "15%", "64%"),
    },
    "2024": {
        "deployment_frequency": (
            "on demand (multiple per day)", "once per day - once per week",
            "once per week - once per month", "once per month - once per 6 months",
        ),
        "lead_time": ("< 1 day", "1 day - 1 week", "1 week - 1 month", "1 month - 6 months"),
        "time_to_restore": ("< 1 hour", "< 1 day", "< 1 day", "1 week - 1 month"),
        "change_failure_rate": ("5%", "20%", "10%", "40%"),
    },
    "vsm-guide": {
        "deployment_frequency": (
            "On-demand (multiple times per day)", "Between once per day and once per week",
            "Between once per week and once per month",
            "Between once per month and once every 6 months",
        ),
        "lead_time": (
            "Less than one hour", "Between one day and one week",
            "Between one week and one month", "Between one month and six months",
        ),
        "time_to_restore": (
            "Less than one hour", "Less than one day", "Between one day and one week",
            "Between one week and one month",
        ),
        "change_failure_rate": ("0-15%", "0-15%", "0-15%", "46-60%"),
    },
}  # fmt: skip


def parse_cell_text(metric, text):
    """The reference's reading rules applied to a cell's text: (better, worse) as
    (value, inclusive) pairs, None for an open side."""
    t = text.lower().replace("one ", "1 ").replace("six ", "6 ").replace("every ", "per ")
    if metric == "change_failure_rate":
        if m := re.fullmatch(r"(\d+)-(\d+)%", t):
            return (float(m[1]), True), (float(m[2]), True)
        m = re.fullmatch(r"(\d+)%", t)
        return None, (float(m[1]), True)
    if metric == "deployment_frequency":
        if "multiple" in t:
            return None, (1.0, False)
        if m := re.fullmatch(r"fewer than once per (.+)", t):
            return (PER_DAY[m[1]], False), None
        m = re.fullmatch(r"(?:between )?once per (.+?)(?: -| and) once per (.+)", t)
        return (PER_DAY[m[1]], True), (PER_DAY[m[2]], True)
    if m := re.fullmatch(r"(?:<|less than) 1 (.+)", t):
        return None, (HOURS[m[1]], False)
    if m := re.fullmatch(r"(?:>|more than) (.+)", t):
        return (HOURS[m[1]], False), None
    m = re.fullmatch(r"(?:between )?1 (.+?)(?: -| and) (1 )?(.+)", t)
    return (HOURS[m[1]], True), (HOURS[m[3]], True)


def edge_pair(edge):
    return None if edge is None else (edge.value, edge.inclusive)


CELLS = [
    (key, metric, tier)
    for key in SET_KEYS
    for metric in dora.METRICS
    for tier in dora.TIERS
]  # fmt: skip


@pytest.mark.parametrize(("key", "metric", "tier"), CELLS)
def test_cell_text_matches_reference(key, metric, tier):
    cell = dora.get_benchmark(key).cell(metric, tier)
    expected = REFERENCE_TEXTS[key][metric][dora.TIERS.index(tier)]
    assert (None if cell is None else cell.text) == expected


@pytest.mark.parametrize(
    ("key", "metric", "tier"), [c for c in CELLS if RAW[c[0]][c[1]][c[2]] is not None]
)
def test_cell_range_matches_its_text(key, metric, tier):
    cell = dora.get_benchmark(key).cell(metric, tier)
    assert (edge_pair(cell.better), edge_pair(cell.worse)) == parse_cell_text(metric, cell.text)


def test_edge_values_are_dora_conversions_exactly():
    allowed = {
        "deployment_frequency": {24.0, 1.0, 1 / 7, 24 / 730, 24 / 4380},
        "lead_time": {1.0, 24.0, 168.0, 730.0, 4380.0},
        "time_to_restore": {1.0, 24.0, 168.0, 730.0, 4380.0},
        "change_failure_rate": {0.0, 5.0, 10.0, 15.0, 16.0, 20.0, 30.0, 40.0, 46.0, 60.0, 64.0},
    }
    used = {m: set() for m in dora.METRICS}
    for bs in dora.benchmark_sets().values():
        for metric, row in bs.cells.items():
            for cell in row.values():
                for edge in (cell.better, cell.worse) if cell else ():
                    if edge is not None:
                        used[metric].add(edge.value)
    assert used == allowed


# --------------------------------------------------------------------------------------------
# Benchmark sets


def test_benchmark_sets_ordered_by_year_guide_last():
    sets = dora.benchmark_sets()
    assert list(sets) == SET_KEYS
    assert [s.year for s in sets.values()] == [2018, 2019, 2021, 2022, 2023, 2024, None]
    assert list(RAW) == SET_KEYS


def test_benchmark_sets_default_is_2024():
    sets = dora.benchmark_sets()
    assert [k for k, s in sets.items() if s.default] == ["2024"]
    assert dora.DEFAULT_BENCHMARK == "2024"
    assert sets["2024"].name == "DORA 2024 (Accelerate State of DevOps)"
    assert sets["vsm-guide"].name == "VSM guide table"


def test_benchmark_sets_returns_a_copy():
    dora.benchmark_sets().clear()
    assert list(dora.benchmark_sets()) == SET_KEYS


def test_get_benchmark_accepts_int_year_and_set():
    bs = dora.get_benchmark(2019)
    assert bs.key == "2019"
    assert dora.get_benchmark(bs) is bs


@pytest.mark.parametrize("key", ["2020", 2025, "latest", None, True, ""])
def test_get_benchmark_unknown_key_lists_valid_keys(key):
    with pytest.raises(dora.UnknownBenchmark) as info:
        dora.get_benchmark(key)
    assert str(info.value) == (
        f"Unknown DORA benchmark set {key!r}; valid keys are: "
        "2018, 2019, 2021, 2022, 2023, 2024, vsm-guide."
    )
    assert isinstance(info.value, ValueError)


def test_metric_label_time_to_restore_renamed_from_2023():
    assert dora.get_benchmark("2022").metric_label("time_to_restore") == "Time to restore service"
    assert dora.get_benchmark("2023").metric_label("time_to_restore") == (
        "Failed deployment recovery time"
    )
    assert dora.get_benchmark("vsm-guide").metric_label("time_to_restore") == (
        "Time to restore service"
    )


def test_higher_is_better_only_deployment_frequency():
    assert [dora.higher_is_better(m) for m in dora.METRICS] == [True, False, False, False]


# --------------------------------------------------------------------------------------------
# classify: every edge of every cell, generated from the data


def edge_cases():
    """(key, metric, tier, value, within): values at and just past every edge. ``within``:
    does the value stay within the tier's worse edge (so the tier or a better one must win)?"""
    for key in SET_KEYS:
        for metric in dora.METRICS:
            for tier in dora.TIERS:
                cell = RAW[key][metric][tier]
                if cell is None:
                    continue
                for side in ("better", "worse"):
                    edge = cell[side]
                    if edge is None:
                        continue
                    at, inclusive = float(edge["value"]), edge["inclusive"]
                    if side == "worse":
                        points = [
                            ("at", at, inclusive),
                            ("beyond", math.nextafter(at, worse_direction(metric)), False),
                            ("inside", math.nextafter(at, better_direction(metric)), True),
                        ]
                    else:  # everything on or past a better edge is within the worse edge
                        points = [
                            ("at", at, True),
                            ("beyond", math.nextafter(at, better_direction(metric)), True),
                        ]
                    for where, value, within in points:
                        if in_domain(metric, value):
                            yield pytest.param(
                                key, metric, tier, value, within,
                                id=f"{key}-{metric}-{tier}-{side}-{where}",
                            )  # fmt: skip


EDGE_CASES = list(edge_cases())


@pytest.mark.parametrize(("key", "metric", "tier", "value", "within"), EDGE_CASES)
def test_classify_at_every_edge_matches_rule(key, metric, tier, value, within):
    assert dora.classify(metric, value, key) == oracle(key, metric, value)


@pytest.mark.parametrize(("key", "metric", "tier", "value", "within"), EDGE_CASES)
def test_classify_at_every_edge_respects_worse_edge(key, metric, tier, value, within):
    got = dora.classify(metric, value, key)
    if within:
        assert rank(got) <= rank(tier)
    elif tier != "low":  # beyond Low's worse edge is still Low (rule 2)
        assert got != tier


def test_edge_cases_cover_every_cell():
    covered = {(p.values[0], p.values[1], p.values[2]) for p in EDGE_CASES}
    expected = {(k, m, t) for k, m, t in CELLS if RAW[k][m][t] is not None}
    assert covered == expected
    assert len(EDGE_CASES) > 400


HAND_PICKED = [
    # the reference's examples
    ("2019", "lead_time", 23, "elite"),
    ("2019", "lead_time", 24, "high"),
    ("2019", "lead_time", 168, "high"),
    ("2019", "lead_time", 169, "medium"),
    ("2023", "change_failure_rate", 5, "elite"),
    ("2023", "change_failure_rate", 6, "high"),
    ("2023", "change_failure_rate", 15, "medium"),
    ("2023", "change_failure_rate", 16, "low"),
    # 2018
    ("2018", "deployment_frequency", 2, "elite"),
    ("2018", "deployment_frequency", 1, "high"),
    ("2018", "deployment_frequency", 0.5, "medium"),
    ("2018", "deployment_frequency", 1 / 7, "medium"),
    ("2018", "deployment_frequency", 24 / 730, "medium"),
    ("2018", "deployment_frequency", 0.01, "low"),
    ("2018", "lead_time", 0.5, "elite"),
    ("2018", "lead_time", 1, "high"),
    ("2018", "lead_time", 23, "high"),
    ("2018", "lead_time", 731, "low"),
    ("2018", "lead_time", 5000, "low"),
    ("2018", "time_to_restore", 1, "high"),
    ("2018", "time_to_restore", 24, "low"),
    ("2018", "time_to_restore", 800, "low"),
    ("2018", "change_failure_rate", 15, "elite"),
    ("2018", "change_failure_rate", 15.01, "low"),
    ("2018", "change_failure_rate", 100, "low"),
    # 2019
    ("2019", "deployment_frequency", 1.01, "elite"),
    ("2019", "deployment_frequency", 1, "high"),
    ("2019", "deployment_frequency", 0.1, "medium"),
    ("2019", "deployment_frequency", 0.02, "low"),
    ("2019", "deployment_frequency", 0, "low"),
    ("2019", "time_to_restore", 12, "high"),
    ("2019", "time_to_restore", 100, "low"),
    ("2019", "change_failure_rate", 0, "elite"),
    ("2019", "change_failure_rate", 30, "low"),
    # 2021
    ("2021", "deployment_frequency", 0.5, "high"),
    ("2021", "deployment_frequency", 0.03, "medium"),
    ("2021", "deployment_frequency", 24 / 4380, "medium"),
    ("2021", "deployment_frequency", 0.005, "low"),
    ("2021", "lead_time", 1, "high"),
    ("2021", "lead_time", 169, "medium"),
    ("2021", "lead_time", 4380, "medium"),
    ("2021", "lead_time", 4381, "low"),
    ("2021", "time_to_restore", 24, "medium"),
    ("2021", "time_to_restore", 169, "low"),
    ("2021", "change_failure_rate", 15.5, "high"),
    ("2021", "change_failure_rate", 30, "high"),
    ("2021", "change_failure_rate", 30.5, "low"),
    # 2022: no Elite
    ("2022", "deployment_frequency", 5, "high"),
    ("2022", "deployment_frequency", 1, "medium"),
    ("2022", "deployment_frequency", 0.01, "low"),
    ("2022", "lead_time", 0, "high"),
    ("2022", "lead_time", 169, "medium"),
    ("2022", "lead_time", 731, "low"),
    ("2022", "time_to_restore", 0, "high"),
    ("2022", "time_to_restore", 24, "medium"),
    ("2022", "time_to_restore", 169, "low"),
    ("2022", "change_failure_rate", 0, "high"),
    ("2022", "change_failure_rate", 15.5, "medium"),
    ("2022", "change_failure_rate", 31, "low"),
    # 2023
    ("2023", "deployment_frequency", 1 / 7, "high"),
    ("2023", "deployment_frequency", 24 / 730, "medium"),
    ("2023", "deployment_frequency", 0.03, "low"),
    ("2023", "lead_time", 730, "medium"),
    ("2023", "lead_time", 731, "low"),
    ("2023", "time_to_restore", 1, "high"),
    ("2023", "time_to_restore", 168, "medium"),
    ("2023", "time_to_restore", 200, "low"),
    ("2023", "change_failure_rate", 64, "low"),
    # 2024: CFR High (20%) is worse than Medium (10%)
    ("2024", "change_failure_rate", 5, "elite"),
    ("2024", "change_failure_rate", 5.5, "high"),
    ("2024", "change_failure_rate", 10, "high"),
    ("2024", "change_failure_rate", 20, "high"),
    ("2024", "change_failure_rate", 20.5, "low"),
    ("2024", "time_to_restore", 0.99, "elite"),
    ("2024", "time_to_restore", 23, "high"),
    ("2024", "time_to_restore", 24, "low"),
    ("2024", "deployment_frequency", 0.5, "high"),
    ("2024", "deployment_frequency", 0.1, "medium"),
    ("2024", "lead_time", 4380, "low"),
    # the VSM guide's table
    ("vsm-guide", "lead_time", 0.5, "elite"),
    ("vsm-guide", "lead_time", 1, "high"),
    ("vsm-guide", "lead_time", 23, "high"),
    ("vsm-guide", "time_to_restore", 24, "medium"),
    ("vsm-guide", "time_to_restore", 169, "low"),
    ("vsm-guide", "change_failure_rate", 16, "low"),
    ("vsm-guide", "deployment_frequency", 2, "elite"),
]


@pytest.mark.parametrize(("key", "metric", "value", "expected"), HAND_PICKED)
def test_classify_hand_picked_examples(key, metric, value, expected):
    assert dora.classify(metric, value, key) == expected


def test_classify_default_benchmark_is_2024():
    assert dora.classify("change_failure_rate", 10) == "high"


def test_classify_values_skips_missing_and_rework():
    values = {"lead_time": 23, "deployment_frequency": None, "rework_rate": 50.0}
    assert dora.classify_values(values, "2019") == {
        "deployment_frequency": None,
        "lead_time": "elite",
        "time_to_restore": None,
        "change_failure_rate": None,
    }


# --------------------------------------------------------------------------------------------
# Hypothesis properties


def value_strategy(metric):
    edges = sorted(
        {
            float(cell[side]["value"])
            for key in SET_KEYS
            for cell in RAW[key][metric].values()
            if cell
            for side in ("better", "worse")
            if cell[side]
        }
    )
    near = [math.nextafter(e, d) for e in edges for d in (-math.inf, math.inf)]
    top = DOMAIN_MAX.get(metric, 1e6)
    return st.one_of(
        st.sampled_from([v for v in edges + near if in_domain(metric, v)]),
        st.floats(min_value=0, max_value=top, allow_nan=False, allow_infinity=False),
    )


@pytest.mark.parametrize("key", SET_KEYS)
@pytest.mark.parametrize("metric", dora.METRICS)
@given(data=st.data())
def test_classify_better_value_never_gets_worse_tier(key, metric, data):
    a = data.draw(value_strategy(metric))
    b = data.draw(value_strategy(metric))
    better, worse = sorted((a, b), reverse=dora.higher_is_better(metric))
    assert rank(dora.classify(metric, better, key)) <= rank(dora.classify(metric, worse, key))


@pytest.mark.parametrize("metric", dora.METRICS)
@given(data=st.data())
def test_classify_valid_value_returns_tier_in_every_set(metric, data):
    value = data.draw(value_strategy(metric))
    for key in SET_KEYS:
        tier = dora.classify(metric, value, key)
        assert tier == oracle(key, metric, value)
        assert dora.get_benchmark(key).cell(metric, tier) is not None or tier == "low"


@pytest.mark.parametrize("metric", dora.SCORED_METRICS)
@given(data=st.data())
def test_metric_score_within_zero_and_ten(metric, data):
    strategy = (
        st.floats(min_value=0, max_value=100)
        if metric == "rework_rate"
        else value_strategy(metric)
    )  # fmt: skip
    assert 0.0 <= dora.metric_score(metric, data.draw(strategy)) <= 10.0


@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            "deployment_frequency": st.floats(min_value=0, max_value=1e4),
            "lead_time": st.floats(min_value=0, max_value=1e6),
            "time_to_restore": st.floats(min_value=0, max_value=1e6),
            "change_failure_rate": st.floats(min_value=0, max_value=100),
            "rework_rate": st.floats(min_value=0, max_value=100) | st.none(),
        },
    )
)
def test_dora_score_within_zero_and_ten(values):
    score = dora.dora_score(values)
    for part in (score.overall, score.throughput, score.stability):
        assert part is None or 0.0 <= part <= 10.0
    assert (score.overall is None) == all(v is None for v in values.values())


TIER_LISTS = st.lists(st.sampled_from([*dora.TIERS, None]), max_size=8)


@given(tiers=TIER_LISTS)
def test_overall_tier_is_median_rounded_worse(tiers):
    present = [t for t in tiers if t is not None]
    got = dora.overall_tier(tiers)
    if len(present) < 3:
        assert got is None
        return
    assert got in present
    at_least_as_good = sum(rank(t) <= rank(got) for t in present)
    at_least_as_bad = sum(rank(t) >= rank(got) for t in present)
    assert at_least_as_good > len(present) / 2
    assert at_least_as_bad >= len(present) / 2
    assert dora.overall_tier(reversed(tiers)) == got


@given(tiers=TIER_LISTS, data=st.data())
def test_overall_tier_worsening_one_tier_never_improves_it(tiers, data):
    present = [t for t in tiers if t is not None]
    if len(present) < 3:
        return
    i = data.draw(st.integers(min_value=0, max_value=len(present) - 1))
    worse = data.draw(st.sampled_from(dora.TIERS[rank(present[i]) :]))
    changed = [*present[:i], worse, *present[i + 1 :]]
    assert rank(dora.overall_tier(changed)) >= rank(dora.overall_tier(present))


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [
        (["elite", "high", "low"], "high"),
        (["elite", "elite", "low", "low"], "low"),
        (["elite", "high", "medium", "low"], "medium"),
        (["elite", "elite", "elite", "low"], "elite"),
        (["high", None, "high", "high"], "high"),
        (["elite", None, "high"], None),
        ([None, None, None, None], None),
        ([], None),
    ],
)
def test_overall_tier_examples(tiers, expected):
    assert dora.overall_tier(tiers) == expected


# --------------------------------------------------------------------------------------------
# Unreachable tiers, covered cells and gaps, and the notes that state them

UNREACHABLE = {
    "2018": {"time_to_restore": ["medium"], "change_failure_rate": ["high", "medium"]},
    "2019": {"time_to_restore": ["medium"], "change_failure_rate": ["high", "medium"]},
    "2021": {"change_failure_rate": ["medium"]},
    "2022": {},
    "2023": {},
    "2024": {"time_to_restore": ["medium"], "change_failure_rate": ["medium"]},
    "vsm-guide": {"change_failure_rate": ["high", "medium"]},
}
COVERED = {
    "2018": {"deployment_frequency": ["high", "low"]},
    "2021": {"change_failure_rate": ["low"]},
    "2023": {"deployment_frequency": ["low"], "lead_time": ["low"]},
}


@pytest.mark.parametrize("key", SET_KEYS)
def test_unreachable_tiers_match_hand_worked_table(key):
    expected = {m: UNREACHABLE[key].get(m, []) for m in dora.METRICS}
    assert dora.unreachable_tiers(key) == expected


@pytest.mark.parametrize("key", SET_KEYS)
def test_covered_cells_match_hand_worked_table(key):
    expected = {m: COVERED.get(key, {}).get(m, []) for m in dora.METRICS}
    assert rule_algebra.covered_cells(key) == expected


@pytest.mark.parametrize("key", SET_KEYS)
def test_unreachable_tiers_never_returned_by_classify(key):
    unreachable = dora.unreachable_tiers(key)
    ranges = dora.tier_ranges(key)
    for metric in dora.METRICS:
        values = [p.values[3] for p in EDGE_CASES if p.values[1] == metric]
        got = {dora.classify(metric, v, key) for v in values}
        assert got.isdisjoint(unreachable[metric])
        reachable = {t for t in dora.TIERS if ranges[metric][t]}
        assert got == reachable


def test_covered_cells_2018_high_only_at_once_per_day():
    (only,) = dora.tier_ranges("2018")["deployment_frequency"]["high"]
    assert (only.lo, only.hi, only.lo_closed, only.hi_closed) == (1.0, 1.0, True, True)
    assert dora.classify("deployment_frequency", 1.0, "2018") == "high"
    assert dora.classify("deployment_frequency", 12.0, "2018") == "elite"


def gap_rows(key):
    return {
        m: [
            (g.interval.lo, g.interval.hi, g.interval.lo_closed, g.interval.hi_closed, g.kind,
             g.tier)
            for g in gs
        ]
        for m, gs in rule_algebra.gaps(key).items()
    }  # fmt: skip


def test_gaps_2018_hand_worked():
    assert gap_rows("2018") == {
        "deployment_frequency": [
            (1 / 7, 1.0, False, False, "between", "medium"),
            (0.0, 24 / 730, True, False, "beyond_all", "low"),
        ],
        "lead_time": [
            (1.0, 24.0, True, False, "between", "high"),
            (4380.0, math.inf, False, False, "beyond_all", "low"),
        ],
        "time_to_restore": [
            (24.0, 168.0, True, False, "between", "low"),
            (730.0, math.inf, False, False, "beyond_all", "low"),
        ],
        "change_failure_rate": [
            (15.0, 46.0, False, False, "between", "low"),
            (60.0, 100.0, False, True, "beyond_all", "low"),
        ],
    }


def test_gaps_2022_hand_worked():
    assert gap_rows("2022") == {
        "deployment_frequency": [
            (1 / 7, 1.0, False, True, "between", "medium"),
            (0.0, 24 / 4380, True, False, "beyond_all", "low"),
        ],
        "lead_time": [
            (0.0, 24.0, True, False, "better_than_all", "high"),
            (4380.0, math.inf, False, False, "beyond_all", "low"),
        ],
        "time_to_restore": [(730.0, math.inf, False, False, "beyond_all", "low")],
        "change_failure_rate": [
            (15.0, 16.0, False, False, "between", "medium"),
            (30.0, 46.0, False, False, "between", "low"),
            (60.0, 100.0, False, True, "beyond_all", "low"),
        ],
    }


def test_gaps_2023_change_failure_rate_only_beyond_last_figure():
    assert gap_rows("2023")["change_failure_rate"] == [
        (64.0, 100.0, False, True, "beyond_all", "low")
    ]


def inside(interval):
    lo, hi = interval.lo, min(interval.hi, 1e6)
    if interval.is_point:
        return lo
    return (lo + hi) / 2


@pytest.mark.parametrize("key", SET_KEYS)
def test_gaps_values_go_to_worse_neighbouring_cell(key):
    bs = dora.get_benchmark(key)
    for metric, holes in rule_algebra.gaps(key).items():
        for gap in holes:
            value = inside(gap.interval)
            assert dora.classify(metric, value, key) == gap.tier
            if gap.kind == "beyond_all":
                assert gap.tier == "low"
            elif gap.kind == "between":
                # the best tier whose cell lies on the worse side of the gap
                worse_side = [
                    t for t in dora.TIERS
                    if (c := bs.cell(metric, t)) is not None
                    and (c.better is not None)
                    and (
                        c.better.value <= gap.interval.lo
                        if dora.higher_is_better(metric)
                        else c.better.value >= gap.interval.hi
                    )
                ]  # fmt: skip
                assert gap.tier == worse_side[0]


@pytest.mark.parametrize("key", SET_KEYS)
def test_notes_agree_with_computed_consequences(key):
    bs = dora.get_benchmark(key)
    derived = rule_algebra.derived_notes(key)
    labels = tuple(f"{bs.metric_label(m)}, " for m in dora.METRICS)
    stated = [n for n in bs.notes if n.startswith(labels)]
    assert stated == derived
    assert bs.notes == tuple(RAW[key]["notes"])


@pytest.mark.parametrize("key", SET_KEYS)
def test_notes_name_every_unreachable_tier(key):
    bs = dora.get_benchmark(key)
    for metric, tiers in dora.unreachable_tiers(key).items():
        for tier in tiers:
            prefix = f"{bs.metric_label(metric)}, {dora.TIER_LABELS[tier]} ("
            assert any(n.startswith(prefix) and "unreachable" in n for n in bs.notes)


@pytest.mark.parametrize("key", SET_KEYS)
def test_notes_mention_missing_tiers(key):
    bs = dora.get_benchmark(key)
    missing = {t for m in dora.METRICS for t in dora.TIERS if bs.cell(m, t) is None}
    for tier in missing:
        assert any(f"no {dora.TIER_LABELS[tier]} tier" in n for n in bs.notes)
    assert missing == ({"elite"} if key == "2022" else set())


def test_derived_notes_2024_wording():
    assert rule_algebra.derived_notes("2024") == [
        "Deployment frequency, values below once per 6 months: beyond every published cell;"
        " classified Low.",
        "Lead time for changes, values above 6 months: beyond every published cell; classified"
        " Low.",
        "Failed deployment recovery time, Medium (< 1 day): unreachable; every value within it"
        " is already High (< 1 day).",
        "Failed deployment recovery time, values at least 1 day and below 1 week: between the"
        " published cells; classified Low.",
        "Failed deployment recovery time, values above 1 month: beyond every published cell;"
        " classified Low.",
        "Change failure rate, Medium (10%): unreachable; every value within it is already High"
        " (20%).",
        "Change failure rate, values above 40%: beyond every published cell; classified Low.",
    ]


def test_derived_notes_2018_covered_cells_wording():
    notes = rule_algebra.derived_notes("2018")
    assert notes[:2] == [
        "Deployment frequency, High (once per hour - once per day): its cell is covered by"
        " better cells; High is given only to values exactly once per day.",
        "Deployment frequency, Low (once per week - once per month): its cell is covered by"
        " better cells; Low is given only to values below once per month.",
    ]


@pytest.mark.parametrize("key", SET_KEYS)
def test_explain_rule_states_rule_set_and_notes(key):
    bs = dora.get_benchmark(key)
    text = dora.explain_rule(key)
    assert text.startswith(f"Benchmark: {bs.name}. Source: {bs.source}\n\n")
    assert "the best tier whose cell's worse edge the value does not go beyond" in text
    assert "A value beyond every tier's worse edge is Low." in text
    assert "rounded toward the worse tier, and needs at least three metrics" in text
    for note in bs.notes:
        assert f"\n- {note}" in text


def test_explain_rule_default_is_2024():
    assert dora.explain_rule() == dora.explain_rule("2024")


# --------------------------------------------------------------------------------------------
# Bad benchmark data is refused with a message


def broken(mutate):
    data = copy.deepcopy(RAW)
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["2024"].pop("default"), "exactly set '2024' must be the default"),
        (lambda d: d["2019"].update(default=True), "exactly set '2024' must be the default"),
        (lambda d: d["2019"].update(key="2020"), "set '2019': its key field says '2020'"),
        (lambda d: d["2019"].update(colour="red"), "set '2019': unknown fields ['colour']"),
        (lambda d: d["2019"].pop("source"), "set '2019': missing fields ['source']"),
        (lambda d: d["2019"]["lead_time"].pop("low"), "set '2019' lead_time: expected exactly"),
        (
            lambda d: d["2019"]["lead_time"]["high"].update(
                better={"value": 200, "inclusive": True}
            ),
            "set '2019' lead_time high: its better edge lies beyond its worse edge",
        ),
        (
            lambda d: d["2019"]["change_failure_rate"]["low"].update(
                worse={"value": 160, "inclusive": True}
            ),
            "set '2019' change_failure_rate low worse: value 160 is outside",
        ),
        (
            lambda d: d["2019"]["lead_time"]["high"]["worse"].update(inclusive="yes"),
            "set '2019' lead_time high worse: inclusive must be true or false",
        ),
        (
            lambda d: d["2019"]["lead_time"]["high"].update(better=None, worse=None),
            "set '2019' lead_time high: a cell needs at least one edge",
        ),
    ],
)
def test_parse_benchmark_sets_broken_data_raises(mutate, message):
    with pytest.raises(dora.BenchmarkDataError) as info:
        dora.parse_benchmark_sets(broken(mutate), source="dora.yaml")
    assert message in str(info.value)


def test_parse_benchmark_sets_matches_loaded():
    assert dora.parse_benchmark_sets(RAW) == dora.benchmark_sets()


# --------------------------------------------------------------------------------------------
# Quick Check buckets and scores


def bucket_edge_cases():
    """(metric, value, bucket, within) at, just beyond and just inside every bucket's worse
    edge. Within it: this bucket or a better one (exactly this one at an inclusive edge);
    beyond it: a worse bucket."""
    for metric, buckets in dora.QUICK_CHECK_BUCKETS.items():
        for bucket, _better, worse in buckets:
            if worse is None:
                continue
            points = [
                ("at", worse.value, "at" if worse.inclusive else False),
                ("beyond", math.nextafter(worse.value, worse_direction(metric)), False),
                ("inside", math.nextafter(worse.value, better_direction(metric)), True),
            ]
            for where, value, within in points:
                yield pytest.param(metric, value, bucket, within, id=f"{metric}-{bucket}-{where}")


@pytest.mark.parametrize(("metric", "value", "bucket", "within"), list(bucket_edge_cases()))
def test_quick_check_bucket_at_every_edge(metric, value, bucket, within):
    got = dora.quick_check_bucket(metric, value)
    if within == "at":
        assert got == bucket
    elif within:
        assert got >= bucket
    else:
        assert got < bucket


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("lead_time", 0, 6),
        ("lead_time", 0.5, 6),
        ("lead_time", 1, 5),
        ("lead_time", 23, 5),
        ("lead_time", 24, 4),
        ("lead_time", 168, 4),
        ("lead_time", 169, 3),
        ("lead_time", 730, 3),
        ("lead_time", 4380, 2),
        ("lead_time", 4381, 1),
        ("time_to_restore", 0.5, 6),
        ("time_to_restore", 1e9, 1),
        ("deployment_frequency", 30, 6),
        ("deployment_frequency", 2, 6),
        ("deployment_frequency", 1, 5),
        ("deployment_frequency", 0.5, 4),
        ("deployment_frequency", 1 / 7, 4),
        ("deployment_frequency", 0.1, 3),
        ("deployment_frequency", 24 / 730, 3),
        ("deployment_frequency", 0.01, 2),
        ("deployment_frequency", 24 / 4380, 2),
        ("deployment_frequency", 0.005, 1),
        ("deployment_frequency", 0, 1),
    ],
)
def test_quick_check_bucket_examples(metric, value, expected):
    assert dora.quick_check_bucket(metric, value) == expected


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("lead_time", 0.5, 10.0),
        ("lead_time", 23, 8.0),
        ("lead_time", 168, 6.0),
        ("lead_time", 730, 4.0),
        ("lead_time", 4380, 2.0),
        ("lead_time", 5000, 0.0),
        ("deployment_frequency", 1, 8.0),
        ("time_to_restore", 100, 6.0),
        ("time_to_restore", 200, 4.0),
        ("change_failure_rate", 0, 10.0),
        ("change_failure_rate", 15, 8.5),
        ("change_failure_rate", 100, 0.0),
        ("rework_rate", 20, 8.0),
    ],
)
def test_metric_score_examples(metric, value, expected):
    assert dora.metric_score(metric, value) == expected


def test_dora_score_means_per_group():
    score = dora.dora_score(
        {
            "lead_time": 23,  # 8
            "deployment_frequency": 2,  # 10
            "time_to_restore": 0.5,  # 10
            "change_failure_rate": 15,  # 8.5
            "rework_rate": 20,  # 8
        }
    )
    assert score == dora.Score(overall=8.9, throughput=28 / 3, stability=8.25)


def test_dora_score_missing_groups_none():
    assert dora.dora_score({}) == dora.Score(None, None, None)
    assert dora.dora_score({"change_failure_rate": 15, "lead_time": None}) == dora.Score(
        8.5, None, 8.5
    )
    assert dora.dora_score({"lead_time": 168}) == dora.Score(6.0, 6.0, None)


# --------------------------------------------------------------------------------------------
# Survey answers


@pytest.mark.parametrize("metric", ["deployment_frequency", "lead_time", "time_to_restore"])
def test_survey_options_six_buckets_best_first(metric):
    options = dora.SURVEY_OPTIONS[metric]
    assert [o.bucket for o in options] == [6, 5, 4, 3, 2, 1]
    assert len({o.key for o in options}) == 6


def test_survey_options_labels_as_dora_asks():
    assert [o.label for o in dora.SURVEY_OPTIONS["deployment_frequency"]] == [
        "On demand (multiple deploys per day)",
        "Between once per hour and once per day",
        "Between once per day and once per week",
        "Between once per week and once per month",
        "Between once per month and once every six months",
        "Fewer than once every six months",
    ]
    assert [o.label for o in dora.SURVEY_OPTIONS["lead_time"]] == [
        "Less than one hour",
        "Less than one day",
        "Between one day and one week",
        "Between one week and one month",
        "Between one month and six months",
        "More than six months",
    ]
    assert [o.label for o in dora.SURVEY_OPTIONS["time_to_restore"]] == [
        o.label for o in dora.SURVEY_OPTIONS["lead_time"]
    ]


def test_survey_options_representative_values():
    assert [o.value for o in dora.SURVEY_OPTIONS["deployment_frequency"]] == [
        2.0, 1.0, 1 / 7, 24 / 730, 24 / 4380, 1 / 365,
    ]  # fmt: skip
    assert [o.value for o in dora.SURVEY_OPTIONS["lead_time"]] == [
        59 / 60, 23.0, 168.0, 730.0, 4380.0, 8760.0,
    ]  # fmt: skip


SURVEY_CASES = [
    pytest.param(metric, option, id=f"{metric}-{option.key}")
    for metric, options in dora.SURVEY_OPTIONS.items()
    for option in options
]


def worst_in_bucket(metric, bucket):
    """The worst value the bucket holds (just inside its worse edge when that is excluded)."""
    (worse,) = [w for b, _better, w in dora.QUICK_CHECK_BUCKETS[metric] if b == bucket]
    if worse is None:
        return 0.0 if dora.higher_is_better(metric) else 1e9
    if worse.inclusive:
        return worse.value
    return math.nextafter(worse.value, better_direction(metric))


@pytest.mark.parametrize(("metric", "option"), SURVEY_CASES)
def test_survey_option_value_lies_in_its_bucket(metric, option):
    assert dora.quick_check_bucket(metric, option.value) == option.bucket
    assert dora.quick_check_bucket(metric, worst_in_bucket(metric, option.bucket)) == option.bucket


@pytest.mark.parametrize(("metric", "option"), SURVEY_CASES)
def test_survey_option_value_classifies_as_worst_of_bucket(metric, option):
    worst = worst_in_bucket(metric, option.bucket)
    for key in SET_KEYS:
        assert dora.classify(metric, option.value, key) == dora.classify(metric, worst, key)


@pytest.mark.parametrize(
    ("metric", "key", "expected"),
    [
        ("lead_time", "less_than_one_day", {"2019": "elite", "2018": "high", "2022": "high"}),
        ("lead_time", "one_day_to_one_week", {"2019": "high", "2022": "high", "2024": "high"}),
        ("time_to_restore", "one_day_to_one_week", {"2024": "low", "2023": "medium"}),
        ("deployment_frequency", "on_demand", {"2024": "elite", "2022": "high"}),
        ("deployment_frequency", "hourly_to_daily", {"2018": "high", "2022": "medium"}),
        ("deployment_frequency", "fewer_than_six_monthly", {"2021": "low", "2024": "low"}),
    ],
)
def test_survey_option_classified_examples(metric, key, expected):
    option = dora.survey_option(metric, key)
    assert {k: dora.classify(metric, option.value, k) for k in expected} == expected


def test_survey_option_unknown_key_raises():
    with pytest.raises(ValueError) as info:
        dora.survey_option("lead_time", "fortnightly")
    assert str(info.value).startswith("Unknown answer 'fortnightly' for lead_time; expected one")


# --------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("metric", "value", "message"),
    [
        ("uptime", 1.0, "Unknown DORA metric 'uptime'; expected one of: deployment_frequency,"),
        ("rework_rate", 5.0, "Unknown DORA metric 'rework_rate'; expected one of:"),
        ("lead_time", -1, "lead_time cannot be negative (-1.0)."),
        ("lead_time", math.nan, "lead_time must be a finite number, not nan."),
        ("lead_time", math.inf, "lead_time must be a finite number, not inf."),
        ("deployment_frequency", -math.inf, "deployment_frequency must be a finite number"),
        ("change_failure_rate", 100.5, "change_failure_rate is a percentage and cannot exceed"),
        ("lead_time", "24", "lead_time must be a number, not '24'."),
        ("lead_time", True, "lead_time must be a number, not True."),
        ("lead_time", None, "lead_time must be a number, not None."),
    ],
)
def test_classify_bad_input_raises(metric, value, message):
    with pytest.raises(ValueError) as info:
        dora.classify(metric, value, "2024")
    assert str(info.value).startswith(message)


def test_classify_unknown_benchmark_raises():
    with pytest.raises(dora.UnknownBenchmark):
        dora.classify("lead_time", 1, "2020")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dora.quick_check_bucket("change_failure_rate", 5), "'change_failure_rate' has"),
        (lambda: dora.quick_check_bucket("lead_time", -0.5), "lead_time cannot be negative"),
        (lambda: dora.metric_score("rework_rate", 101), "rework_rate is a percentage"),
        (lambda: dora.metric_score("uptime", 1), "'uptime' has no Quick Check buckets"),
        (lambda: dora.dora_score({"uptime": 1}), "Unknown DORA metrics ['uptime']"),
        (lambda: dora.overall_tier(["elite", "great", "low"]), "Unknown DORA tier 'great'"),
        (lambda: dora.get_benchmark("2024").cell("lead_time", "top"), "Unknown DORA tier 'top'"),
        (lambda: rule_algebra.format_value("uptime", 1), "Unknown DORA metric 'uptime'."),
    ],
)
def test_functions_bad_input_raise(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).startswith(message)


# --------------------------------------------------------------------------------------------
# Events -> metrics

END = datetime(2024, 4, 1, tzinfo=UTC)


def at(day, hour=0, minute=0):
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


def dep(external_id, finished_at, *commits, **kwargs):
    return dora.Deployment(external_id, finished_at, change_first_commit_times=commits, **kwargs)


def scenario():
    """A 28-day window, (4 March, 1 April], worked by hand:

    d1 prod ok, 3 changes: 2 h, 24 h, 48 h     d2 "Prod" ok, 1 change 6 h, incident i1 links it
    d3 prod failed (its change not counted)     d4 prod ok but rolled back, 1 change 24 h
    d5 staging (ignored)                        d6 prod ok, unplanned fix, 1 change 1 h
    d7 prod before the window (ignored), linked by i3

    successful 4 / 28 days = 1/7; failing d2, d3, d4 = 3 of 5 = 60%; rework d6 = 20%;
    lead times 1, 2, 6, 24, 24, 48 -> median 15 h.
    Resolved in the window: i1 (14:00-18:00, d2 finished 12:00): 4 h from start, 6 h from
    deployment; i2 (no deployment): 3 h both ways; i3 (2 -> 5 March, d7 finished 1 March):
    72 h from start, 96 h from deployment. Medians: 4 h (to 2022), 6 h (2023 on).
    """
    deployments = [
        dep("d1", at(5, 12), at(5, 10), at(4, 12), at(3, 12)),
        dep("d2", at(12, 12), at(12, 6), environment="Prod"),
        dep("d3", at(13, 9), at(13, 8), succeeded=False),
        dep("d4", at(20, 10), at(19, 10), rolled_back=True),
        dep("d5", at(21), at(17, 4), environment="staging"),
        dep("d6", at(28, 10), at(28, 9), unplanned_fix=True),
        dep("d7", at(1), at(1)),
    ]
    incidents = [
        dora.Incident("i1", at(12, 14), at(12, 18), deployment_external_id="d2"),
        dora.Incident("i2", at(15), at(15, 3)),
        dora.Incident("i3", at(2), at(5), deployment_external_id="d7"),
        dora.Incident("i4", at(30)),  # unresolved
        dora.Incident("i5", at(31, 20), END + timedelta(hours=1)),  # resolved after the window
    ]
    return deployments, incidents


def test_compute_metrics_hand_worked_window_2022_definition():
    deployments, incidents = scenario()
    m = dora.compute_metrics(deployments, incidents, END, window_days=28, benchmark_year=2022)
    assert m == dora.EventMetrics(
        window_start=at(4),
        window_end=END,
        window_days=28,
        benchmark_year=2022,
        recovery_measured_from="incident_start",
        deployment_frequency=1 / 7,
        deploy_days_per_week_median=1.0,
        lead_time=15.0,
        change_failure_rate=60.0,
        time_to_restore=4.0,
        rework_rate=20.0,
        deployments_count=5,
        successful_deployments_count=4,
        failed_deployments_count=3,
        changes_count=6,
        incidents_count=3,
    )


def test_compute_metrics_recovery_from_deployment_2023_definition():
    deployments, incidents = scenario()
    m = dora.compute_metrics(deployments, incidents, END, window_days=28, benchmark_year=2023)
    assert (m.time_to_restore, m.recovery_measured_from) == (6.0, "deployment")
    assert (m.lead_time, m.change_failure_rate, m.incidents_count) == (15.0, 60.0, 3)


def test_compute_metrics_recovery_guide_uses_incident_start():
    deployments, incidents = scenario()
    m = dora.compute_metrics(deployments, incidents, END, window_days=28, benchmark_year=None)
    assert m.time_to_restore == 4.0


def test_compute_metrics_values_feed_classify_and_score():
    deployments, incidents = scenario()
    m = dora.compute_metrics(deployments, incidents, END, window_days=28)
    assert m.values() == {
        "deployment_frequency": 1 / 7,
        "lead_time": 15.0,
        "time_to_restore": 6.0,
        "change_failure_rate": 60.0,
        "rework_rate": 20.0,
    }
    assert dora.classify_values(m.values(), "2024") == {
        "deployment_frequency": "high",
        "lead_time": "elite",
        "time_to_restore": "high",
        "change_failure_rate": "low",
    }


def test_compute_metrics_empty_window_all_none():
    m = dora.compute_metrics([], [], END)
    assert m.values() == dict.fromkeys(dora.SCORED_METRICS)
    assert m.deploy_days_per_week_median is None
    assert (
        m.deployments_count, m.successful_deployments_count, m.failed_deployments_count,
        m.changes_count, m.incidents_count,
    ) == (0, 0, 0, 0, 0)  # fmt: skip
    assert (m.window_start, m.window_days) == (END - timedelta(days=90), 90)


def test_compute_metrics_non_production_ignored():
    deployments = [
        dep("a", at(10), at(9), environment="staging"),
        dep("b", at(11), at(9), environment="production-eu"),
        dep("c", at(12), at(9), environment="", succeeded=False),
    ]
    m = dora.compute_metrics(deployments, [], END)
    assert m.values() == dict.fromkeys(dora.SCORED_METRICS)
    assert m.deployments_count == 0


@pytest.mark.parametrize("environment", ["production", "Production", " PROD ", "prod"])
def test_compute_metrics_production_matching_case_insensitive(environment):
    m = dora.compute_metrics([dep("a", at(10), environment=environment)], [], END)
    assert (m.deployments_count, m.deployment_frequency) == (1, 1 / 90)


def test_compute_metrics_deployment_with_several_changes():
    deployments = [dep("a", at(10, 12), at(10, 11), at(10, 2), at(9, 12), at(8, 12))]
    m = dora.compute_metrics(deployments, [], END, window_days=30)
    # 1 h, 10 h, 24 h, 48 h
    assert (m.lead_time, m.changes_count, m.deployment_frequency) == (17.0, 4, 1 / 30)


def test_compute_metrics_incident_without_deployment():
    incidents = [dora.Incident("i", at(10, 8), at(10, 9, 30))]
    for year in (2019, 2024):
        m = dora.compute_metrics([], incidents, END, benchmark_year=year)
        assert (m.time_to_restore, m.incidents_count) == (1.5, 1)
        assert (m.deployment_frequency, m.change_failure_rate) == (None, None)


def test_compute_metrics_incident_linked_to_unknown_deployment_falls_back_to_start():
    incidents = [dora.Incident("i", at(10, 8), at(10, 10), deployment_external_id="gone")]
    m = dora.compute_metrics([], incidents, END, benchmark_year=2024)
    assert m.time_to_restore == 2.0


def test_compute_metrics_failed_deployments_count_once():
    deployments = [
        dep("a", at(10), succeeded=False, rolled_back=True),
        dep("b", at(11), hotfix=True),
        dep("c", at(12), caused_failure=True),
        dep("d", at(13)),
    ]
    incidents = [
        dora.Incident("i1", at(12, 1), at(12, 2), deployment_external_id="c"),
        dora.Incident("i2", at(12, 3), at(12, 4), deployment_external_id="c"),
    ]
    m = dora.compute_metrics(deployments, incidents, END)
    assert (m.failed_deployments_count, m.deployments_count) == (3, 4)
    assert m.change_failure_rate == 75.0
    # the failed deployment does not count toward frequency
    assert (m.successful_deployments_count, m.deployment_frequency) == (3, 3 / 90)


def test_compute_metrics_all_failed_frequency_zero():
    m = dora.compute_metrics([dep("a", at(10), at(9), succeeded=False)], [], END)
    assert (m.deployment_frequency, m.deploy_days_per_week_median) == (0.0, 0.0)
    assert (m.lead_time, m.change_failure_rate, m.changes_count) == (None, 100.0, 0)


def test_compute_metrics_window_edges():
    start = END - timedelta(days=90)
    deployments = [dep("start", start), dep("end", END), dep("after", END + timedelta(seconds=1))]
    m = dora.compute_metrics(deployments, [], END)
    assert m.deployments_count == 1


def test_compute_metrics_deploy_days_per_week_median():
    # 14-day window = 2 whole weeks counted back from END; 3 days in week 0, 1 day in week 1
    deployments = [
        dep("a", END - timedelta(hours=1)),
        dep("b", END - timedelta(hours=2)),  # same 24-hour day as a
        dep("c", END - timedelta(days=1, hours=1)),
        dep("d", END - timedelta(days=2, hours=1)),
        dep("e", END - timedelta(days=8)),
    ]
    m = dora.compute_metrics(deployments, [], END, window_days=14)
    assert m.deploy_days_per_week_median == 2.0
    m = dora.compute_metrics(deployments, [], END, window_days=6)
    assert m.deploy_days_per_week_median is None


def test_compute_metrics_other_timezones_compared_as_instants():
    plus2 = timezone(timedelta(hours=2))
    deployments = [dep("a", datetime(2024, 3, 10, 14, tzinfo=plus2), at(10, 11))]
    m = dora.compute_metrics(deployments, [], END)
    assert m.lead_time == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: dora.Deployment("a", datetime(2024, 3, 1)),
            "Deployment 'a': finished_at must be timezone-aware, not naive",
        ),
        (
            lambda: dep("a", at(2), datetime(2024, 3, 1)),
            "Deployment 'a': a change's first commit time must be timezone-aware",
        ),
        (
            lambda: dep("a", at(2), at(3)),
            "Deployment 'a': a change's first commit (2024-03-03T00:00:00+00:00) is after",
        ),
        (
            lambda: dora.Incident("i", datetime(2024, 3, 1)),
            "Incident 'i': started_at must be timezone-aware",
        ),
        (
            lambda: dora.Incident("i", at(2), datetime(2024, 3, 3)),
            "Incident 'i': resolved_at must be timezone-aware",
        ),
        (lambda: dora.Incident("i", at(2), at(1)), "Incident 'i': resolved_at (2024-03-01"),
        (lambda: dora.Incident("i", "2024-03-01"), "Incident 'i': started_at must be a datetime"),
        (
            lambda: dora.compute_metrics([], [], datetime(2024, 4, 1)),
            "window_end must be timezone-aware",
        ),
        (lambda: dora.compute_metrics([], [], END, window_days=0), "window_days must be a whole"),
        (lambda: dora.compute_metrics([], [], END, window_days=7.5), "window_days must be a"),
        (
            lambda: dora.compute_metrics([], [], END, benchmark_year="2024"),
            "benchmark_year must be a year (int) or None, not '2024'.",
        ),
        (
            lambda: dora.compute_metrics([dep("a", at(2)), dep("a", at(3))], [], END),
            "Two deployments have the external_id 'a'.",
        ),
        (
            lambda: dora.compute_metrics(
                [dep("a", at(10))],
                [dora.Incident("i", at(9), at(9, 5), deployment_external_id="a")],
                END,
                benchmark_year=2023,
            ),
            "Incident 'i' was resolved before its deployment 'a' finished.",
        ),
    ],
)
def test_events_bad_input_raise(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).startswith(message)
