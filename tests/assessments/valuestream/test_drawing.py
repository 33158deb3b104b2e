"""The value stream map drawing: well-formed SVG, escaped text, one box per stage, markers."""

import io
import xml.etree.ElementTree as ET
from dataclasses import replace

from django.utils.safestring import SafeString
from pypdf import PdfReader

from assessments.valuestream.drawing import draw_value_stream, hours, percent
from assessments.valuestream.rules import (
    PainPoint,
    PlannedChange,
    Stage,
    compute_figures,
    draft_future_state,
)
from reports.pdf import render as pdf

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script> & "Co"'

STAGES = [
    Stage("Ideation", 8, 40, 70, pain_points=(PainPoint("delay", "Monthly planning"),)),
    Stage("Development", 24, 16, 90, handoff=True, people=4),
    Stage(
        "Testing", 6, 72, 75, handoff=True,
        pain_points=(PainPoint("manual_work", "Manual regression"), PainPoint("quality")),
    ),
    Stage("Deployment", 2, 32, 100),
]  # fmt: skip


def draw(stages=STAGES, title="Team A: current state", **kwargs):
    return draw_value_stream(stages, compute_figures(stages), title, **kwargs)


def parse(markup):
    return ET.fromstring(str(markup))


def elements(root, tag, cls=None):
    found = root.iter(f"{SVG}{tag}")
    return [e for e in found if cls is None or cls in e.get("class", "").split()]


def texts(root):
    return [e.text or "" for e in elements(root, "text")]


def test_draw_value_stream_is_well_formed_accessible_svg():
    markup = draw(id_prefix="vsm-a")
    assert isinstance(markup, SafeString)
    root = parse(markup)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "vsm-a-title vsm-a-desc"
    assert root.find(f"{SVG}title").text == "Team A: current state"
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith("Value stream map with 4 stages. 1. Ideation: waits 40 h, then 8 h")
    assert "Lead time 200 h, process time 40 h, flow efficiency 20%" in desc
    assert "Intake wait: 40 h before Ideation." in desc
    assert "Largest delay between stages: 72 h before Testing." in desc
    assert "Constraint" not in desc
    assert "Times in working hours." in desc
    assert "of the work it receives complete and accurate, guide stage development" in desc
    assert "DejaVu Sans" in root.get("font-family")


def test_draw_value_stream_one_box_per_stage_in_order():
    root = parse(draw())
    boxes = elements(root, "rect", "stage")
    assert len(boxes) == 4
    xs = [float(b.get("x")) for b in boxes]
    assert xs == sorted(xs)
    all_text = texts(root)
    for name in ("Ideation", "Development", "Testing", "Deployment"):
        assert name in all_text
    assert "Process 24 h" in all_text
    assert "%C&A 75%" in all_text
    assert "People 4" in all_text


def test_draw_value_stream_marks_handoffs_intake_largest_delay_and_lowest_quality():
    root = parse(draw())
    assert len(elements(root, "g", "handoff")) == 2
    assert len(elements(root, "g", "legend-handoff")) == 1
    assert "Handoff from another team" in texts(root)
    waits = elements(root, "path", "wait")
    assert len(waits) == 4  # every stage waits here
    # The first wait is the intake (grey), the largest delay between stages is Testing's.
    assert [w.get("class") for w in waits] == [
        "wait intake", "wait", "wait largest-delay", "wait"
    ]  # fmt: skip
    assert {"intake", "largest delay"} <= set(texts(root))
    assert "Largest delay between stages" in texts(root)
    assert "Intake wait (before the first stage)" in texts(root)
    assert elements(root, "rect", "constraint") == []
    assert "constraint" not in texts(root)
    [worst] = elements(root, "rect", "worst-quality")
    assert worst.get("stroke-dasharray") == "6 3"
    assert "lowest %C&A" in texts(root)
    assert "Times in working hours (8 h a working day)" in texts(root)


def test_draw_value_stream_frames_the_marked_constraint():
    stages = [*STAGES[:1], replace(STAGES[1], constraint=True), *STAGES[2:]]
    root = parse(draw(stages))
    [marked] = elements(root, "rect", "constraint")
    assert elements(root, "rect", "stage").index(marked) == 1  # Development's box
    assert (marked.get("fill"), marked.get("stroke")) == ("#fbd9c2", "#d55e00")
    assert "constraint" in texts(root)
    assert "Constraint (marked by the team)" in texts(root)
    desc = root.find(f"{SVG}desc").text
    assert "Constraint, marked by the team: Development." in desc
    # Still the largest delay: Testing.
    assert len(elements(root, "path", "largest-delay")) == 1


def test_draw_value_stream_without_handoffs_has_no_handoff_marker_or_legend():
    stages = [Stage("A", 1, 2), Stage("B", 1, 0)]
    root = parse(draw(stages))
    assert elements(root, "g", "handoff") == []
    assert "Handoff from another team" not in texts(root)
    # No wait, no triangle: B has none.
    assert len(elements(root, "path", "wait")) == 1


def test_draw_value_stream_pain_points_and_changes_tagged_and_listed():
    root = parse(draw())
    assert len(elements(root, "g", "pain-point")) == 3
    listed = " ".join(texts(root))
    assert "1. Ideation — pain points: Delay (Monthly planning)" in listed
    assert "3. Testing — pain points: Manual work (Manual regression); Quality issue" in listed
    future = draft_future_state(STAGES)
    root = parse(draw(future, "Team A: future state"))
    assert elements(root, "g", "pain-point") == []
    assert len(elements(root, "g", "change")) == sum(
        len({c.kind for c in s.planned_changes}) for s in future
    )
    assert "Pull system" in texts(root)


def test_draw_value_stream_timeline_ladder_and_totals():
    root = parse(draw())
    [ladder] = elements(root, "g", "ladder")
    ladder_texts = [t.text for t in ladder.iter(f"{SVG}text")]
    assert ladder_texts == ["40 h", "8 h", "16 h", "24 h", "72 h", "6 h", "32 h", "2 h"]
    totals = [t.text for t in elements(root, "g", "totals")[0].iter(f"{SVG}text")]
    assert "200 h" in totals
    # 200 working hours ÷ 8 a working day
    assert "= 40 h process + 160 h wait ≈ 25 working days" in " ".join(totals)
    assert "20%" in totals
    assert "47.25%" in totals


def test_draw_value_stream_escapes_user_text():
    hostile = [
        Stage(HOSTILE, 1, 2, handoff=True, activities=(HOSTILE,),
              pain_points=(PainPoint("delay", HOSTILE),),
              planned_changes=(PlannedChange("pull", HOSTILE),)),
    ]  # fmt: skip
    markup = draw(hostile, title=HOSTILE)
    assert "<script" not in markup
    root = parse(markup)  # still well-formed
    assert root.find(f"{SVG}title").text == HOSTILE
    assert any("<script>" in t for t in texts(root))  # shown as text


def test_draw_value_stream_wraps_thirty_stages_into_rows():
    stages = [Stage(f"Stage {i}", i, i * 2, handoff=i % 2 == 0) for i in range(30)]
    root = parse(draw(stages))
    boxes = elements(root, "rect", "stage")
    assert len(boxes) == 30
    assert len({b.get("y") for b in boxes}) == 6  # five per row
    assert len(elements(root, "g", "ladder")) == 6
    assert len(elements(root, "g", "handoff")) == 15


def test_draw_value_stream_balances_rows():
    stages = [Stage(f"S{i}", 1, 1) for i in range(6)]
    boxes = elements(parse(draw(stages)), "rect", "stage")
    rows = [b.get("y") for b in boxes]
    assert rows.count(rows[0]) == 3 and len(set(rows)) == 2


def test_draw_value_stream_without_stages_says_no_data():
    root = parse(draw_value_stream([], compute_figures([]), "Empty"))
    assert "No data to show." in texts(root)


def test_draw_value_stream_same_input_same_markup():
    assert draw(id_prefix="x") == draw(id_prefix="x")


def test_hours_and_percent_formats():
    assert [hours(48), hours(0.25), hours(1234.5), hours(None)] == [
        "48 h", "0.25 h", "1,234.5 h", "n/a"
    ]  # fmt: skip
    assert [percent(20.0), percent(47.25), percent(None)] == ["20%", "47.25%", "n/a"]


def test_draw_value_stream_renders_in_weasyprint():
    html = f"<!doctype html><html><body>{draw()}{draw(draft_future_state(STAGES))}</body></html>"
    reader = PdfReader(io.BytesIO(pdf.html_to_pdf(html)))
    # pypdf drops the spaces between separately placed SVG words.
    text = reader.pages[0].extract_text().replace(" ", "")
    assert "Ideation" in text
    assert "Handofffromanotherteam" in text
