"""Journey 5: a member who tries another team's result URL gets the friendly not-found page,
which tells nothing about that team and leads back to their own teams."""

import pytest
from playwright.sync_api import expect

from assessments.models import Result
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_member_sees_not_found_for_another_teams_result(page, demo):
    billing = Result.objects.filter(team__slug="billing").order_by("-period").first()
    log_in(page, "checkout.m1")

    response = page.goto(f"/assessments/{billing.assessment_id}/result/")
    assert response.status == 404
    expect(page).to_have_title("Not found · VSM Assess")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.locator("main")).to_contain_text("not visible to you")
    expect(page.locator("body")).not_to_contain_text("Billing")
    # The page keeps the site's navigation and leads back home.
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
    page.get_by_role("link", name="Go to my teams").click()
    expect(page.get_by_role("link", name="Checkout", exact=True)).to_be_visible()
