"""Journey 4: a CoE analyst filters the dashboard by group, sorts by a dimension, opens a team
from the heatmap, starts a campaign and downloads the comparison as CSV."""

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

from assessments.dora import quickcheck
from assessments.periods import current_period, shift_period
from reports.demo import DEMO_GROUPS
from reports.models import Campaign
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

PLATFORM = sorted(name for name, _ in DEMO_GROUPS["Platform"])


def heatmap_teams(page):
    return [t.strip() for t in page.locator(".heatmap tbody th[scope=row] a").all_inner_texts()]


def apply_group(page, name):
    page.get_by_label("Group", exact=True).select_option(label=name)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"CoE dashboard: Northwind Digital · {name}"
    )
    expect(page.locator(".heatmap tbody tr")).to_have_count(len(DEMO_GROUPS[name]))


def test_coe_analyst_compares_teams_and_runs_a_round(page, demo, tmp_path):
    log_in(page, "coe")
    page.get_by_role("link", name="CoE dashboard").click()
    expect(page.locator(".heatmap tbody tr")).to_have_count(9)
    # Colour is never the only carrier: every level cell shows its score, every tier badge
    # its name.
    cells = page.locator(".heatmap tbody td[class*='level-']")
    assert cells.count() > 9 * 10
    assert all(text.strip() for text in cells.all_inner_texts())
    # The demo organisation opens on the DORA 2025 comparison: bands, each in words (the
    # chips leave "typical" to screen readers).
    bands = page.locator(".heatmap .coe-band").all_text_contents()
    assert bands and set(bands) <= {label for _key, label in quickcheck.BANDS}
    page.get_by_role("link", name="Tiers (2024 report)").click()
    badges = page.locator(".heatmap .tier").all_inner_texts()
    assert badges and set(badges) <= {"★ Elite", "▲ High", "● Medium", "▼ Low"}
    page.get_by_role("link", name="DORA 2025 comparison").click()

    apply_group(page, "Platform")
    assert sorted(heatmap_teams(page)) == PLATFORM

    # Sort by the first dimension: ascending, then descending on a second click.
    header = page.locator(".heatmap thead th").nth(4)
    dimension = header.get_attribute("title")  # compact headers carry the full name here
    column = page.locator(".heatmap tbody tr td:nth-child(5)")
    header.get_by_role("link").click()
    expect(header).to_contain_text("▲")
    expect(page).to_have_url(re.compile(r"group=\d+.*sort=dim"))
    scores = [float(s) for s in column.all_inner_texts()]
    assert scores == sorted(scores) and len(scores) == 3
    header.get_by_role("link").click()
    expect(header).to_contain_text("▼")
    scores = [float(s) for s in column.all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    # Every heatmap cell says its value in text, not by colour alone.
    cell_link = column.first.get_by_role("link")
    expect(cell_link).to_have_attribute("title", re.compile(rf"^{re.escape(dimension)}: level \d$"))

    top_team = heatmap_teams(page)[0]
    page.locator(".heatmap tbody th[scope=row]").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{top_team}: history")

    # A round for the Platform teams, next quarter.
    page.get_by_role("link", name="Campaigns").click()
    period = shift_period(current_period(), 1)
    due = dt.date.today() + dt.timedelta(days=30)
    page.get_by_label("Name").fill("Platform round")
    page.get_by_label("Period").fill(period)
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_label("A whole group").select_option(label="Platform (3 teams)")
    page.get_by_role("button", name="Open round").click()
    expect(page.get_by_text("Platform round is open; the teams can answer now.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Platform round")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    assert sorted(t.strip() for t in rows.locator("td:first-child").all_inner_texts()) == PLATFORM
    campaign = Campaign.objects.get(name="Platform round")
    assert (campaign.period, campaign.due_date) == (period, due)

    # The comparison of the filtered dashboard, as CSV.
    page.get_by_role("link", name="CoE dashboard").click()
    apply_group(page, "Platform")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Comparison CSV").click()
    download = download_info.value
    assert download.suggested_filename == "comparison-platform-latest.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert sorted(row["Team"] for row in table) == PLATFORM
    assert {row["Group"] for row in table} == {"Platform"}
    assert dimension in table[0]
