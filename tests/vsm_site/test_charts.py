import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils.safestring import SafeString
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.levels import LEVEL_NAMES
from vsm_site import charts
from vsm_site.charts import (
    LEVEL_COLOURS,
    TIER_COLOURS,
    Series,
    bar_chart,
    grouped_bar_chart,
    line_chart,
    radar_chart,
    stacked_bar,
    text_colour_for,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script> & "Co"'
DIMENSIONS = ["Flow", "Quality", "Feedback", "Automation", "Culture"]


def parse(markup):
    return ET.fromstring(str(markup))


def elements(root, tag, cls=None):
    found = root.iter(f"{SVG}{tag}")
    return [e for e in found if cls is None or cls in e.get("class", "").split()]


def texts(root):
    return [e.text or "" for e in elements(root, "text")]


def contrast(a, b):
    la, lb = charts._relative_luminance(a), charts._relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def a_radar(**kwargs):
    defaults = {
        "axes": DIMENSIONS,
        "series": [
            Series("Current", [3.2, 2.5, 4.1, 1.8, 3.0]),
            Series("Previous", [2.8, 2.0, 3.5, 1.5, 2.5], style="dashed"),
            Series("Target", [4, 4, 4, 4, 4], style="dotted"),
        ],
        "title": "Maturity radar",
    }
    return radar_chart(**{**defaults, **kwargs})


def a_line(**kwargs):
    defaults = {
        "x_labels": ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4", "2025 Q1"],
        "series": [Series("Payments", [1.5, 2.1, None, 2.8, 3.1])],
        "title": "Maturity trend",
    }
    return line_chart(**{**defaults, **kwargs})


def a_bar(**kwargs):
    defaults = {
        "categories": [f"{level} {name}" for level, name in LEVEL_NAMES.items()],
        "values": [3, 7, 12, 4, 0],
        "title": "Teams per level",
        "colours": list(LEVEL_COLOURS.values()),
    }
    return bar_chart(**{**defaults, **kwargs})


def a_stacked_bar(**kwargs):
    defaults = {
        "categories": ["2024 H2", "2025 H1"],
        "segments": [
            ("1 Initial", [5, 3], None),
            ("2 Managed", [8, 6], None),
            ("3 Defined", [6, 9], LEVEL_COLOURS[3]),
        ],
        "title": "Teams per level, two periods",
    }
    return stacked_bar(**{**defaults, **kwargs})


def a_grouped_bar(**kwargs):
    """A 9-team organisation: teams per level in the previous and the selected period."""
    defaults = {
        "categories": [f"{level} {name}" for level, name in LEVEL_NAMES.items()],
        "groups": [
            ("2026-Q2 (previous)", [1, 5, 3, 0, 0], "#6f8fb0", "dashed"),
            ("2026-Q3", [0, 2, 5, 2, 0], "#1f4e79", "solid"),
        ],
        "title": "Teams per level, two periods side by side",
    }
    return grouped_bar_chart(**{**defaults, **kwargs})


BUILDERS = {
    "radar": a_radar,
    "radar-fallback": lambda **kw: a_radar(
        axes=["Flow", "Quality"], series=[Series("Current", [3, 2])], **kw
    ),
    "line": a_line,
    "bar": a_bar,
    "vertical-bar": lambda **kw: a_bar(horizontal=False, **kw),
    "stacked-bar": a_stacked_bar,
    "grouped-bar": a_grouped_bar,
}


# -- colours -------------------------------------------------------------------------------


def test_text_colour_for_extremes():
    assert text_colour_for("#ffffff") == "#000000"
    assert text_colour_for("#000000") == "#ffffff"
    assert text_colour_for("#fff") == "#000000"
    assert text_colour_for("#253494") == "#ffffff"


def test_text_colour_for_rejects_non_hex():
    with pytest.raises(ValueError):
        text_colour_for("red")


@pytest.mark.parametrize("colour", [*LEVEL_COLOURS.values(), *TIER_COLOURS.values()])
def test_text_colour_for_palette_meets_wcag_aa(colour):
    assert contrast(colour, text_colour_for(colour)) >= 4.5


def test_palettes_cover_levels_and_tiers():
    assert sorted(LEVEL_COLOURS) == [1, 2, 3, 4, 5]
    assert sorted(TIER_COLOURS) == ["elite", "high", "low", "medium"]


def test_level_colours_are_sequential_dark_to_light():
    luminances = [charts._relative_luminance(LEVEL_COLOURS[level]) for level in range(1, 6)]
    assert luminances == sorted(luminances, reverse=True)


# -- common contract -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_chart_is_accessible_svg(kind):
    markup = BUILDERS[kind](description="Shown on the team page.", id_prefix="c1")
    assert isinstance(markup, SafeString)
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").get("id") == "c1-title"
    assert root.find(f"{SVG}desc").get("id") == "c1-desc"
    assert root.find(f"{SVG}desc").text.startswith("Shown on the team page.")
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    assert root.get("font-family") == "DejaVu Sans, Arial, sans-serif"


@pytest.mark.parametrize("kind", BUILDERS)
def test_chart_title_is_drawn_as_text(kind):
    root = parse(BUILDERS[kind]())
    title = root.find(f"{SVG}title").text
    assert title in " ".join(texts(root))


@pytest.mark.parametrize("kind", BUILDERS)
def test_chart_text_is_at_least_11px(kind):
    root = parse(BUILDERS[kind]())
    sizes = [float(e.get("font-size", charts.FONT_SIZE)) for e in elements(root, "text")]
    assert sizes
    assert min(sizes) >= 11


@pytest.mark.parametrize("kind", BUILDERS)
def test_chart_uses_only_features_weasyprint_draws(kind):
    markup = str(BUILDERS[kind]())
    for forbidden in ("foreignObject", "<script", "<image", "href", "var(--", "@font-face"):
        assert forbidden not in markup


@pytest.mark.parametrize("kind", BUILDERS)
def test_chart_ids_differ_between_calls(kind):
    first = parse(BUILDERS[kind]()).get("aria-labelledby")
    second = parse(BUILDERS[kind]()).get("aria-labelledby")
    assert first != second


def test_chart_id_prefix_is_sanitised():
    root = parse(a_bar(id_prefix='x" onload="alert(1)'))
    assert root.get("onload") is None
    assert root.get("aria-labelledby") == "x--onload--alert-1--title x--onload--alert-1--desc"


# -- escaping ------------------------------------------------------------------------------


def test_radar_escapes_user_text():
    markup = str(
        radar_chart(
            [HOSTILE, "Quality", "Flow"],
            [Series(HOSTILE, [1, 2, 3])],
            title=HOSTILE,
            description=HOSTILE,
        )
    )
    assert "<script" not in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == HOSTILE
    assert HOSTILE in texts(root)


def test_line_chart_escapes_user_text():
    markup = str(
        line_chart(
            [HOSTILE, "Q2"],
            [Series(HOSTILE, [1, 2])],
            title=HOSTILE,
            y_label=HOSTILE,
            band_labels={3: HOSTILE},
        )
    )
    assert "<script" not in markup
    assert parse(markup).find(f"{SVG}title").text == HOSTILE


def test_bar_charts_escape_user_text():
    for markup in (
        bar_chart([HOSTILE], [1], title=HOSTILE),
        bar_chart([HOSTILE], [1], title=HOSTILE, horizontal=False),
        stacked_bar([HOSTILE], [(HOSTILE, [1], None)], title=HOSTILE),
    ):
        assert "<script" not in str(markup)
        assert parse(markup).find(f"{SVG}title").text == HOSTILE


def test_text_drops_characters_xml_forbids():
    root = parse(bar_chart(["a\x00b\x1fc"], [1], title="t\x0bitle"))
    assert root.find(f"{SVG}title").text == "title"
    assert "abc" in texts(root)


# -- radar ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", range(3, 15))
def test_radar_draws_one_axis_per_dimension(count):
    axes = [f"Dimension {i}" for i in range(count)]
    root = parse(
        radar_chart(
            axes,
            [Series("Now", [3] * count), Series("Before", [2] * count, style="dashed")],
            "Radar",
        )
    )
    assert len(elements(root, "line", "axis")) == count
    assert len(elements(root, "polygon", "series")) == 2
    assert len(elements(root, "g", "axis-label")) == count


def test_radar_draws_one_polygon_per_series_with_a_vertex_per_axis():
    root = parse(a_radar())
    polygons = elements(root, "polygon", "series")
    assert len(polygons) == 3
    assert [len(p.get("points").split()) for p in polygons] == [5, 5, 5]


def test_radar_series_differ_by_dash_not_only_colour():
    root = parse(a_radar())
    dashes = {p.get("class"): p.get("stroke-dasharray") for p in elements(root, "polygon")}
    assert dashes == {"series series-1": None, "series series-2": "7 4", "series series-3": "1.5 4"}


def test_radar_labels_rings_for_each_level():
    root = parse(a_radar())
    assert len(elements(root, "circle", "ring")) == 5
    assert {"1", "2", "3", "4", "5"} <= set(texts(root))


def test_radar_prints_first_series_values():
    assert {"3.2", "2.5", "4.1", "1.8", "3.0"} <= set(texts(parse(a_radar())))


def test_radar_draws_missing_value_at_centre_and_describes_it():
    root = parse(
        radar_chart(["A", "B", "C"], [Series("Now", [3, None, 5])], "Radar", id_prefix="r")
    )
    polygon = elements(root, "polygon", "series")[0]
    centre = (root.find(f"{SVG}line").get("x1"), root.find(f"{SVG}line").get("y1"))
    assert tuple(polygon.get("points").split()[1].split(",")) == centre
    assert len(elements(root, "circle", "marker")) == 2
    assert "No value for B in Now." in root.find(f"{SVG}desc").text
    assert "n/a" in texts(root)


def test_radar_truncates_long_labels_with_ellipsis():
    label = "Continuous delivery pipeline automation and release management"
    root = parse(radar_chart([label, "B", "C"], [Series("Now", [1, 2, 3])], "Radar"))
    label_group = elements(root, "g", "axis-label")[0]
    drawn = " ".join(e.text for e in elements(label_group, "text")[:-1])
    assert drawn.endswith("…")
    assert len(drawn) <= charts.AXIS_LABEL_CHARS + 2
    assert label_group.find(f"{SVG}title").text == label


@pytest.mark.parametrize("count", [0, 1, 2])
def test_radar_with_fewer_than_three_axes_falls_back_to_bars(count):
    axes = ["Flow", "Quality"][:count]
    root = parse(
        radar_chart(
            axes,
            [Series("Now", [3.5] * count), Series("Before", [2] * count, style="dashed")],
            "Radar",
        )
    )
    assert elements(root, "polygon") == []
    assert len(elements(root, "rect", "bar")) == 2 * count


def test_radar_rejects_more_than_three_series():
    with pytest.raises(ValueError):
        radar_chart(DIMENSIONS, [Series(str(i), [1] * 5) for i in range(4)], "Radar")


def test_radar_rejects_values_not_matching_axes():
    with pytest.raises(ValueError):
        radar_chart(DIMENSIONS, [Series("Now", [1, 2])], "Radar")


def test_series_rejects_unknown_style_and_colour():
    with pytest.raises(ValueError):
        Series("Now", [1], style="wavy")
    with pytest.raises(ValueError):
        Series("Now", [1], colour="url(#x)")


# -- line ----------------------------------------------------------------------------------


def test_line_chart_breaks_line_at_missing_value():
    root = parse(a_line())
    segments = elements(root, "path", "series-line")
    assert len(segments) == 2
    assert [p.get("d").count("L") for p in segments] == [1, 1]
    assert len(elements(root, "circle", "marker")) == 4


def test_line_chart_draws_isolated_point_as_marker_only():
    root = parse(
        line_chart(["Q1", "Q2", "Q3", "Q4"], [Series("Team", [None, 2, None, 3])], "Trend")
    )
    assert elements(root, "path", "series-line") == []
    assert len(elements(root, "circle", "marker")) == 2


def test_line_chart_describes_gaps():
    desc = parse(a_line()).find(f"{SVG}desc").text
    assert "No value for 2024 Q3 in Payments." in desc


def test_line_chart_series_get_distinct_markers_and_dashes():
    root = parse(
        a_line(
            series=[
                Series("Team", [1, 2, 3, 4, 5]),
                Series("Org", [2, 2, 2, 2, 2], style="dashed"),
            ]
        )
    )
    lines = elements(root, "path", "series-line")
    assert sorted(str(p.get("stroke-dasharray")) for p in lines) == ["7 4", "None"]
    assert len(elements(root, "circle", "marker")) == 5
    assert len(elements(root, "rect", "marker")) == 5  # the second series' squares


def test_line_chart_shades_named_level_bands():
    root = parse(a_line(band_labels=LEVEL_NAMES))
    assert len(elements(root, "rect", "band")) == 5
    assert {"5 Optimizing", "1 Initial"} <= set(texts(root))


def test_line_chart_shows_y_label():
    assert "Maturity score" in texts(parse(a_line(y_label="Maturity score")))


# -- bars ----------------------------------------------------------------------------------


@pytest.mark.parametrize("horizontal", [True, False])
def test_bar_chart_prints_each_value(horizontal):
    root = parse(a_bar(horizontal=horizontal))
    assert len(elements(root, "rect", "bar")) == 5
    assert {"3", "7", "12", "4", "0"} <= set(texts(root))
    fills = [r.get("fill") for r in elements(root, "rect", "bar")]
    assert fills == list(LEVEL_COLOURS.values())


def test_bar_chart_value_format_and_description():
    root = parse(bar_chart(["Elite", "Low"], [0.5, 0.25], "Share", value_format="{:.0%}"))
    assert {"50%", "25%"} <= set(texts(root))
    assert root.find(f"{SVG}desc").text == "Elite: 50%; Low: 25%."


def test_bar_chart_rejects_mismatched_colours():
    with pytest.raises(ValueError):
        bar_chart(["A", "B"], [1, 2], "Bars", colours=["#000000"])


def test_bar_chart_all_zero_draws_empty_bars():
    root = parse(bar_chart(["A", "B"], [0, 0], "Bars"))
    assert [r.get("width") for r in elements(root, "rect", "bar")] == ["0", "0"]


def test_stacked_bar_draws_segments_and_totals():
    root = parse(a_stacked_bar())
    assert len(elements(root, "rect", "segment")) == 6
    assert {"19", "18", "5", "8", "6", "3", "9"} <= set(texts(root))
    assert elements(root, "rect", "segment")[2].get("fill") == LEVEL_COLOURS[3]


def test_stacked_bar_normalised_labels_percentages():
    root = parse(a_stacked_bar(normalize=True))
    assert {"26%", "42%", "32%"} <= set(texts(root))


def test_stacked_bar_segment_labels_contrast_with_segment():
    root = parse(a_stacked_bar(segments=[("Dark", [5, 5], "#253494"), ("Light", [5, 5], None)]))
    labels = [e for e in elements(root, "text") if e.text == "5"]
    assert [e.get("fill") for e in labels] == ["#ffffff", "#000000", "#ffffff", "#000000"]


def test_grouped_bar_draws_periods_side_by_side_never_stacked():
    root = parse(a_grouped_bar())
    bars = elements(root, "rect", "bar")
    assert len(bars) == 2 * 5
    assert elements(root, "rect", "segment") == []
    # Each bar prints its own count: "2 Managed" reads 5 and 2, never their sum 7.
    counts = [t for t in texts(root) if t.isdigit()]
    assert counts == ["1", "0", "5", "2", "3", "5", "0", "2", "0", "0"]
    previous, selected = bars[0::2], bars[1::2]
    assert {b.get("fill") for b in previous} == {"#6f8fb0"}
    assert {b.get("stroke-dasharray") for b in previous} == {"7 4"}
    assert {b.get("fill") for b in selected} == {"#1f4e79"}
    # Same scale for both periods: 5 teams is the longest bar in either.
    widths = [float(b.get("width")) for b in bars]
    assert widths[2] == widths[5] == max(widths)


def test_grouped_bar_description_gives_every_count_and_totals_of_nine():
    root = parse(a_grouped_bar())
    desc = next(root.iter(f"{SVG}desc")).text
    assert "2 Managed: 2026-Q2 (previous) 5, 2026-Q3 2." in desc
    assert desc.endswith("Totals: 2026-Q2 (previous) 9; 2026-Q3 9.")


def test_grouped_bar_rejects_mismatched_lengths_and_styles():
    with pytest.raises(ValueError):
        grouped_bar_chart(["A", "B"], [("x", [1], "#000000", "solid")], "T")
    with pytest.raises(ValueError):
        grouped_bar_chart(["A"], [("x", [1], "#000000", "wavy")], "T")


def test_empty_charts_say_no_data():
    for markup in (
        radar_chart([], [], "Radar"),
        line_chart([], [], "Trend"),
        bar_chart([], [], "Bars"),
        stacked_bar([], [], "Stacked"),
        grouped_bar_chart([], [], "Grouped"),
    ):
        assert "No data to show." in texts(parse(markup))


# -- robustness ----------------------------------------------------------------------------

labels = st.text(max_size=60)
scores = st.one_of(st.none(), st.floats(min_value=1, max_value=5))


@settings(deadline=None, max_examples=60)
@given(
    axes=st.lists(labels, max_size=14),
    names=st.lists(labels, min_size=1, max_size=3),
    title=labels,
    data=st.data(),
)
def test_radar_never_breaks_xml(axes, names, title, data):
    series = [
        Series(n, data.draw(st.lists(scores, min_size=len(axes), max_size=len(axes))))
        for n in names
    ]
    root = parse(radar_chart(axes, series, title, description=title))
    assert root.find(f"{SVG}title") is not None


@settings(deadline=None, max_examples=60)
@given(periods=st.lists(labels, max_size=30), title=labels, y_label=labels, data=st.data())
def test_line_chart_never_breaks_xml(periods, title, y_label, data):
    values = data.draw(st.lists(scores, min_size=len(periods), max_size=len(periods)))
    markup = line_chart(
        periods, [Series(title, values)], title, y_label=y_label, band_labels=LEVEL_NAMES
    )
    assert parse(markup).find(f"{SVG}desc") is not None


@settings(deadline=None, max_examples=60)
@given(
    categories=st.lists(labels, max_size=12),
    title=labels,
    horizontal=st.booleans(),
    data=st.data(),
)
def test_bar_charts_never_break_xml(categories, title, horizontal, data):
    counts = st.floats(min_value=0, max_value=1000)
    values = data.draw(st.lists(counts, min_size=len(categories), max_size=len(categories)))
    parse(bar_chart(categories, values, title, horizontal=horizontal))
    other = data.draw(st.lists(counts, min_size=len(categories), max_size=len(categories)))
    parse(stacked_bar(categories, [(title, values, None), ("Other", other, None)], title))


# -- PDF -----------------------------------------------------------------------------------


def test_charts_render_as_real_text_in_pdf():
    from pypdf import PdfReader
    from weasyprint import HTML

    built = {kind: builder() for kind, builder in BUILDERS.items()}
    page = "".join(f"<section>{markup}</section>" for markup in built.values())
    pdf = HTML(string=f"<html><body>{page}</body></html>").write_pdf()

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    text = " ".join(page.extract_text() for page in reader.pages)
    for markup in built.values():
        assert parse(markup).find(f"{SVG}title").text in text
    assert "Flow" in text  # an axis label, drawn centred or right-aligned
