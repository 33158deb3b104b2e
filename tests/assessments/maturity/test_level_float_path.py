"""level_for_score bands a float by float comparisons away from the level edges and exactly
near them: it must give the level the exact computation gives (or refuse the same scores) for
every 4-decimal score from 0.9 to 5.1, just either side of each, and random floats, under
both scoring rules versions."""

import math
import random
from fractions import Fraction

import pytest

from assessments.maturity import scoring


def exact_level(score, rules_version):
    """The computation without the float path."""
    if not math.isfinite(score):
        return "refused"
    rounded = round(Fraction(score), scoring.SCORE_DECIMALS)
    if not scoring.MIN_LEVEL <= rounded <= scoring.MAX_LEVEL:
        return "refused"
    if rules_version >= 2 and rounded >= scoring.LEVEL_5_FROM:
        return scoring.MAX_LEVEL
    return min(math.floor(rounded), scoring.MAX_LEVEL)


def level(score, rules_version):
    try:
        return scoring.level_for_score(score, rules_version)
    except ValueError:
        return "refused"


def scores():
    for n in range(9_000, 51_001):
        value = n / 10_000
        yield value
        yield math.nextafter(value, 0)
        yield math.nextafter(value, 10)
        yield value - 0.00005  # half-way between two 4-decimal scores (as near as a float is)
    rng = random.Random(4)
    for _ in range(20_000):
        yield rng.uniform(0.9, 5.1)
    yield from (2.99999999, 4.79995, 4.799949999, float("nan"), float("inf"), -float("inf"))


@pytest.mark.parametrize("rules_version", [1, 2])
def test_float_path_gives_the_exact_level(rules_version):
    for score in scores():
        assert level(score, rules_version) == exact_level(score, rules_version), score
