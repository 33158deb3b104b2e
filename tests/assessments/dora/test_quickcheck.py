"""DORA's 2025 comparison (assessments.dora.quickcheck and GET /api/v1/dora/quick-check/):
the reference's worked example to the figure, every published row loaded as published, the
inversions, the bands at their edges and a team with only some metrics."""

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.dora import quickcheck, rules

# The reference's two tables (../shared/reference/dora-2025.md), copied verbatim.
REFERENCE = Path(__file__).resolve().parent / "data" / "dora-2025-tables.md"
WORKED = {
    "lead_time": 10,
    "deployment_frequency": 2,
    "time_to_restore": 0.5,
    "change_failure_rate": 30,
    "rework_rate": 20,
}
URL = "/api/v1/dora/quick-check/"


def test_worked_example_gives_the_references_figures():
    """Lead time 10 h -> 8, 2 deploys a day -> 10, recovery 0.5 h -> 10, CFR 30 % -> 7, rework
    20 % -> 8: overall 8.6, throughput 9.33, stability 7.5; against All industries lead time
    z = +1.04 and change fail rate z = -0.52 (10 - 1.9 = 8.1 compared)."""
    scores = quickcheck.scores(WORKED)
    assert dict(scores.metrics) == {
        "deployment_frequency": 10.0, "lead_time": 8.0, "time_to_restore": 10.0,
        "change_failure_rate": 7.0, "rework_rate": 8.0,
    }  # fmt: skip
    assert (scores.overall, round(scores.throughput, 2), scores.stability) == (8.6, 9.33, 7.5)
    comparison = quickcheck.compare(scores, quickcheck.get_segment("industry", "all"))
    lead, cfr = comparison["lead_time"], comparison["change_failure_rate"]
    assert (lead.mean, lead.sd, lead.z, lead.band) == (5.5, 2.4, 1.04, "well_above")
    assert (cfr.mean, cfr.sd, cfr.z, cfr.band) == (8.1, 2.1, -0.52, "below")


def test_worked_example_through_the_api(world, api_client):
    api_client.force_authenticate(world.member_a)
    body = api_client.get(URL, WORKED).json()
    assert body["edition"] == "2025"
    assert body["segment"] == {"kind": "industry", "key": "all", "label": "All industries"}
    assert body["scores"] == {
        "overall": 8.6, "throughput": 9.33, "stability": 7.5,
        "metrics": {"deployment_frequency": 10.0, "lead_time": 8.0, "time_to_restore": 10.0,
                    "change_failure_rate": 7.0, "rework_rate": 8.0},
    }  # fmt: skip
    assert body["comparison"]["lead_time"] == {
        "mean": 5.5,
        "sd": 2.4,
        "z": 1.04,
        "band": "well_above",
    }
    assert body["comparison"]["change_failure_rate"]["z"] == -0.52
    assert set(body["comparison"]) == {"overall", "throughput", "stability", *WORKED}


def _reference_rows():
    """The two tables of the reference, parsed: {(kind, label): [(mean, sd) x 8]}."""
    rows, kind = {}, None
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("By industry"):
            kind = "industry"
        elif line.startswith("By organisation size"):
            kind = "org_size"
        elif kind and line.startswith("| ") and "±" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[(kind, cells[0])] = [tuple(map(float, c.split("±"))) for c in cells[1:]]
    return rows


LABELS = {
    ("industry", "Retail/Consumer/e-Commerce"): "retail",
    ("industry", "Media & Entertainment"): "media",
    ("industry", "Healthcare & Pharmaceuticals"): "healthcare",
    ("industry", "Industrials & Manufacturing"): "industrials",
}


def test_every_published_row_is_loaded_as_published_and_cited():
    reference = _reference_rows()
    assert len(reference) == 14 + 9
    loaded = {(s.kind, s.label): s for s in quickcheck.segments().values()}
    for (kind, label), published in reference.items():
        label = {"1 employee": "1 employee"}.get(label, label)
        segment = loaded.get((kind, label))
        assert segment is not None, (kind, label)
        assert list(segment.published.values()) == published, (kind, label)
    assert len(quickcheck.segment_keys("industry")) == 14
    assert quickcheck.segment_keys("org_size") == (
        "all", "1", "2-9", "20-99", "100-499", "500-999", "1000-4999", "5000-9999", "10000+",
    )  # fmt: skip
    assert quickcheck.CITATION == "DORA Quick Check 2025 benchmarks"


@pytest.mark.parametrize("kind, key", list(quickcheck.segments()))
def test_inversions_for_every_row(kind, key):
    """Change fail rate, rework and instability are compared as 10 - mean; the size file's
    recovery as 10 - value; the overall is the mean of the five metric means after that."""
    segment = quickcheck.get_segment(kind, key)
    published, stats = segment.published, segment.stats
    assert stats["change_failure_rate"].mean == pytest.approx(10 - published["change_fail_rate"][0])
    assert stats["rework_rate"].mean == pytest.approx(10 - published["rework"][0])
    assert stats["stability"].mean == pytest.approx(10 - published["instability"][0])
    assert stats["lead_time"].mean == published["lead_time"][0]
    recovery = published["recovery"][0]
    expected = 10 - recovery if kind == "org_size" else recovery
    assert stats["time_to_restore"].mean == pytest.approx(expected)
    assert segment.recovery_inverted is (kind == "org_size")
    means = [stats[m].mean for m in rules.SCORED_METRICS]
    assert stats["overall"].mean == pytest.approx(sum(means) / 5, abs=1e-4)
    assert all(stats[a].sd == published[c][1] for a, c in (
        ("change_failure_rate", "change_fail_rate"), ("time_to_restore", "recovery")))  # fmt: skip


def test_size_recovery_reads_like_the_industry_file_once_inverted():
    industry = quickcheck.get_segment("industry", "all").stats["time_to_restore"].mean
    size = quickcheck.get_segment("org_size", "all").stats["time_to_restore"].mean
    assert (industry, size) == (7.4, 7.4)


@pytest.mark.parametrize(
    "z, band",
    [
        (-1.01, "well_below"), (-1.0, "below"), (-0.51, "below"), (-0.5, "typical"),
        (0.0, "typical"), (0.5, "typical"), (0.51, "above"), (1.0, "above"),
        (1.01, "well_above"),
    ],
)  # fmt: skip
def test_bands_at_their_edges(z, band):
    assert quickcheck.band(z) == band


@given(st.floats(min_value=-10, max_value=10, allow_nan=False))
def test_property_bands_are_ordered_and_symmetric(z):
    order = [key for key, _ in quickcheck.BANDS]
    assert order.index(quickcheck.band(z)) + order.index(quickcheck.band(-z)) == 4
    assert order.index(quickcheck.band(z)) <= order.index(quickcheck.band(z + 0.3))


def test_a_team_with_only_some_metrics():
    scores = quickcheck.scores({"lead_time": 10, "change_failure_rate": None, "rework_rate": 20})
    assert (scores.overall, scores.throughput, scores.stability) == (8.0, 8.0, 8.0)
    comparison = quickcheck.compare(scores, quickcheck.get_segment("org_size", "1000-4999"))
    assert set(comparison) == {"overall", "throughput", "stability", "lead_time", "rework_rate"}
    assert quickcheck.compare(quickcheck.scores({}), quickcheck.get_segment()) == {}


def test_factor_membership_is_one_definition():
    assert quickcheck.FACTOR_OF == {
        "lead_time": "throughput", "deployment_frequency": "throughput",
        "time_to_restore": "throughput", "change_failure_rate": "stability",
        "rework_rate": "stability",
    }  # fmt: skip


@given(st.floats(min_value=-20, max_value=20, allow_nan=False))
def test_property_position_is_a_fraction(z):
    assert 0 <= quickcheck.position(z) <= 1
    assert math.isclose(quickcheck.position(0), 0.5)


@pytest.mark.parametrize(
    "query, field",
    [
        ({"industry": "x"}, "industry"),
        ({"industry": "retail", "org_size": "1"}, "org_size"),
        ({"org_size": "10-19"}, "org_size"),
        ({"lead_time": "-1"}, "lead_time"),
        ({"rework_rate": "101"}, "rework_rate"),
        ({"change_failure_rate": "100.5"}, "change_failure_rate"),
        ({"benchmark": "2024"}, "benchmark"),
    ],
)
def test_api_refuses_with_the_parameter_named(world, api_client, query, field):
    api_client.force_authenticate(world.member_a)
    response = api_client.get(URL, query)
    assert response.status_code == 400
    assert field in response.json()["detail"] or response.json().get("field") == field


def test_api_by_organisation_size_and_anonymous_refused(world, api_client):
    assert api_client.get(URL, {"lead_time": 10}).status_code in (401, 403)
    api_client.force_authenticate(world.member_a)
    body = api_client.get(URL, {"org_size": "10000+", "time_to_restore": 0.5}).json()
    assert body["segment"] == {
        "kind": "org_size",
        "key": "10000+",
        "label": "10,000 or more employees",
    }
    recovery = body["comparison"]["time_to_restore"]
    assert (recovery["mean"], recovery["sd"]) == (7.2, 2.2)  # 10 - 2.8 as stored
    assert body["scores"]["metrics"] == {"time_to_restore": 10.0}


@pytest.mark.parametrize(
    "segment, metric, value, z, band",
    [
        (("industry", "retail"), "change_failure_rate", 27, -0.5, "typical"),  # 7.3 vs 8.3±2.0
        (("industry", "all"), "change_failure_rate", 8.5, 0.5, "typical"),  # 9.15 vs 8.1±2.1
        (("industry", "all"), "lead_time", 10, 1.04, "well_above"),
    ],
)
def test_a_score_exactly_on_a_band_edge_is_banded_as_the_rule_says(segment, metric, value, z, band):
    comparison = quickcheck.compare(
        quickcheck.scores({metric: value}), quickcheck.get_segment(*segment)
    )
    assert (comparison[metric].z, comparison[metric].band) == (z, band)
