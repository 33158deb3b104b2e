"""Numbers built in Python read exactly as the templates' floatformat shows them."""

from django.template.defaultfilters import floatformat
from hypothesis import given
from hypothesis import strategies as st

from vsm_site.numbers import fixed

# scores and their changes: -5..5 (below 1e-6 floatformat gives up and echoes the float)
scores = st.floats(min_value=-5, max_value=5, allow_nan=False, allow_infinity=False).filter(
    lambda v: v == 0 or abs(v) >= 1e-6
)


@given(scores, st.sampled_from([0, 1, 2, 3]))
def test_fixed_matches_floatformat(value, places):
    assert fixed(value, places) == floatformat(value, places)


@given(st.integers(min_value=0, max_value=500).map(lambda n: n / 100 + 0.005))
def test_halves_round_up_like_the_templates(value):
    # x.xx5 sits exactly between two shown values: both paths must pick the same one
    assert fixed(value, 2) == floatformat(value, 2)


def test_known_values_and_missing():
    assert fixed(2.25, 1) == "2.3"  # Python's own "{:.1f}" gives 2.2
    assert fixed(3, 2) == "3.00"
    assert fixed(None) == "—"
    assert fixed(-0.004, 2) == "0.00"  # a change too small to show has no sign
