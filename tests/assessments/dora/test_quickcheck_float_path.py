"""quickcheck.compare computes z in floats and falls back to exact arithmetic only near a band
edge or a rounding half-way point: it must give exactly what the exact computation gives (the
z to 2 decimals, its sign of zero included, and the band) for every segment and aspect, on the
scores that sit on those edges and on many others."""

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.dora import quickcheck

SEGMENTS = list(quickcheck.segments().values())


def exact(score, stat):
    """The comparison as it was computed before the float path: all in Fractions."""
    z = quickcheck.exact_z(score, stat)
    return float(round(z, 2)), quickcheck.band(z)


def edge_scores(stat):
    """Scores (4 decimals, 0-10) on, and one step either side of, every band edge and every
    rounding half-way point of z between -3 and 3."""
    mean, sd = Fraction(repr(stat.mean)), Fraction(repr(stat.sd))
    targets = [Fraction(e).limit_denominator() for e in quickcheck.BAND_EDGES]
    targets += [Fraction(2 * k + 1, 200) for k in range(-300, 300)]
    for z in targets:
        centre = round((mean + z * sd) * 10_000)
        for step in (-1, 0, 1):
            value = (centre + step) / 10_000
            if 0 <= value <= 10:
                yield value


def scores_of(value):
    metrics = dict.fromkeys(quickcheck.rules.SCORED_METRICS, value)
    return quickcheck.Scores(overall=value, throughput=value, stability=value, metrics=metrics)


def assert_same(value, segment, aspects=quickcheck.ASPECTS):
    compared = quickcheck.compare(scores_of(value), segment)
    for aspect in aspects:
        comparison = compared[aspect]
        z, band = exact(value, segment.stats[aspect])
        assert (comparison.z, comparison.band) == (z, band), (segment.key, aspect, value)
        assert repr(comparison.z) == repr(z)  # no -0.0 where the exact z rounds to 0


@pytest.mark.parametrize("segment", SEGMENTS, ids=lambda s: f"{s.kind}:{s.key}")
def test_float_path_equals_exact_on_every_edge(segment):
    for aspect, stat in segment.stats.items():
        for value in edge_scores(stat):
            assert_same(value, segment, [aspect])


def test_float_path_equals_exact_on_a_grid_of_scores():
    rng = random.Random(2025)
    grid = [n / 10_000 for n in range(0, 100_001, 37)]
    for value, segment in zip(grid, itertools.cycle(SEGMENTS)):
        assert_same(value, segment)
    for _ in range(500):
        assert_same(rng.uniform(0, 10), rng.choice(SEGMENTS))


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0, max_value=10, allow_nan=False), st.sampled_from(SEGMENTS))
def test_property_float_path_equals_exact(value, segment):
    assert_same(value, segment)
