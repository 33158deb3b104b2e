"""SVG charts shared by the HTML pages and the WeasyPrint PDFs.

Every public function is pure: plain data in, a ``SafeString`` of SVG markup out, ready to be
embedded inline. The markup keeps to what WeasyPrint's own SVG renderer draws (shapes, paths,
text, groups, transforms and presentation attributes), so a chart looks the same on screen and
on paper: no CSS variables, scripts, foreignObject, web fonts or images. Text stays real text,
so it can be selected, searched and read aloud in the PDF.

Every string that reaches the markup goes through ``_esc``: team and dimension names are typed
by users. Colours are checked against a strict pattern for the same reason.

Geometry is computed in "user units" of a fixed intrinsic width; the root element carries a
``viewBox`` and ``width="100%"`` so the browser or WeasyPrint scales the chart to its box.
Text widths are estimated from DejaVu Sans metrics (the font we ask for first, and the one
installed next to WeasyPrint), erring on the wide side so labels do not collide.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from django.utils.safestring import SafeString, mark_safe

FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
FONT_SIZE = 12
SMALL_FONT_SIZE = 11  # the floor: nothing is drawn smaller, at intrinsic size
TITLE_FONT_SIZE = 15
LINE_HEIGHT = 1.3
MARGIN = 16
INK = "#222222"
MUTED = "#555555"
GRID = "#c4c4c4"
AXIS = "#8a8a8a"

# ColorBrewer YlGnBu without its palest step (which vanishes on white paper): sequential,
# colour-blind safe and still ordered when printed in greyscale. Bars also get a dark outline
# and printed values, so level 1 stays visible on white.
LEVEL_COLOURS = {1: "#c7e9b4", 2: "#7fcdbb", 3: "#41b6c4", 4: "#2c7fb8", 5: "#253494"}

# ColorBrewer RdBu, colour-blind safe: blues for the good tiers, reds for the poor ones.
TIER_COLOURS = {"elite": "#2166ac", "high": "#92c5de", "medium": "#f4a582", "low": "#b2182b"}

# Okabe-Ito hues stay apart under every common colour-vision deficiency; markers and dash
# patterns tell the series apart as well, so colour is never the only cue.
SERIES_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#000000", "#e69f00")
SERIES_MARKERS = ("circle", "square", "diamond", "triangle")
DASHES = {"solid": "", "dashed": "7 4", "dotted": "1.5 4"}
MAX_RADAR_SERIES = 3
AXIS_LABEL_CHARS = 28  # longer dimension names are cut with an ellipsis

_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# XML 1.0 forbids these code points even when escaped, so a stray one would break the page.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Series:
    """One line, polygon or group of bars. ``None`` in ``values`` means "no value"."""

    name: str
    values: Sequence[float | None]
    style: str = "solid"  # "solid", "dashed" or "dotted"
    colour: str | None = None  # default: SERIES_COLOURS by position

    def __post_init__(self):
        if self.style not in DASHES:
            raise ValueError(f"Series style must be one of {sorted(DASHES)}, not {self.style!r}")
        if self.colour is not None:
            _check_colour(self.colour)


# -- colours -------------------------------------------------------------------------------


def _check_colour(colour: str) -> str:
    if not isinstance(colour, str) or not _HEX_COLOUR.fullmatch(colour):
        raise ValueError(f"Colours must be hex like '#1f77b4', not {colour!r}")
    return colour


def _relative_luminance(hex_colour: str) -> float:
    digits = _check_colour(hex_colour)[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_for(background_hex: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio on the background."""
    luminance = _relative_luminance(background_hex)
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return "#000000" if on_black >= on_white else "#ffffff"


def _series_colour(series: Series, index: int) -> str:
    return series.colour or SERIES_COLOURS[index % len(SERIES_COLOURS)]


def _series_marker(index: int) -> str:
    return SERIES_MARKERS[index % len(SERIES_MARKERS)]


# -- text ----------------------------------------------------------------------------------


def _clean(text) -> str:
    """One line of text that XML accepts: no forbidden control characters, single spaces."""
    return " ".join(_XML_INVALID.sub("", str(text)).split())


def _esc(text) -> str:
    return html.escape(_clean(text), quote=True)


@lru_cache(maxsize=4096)  # per character: unicodedata lookups dominate chart rendering
def _char_em(char: str) -> float:
    if unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char.isupper() or char.isdigit():
        return 0.7
    return 0.6


@lru_cache(maxsize=8192)  # labels and wrap candidates repeat across charts and requests
def _text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """Estimated advance width; DejaVu Sans averages ~0.56 em, so 0.6 leaves some slack."""
    return sum(map(_char_em, text)) * size * (1.1 if bold else 1.0)


def _truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near the end."""
    text = _clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _fit_chars(word: str, max_width: float, size: float, bold: bool) -> int:
    """How many leading characters of ``word`` fit in ``max_width`` (at least one)."""
    width = 0.0
    for count, char in enumerate(word):
        width += _char_em(char) * size * (1.1 if bold else 1.0)
        if width > max_width:
            return max(count, 1)
    return len(word)


def _wrap(
    text: str, max_width: float, size: float = FONT_SIZE, max_lines: int = 2, bold: bool = False
) -> list[str]:
    """Greedy word wrap by estimated width; overlong words are split, overflow ends in '…'."""
    lines: list[str] = []
    current = ""
    for word in _clean(text).split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if _text_width(candidate, size, bold) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while _text_width(word, size, bold) > max_width and len(word) > 1:
            cut = _fit_chars(word, max_width, size, bold)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and _text_width(last + "…", size, bold) > max_width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines


def _line_height(size: float) -> float:
    return size * LINE_HEIGHT


def _n(value: float) -> str:
    """A coordinate: one decimal is plenty at these sizes and keeps the markup small."""
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = FONT_SIZE,
    anchor: str = "start",
    bold: bool = False,
    fill: str = INK,
    cls: str = "",
) -> str:
    attrs = [f'x="{_n(x)}"', f'y="{_n(y)}"', f'font-size="{_n(size)}"', f'fill="{fill}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if bold:
        attrs.append('font-weight="bold"')
    if cls:
        attrs.append(f'class="{cls}"')
    return f"<text {' '.join(attrs)}>{_esc(content)}</text>"


def _text_block(
    x: float,
    top: float,
    lines: Sequence[str],
    *,
    size: float = FONT_SIZE,
    anchor: str = "start",
    bold: bool = False,
    fill: str = INK,
) -> str:
    """One ``<text>`` per line (WeasyPrint anchors each one reliably), first line at ``top``."""
    height = _line_height(size)
    # The baseline sits about 0.95 em below the top of a 1.3 em line box.
    return "".join(
        _text(
            x, top + i * height + size * 0.95, line, size=size, anchor=anchor, bold=bold, fill=fill
        )
        for i, line in enumerate(lines)
    )


def _format(value_format, value: float | None) -> str:
    """``value`` as ``value_format`` says: a format string, or a function (for example the
    caller's score printing, which cuts rather than rounds)."""
    if value is None:
        return "n/a"
    return value_format(value) if callable(value_format) else value_format.format(value)


def _tick_label(value: float) -> str:
    return str(int(round(value))) if abs(value - round(value)) < 1e-9 else f"{value:g}"


# -- numbers -------------------------------------------------------------------------------


def _value(raw) -> float | None:
    """A plottable float, or None for missing, NaN and infinite values."""
    if raw is None:
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values covering [low, high], about ``target`` intervals."""
    span = high - low
    raw_step = span / target
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = magnitude * 10
    for multiple in (1, 2, 2.5, 5):
        if span / (magnitude * multiple) <= target:
            step = magnitude * multiple
            break
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def _check_range(low: float, high: float) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        raise ValueError(f"The value range must be finite with max > min, got {low}..{high}")
    return low, high


def _check_series(series: Sequence[Series], length: int, what: str) -> list[list[float | None]]:
    values = []
    for one in series:
        if len(one.values) != length:
            raise ValueError(
                f"Series {one.name!r} has {len(one.values)} values for {length} {what}"
            )
        values.append([_value(v) for v in one.values])
    return values


# -- shapes and building blocks ------------------------------------------------------------


def _marker(
    shape: str, x: float, y: float, colour: str, size: float = 4.5, cls: str = "marker"
) -> str:
    """A value marker; the white rim keeps it distinct where lines cross."""
    paint = f'fill="{colour}" stroke="#ffffff" stroke-width="1.2" class="{cls}"'
    if shape == "square":
        s = size * 0.9
        return (
            f'<rect x="{_n(x - s)}" y="{_n(y - s)}" width="{_n(2 * s)}" height="{_n(2 * s)}" '
            f"{paint}/>"
        )
    if shape == "diamond":
        s = size * 1.3
        d = f"M{_n(x)} {_n(y - s)}L{_n(x + s)} {_n(y)}L{_n(x)} {_n(y + s)}L{_n(x - s)} {_n(y)}Z"
        return f'<path d="{d}" {paint}/>'
    if shape == "triangle":
        s = size * 1.25
        d = f"M{_n(x)} {_n(y - s)}L{_n(x + s)} {_n(y + s * 0.8)}L{_n(x - s)} {_n(y + s * 0.8)}Z"
        return f'<path d="{d}" {paint}/>'
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(size)}" {paint}/>'


def _dash_attrs(style: str) -> str:
    dash = DASHES[style]
    if not dash:
        return ""
    cap = ' stroke-linecap="round"' if style == "dotted" else ""
    return f' stroke-dasharray="{dash}"{cap}'


@dataclass(frozen=True)
class _LegendEntry:
    name: str
    colour: str
    style: str = "solid"
    marker: str | None = None  # None: a filled swatch instead of a line sample


def _legend(entries: Sequence[_LegendEntry], x: float, top: float, max_width: float):
    """Legend items flowed left to right, wrapping into rows. Returns (markup, height)."""
    row_height = 20
    parts = []
    cursor_x, row = x, 0
    for entry in entries:
        name = _truncate(entry.name, 40)
        sample_width = 34 if entry.marker else 14
        item_width = sample_width + 6 + _text_width(name) + 20
        if cursor_x > x and cursor_x + item_width - 20 > x + max_width:
            cursor_x, row = x, row + 1
        mid_y = top + row * row_height + row_height / 2
        if entry.marker:
            parts.append(
                f'<line x1="{_n(cursor_x)}" y1="{_n(mid_y)}" x2="{_n(cursor_x + sample_width)}" '
                f'y2="{_n(mid_y)}" stroke="{entry.colour}" stroke-width="2.5"'
                f"{_dash_attrs(entry.style)}/>"
            )
            parts.append(
                _marker(
                    entry.marker,
                    cursor_x + sample_width / 2,
                    mid_y,
                    entry.colour,
                    cls="legend-marker",
                )
            )
        else:
            parts.append(
                f'<rect x="{_n(cursor_x)}" y="{_n(mid_y - 7)}" width="14" height="14" '
                f'fill="{entry.colour}" stroke="#333333" stroke-width="0.75"/>'
            )
        parts.append(_text(cursor_x + sample_width + 6, mid_y + FONT_SIZE * 0.36, name))
        cursor_x += item_width
    if not entries:
        return "", 0
    return f'<g class="legend">{"".join(parts)}</g>', (row + 1) * row_height


def _series_legend(series: Sequence[Series]) -> list[_LegendEntry]:
    return [
        _LegendEntry(s.name, _series_colour(s, i), s.style, _series_marker(i))
        for i, s in enumerate(series)
    ]


def _title_block(title: str, width: float) -> tuple[str, float]:
    lines = _wrap(_truncate(title, 160), width - 2 * MARGIN, TITLE_FONT_SIZE, 2, bold=True)
    top = MARGIN - 4
    markup = _text_block(MARGIN, top, lines, size=TITLE_FONT_SIZE, bold=True)
    height = top + len(lines) * _line_height(TITLE_FONT_SIZE) + 10
    return f'<g class="chart-title">{markup}</g>', height


def _id_prefix(id_prefix: str | None) -> str:
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix or "")
    if not prefix:
        return f"chart-{uuid.uuid4().hex[:10]}"
    return prefix if prefix[0].isalpha() else f"c{prefix}"


def _svg(
    kind: str,
    width: float,
    height: float,
    id_prefix: str | None,
    title: str,
    desc: str,
    body: str,
) -> SafeString:
    prefix = _id_prefix(id_prefix)
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    width, height = math.ceil(width), math.ceil(height)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vsm-chart vsm-chart-{kind}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width: {width}px; height: auto" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}">'
        f'<title id="{title_id}">{_esc(title)}</title>'
        f'<desc id="{desc_id}">{_esc(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
        f"{body}</svg>"
    )


def _describe(description: str, *sentences: str) -> str:
    return " ".join(part for part in (_clean(description), *sentences) if part)


def _no_data(kind, title, description, id_prefix) -> SafeString:
    width = 640
    title_markup, top = _title_block(title, width)
    body = title_markup + _text(MARGIN, top + 20, "No data to show.", fill=MUTED)
    return _svg(kind, width, top + 40, id_prefix, title, _describe(description, "No data."), body)


# -- radar ---------------------------------------------------------------------------------


class _AxisLabel(NamedTuple):
    """A radar axis label laid out relative to the chart centre."""

    axis: str
    lines: list[str]
    value_text: str
    x: float
    top: float
    anchor: str
    height: float


def _polar(cx: float, cy: float, radius: float, angle: float) -> tuple[float, float]:
    """Angle in radians, clockwise from twelve o'clock."""
    return cx + radius * math.sin(angle), cy - radius * math.cos(angle)


def radar_chart(
    axes: Sequence[str],
    series: Sequence[Series],
    title: str,
    description: str = "",
    max_value: float = 5,
    min_value: float = 0,
    *,
    id_prefix: str | None = None,
    value_format="{:.1f}",
) -> SafeString:
    """A spider chart: one axis per dimension, one polygon per series (at most three).

    Rings mark each level between ``min_value`` (the centre) and ``max_value``. A missing
    value (``None``) is drawn at the centre, gets no marker, and is named in the description.
    The first series' value is printed under each axis label. With fewer than three axes a
    polygon means nothing, so the same data is drawn as horizontal bars instead.
    """
    axes = [_clean(a) for a in axes]
    series = list(series)
    if len(series) > MAX_RADAR_SERIES:
        raise ValueError(f"A radar chart shows at most {MAX_RADAR_SERIES} series")
    min_value, max_value = _check_range(min_value, max_value)
    values = _check_series(series, len(axes), "axes")
    desc = _describe(description, _series_summary(axes, series, values, value_format))
    if not axes or not series:
        return _no_data("radar", title, desc, id_prefix)
    if len(axes) < 3:
        return _grouped_bar_chart(
            axes, series, values, title, desc, min_value, max_value, id_prefix, value_format
        )

    width = 640
    title_markup, title_height = _title_block(title, width)
    count = len(axes)
    angles = [2 * math.pi * i / count for i in range(count)]
    label_width, label_gap = 128, 10
    # Labels at three and nine o'clock need their full width beside the outer ring.
    radius = width / 2 - MARGIN - label_gap - label_width

    # Lay out each label relative to the centre first; the centre's position follows from
    # how far the labels reach up and down.
    blocks = []
    for axis, angle, first_value in zip(axes, angles, values[0], strict=True):
        lines = _wrap(_truncate(axis, AXIS_LABEL_CHARS), label_width, FONT_SIZE, 3)
        value_text = _format(value_format, first_value)
        block_height = (len(lines) + 1) * _line_height(FONT_SIZE)
        x, y = _polar(0, 0, radius + label_gap, angle)
        horizontal = math.sin(angle)
        anchor = "middle" if abs(horizontal) < 0.3 else ("start" if horizontal > 0 else "end")
        # Above the centre the block sits over its point, below it hangs under it, at the
        # sides it is centred on it; the cosine blends smoothly between the three.
        top = y - block_height * (1 + math.cos(angle)) / 2
        blocks.append(_AxisLabel(axis, lines, value_text, x, top, anchor, block_height))
    reach_up = max([radius + 4] + [-b.top for b in blocks])
    reach_down = max([radius + 4] + [b.top + b.height for b in blocks])
    cx, cy = width / 2, title_height + reach_up + 4

    def point(value: float | None, angle: float) -> tuple[float, float]:
        fraction = 0.0 if value is None else (_clamp(value, min_value, max_value) - min_value)
        return _polar(cx, cy, radius * fraction / (max_value - min_value), angle)

    parts = [title_markup]
    rings = [t for t in _nice_ticks(min_value, max_value) if t > min_value]
    for tick in rings:
        ring_radius = radius * (tick - min_value) / (max_value - min_value)
        parts.append(
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(ring_radius)}" fill="none" '
            f'stroke="{GRID}" stroke-width="1" class="ring"/>'
        )
    for angle in angles:
        x, y = _polar(cx, cy, radius, angle)
        parts.append(
            f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" y2="{_n(y)}" stroke="{AXIS}" '
            f'stroke-width="1" class="axis"/>'
        )
    # Draw the first series last so the primary result sits on top.
    for index in reversed(range(len(series))):
        colour = _series_colour(series[index], index)
        points = [point(v, a) for v, a in zip(values[index], angles, strict=True)]
        fill = f'fill="{colour}" fill-opacity="0.12"' if index == 0 else 'fill="none"'
        parts.append(
            f'<polygon points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in points)}" {fill} '
            f'stroke="{colour}" stroke-width="{2.5 if index == 0 else 2}" '
            f'stroke-linejoin="round"{_dash_attrs(series[index].style)} '
            f'class="series series-{index + 1}"/>'
        )
        parts.extend(
            _marker(_series_marker(index), x, y, colour)
            for (x, y), v in zip(points, values[index], strict=True)
            if v is not None
        )
    # Ring labels go half-way between the first two axes, where no marker can sit.
    for tick in rings:
        ring_radius = radius * (tick - min_value) / (max_value - min_value)
        x, y = _polar(cx, cy, ring_radius, math.pi / count)
        label = _tick_label(tick)
        half = _text_width(label, SMALL_FONT_SIZE) / 2 + 2
        # A pale halo keeps the number readable where a series line crosses it.
        parts.append(
            f'<rect x="{_n(x - half)}" y="{_n(y - 7)}" width="{_n(2 * half)}" height="14" '
            f'rx="3" fill="#ffffff" fill-opacity="0.8"/>'
        )
        parts.append(_text(x, y + 4, label, size=SMALL_FONT_SIZE, anchor="middle", fill=MUTED))
    for b in blocks:
        label = _text_block(cx + b.x, cy + b.top, b.lines, anchor=b.anchor)
        value_top = cy + b.top + len(b.lines) * _line_height(FONT_SIZE)
        label += _text_block(cx + b.x, value_top, [b.value_text], anchor=b.anchor, bold=True)
        # The full name as a tooltip on screen, for labels that had to be shortened.
        parts.append(f'<g class="axis-label"><title>{_esc(b.axis)}</title>{label}</g>')

    legend, legend_height = _legend(
        _series_legend(series), MARGIN, cy + reach_down + 12, width - 2 * MARGIN
    )
    parts.append(legend)
    height = cy + reach_down + 12 + legend_height + MARGIN
    return _svg("radar", width, height, id_prefix, title, desc, "".join(parts))


def _series_summary(
    labels: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float | None]],
    value_format="{:.1f}",
) -> str:
    sentences = []
    for one, row in zip(series, values, strict=True):
        pairs = ", ".join(
            f"{label} {_format(value_format, v)}" for label, v in zip(labels, row, strict=True)
        )
        sentences.append(f"{_clean(one.name)}: {pairs}.")
        missing = [label for label, v in zip(labels, row, strict=True) if v is None]
        if missing:
            sentences.append(f"No value for {', '.join(missing)} in {_clean(one.name)}.")
    return " ".join(sentences)


# -- bars ----------------------------------------------------------------------------------


def _category_labels(categories: Sequence[str], max_width: float) -> list[list[str]]:
    return [_wrap(_truncate(c, AXIS_LABEL_CHARS), max_width, FONT_SIZE, 2) for c in categories]


def _horizontal_bars(
    categories: Sequence[str],
    rows: Sequence[Sequence[float | None]],
    colours: Sequence[Sequence[str]],
    styles: Sequence[str],
    value_format: str,
    low: float,
    high: float,
    width: float,
    top: float,
    ticks: Sequence[float] = (),
) -> tuple[str, float]:
    """Bars for each category, one per row (series). Returns (markup, height)."""
    labels = _category_labels(categories, 180)
    label_column = max([_text_width(line) for lines in labels for line in lines] + [30])
    value_column = max(_text_width(_format(value_format, v)) for row in rows for v in row) + 10
    plot_left = MARGIN + label_column + 10
    plot_width = max(width - MARGIN - value_column - plot_left, 40)
    bar_height = 22 if len(rows) == 1 else 16
    group_height = len(rows) * bar_height + (len(rows) - 1) * 3
    line_height = _line_height(FONT_SIZE)

    def x_of(value: float) -> float:
        return plot_left + plot_width * (_clamp(value, low, high) - low) / (high - low)

    pitches = [max(group_height, len(lines) * line_height) + 12 for lines in labels]
    bottom = top + sum(pitches)
    parts = [
        f'<line x1="{_n(x_of(tick))}" y1="{_n(top)}" x2="{_n(x_of(tick))}" y2="{_n(bottom)}" '
        f'stroke="{GRID}" stroke-width="1" class="grid"/>'
        for tick in ticks
    ]
    y = top
    for index, (lines, pitch) in enumerate(zip(labels, pitches, strict=True)):
        group_top = y + (pitch - group_height) / 2
        label_top = y + (pitch - len(lines) * line_height) / 2
        parts.append(_text_block(plot_left - 10, label_top, lines, anchor="end"))
        for row_index, row in enumerate(rows):
            value = row[index]
            bar_top = group_top + row_index * (bar_height + 3)
            end = x_of(value) if value is not None else plot_left
            colour = colours[row_index][index]
            style = styles[row_index]
            fill = f'fill="{colour}"' + (' fill-opacity="0.35"' if style != "solid" else "")
            parts.append(
                f'<rect x="{_n(plot_left)}" y="{_n(bar_top)}" width="{_n(end - plot_left)}" '
                f'height="{bar_height}" {fill} stroke="#333333" stroke-width="0.75"'
                f'{_dash_attrs(style)} class="bar"/>'
            )
            value_y = bar_top + bar_height / 2 + FONT_SIZE * 0.36
            parts.append(_text(end + 5, value_y, _format(value_format, value)))
        y += pitch
    parts.append(
        f'<line x1="{_n(plot_left)}" y1="{_n(top)}" x2="{_n(plot_left)}" y2="{_n(bottom)}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.extend(
        _text(
            x_of(t), bottom + 14, _tick_label(t), size=SMALL_FONT_SIZE, anchor="middle", fill=MUTED
        )
        for t in ticks
    )
    return "".join(parts), (bottom - top) + (20 if ticks else 0)


def _grouped_bar_chart(
    axes, series, values, title, desc, low, high, id_prefix, value_format="{:.1f}"
) -> SafeString:
    """The radar chart's stand-in for one or two dimensions."""
    width = 640
    title_markup, top = _title_block(title, width)
    colours = [[_series_colour(s, i)] * len(axes) for i, s in enumerate(series)]
    bars, bars_height = _horizontal_bars(
        axes,
        values,
        colours,
        [s.style for s in series],
        value_format,
        low,
        high,
        width,
        top,
        ticks=_nice_ticks(low, high),
    )
    legend, legend_height = _legend(
        [_LegendEntry(s.name, c[0], s.style) for s, c in zip(series, colours, strict=True)],
        MARGIN,
        top + bars_height + 10,
        width - 2 * MARGIN,
    )
    height = top + bars_height + 10 + legend_height + MARGIN
    return _svg("radar", width, height, id_prefix, title, desc, title_markup + bars + legend)


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float | None],
    title: str,
    description: str = "",
    value_format: str = "{:.0f}",
    colours: Sequence[str] | None = None,
    max_value: float | None = None,
    horizontal: bool = True,
    *,
    id_prefix: str | None = None,
) -> SafeString:
    """One bar per category with its value printed beside or above it.

    ``colours`` gives one hex colour per bar (e.g. ``LEVEL_COLOURS`` for a distribution of
    teams per level); by default every bar is the first series colour. Bars start at zero and
    ``max_value`` (default: the largest value) fills the plot.
    """
    categories = [_clean(c) for c in categories]
    row = [_value(v) for v in values]
    if len(row) != len(categories):
        raise ValueError(f"{len(row)} values for {len(categories)} categories")
    if colours is None:
        colours = [SERIES_COLOURS[0]] * len(categories)
    colours = [_check_colour(c) for c in colours]
    if len(colours) != len(categories):
        raise ValueError(f"{len(colours)} colours for {len(categories)} categories")
    summary = "; ".join(
        f"{c}: {_format(value_format, v)}" for c, v in zip(categories, row, strict=True)
    )
    desc = _describe(description, f"{summary}." if summary else "")
    if not categories:
        return _no_data("bar", title, desc, id_prefix)
    high = max_value if max_value is not None else max([v for v in row if v is not None] + [0])
    _low, high = _check_range(0, high if high > 0 else 1)

    width = 640
    title_markup, top = _title_block(title, width)
    if horizontal:
        bars, bars_height = _horizontal_bars(
            categories, [row], [colours], ["solid"], value_format, 0, high, width, top
        )
    else:
        bars, bars_height = _vertical_bars(categories, row, colours, value_format, high, width, top)
    height = top + bars_height + MARGIN
    return _svg("bar", width, height, id_prefix, title, desc, title_markup + bars)


def grouped_bar_chart(
    categories: Sequence[str],
    groups: Sequence[tuple[str, Sequence[float | None], str, str]],
    title: str,
    description: str = "",
    value_format: str = "{:.0f}",
    *,
    id_prefix: str | None = None,
) -> SafeString:
    """Bars side by side, one per group in each category, e.g. teams per level in the previous
    and the selected period. Never stacked: each bar's length and printed value are its own
    count, so two periods of a 9-team organisation never read as 18 teams.

    ``groups`` are ``(name, one value per category, hex colour, style)``; a "dashed" or
    "dotted" style draws a pale bar with a broken outline, so the groups differ without colour.
    The description lists every value and each group's total.
    """
    categories = [_clean(c) for c in categories]
    names, rows, colours, styles = [], [], [], []
    for name, values, colour, style in groups:
        if len(values) != len(categories):
            raise ValueError(f"Group {name!r} has {len(values)} values")
        if style not in DASHES:
            raise ValueError(f"Group style must be one of {sorted(DASHES)}, not {style!r}")
        names.append(_clean(name))
        rows.append([_value(v) for v in values])
        colours.append(_check_colour(colour))
        styles.append(style)
    per_category = " ".join(
        f"{category}: "
        + ", ".join(f"{n} {_format(value_format, r[i])}" for n, r in zip(names, rows, strict=True))
        + "."
        for i, category in enumerate(categories)
    )
    totals = "; ".join(
        f"{n} {value_format.format(sum(v for v in r if v is not None))}"
        for n, r in zip(names, rows, strict=True)
    )
    desc = _describe(description, per_category, f"Totals: {totals}." if totals else "")
    if not categories or not rows:
        return _no_data("grouped-bar", title, desc, id_prefix)
    high = max([v for r in rows for v in r if v is not None] + [0])
    high = high if high > 0 else 1

    width = 640
    title_markup, top = _title_block(title, width)
    bars, bars_height = _horizontal_bars(
        categories,
        rows,
        [[c] * len(categories) for c in colours],
        styles,
        value_format,
        0,
        high,
        width,
        top,
    )
    legend, legend_height = _legend(
        [_LegendEntry(n, c) for n, c in zip(names, colours, strict=True)],
        MARGIN,
        top + bars_height + 10,
        width - 2 * MARGIN,
    )
    height = top + bars_height + 10 + legend_height + MARGIN
    return _svg("grouped-bar", width, height, id_prefix, title, desc, title_markup + bars + legend)


def _vertical_bars(categories, row, colours, value_format, high, width, top) -> tuple[str, float]:
    plot_left, plot_right = MARGIN + 8, width - MARGIN
    plot_top, plot_height = top + 20, 200
    baseline = plot_top + plot_height
    slot = (plot_right - plot_left) / len(categories)
    bar_width = min(60, slot * 0.7)
    # Narrow slots get the smallest readable size rather than words cut in half.
    label_size = FONT_SIZE if slot >= 70 else SMALL_FONT_SIZE
    parts, label_lines = [], 1
    for index, (category, value, colour) in enumerate(zip(categories, row, colours, strict=True)):
        centre = plot_left + slot * (index + 0.5)
        length = 0 if value is None else plot_height * _clamp(value, 0, high) / high
        parts.append(
            f'<rect x="{_n(centre - bar_width / 2)}" y="{_n(baseline - length)}" '
            f'width="{_n(bar_width)}" height="{_n(length)}" fill="{colour}" stroke="#333333" '
            f'stroke-width="0.75" class="bar"/>'
        )
        parts.append(
            _text(centre, baseline - length - 6, _format(value_format, value), anchor="middle")
        )
        lines = _wrap(_truncate(category, AXIS_LABEL_CHARS), slot - 10, label_size, 3)
        label_lines = max(label_lines, len(lines))
        parts.append(_text_block(centre, baseline + 6, lines, size=label_size, anchor="middle"))
    parts.append(
        f'<line x1="{_n(plot_left)}" y1="{_n(baseline)}" x2="{_n(plot_right)}" '
        f'y2="{_n(baseline)}" stroke="{AXIS}" stroke-width="1"/>'
    )
    height = baseline - top + 6 + label_lines * _line_height(label_size)
    return "".join(parts), height


def stacked_bar(
    categories: Sequence[str],
    segments: Sequence[tuple[str, Sequence[float | None], str | None]],
    title: str,
    description: str = "",
    value_format: str = "{:.0f}",
    normalize: bool = False,
    *,
    id_prefix: str | None = None,
) -> SafeString:
    """Horizontal bars split into segments, e.g. teams per level in two periods.

    ``segments`` are ``(name, one value per category, hex colour or None)``, drawn left to
    right in the legend's order; a ``None`` colour takes ``LEVEL_COLOURS`` by position. Values
    are printed inside segments wide enough to hold them and totals at the end of each bar;
    with ``normalize`` each bar fills the width and segments are labelled in percent.
    """
    categories = [_clean(c) for c in categories]
    names, rows, colours = [], [], []
    for index, (name, seg_values, colour) in enumerate(segments):
        if len(seg_values) != len(categories):
            raise ValueError(f"Segment {name!r} has {len(seg_values)} values")
        names.append(_clean(name))
        rows.append([max(_value(v) or 0.0, 0.0) for v in seg_values])
        colours.append(_check_colour(colour or LEVEL_COLOURS[index % 5 + 1]))
    totals = [sum(column) for column in zip(*rows, strict=True)] if rows else []
    summary = " ".join(
        f"{category}: "
        + ", ".join(f"{n} {value_format.format(r[i])}" for n, r in zip(names, rows, strict=True))
        + f" (total {value_format.format(totals[i])})."
        for i, category in enumerate(categories)
    )
    desc = _describe(description, summary)
    if not categories or not rows:
        return _no_data("stacked-bar", title, desc, id_prefix)

    width = 640
    title_markup, top = _title_block(title, width)
    labels = _category_labels(categories, 180)
    label_column = max([_text_width(line) for lines in labels for line in lines] + [30])
    total_texts = [value_format.format(t) for t in totals]
    total_column = max(_text_width(t) for t in total_texts) + 12
    plot_left = MARGIN + label_column + 10
    plot_width = max(width - MARGIN - total_column - plot_left, 40)
    scale = max(totals) or 1
    line_height = _line_height(FONT_SIZE)
    bar_height = 26

    parts, y = [title_markup], top
    for index, lines in enumerate(labels):
        pitch = max(bar_height, len(lines) * line_height) + 12
        bar_top = y + (pitch - bar_height) / 2
        parts.append(
            _text_block(
                plot_left - 10, y + (pitch - len(lines) * line_height) / 2, lines, anchor="end"
            )
        )
        x = plot_left
        bar_scale = (totals[index] or 1) if normalize else scale
        for row, colour in zip(rows, colours, strict=True):
            value = row[index]
            segment_width = plot_width * value / bar_scale
            if segment_width <= 0:
                continue
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(bar_top)}" width="{_n(segment_width)}" '
                f'height="{bar_height}" fill="{colour}" class="segment"/>'
            )
            if x > plot_left:
                # A white seam keeps neighbouring segments apart, even in greyscale.
                parts.append(
                    f'<line x1="{_n(x)}" y1="{_n(bar_top)}" x2="{_n(x)}" '
                    f'y2="{_n(bar_top + bar_height)}" stroke="#ffffff" stroke-width="1.5"/>'
                )
            text = (
                f"{100 * value / (totals[index] or 1):.0f}%"
                if normalize
                else value_format.format(value)
            )
            if _text_width(text) + 6 <= segment_width:
                parts.append(
                    _text(
                        x + segment_width / 2,
                        bar_top + bar_height / 2 + FONT_SIZE * 0.36,
                        text,
                        anchor="middle",
                        fill=text_colour_for(colour),
                    )
                )
            x += segment_width
        parts.append(
            f'<rect x="{_n(plot_left)}" y="{_n(bar_top)}" width="{_n(x - plot_left)}" '
            f'height="{bar_height}" fill="none" stroke="#333333" stroke-width="0.75"/>'
        )
        parts.append(
            _text(x + 6, bar_top + bar_height / 2 + FONT_SIZE * 0.36, total_texts[index], bold=True)
        )
        y += pitch
    parts.append(
        f'<line x1="{_n(plot_left)}" y1="{_n(top)}" x2="{_n(plot_left)}" y2="{_n(y)}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    legend, legend_height = _legend(
        [_LegendEntry(n, c) for n, c in zip(names, colours, strict=True)],
        MARGIN,
        y + 8,
        width - 2 * MARGIN,
    )
    parts.append(legend)
    height = y + 8 + legend_height + MARGIN
    return _svg("stacked-bar", width, height, id_prefix, title, desc, "".join(parts))


# -- lines ---------------------------------------------------------------------------------


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    description: str = "",
    y_min: float = 1,
    y_max: float = 5,
    y_label: str = "",
    band_labels: Mapping[int, str] | None = None,
    *,
    id_prefix: str | None = None,
) -> SafeString:
    """A trend over periods, one line per series.

    A ``None`` value breaks the line: the gap shows where a questionnaire version changed or
    a period has no result, instead of drawing a slope nobody measured. Points without a
    neighbour still get their marker. ``band_labels`` (e.g. the maturity level names)
    shades each level's band (level n: scores from n up to n + 1) and names it in the right margin.
    """
    x_labels = [_clean(label) for label in x_labels]
    series = list(series)
    y_min, y_max = _check_range(y_min, y_max)
    values = _check_series(series, len(x_labels), "periods")
    desc = _describe(description, _series_summary(x_labels, series, values))
    if not x_labels or not series:
        return _no_data("line", title, desc, id_prefix)

    width = 720
    title_markup, top = _title_block(title, width)
    bands = dict(band_labels or {})
    band_texts = {
        level: _wrap(f"{level} {_clean(name)}", 130, SMALL_FONT_SIZE, 2)
        for level, name in bands.items()
        if y_min <= level <= y_max
    }
    band_column = max(
        [_text_width(line, SMALL_FONT_SIZE) for t in band_texts.values() for line in t] + [0]
    )
    ticks = _nice_ticks(y_min, y_max)
    tick_column = max(_text_width(_tick_label(t), SMALL_FONT_SIZE) for t in ticks)
    plot_left = MARGIN + (22 if y_label else 0) + tick_column + 8
    plot_right = width - MARGIN - (band_column + 10 if band_column else 0)
    plot_top, plot_height = top + 8, 240
    plot_bottom = plot_top + plot_height
    plot_width = plot_right - plot_left
    step = plot_width / len(x_labels)

    def y_of(value: float) -> float:
        return plot_bottom - plot_height * (_clamp(value, y_min, y_max) - y_min) / (y_max - y_min)

    def x_of(index: int) -> float:
        return plot_left + step * (index + 0.5)

    parts = [title_markup]
    for level, lines in band_texts.items():
        # Level n holds the scores from n up to (not including) n + 1, as scoring.py bands
        # them; level 5 is the top edge alone, so its band is drawn just below it.
        lower = level if level < y_max else y_max - 0.25
        band_top = y_of(min(level + 1, y_max))
        band_bottom = y_of(max(lower, y_min))
        colour = LEVEL_COLOURS.get(level, GRID)
        parts.append(
            f'<rect x="{_n(plot_left)}" y="{_n(band_top)}" width="{_n(plot_width)}" '
            f'height="{_n(band_bottom - band_top)}" fill="{colour}" fill-opacity="0.22" '
            f'class="band"/>'
        )
        block_top = (band_top + band_bottom) / 2 - len(lines) * _line_height(SMALL_FONT_SIZE) / 2
        parts.append(
            _text_block(plot_right + 8, block_top, lines, size=SMALL_FONT_SIZE, fill=MUTED)
        )
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{_n(plot_left)}" y1="{_n(y)}" x2="{_n(plot_right)}" y2="{_n(y)}" '
            f'stroke="{GRID}" stroke-width="1" class="grid"/>'
        )
        parts.append(
            _text(
                plot_left - 6,
                y + 4,
                _tick_label(tick),
                size=SMALL_FONT_SIZE,
                anchor="end",
                fill=MUTED,
            )
        )
    parts.append(
        f'<line x1="{_n(plot_left)}" y1="{_n(plot_bottom)}" x2="{_n(plot_right)}" '
        f'y2="{_n(plot_bottom)}" stroke="{AXIS}" stroke-width="1"/>'
    )
    if y_label:
        middle = (plot_top + plot_bottom) / 2
        label = _truncate(y_label, 40)
        parts.append(
            f'<text x="0" y="0" font-size="{FONT_SIZE}" fill="{INK}" text-anchor="middle" '
            f'transform="translate({_n(MARGIN + 10)} {_n(middle)}) rotate(-90)">'
            f"{_esc(label)}</text>"
        )

    # Thin out period labels that would collide: show every n-th, always the first.
    # Up to ~110 units a label stays on one line; longer ones wrap within that width.
    longest = max(_text_width(_truncate(label, AXIS_LABEL_CHARS)) for label in x_labels)
    every = max(1, math.ceil((min(longest, 110) + 8) / step))
    label_width = step * every - 6
    label_lines = 1
    for index, label in enumerate(x_labels):
        x = x_of(index)
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(plot_bottom)}" x2="{_n(x)}" y2="{_n(plot_bottom + 4)}" '
            f'stroke="{AXIS}" stroke-width="1"/>'
        )
        if index % every:
            continue
        lines = _wrap(_truncate(label, AXIS_LABEL_CHARS), label_width, FONT_SIZE, 2)
        label_lines = max(label_lines, len(lines))
        parts.append(_text_block(x, plot_bottom + 6, lines, anchor="middle"))

    for index in reversed(range(len(series))):
        colour = _series_colour(series[index], index)
        row = values[index]
        for run in _runs(row):
            if len(run) < 2:
                continue
            d = "".join(
                f"{'M' if i == 0 else 'L'}{_n(x_of(j))} {_n(y_of(row[j]))}"
                for i, j in enumerate(run)
            )
            parts.append(
                f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5" '
                f'stroke-linejoin="round"{_dash_attrs(series[index].style)} '
                f'class="series-line series-{index + 1}"/>'
            )
        parts.extend(
            _marker(_series_marker(index), x_of(j), y_of(v), colour)
            for j, v in enumerate(row)
            if v is not None
        )

    legend_top = plot_bottom + 6 + label_lines * _line_height(FONT_SIZE) + 10
    legend, legend_height = _legend(_series_legend(series), plot_left, legend_top, plot_width)
    parts.append(legend)
    height = legend_top + legend_height + MARGIN
    return _svg("line", width, height, id_prefix, title, desc, "".join(parts))


def _runs(row: Sequence[float | None]) -> list[list[int]]:
    """Indexes of consecutive non-missing values: each run is drawn as its own path."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, value in enumerate(row):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    if current:
        runs.append(current)
    return runs
