"""Journeys for issue 16, points 4 and 6: the CoE dashboard's charts tell the truth (periods
side by side, counts equal the teams shown, trend points carry n and are drawn only where
enough teams report), the benchmark is chosen from a labelled select, and the heatmap fits a
1280 px screen with its team column sticky, compact headers with full names, and aria-sort."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import Result
from assessments.periods import current_period, shift_period
from reports.coe.comparison import TREND_MIN_TEAMS
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser

FULL_NAME = "Development practices"


def open_dashboard(page, query=""):
    log_in(page, "coe")
    page.goto(f"/coe/{query}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CoE dashboard")


def table_rows(page, caption):
    table = page.locator("table", has=page.locator("caption", has_text=caption))
    return [
        [c.strip() for c in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


@pytest.mark.parametrize("width", [1280, 390])
def test_coe_charts_compare_periods_side_by_side_and_mark_thin_trend_points(
    demo, new_context, width
):
    # The oldest closed quarter keeps results of only two teams: too few to plot.
    oldest = shift_period(current_period(), -6)
    keep = Result.objects.filter(period=oldest).order_by("team__name")[:2]
    Result.objects.filter(period=oldest).exclude(pk__in=[r.pk for r in keep]).delete()
    selected = shift_period(current_period(), -1)
    page = new_context(width=width).new_page()
    open_dashboard(page)
    page.get_by_label("Period", exact=True).select_option(selected)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("9 teams", exact=False).first).to_be_visible()

    # Levels: never stacked; one bar per period per level, and a table whose totals are the
    # nine teams shown, in each period.
    levels = page.locator("#coe-levels-chart")
    expect(levels.locator(".segment")).to_have_count(0)
    expect(levels.locator("rect.bar")).to_have_count(2 * 5)
    page.get_by_text("Levels as a table").click()
    rows = table_rows(page, "Teams per overall maturity level")
    assert rows[-1] == ["Total", "9", "9"]
    assert sum(int(r[2]) for r in rows[:-1]) == 9
    assert sum(int(r[1]) for r in rows[:-1]) == 9
    expect(page.locator("#coe-tiers-chart .segment")).to_have_count(0)

    # Trend: every period names its n; the thin one is marked, not drawn.
    page.get_by_text("Trend as a table").click()
    trend = table_rows(page, "Overall maturity per period")
    by_period = {r[0]: r for r in trend}
    assert by_period[oldest][1] == "2"
    assert f"fewer than {TREND_MIN_TEAMS} teams" in by_period[oldest][2]
    assert by_period[selected][1] == "9"
    chart = page.locator("#coe-trend-chart")
    expect(chart).to_contain_text("n=9")
    expect(chart).to_contain_text("n=2")
    # Three series (median and quartiles), one marker per drawn period: five of six periods.
    expect(chart.locator(".marker")).to_have_count(3 * 5)
    assert serious_violations(page) == []


def test_coe_benchmark_is_chosen_from_a_labelled_select(demo, page):
    open_dashboard(page)
    # The demo organisation opens on the DORA 2025 comparison; its tiers are one click away.
    page.get_by_role("link", name="Tiers (2024 report)").click()
    expect(page).to_have_url(re.compile(r"view=tiers"))
    select = page.get_by_label("DORA benchmark")
    expect(select).to_have_value("2024")
    select.select_option("2018")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"benchmark=2018"))
    expect(page.get_by_label("DORA benchmark")).to_have_value("2018")
    expect(page.locator("#coe-tiers-chart")).to_contain_text("DORA 2018")
    expect(page.get_by_role("link", name="Tiers (2018 report)")).to_have_attribute(
        "aria-current", "page"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_coe_heatmap_fits_keeps_team_column_and_announces_sort(demo, new_context, width):
    page = new_context(width=width).new_page()
    open_dashboard(page)
    wrapper = page.locator(".heatmap-scroll")
    table = page.locator("table.heatmap")
    expect(table.locator("tbody tr")).to_have_count(9)
    if width == 1280:
        fits = wrapper.evaluate("el => el.scrollWidth <= el.clientWidth")
        assert fits, "the heatmap scrolls sideways at 1280 px"

    # Compact headers: the full name on hover and as the header's accessible name.
    header = table.get_by_role("columnheader", name=FULL_NAME)
    expect(header).to_have_attribute("title", FULL_NAME)
    assert len(header.locator("[aria-hidden=true]").inner_text().strip()) < len(FULL_NAME)

    # Sort state is announced: the team column first, then the chosen one.
    team_header = table.get_by_role("columnheader", name="Team", exact=True)
    expect(team_header).to_have_attribute("aria-sort", "ascending")
    header.get_by_role("link").click()
    header = table.get_by_role("columnheader", name=FULL_NAME)
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(table.get_by_role("columnheader", name="Team", exact=True)).not_to_have_attribute(
        "aria-sort", "ascending"
    )
    header.get_by_role("link").click()
    expect(table.get_by_role("columnheader", name=FULL_NAME)).to_have_attribute(
        "aria-sort", "descending"
    )
    if width == 1280:  # the sort arrow does not push the table over the edge either
        assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth")

    # The team column stays in view when the table scrolls sideways (phone).
    first_team = table.locator("tbody th[scope=row]").first
    left_before = first_team.bounding_box()["x"]
    wrapper.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    page.wait_for_timeout(100)
    assert abs(first_team.bounding_box()["x"] - left_before) < 1
    assert serious_violations(page) == []
