"""The PDFs' DORA chapter (issue 19): the five metrics in DORA's two factors, and for an
organisation that chose it, DORA's 2025 comparison with its segment first and the tiers of its
benchmark year second. Figures worked by hand from the DORA Quick Check 2025 benchmarks."""

import io
import re

import pytest
from pypdf import PdfReader

from assessments.dora import quickcheck
from assessments.dora import services as dora_services
from assessments.models import Organization, Result
from reports.models import RoadmapReport
from reports.pdf import context as pdf_context
from reports.pdf import render

MEASURED = {"deployment_frequency": 1 / 30, "lead_time": 400.0, "time_to_restore": 48.0,
            "change_failure_rate": 30.0, "rework_rate": 25.0}  # fmt: skip
# The five metrics in DORA's two factors, as every page lists them.
FACTOR_LABELS = [
    "Throughput", "Lead time for changes", "Deployment frequency",
    "Failed deployment recovery time", "Stability", "Change failure rate",
    "Deployment rework rate",
]  # fmt: skip


def _measured(world, result, view, segment="industry:all"):
    """``result`` read again after its organisation chose ``view`` and ``segment``, with the
    figures above entered for its period."""
    Organization.objects.filter(pk=world.org.pk).update(dora_view=view, dora_segment=segment)
    dora_services.save_entry(world.lead_a, world.team_a, result.period, MEASURED)
    return Result.objects.get(pk=result.pk)


def _rows(comparison):
    rows = []
    for factor in comparison["factors"]:
        rows += [factor["summary"], *factor["metrics"]]
    rows.append(comparison["overall"])
    return [(r["aspect"], r["score"], r["z"], r["band"], r["position"]) for r in rows]


def test_roadmap_context_compares_the_measured_values_with_the_segment(world, closed_result):
    result = _measured(world, closed_result, "comparison", "industry:retail")
    dora = pdf_context.roadmap_context(result)["dora"]
    assert (dora["view"], dora["measured_source"], dora["tier_set_label"]) == (
        "comparison", "entry", "DORA 2024",
    )  # fmt: skip
    comparison = dora["comparison"]
    assert {k: comparison[k] for k in ("citation", "segment_label", "segment_kind", "source")} == {
        "citation": "DORA Quick Check 2025 benchmarks",
        "segment_label": "Retail/Consumer/e-Commerce",
        "segment_kind": "Industry",
        "source": "measured",
    }
    # Retail (10-is-best direction): lead time 5.9 +- 2.3, deployment frequency 5.3 +- 2.7,
    # recovery 7.8 +- 1.8, change failure rate 10 - 1.7 = 8.3 +- 2.0, rework 10 - 2.0 = 8.0
    # +- 1.9; throughput 6.3 +- 2.0, stability 10 - 1.8 = 8.2 +- 1.7; overall: the mean of the
    # five means, 7.06, +- 1.1. Position: (z + 3) / 6 of the z printed, in percent.
    assert _rows(comparison) == [
        ("throughput", 4.6667, -0.82, "below", 36.3),  # (4 + 4 + 6) / 3
        ("lead_time", 4.0, -0.83, "below", 36.2),  # 400 h: one week to one month
        ("deployment_frequency", 4.0, -0.48, "typical", 42.0),  # 1/30 a day: weekly-monthly
        ("time_to_restore", 6.0, -1.0, "below", 33.3),  # 48 h: one day to one week
        ("stability", 7.25, -0.56, "below", 40.7),  # (7 + 7.5) / 2
        ("change_failure_rate", 7.0, -0.65, "below", 39.2),  # 10 - 30 / 10
        ("rework_rate", 7.5, -0.26, "typical", 45.7),  # 10 - 25 / 10
        ("overall", 5.7, -1.24, "well_below", 29.3),
    ]
    labels = [
        row["label"]
        for factor in comparison["factors"]
        for row in (factor["summary"], *factor["metrics"])
    ]
    assert labels == FACTOR_LABELS
    assert comparison["recovery_note"] == ""


def test_roadmap_context_in_tiers_view_has_no_comparison(world, closed_result):
    result = _measured(world, closed_result, "tiers", "industry:retail")
    dora = pdf_context.roadmap_context(result)["dora"]
    assert (dora["view"], dora["comparison"]) == ("tiers", None)
    assert [(m["metric"], m["tier"]) for m in dora["metrics"]] == [
        ("lead_time", "medium"),
        ("deployment_frequency", "medium"),
        ("time_to_restore", "low"),
        ("change_failure_rate", "low"),
        ("rework_rate", None),  # no published tiers
    ]


def test_org_size_segment_says_how_recovery_is_read(world, closed_result):
    result = _measured(world, closed_result, "comparison", "org_size:100-499")
    comparison = pdf_context.roadmap_context(result)["dora"]["comparison"]
    assert comparison["recovery_note"] == (
        "The organisation-size benchmarks store failed deployment recovery time the other way "
        "round (2.6 for 100 to 499 employees, where the industry figures from the same "
        "respondents give 7.4 for all industries), so it is read as 10 − 2.6 = 7.4."
    )
    recovery = comparison["factors"][0]["metrics"][2]
    assert (recovery["aspect"], recovery["mean"], recovery["z"]) == ("time_to_restore", 7.4, -0.67)
    html = render.render_roadmap_html(pdf_context.roadmap_context(result))
    assert "benchmark read as 10 − the published value (see below)" in html


def test_roadmap_html_shows_the_comparison_first_and_the_tiers_second(world, closed_result):
    result = _measured(world, closed_result, "comparison", "industry:retail")
    html = render.render_roadmap_html(pdf_context.roadmap_context(result))
    chapter = html[html.index('<section id="dora"') : html.index('<section id="trend"')]
    assert chapter.index("dora-comparison") < chapter.index("Tiers against DORA 2024")
    assert "Compared with the <strong>DORA Quick Check 2025 benchmarks</strong> for industry" in (
        chapter
    )
    # Each band in words and arrow, the team as a marker at its position, z written out.
    assert '<span class="band band-below">↓ below</span>' in chapter
    assert '<span class="dist-marker" style="left: 36.2%">' in chapter
    assert 'aria-label="z -0.83: below typical"' in chapter
    # Both tables list the five metrics in DORA's two factors.
    comparison = chapter[: chapter.index("Tiers against DORA 2024")]
    tiers = chapter[chapter.index("Tiers against DORA 2024") :]
    for table in (comparison, tiers):
        found = [label for label in FACTOR_LABELS if label in table]
        assert sorted(found, key=table.index) == FACTOR_LABELS
    assert "no published tiers" in tiers
    summary = html[html.index('<section id="summary"') : html.index('<section id="maturity"')]
    assert "↓↓ well below typical" in summary and "DORA Quick Check 2025 benchmarks" in summary


def test_roadmap_html_in_tiers_view_keeps_the_tiers_with_their_year(world, closed_result):
    result = _measured(world, closed_result, "tiers")
    html = render.render_roadmap_html(pdf_context.roadmap_context(result))
    # Only the priority formula (Appendix C) explains the comparison, for both views.
    assert "DORA Quick Check" not in html[: html.index('<section id="appendix-method"')]
    assert "Measured tier (DORA 2024)" in html
    assert "Measured values were entered by the team." in html
    chapter = html[html.index('<section id="dora"') : html.index('<section id="trend"')]
    found = [label for label in FACTOR_LABELS if label in chapter]
    assert sorted(found, key=chapter.index) == FACTOR_LABELS


def _portfolio(world):
    report = RoadmapReport(kind=RoadmapReport.PORTFOLIO, organization=world.org)
    return pdf_context.portfolio_context(report)


def test_portfolio_counts_teams_per_band_in_the_comparison_view(world, closed_result):
    _measured(world, closed_result, "comparison", "industry:retail")
    world.org.refresh_from_db()
    context = _portfolio(world)
    rows = {row["name"]: row["dora_2025"] for row in context["teams"]}
    assert rows["Team B"] is None  # no figures
    team_a = rows["Team A"]
    assert team_a["overall"] == {
        "score": 5.7, "z": -1.24, "band": "well_below", "band_label": "well below typical",
    }  # fmt: skip
    assert team_a["factors"]["throughput"]["band"] == "below"
    assert list(team_a["metrics"]) == [m for _k, _l, ms in quickcheck.FACTORS for m in ms]
    chart = context["dora_comparison"]["band_distribution_svg"]
    assert (
        "well below typical: 1; below typical: 0; typical: 0; above typical: 0; "
        "well above typical: 0; Not measured: 1."
    ) in chart
    html = render.render_portfolio_html(context)
    assert 'id="tiers"' in html and "DORA tiers per team" in html
    assert "not as a league table" in html


def test_portfolio_in_tiers_view_has_no_bands(world, closed_result):
    _measured(world, closed_result, "tiers")
    world.org.refresh_from_db()
    context = _portfolio(world)
    assert context["dora_comparison"] is None
    assert all(row["dora_2025"] is None for row in context["teams"])
    html = render.render_portfolio_html(context)
    assert "DORA Quick Check" not in html and 'id="tiers"' not in html
    # The tiered metrics' columns in DORA's two factors.
    head = html[html.index('class="factor-head"') :]
    assert re.search(r'colspan="3">Throughput</th>.*colspan="1">Stability</th>', head)


@pytest.mark.parametrize("view", ["comparison", "tiers"])
def test_roadmap_pdf_prints_the_dora_chapter(world, closed_result, view):
    result = _measured(world, closed_result, view, "industry:retail")
    pdf = render.html_to_pdf(render.render_roadmap_html(pdf_context.roadmap_context(result)))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    text = text[: text.index("How the roadmap is prioritised")]  # the formula explains both
    assert ("Tiers against DORA 2024" in text) == (view == "comparison")
    assert ("DORA Quick Check 2025 benchmarks" in text) == (view == "comparison")
    assert "Measured tier (DORA 2024)" in text
