"""A printed score never reads as another level (issue 18): ``levels.score_text`` cuts a score
to the decimals shown instead of rounding it, after rounding float noise away as the level
does. Every page, table, chart description and PDF prints scores through it."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.levels import score_text
from assessments.maturity.scoring import level_for_score
from reports.coe import heatmap
from reports.templatetags.reports_extras import score


@pytest.mark.parametrize(
    "value, places, shown",
    [
        (2.95, 1, "2.9"),  # a level-2 heatmap cell, never "3.0"
        (2.9977, 2, "2.99"),  # under "Level 2", never "3.00"
        (2.99999999, 2, "3.00"),  # float noise: level 3, as level_for_score says
        (3.0, 2, "3.00"),
        (4.999, 1, "4.9"),
        (4.7999, 1, "4.7"),  # level 4, never "4.8" (level 5 starts at 4.8)
        (4.8, 1, "4.8"),
        (5.0, 1, "5.0"),
        (1.0, 2, "1.00"),
        (2.25, 1, "2.2"),
        (None, 2, "—"),
    ],
)
def test_score_text_hand_worked(value, places, shown):
    assert score_text(value, places) == shown
    assert score(value, places) == shown  # the template filter says the same


@given(
    st.floats(min_value=1, max_value=5, allow_nan=False, allow_infinity=False),
    st.sampled_from([1, 2]),  # pages, tables, charts and PDFs print one or two decimals
)
def test_a_printed_score_never_reads_as_another_level(value, places):
    """Read with the bands of docs/scoring.md (4.00-4.79 level 4, 4.80-5.00 level 5): the
    printed figure lies in the same band as the score."""
    printed = score_text(value, places)
    assert level_for_score(Decimal(printed)) == level_for_score(value)
    # cut, never rounded up: at most the score (to its four kept decimals)
    assert Decimal(printed) <= Decimal(repr(value)).quantize(Decimal("0.0001"))


def test_heatmap_cell_of_a_level_2_score_reads_level_2():
    cell = heatmap._score_cell(2.95, "/teams/1/history/", "Flow")
    assert "level-2" in cell and ">2.9</a>" in cell


def test_radar_labels_print_scores_as_the_pages_do():
    """The result page's and the PDF's radar (reports.results.content.radar_for)."""
    from types import SimpleNamespace

    from reports.results.content import radar_for

    rows = [
        {"key": k, "name": k.title(), "score": v, "target": None}
        for k, v in (("flow", 3.99), ("quality", 2.0), ("tests", 3.0))
    ]
    result = SimpleNamespace(
        data={"dimensions": rows}, period="2026-Q3", team=SimpleNamespace(name="Team A")
    )
    svg = radar_for(result, id_prefix="r")
    assert ">3.9<" in svg and ">4.0<" not in svg
    assert "Flow: 3.99" in svg  # the description a screen reader hears (two decimals, cut)
