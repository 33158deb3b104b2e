"""Issue 19: a lead reads the team's delivery performance as DORA's 2025 comparison (the demo
organisation, a digital retailer, compares with Retail/Consumer/e-Commerce), switches to an
organisation size with the labelled select (the recovery note appears) and to the tiers with
one click; the drawing says in words what it shows, on desktop and phone."""

import pytest
from playwright.sync_api import expect

from assessments.dora import quickcheck
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_lead_reads_the_2025_comparison_and_switches_segment_and_view(new_context, demo, width):
    page = new_context(width=width).new_page()
    log_in(page, "checkout.lead")
    page.get_by_role("link", name="Checkout", exact=True).click()
    page.get_by_role("link", name="Delivery performance (DORA)").click()

    expect(page.locator("#dora-citation")).to_contain_text(
        "published for Retail/Consumer/e-Commerce (industry) in the DORA Quick Check 2025 "
        "benchmarks"
    )
    measured = page.locator(".card", has=page.get_by_role("heading", name="Measured"))
    factors = measured.locator("tbody.dora-factor")
    expect(factors).to_have_count(len(quickcheck.FACTORS))
    for i, (_key, label, metrics) in enumerate(quickcheck.FACTORS):
        expect(factors.nth(i).locator("th[scope=rowgroup]")).to_have_text(label)
        expect(factors.nth(i).locator("tr[data-metric]")).to_have_count(len(metrics))
    # Every drawing has its words: a label for assistive technology, the band in the text.
    overall = measured.locator("tfoot .dora-dist[role=img]")
    expect(overall).to_have_attribute("aria-label", quickcheck_label_pattern())
    expect(measured.locator("tfoot .dora-band")).to_contain_text("typical")
    expect(page.locator(".dora-size-note")).to_have_count(0)
    assert serious_violations(page) == []
    # No sideways scrolling of the card on a phone: the drawing fits.
    assert measured.evaluate("el => el.scrollWidth <= el.clientWidth + 1")

    page.get_by_label("Compare with", exact=True).select_option("org_size:500-999")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#dora-citation")).to_contain_text("500 to 999 employees")
    expect(page.locator(".dora-size-note")).to_contain_text("10 minus the published mean")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Tiers (2024 report)").click()
    expect(page.locator(".card", has_text="Overall tier:").first).to_be_visible()
    expect(page.locator(".dora-size-note")).to_have_count(0)
    page.get_by_role("link", name="2025 comparison").click()
    # The segment chosen stays chosen across the switch.
    expect(page.locator("#dora-citation")).to_contain_text("500 to 999 employees")


def quickcheck_label_pattern():
    import re

    return re.compile(r"^Score \d+\.\d against a mean of \d+\.\d \(standard deviation \d\.\d\): "
                      r"z [+\u2212]\d\.\d\d, (well )?(below |above )?typical$")  # fmt: skip
