"""Journey for issue 19: the CoE dashboard follows DORA's guidance. It opens on each team
against itself (trend, distance to its own targets, the band against the published
distribution), the segment is chosen from a labelled select, the tiers are one tab away, and
the cross-team heatmap comes last, labelled as context; on a desktop and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from assessments.dora import quickcheck
from tests.browser.helpers import serious_violations
from tests.browser.test_coe_truth import open_dashboard

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_coe_opens_on_each_team_against_itself_then_switches_segment_and_view(
    demo, new_context, width
):
    segment = quickcheck.parse_segment(demo.organization.dora_segment)
    page = new_context(width=width).new_page()
    open_dashboard(page)

    # Each team against itself first; the ranking last, under DORA's guidance.
    headings = [h.strip() for h in page.get_by_role("heading", level=2).all_inner_texts()]
    assert headings[0] == "Each team against itself: trend and distance to its own targets"
    assert headings[-1] == "Cross-team context: teams side by side"
    context = page.locator("#context")
    expect(context.get_by_role("note")).to_contain_text("no competition between teams")
    progress = page.locator("#progress table")
    expect(progress.locator("tbody tr")).to_have_count(9)
    expect(page.locator("#progress")).to_contain_text(
        f"where the team stands in the published distribution for {segment.label}"
    )
    # Distance to the next level, behind a disclosure: one click shows every dimension.
    first = progress.locator("tbody tr").first
    summary = first.locator("summary")
    expect(summary).to_contain_text(re.compile(r"next level in \d+, [\d.]+–[\d.]+ to go"))
    summary.click()
    expect(first.locator("details li").first).to_contain_text("to level")

    # Another segment, from the labelled select: the DORA table compares with it.
    page.get_by_label("DORA 2025 segment").select_option(label="500 to 999 employees")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"segment=org_size%3A500-999"))
    dora = page.locator("#dora")
    expect(dora.locator("tfoot")).to_contain_text("500 to 999 employees: published mean ± sd")
    expect(dora).to_contain_text("compared here as 10 − the published value")
    expect(page.locator("#coe-bands-chart")).to_be_visible()
    assert serious_violations(page) == []

    # The tiers, one tab away, labelled with their report year; the segment is kept.
    page.get_by_role("link", name="Tiers (2024 report)").click()
    expect(page).to_have_url(re.compile(r"view=tiers"))
    expect(page).to_have_url(re.compile(r"segment=org_size%3A500-999"))
    expect(page.locator("#coe-tiers-chart")).to_be_visible()
    expect(dora.get_by_role("table")).to_contain_text("no tiers")
    expect(page.locator("#progress thead")).to_contain_text("DORA tier, measured")
    if width == 1280:
        wrapper = page.locator(".heatmap-scroll")
        assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert serious_violations(page) == []
