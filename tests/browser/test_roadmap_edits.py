"""Issue 16, point 9: roadmap items save as they are edited (editing item A never drops item
B's change), the confirmation appears beside the item, leaving with an unsaved change asks
first, and on a phone the team page shows the main action (Answer/Result) first."""

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, Team
from reports.models import Roadmap
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def checkout(demo):
    return Team.objects.get(organization=demo.organization, slug="checkout")


def items_of(team):
    """The items of the roadmap the team's page shows: its latest result's (every frozen
    result has its roadmap)."""
    latest = Roadmap.objects.filter(team=team).order_by("-result__period").first()
    return list(latest.items.order_by("position"))


@pytest.mark.parametrize("width", [1280, 390])
def test_lead_edits_two_items_and_both_are_kept(new_context, checkout, width):
    page = new_context(width=width).new_page()
    log_in(page, "checkout.lead")
    page.goto(f"/teams/{checkout.id}/roadmap/")
    first, second = items_of(checkout)[:2]

    page.locator(f"#done-{first.id}").check()
    card = page.locator(f"#item-{first.id}")
    # The confirmation is beside the item, on screen, not at the top of the page.
    expect(card.get_by_role("status")).to_have_text(f"✔ Saved: {first.title}")
    expect(card.get_by_role("status")).to_be_in_viewport()
    page.locator(f"#due-{second.id}").fill("2031-03-14")
    page.locator(f"#due-{second.id}").blur()
    expect(page.locator(f"#item-{second.id}").get_by_role("status")).to_have_text(
        f"✔ Saved: {second.title}"
    )
    assert serious_violations(page) == []

    page.reload()
    expect(page.locator(f"#done-{first.id}")).to_be_checked()
    expect(page.locator(f"#due-{second.id}")).to_have_value("2031-03-14")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.done, str(second.due_date)) == (True, "2031-03-14")


def test_failed_save_says_so_and_leaving_asks_first(new_context, checkout):
    page = new_context().new_page()
    log_in(page, "checkout.lead")
    page.goto(f"/teams/{checkout.id}/roadmap/")
    item = items_of(checkout)[0]
    page.route("**/roadmap-items/**", lambda route: route.abort())

    page.locator(f"#done-{item.id}").check()
    expect(page.locator(f"#item-{item.id}").get_by_role("status")).to_contain_text(
        "Not saved: the server could not be reached"
    )
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", on_dialog)
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    item.refresh_from_db()
    assert item.done is False


def test_phone_team_page_shows_the_main_action_first(new_context, checkout):
    assessment = Assessment.objects.get(team=checkout, status=Assessment.OPEN)
    page = new_context(width=390).new_page()
    log_in(page, "checkout.m1")
    page.goto(f"/teams/{checkout.id}/")

    answer = page.locator(f"a[href='/assessments/{assessment.id}/answer/']")
    expect(answer).to_be_in_viewport(ratio=1)
    box = answer.bounding_box()
    assert box["x"] + box["width"] <= 390
    result = page.locator("a[href$='/result/']").first
    result_box = result.bounding_box()
    assert result_box["x"] + result_box["width"] <= 390
    assert serious_violations(page) == []
