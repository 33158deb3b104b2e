"""A value stream map drawn as SVG, the same markup on the team's page and in the roadmap PDF.

Pure like ``vsm_site.charts`` and on its conventions (its text helpers, ``_esc`` on every
string, ``role="img"`` with a title and a description, DejaVu Sans, nothing WeasyPrint cannot
draw). The drawing follows the classic value stream map:

- a box per stage, in order, with its name, process time, the %C&A of the work it receives
  and people;
- before each box a wait triangle with the wait time: the one before the first stage is the
  intake queue (grey, labelled "intake"), the longest wait between stages (the largest delay)
  is filled vermilion and labelled; the box of the stage the team marked as the constraint
  is tinted orange, with a thick vermilion border (unless the dashed one below) and a
  "constraint" label; the stage with the lowest %C&A has a dashed, thick border;
- push arrows between the boxes; a diamond with "H" on the arrow into a stage marks a handoff
  from another team;
- letter tags under a box for its pain points (squares: D delay, R rework, Q quality, M manual
  work) and planned changes (circles: W remove waste, H reduce handoffs, A automate, P pull),
  spelled out with their notes in a list under the drawing;
- a timeline ladder under each row of boxes: waits on the upper step, process times on the
  lower one; the totals (lead time, process time, flow efficiency, rolled %C&A, handoffs)
  close the ladder, each with its formula;
- times in working hours, said in the legend (``rules.TIME_UNIT_NOTE``).

Up to five stages share a row; longer streams wrap onto balanced rows (six stages: two rows of
three), each with its own ladder.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from assessments.valuestream.rules import (
    CHANGE_KINDS,
    PAIN_POINT_KINDS,
    WORKING_HOURS_PER_DAY,
    MapFigures,
    Stage,
)
from vsm_site.charts import (
    FONT_SIZE,
    INK,
    MARGIN,
    MUTED,
    SMALL_FONT_SIZE,
    _clean,
    _describe,
    _esc,
    _line_height,
    _n,
    _no_data,
    _svg,
    _text,
    _text_block,
    _text_width,
    _title_block,
    _truncate,
    _wrap,
    text_colour_for,
)

WIDTH = 800
PER_ROW = 5  # at most; rows are balanced (six stages: two rows of three)
MIN_CELLS = 3  # one or two stages keep the cell width of three per row
WAIT_ZONE = 48  # left part of a cell: triangle, arrow, wait time
GAP = 6  # between a box and the next cell
BAND = 32  # above the boxes: "largest delay", "constraint"; below, the number, "lowest %C&A"
TAG = 16

BOX_FILL = "#eaf2f8"
BOX_STROKE = "#0072b2"
WAIT_FILL = "#f0e442"
INTAKE_FILL = "#d9d9d9"
DELAY_FILL = "#d55e00"
CONSTRAINT_FILL = "#fbd9c2"
CONSTRAINT_STROKE = "#d55e00"
WORST_STROKE = "#cc79a7"
HANDOFF_FILL = "#e69f00"
LADDER = "#333333"
PAIN_COLOURS = {
    "delay": ("D", "#e69f00"),
    "rework": ("R", "#cc79a7"),
    "quality": ("Q", "#d55e00"),
    "manual_work": ("M", "#56b4e9"),
}
CHANGE_COLOURS = {
    "remove_waste": ("W", "#009e73"),
    "reduce_handoffs": ("H", "#0072b2"),
    "automate": ("A", "#56b4e9"),
    "pull": ("P", "#f0e442"),
}
MAX_LIST_LINES = 16


def hours(value: float | None) -> str:
    """Hours as people write them: "48 h", "0.25 h", "1,234.5 h"."""
    if value is None:
        return "n/a"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} h"


def percent(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


def draw_value_stream(
    stages: Sequence[Stage], figures: MapFigures, title: str, id_prefix: str | None = None
) -> SafeString:
    """The map of ``stages`` (figures from ``valuestream.compute_figures`` of the same
    stages) as inline SVG markup."""
    stages = list(stages)
    desc = _description(stages, figures)
    if not stages:
        return _no_data("vsm", title, desc, id_prefix)

    title_markup, top = _title_block(title, WIDTH)
    parts = [title_markup]
    row_count = math.ceil(len(stages) / PER_ROW)
    per_row = math.ceil(len(stages) / row_count)
    geo = _Geometry((WIDTH - 2 * MARGIN) / max(per_row, MIN_CELLS))
    names = [_wrap(_truncate(s.name, 60), geo.box - 8, FONT_SIZE, 2, bold=True) for s in stages]
    name_height = max(len(lines) for lines in names) * _line_height(FONT_SIZE)
    detail_lines = 2 + any(s.people is not None for s in stages)
    box_height = 8 + name_height + 4 + detail_lines * _line_height(SMALL_FONT_SIZE) + 6
    tag_rows = any(s.pain_points for s in stages) + any(s.planned_changes for s in stages)
    delay_index = _index_of(stages, figures.largest_delay)
    constraint_index = _index_of(stages, figures.constraint)
    worst_index = _index_of(stages, figures.worst_quality_stage)

    y = top
    rows = [stages[i : i + per_row] for i in range(0, len(stages), per_row)]
    for row_number, row in enumerate(rows):
        first = row_number * per_row
        box_top = y + BAND
        tags_top = box_top + box_height + 5
        ladder_up = tags_top + tag_rows * (TAG + 4) + 22
        ladder_down = ladder_up + 26
        for offset, stage in enumerate(row):
            index = first + offset
            x0 = MARGIN + offset * geo.cell
            parts.append(
                _cell(
                    geo,
                    stage,
                    index,
                    x0,
                    box_top,
                    box_height,
                    names[index],
                    is_first_in_row=offset == 0,
                    is_delay=index == delay_index,
                    is_constraint=index == constraint_index,
                    is_worst=index == worst_index,
                )
            )
            changes_top = tags_top + (TAG + 4 if tag_rows == 2 else 0)
            parts.append(_tags(stage, x0 + WAIT_ZONE, tags_top, changes_top))
        if row_number < len(rows) - 1:
            # The stream goes on in the next row.
            x = MARGIN + len(row) * geo.cell - GAP
            mid = box_top + box_height / 2
            parts.append(_arrow(x, WIDTH - MARGIN + 2, mid, head=False))
        parts.append(_ladder(geo, row, first, ladder_up, ladder_down, delay_index))
        y = ladder_down + 24

    totals, totals_height = _totals(figures, y + 4)
    parts.append(totals)
    y += 4 + totals_height + 12
    listing, listing_height = _mark_list(stages, y)
    parts.append(listing)
    y += listing_height
    legend, legend_height = _legend(stages, figures, y + 4)
    parts.append(legend)
    height = y + 4 + legend_height + MARGIN
    return _svg("vsm", WIDTH, height, id_prefix, title, desc, "".join(parts))


@dataclass(frozen=True)
class _Geometry:
    cell: float  # width of one stage: its wait zone, its box and a gap

    @property
    def box(self) -> float:
        return self.cell - WAIT_ZONE - GAP


def _index_of(stages: Sequence[Stage], name: str | None) -> int | None:
    if name is None:
        return None
    return next((i for i, s in enumerate(stages) if s.name == name), None)


# -- pieces --------------------------------------------------------------------------------


def _triangle(cx: float, top: float, size: float, fill: str, cls: str) -> str:
    half = size / 2
    d = (
        f"M{_n(cx)} {_n(top)}L{_n(cx + half)} {_n(top + size * 0.87)}"
        f"L{_n(cx - half)} {_n(top + size * 0.87)}Z"
    )
    return f'<path d="{d}" fill="{fill}" stroke="#333333" stroke-width="1" class="{cls}"/>'


def _diamond(cx: float, cy: float, half: float, cls: str = "handoff") -> str:
    d = (
        f"M{_n(cx)} {_n(cy - half)}L{_n(cx + half)} {_n(cy)}L{_n(cx)} {_n(cy + half)}"
        f"L{_n(cx - half)} {_n(cy)}Z"
    )
    return (
        f'<g class="{cls}"><path d="{d}" fill="{HANDOFF_FILL}" stroke="#333333" '
        f'stroke-width="1"/>'
        + _text(cx, cy + 4, "H", size=SMALL_FONT_SIZE, anchor="middle", bold=True)
        + "</g>"
    )


def _arrow(x1: float, x2: float, y: float, head: bool = True) -> str:
    line = (
        f'<line x1="{_n(x1)}" y1="{_n(y)}" x2="{_n(x2 - (6 if head else 0))}" y2="{_n(y)}" '
        f'stroke="{MUTED}" stroke-width="1.5"/>'
    )
    if not head:
        return line
    d = f"M{_n(x2)} {_n(y)}L{_n(x2 - 7)} {_n(y - 4)}L{_n(x2 - 7)} {_n(y + 4)}Z"
    return line + f'<path d="{d}" fill="{MUTED}"/>'


def _cell(
    geo: _Geometry,
    stage: Stage,
    index: int,
    x0: float,
    box_top: float,
    box_height: float,
    name_lines: list[str],
    *,
    is_first_in_row: bool,
    is_delay: bool,
    is_constraint: bool,
    is_worst: bool,
) -> str:
    parts = []
    box_left = x0 + WAIT_ZONE
    wait_mid = x0 + WAIT_ZONE / 2 - 3
    arrow_y = box_top + box_height / 2 + 6
    arrow_from = x0 - GAP if not is_first_in_row else x0
    parts.append(_arrow(arrow_from, box_left, arrow_y))
    is_intake = index == 0
    if stage.wait_time_hours > 0:  # no queue, no inventory triangle
        if is_intake:
            fill, cls = INTAKE_FILL, "wait intake"
        elif is_delay:
            fill, cls = DELAY_FILL, "wait largest-delay"
        else:
            fill, cls = WAIT_FILL, "wait"
        parts.append(_triangle(wait_mid, box_top + 4, 28, fill, cls))
        letter_fill = "#ffffff" if is_delay else INK
        parts.append(
            _text(wait_mid, box_top + 22, "!" if is_delay else "I", size=SMALL_FONT_SIZE,
                  anchor="middle", bold=True, fill=letter_fill)
        )  # fmt: skip
    parts.append(
        _text(
            wait_mid,
            arrow_y + 24,
            hours(stage.wait_time_hours),
            size=SMALL_FONT_SIZE,
            anchor="middle",
            bold=is_delay,
        )
    )
    if stage.handoff:
        parts.append(_diamond(wait_mid, arrow_y, 9))
    wait_label = "largest delay" if is_delay else "intake" if is_intake else None
    if wait_label and stage.wait_time_hours > 0:
        parts.append(
            _text(max(wait_mid, 4 + _text_width(wait_label, SMALL_FONT_SIZE, True) / 2),
                  box_top - 19, wait_label, size=SMALL_FONT_SIZE, anchor="middle", bold=is_delay,
                  fill="#a63f00" if is_delay else MUTED)
        )  # fmt: skip

    # The stage's number, as the list of pain points under the drawing refers to it.
    parts.append(
        _text(box_left + 1, box_top - 5, str(index + 1), size=SMALL_FONT_SIZE, fill=MUTED)
    )  # fmt: skip
    stroke = WORST_STROKE if is_worst else BOX_STROKE
    dash = ' stroke-dasharray="6 3"' if is_worst else ""
    width = 3 if is_worst else 1.5
    box_class = "stage worst-quality" if is_worst else "stage"
    fill = BOX_FILL
    if is_constraint:
        fill = CONSTRAINT_FILL
        box_class += " constraint"
        if not is_worst:
            stroke, width = CONSTRAINT_STROKE, 3
    parts.append(
        f'<rect x="{_n(box_left)}" y="{_n(box_top)}" width="{_n(geo.box)}" '
        f'height="{_n(box_height)}" rx="4" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{width}"{dash} class="{box_class}"/>'
    )
    centre = box_left + geo.box / 2
    if is_constraint:
        parts.append(
            _text(centre, box_top - 19, "constraint", size=SMALL_FONT_SIZE, anchor="middle",
                  bold=True, fill="#a63f00")
        )  # fmt: skip
    parts.append(_text_block(centre, box_top + 6, name_lines, anchor="middle", bold=True))
    details = [
        f"Process {hours(stage.process_time_hours)}",
        f"%C&A {percent(stage.percent_complete_accurate)}",
    ]
    if stage.people is not None:
        details.append(f"People {stage.people}")
    name_height = len(name_lines) * _line_height(FONT_SIZE)
    parts.append(
        _text_block(centre, box_top + 10 + name_height, details, size=SMALL_FONT_SIZE,
                    anchor="middle")
    )  # fmt: skip
    if is_worst:
        parts.append(
            _text(box_left + geo.box - 1, box_top - 5, "lowest %C&A", size=SMALL_FONT_SIZE,
                  anchor="end", fill="#8a3b6d")
        )  # fmt: skip
    tooltip = [f"{index + 1}. {_clean(stage.name)}", f"guide stage: {_category(stage)}"]
    if stage.activities:
        tooltip.append("Activities: " + ", ".join(stage.activities))
    return f'<g class="stage-cell"><title>{_esc(" — ".join(tooltip))}</title>{"".join(parts)}</g>'


def _tag(
    x: float, y: float, letter: str, colour: str, round_: bool, note: str, legend: bool = False
) -> str:
    radius = TAG / 2 if round_ else 3
    shape = (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{TAG}" height="{TAG}" rx="{_n(radius)}" '
        f'fill="{colour}" stroke="#333333" stroke-width="0.75"/>'
    )
    label = _text(x + TAG / 2, y + 12, letter, size=SMALL_FONT_SIZE, anchor="middle", bold=True,
                  fill=text_colour_for(colour))  # fmt: skip
    cls = ("legend-" if legend else "") + ("change" if round_ else "pain-point")
    return f'<g class="{cls}"><title>{_esc(note)}</title>{shape}{label}</g>'


def _tags(stage: Stage, box_left: float, top: float, changes_top: float) -> str:
    parts = []
    x = box_left
    for kind in PAIN_POINT_KINDS:
        points = [p for p in stage.pain_points if p.kind == kind]
        if points:
            letter, colour = PAIN_COLOURS[kind]
            notes = "; ".join(p.note for p in points if p.note)
            note = PAIN_POINT_KINDS[kind] + (f": {notes}" if notes else "")
            parts.append(_tag(x, top, letter, colour, False, note))
            x += TAG + 4
    x = box_left
    for kind in CHANGE_KINDS:
        changes = [c for c in stage.planned_changes if c.kind == kind]
        if changes:
            letter, colour = CHANGE_COLOURS[kind]
            notes = "; ".join(c.note for c in changes if c.note)
            note = CHANGE_KINDS[kind] + (f": {notes}" if notes else "")
            parts.append(_tag(x, changes_top, letter, colour, True, note))
            x += TAG + 4
    return "".join(parts)


def _category(stage: Stage) -> str:
    return stage.category or "none"


def _ladder(geo, row, first, up, down, delay_index) -> str:
    """Waits on the upper step (from the previous box to this one), process times on the
    lower step (under the box)."""
    parts = []
    points = []
    for offset, stage in enumerate(row):
        x0 = MARGIN + offset * geo.cell
        wait_from = x0 - GAP if offset else x0
        box_left = x0 + WAIT_ZONE
        box_right = box_left + geo.box
        points += [(wait_from, up), (box_left, up), (box_left, down), (box_right, down)]
        index = first + offset
        parts.append(
            _text((wait_from + box_left) / 2, up - 5, hours(stage.wait_time_hours),
                  size=SMALL_FONT_SIZE, anchor="middle", bold=index == delay_index)
        )  # fmt: skip
        parts.append(
            _text((box_left + box_right) / 2, down + 15, hours(stage.process_time_hours),
                  size=SMALL_FONT_SIZE, anchor="middle")
        )  # fmt: skip
    path = "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in points)
    return (
        f'<g class="ladder"><path d="{path}" fill="none" stroke="{LADDER}" stroke-width="1.5"/>'
        + "".join(parts)
        + "</g>"
    )


def _totals(figures: MapFigures, top: float) -> tuple[str, float]:
    lead = figures.lead_time_hours
    # Working hours: a working day is WORKING_HOURS_PER_DAY of them, not 24.
    days = (
        f" ≈ {lead / WORKING_HOURS_PER_DAY:,.1f} working days".replace(".0 working", " working")
        if lead >= 2 * WORKING_HOURS_PER_DAY
        else ""
    )
    cells = [
        (
            "Lead time",
            hours(lead),
            f"= {hours(figures.process_time_hours)} process + "
            f"{hours(figures.wait_time_hours)} wait{days}",
        ),
        (
            "Flow efficiency",
            percent(figures.flow_efficiency),
            f"= {hours(figures.process_time_hours)} ÷ {hours(lead)}"
            if figures.flow_efficiency is not None
            else "no lead time",
        ),
        (
            "Rolled %C&A",
            percent(figures.rolled_percent_complete_accurate),
            "= product of the stages' %C&A",
        ),
        ("Handoffs", str(figures.handoffs), "stages receiving work from another team"),
    ]
    width = (WIDTH - 2 * MARGIN) / len(cells)
    parts = []
    height = 0.0
    for i, (label, value, formula) in enumerate(cells):
        x = MARGIN + i * width
        formula_lines = _wrap(formula, width - 14, SMALL_FONT_SIZE, 3)
        cell_height = 8 + 15 + 22 + len(formula_lines) * _line_height(SMALL_FONT_SIZE) + 4
        height = max(height, cell_height)
        parts.append(_text(x + 8, top + 20, label, size=SMALL_FONT_SIZE, fill=MUTED))
        parts.append(_text(x + 8, top + 40, value, size=15, bold=True))
        parts.append(_text_block(x + 8, top + 46, formula_lines, size=SMALL_FONT_SIZE, fill=MUTED))
    frames = "".join(
        f'<rect x="{_n(MARGIN + i * width + 2)}" y="{_n(top)}" width="{_n(width - 4)}" '
        f'height="{_n(height)}" rx="4" fill="#f7f7f7" stroke="#c4c4c4" stroke-width="1"/>'
        for i in range(len(cells))
    )
    return f'<g class="totals">{frames}{"".join(parts)}</g>', height


def _mark_list(stages: Sequence[Stage], top: float) -> tuple[str, float]:
    """Pain points and planned changes, spelled out per stage."""
    entries = []
    for number, stage in enumerate(stages, start=1):
        for heading, marks in (
            ("Pain points", stage.pain_points),
            ("Planned changes", stage.planned_changes),
        ):
            if marks:
                items = "; ".join(m.label + (f" ({m.note})" if m.note else "") for m in marks)
                entries.append(f"{number}. {_clean(stage.name)} — {heading.lower()}: {items}")
    if not entries:
        return "", 0.0
    lines = []
    for entry in entries:
        lines.extend(_wrap(entry, WIDTH - 2 * MARGIN - 10, SMALL_FONT_SIZE, 3))
    if len(lines) > MAX_LIST_LINES:
        hidden = len(lines) - (MAX_LIST_LINES - 1)
        lines = lines[: MAX_LIST_LINES - 1] + [f"… {hidden} more lines on the team's page."]
    heading = _text(MARGIN, top + 12, "Pain points and planned changes", bold=True)
    body = _text_block(MARGIN, top + 18, lines, size=SMALL_FONT_SIZE)
    height = 18 + len(lines) * _line_height(SMALL_FONT_SIZE) + 8
    return f'<g class="mark-list">{heading}{body}</g>', height


def _legend(stages: Sequence[Stage], figures: MapFigures, top: float) -> tuple[str, float]:
    items = [
        ("note", None, "Times in working hours (8 h a working day)"),
        ("triangle", WAIT_FILL, "Wait before a stage"),
        ("box", BOX_FILL, "Stage: process time, %C&A of the work it receives"),
        ("ladder", None, "Timeline: waits up, process down"),
    ]
    if figures.intake_wait_hours:
        items.insert(2, ("triangle", INTAKE_FILL, "Intake wait (before the first stage)"))
    if figures.largest_delay is not None:
        items.insert(2, ("triangle", DELAY_FILL, "Largest delay between stages"))
    if figures.constraint is not None:
        items.append(("constraint", None, "Constraint (marked by the team)"))
    if figures.worst_quality_stage is not None:
        items.append(("worst", None, "Lowest %C&A"))
    if any(s.handoff for s in stages):
        items.append(("handoff", None, "Handoff from another team"))
    for kind, label in PAIN_POINT_KINDS.items():
        if any(p.kind == kind for s in stages for p in s.pain_points):
            items.append(("pain", kind, label))
    for kind, label in CHANGE_KINDS.items():
        if any(c.kind == kind for s in stages for c in s.planned_changes):
            items.append(("change", kind, label))

    parts = []
    row_height = 22
    x, row = MARGIN, 0
    for shape, colour, label in items:
        note = shape == "note"  # text only, no symbol
        item_width = (0 if note else 24) + _text_width(label, SMALL_FONT_SIZE, note) + 18
        if x > MARGIN and x + item_width - 18 > WIDTH - MARGIN:
            x, row = MARGIN, row + 1
        mid = top + row * row_height + row_height / 2
        if note:
            parts.append(_text(x, mid + 4, label, size=SMALL_FONT_SIZE, bold=True))
            x += item_width
            continue
        if shape == "triangle":
            parts.append(_triangle(x + 9, mid - 8, 18, colour, "legend-wait"))
        elif shape == "box":
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(mid - 7)}" width="18" height="14" rx="2" '
                f'fill="{colour}" stroke="{BOX_STROKE}" stroke-width="1.5"/>'
            )
        elif shape == "worst":
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(mid - 7)}" width="18" height="14" rx="2" '
                f'fill="{BOX_FILL}" stroke="{WORST_STROKE}" stroke-width="3" '
                f'stroke-dasharray="6 3"/>'
            )
        elif shape == "constraint":
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(mid - 7)}" width="18" height="14" rx="2" '
                f'fill="{CONSTRAINT_FILL}" stroke="{CONSTRAINT_STROKE}" stroke-width="3"/>'
            )
        elif shape == "ladder":
            parts.append(
                f'<path d="M{_n(x)} {_n(mid - 5)}L{_n(x + 8)} {_n(mid - 5)}L{_n(x + 8)} '
                f'{_n(mid + 5)}L{_n(x + 18)} {_n(mid + 5)}" fill="none" stroke="{LADDER}" '
                f'stroke-width="1.5"/>'
            )
        elif shape == "handoff":
            parts.append(_diamond(x + 9, mid, 9, cls="legend-handoff"))
        elif shape == "pain":
            letter, tag_colour = PAIN_COLOURS[colour]
            parts.append(_tag(x + 1, mid - TAG / 2, letter, tag_colour, False, label, legend=True))
        elif shape == "change":
            letter, tag_colour = CHANGE_COLOURS[colour]
            parts.append(_tag(x + 1, mid - TAG / 2, letter, tag_colour, True, label, legend=True))
        parts.append(_text(x + 24, mid + 4, label, size=SMALL_FONT_SIZE))
        x += item_width
    return f'<g class="legend">{"".join(parts)}</g>', (row + 1) * row_height


def _description(stages: Sequence[Stage], figures: MapFigures) -> str:
    sentences = []
    for number, stage in enumerate(stages, start=1):
        text = (
            f"{number}. {_clean(stage.name)}: waits {hours(stage.wait_time_hours)}, then "
            f"{hours(stage.process_time_hours)} of work, "
            f"{percent(stage.percent_complete_accurate)} of the work it receives complete and "
            f"accurate, guide stage {_category(stage)}"
        )
        if stage.constraint:
            text += ", marked as the constraint"
        if stage.handoff:
            text += ", receives a handoff from another team"
        if stage.pain_points:
            text += ", pain points: " + ", ".join(p.label.lower() for p in stage.pain_points)
        if stage.planned_changes:
            text += ", planned: " + ", ".join(c.label.lower() for c in stage.planned_changes)
        sentences.append(text + ".")
    sentences.append(
        f"Times in working hours. Lead time {hours(figures.lead_time_hours)}, process time "
        f"{hours(figures.process_time_hours)}, flow efficiency "
        f"{percent(figures.flow_efficiency)}, rolled complete and accurate "
        f"{percent(figures.rolled_percent_complete_accurate)}, {figures.handoffs} "
        f"handoff{'s' if figures.handoffs != 1 else ''}."
    )
    if figures.intake_wait_hours:
        sentences.append(
            f"Intake wait: {hours(figures.intake_wait_hours)} before "
            f"{_clean(figures.intake_stage)}."
        )
    if figures.largest_delay:
        sentences.append(
            f"Largest delay between stages: {hours(figures.largest_delay_wait_hours)} before "
            f"{_clean(figures.largest_delay)}."
        )
    if figures.constraint:
        sentences.append(f"Constraint, marked by the team: {_clean(figures.constraint)}.")
    if figures.worst_quality_stage:
        sentences.append(f"Lowest complete and accurate: {_clean(figures.worst_quality_stage)}.")
    return _describe(f"Value stream map with {len(stages)} stages.", *sentences)
