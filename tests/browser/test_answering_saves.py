"""Issue 16, points 1 and 7: a save that cannot be made says so in words and never takes the
rest of the card with it; unanswered questions are found without a hunt, and a link to a
question lands below the sticky progress bar."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import Answer, Assessment, DoraSurveyAnswer, Team
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def checkout(demo):
    team = Team.objects.get(organization=demo.organization, slug="checkout")
    assessment = Assessment.objects.get(team=team, status=Assessment.OPEN)
    return team, assessment


def first_key(page, n=0):
    return page.locator("form.question-card[id^='q-']:not(#q-dora)").nth(n).get_attribute("id")[2:]


def settle_scroll(page):
    """Wait until a (smooth) scroll has come to rest."""
    page.wait_for_function(
        """() => new Promise(done => {
            const y = window.scrollY;
            setTimeout(() => done(window.scrollY === y), 250);
        })"""
    )


def test_bad_evidence_link_never_blocks_level_and_comment(new_context, checkout):
    _, assessment = checkout
    page = new_context().new_page()
    log_in(page, "checkout.m3")
    page.goto(f"/assessments/{assessment.id}/answer/")
    key = first_key(page)
    card = page.locator(f"#q-{key}")
    card.locator("summary").click()
    card.get_by_label("Evidence link").fill("wiki/page 12")
    card.locator(f"label[for='q-{key}-3']").click()
    card.get_by_label("Comment").fill("We pair on most changes")
    error = page.locator(f"#q-{key}-evidence-error")
    expect(error).to_contain_text("http")
    expect(card.get_by_label("Evidence link")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#status-{key}")).not_to_contain_text(re.compile("^✔ Saved"))
    assert serious_violations(page) == []
    page.wait_for_timeout(1500)  # the comment's delayed save
    expect(page.locator(f"#status-{key}")).to_contain_text("evidence link was not saved")

    page.reload()
    expect(page.locator(f"#q-{key}-3")).to_be_checked()
    expect(page.locator(f"#q-{key}-comment")).to_have_value("We pair on most changes")
    answer = Answer.objects.get(
        response__assessment=assessment,
        response__respondent__username="checkout.m3",
        question__key=key,
    )
    assert (answer.level, answer.comment, answer.evidence_url) == (
        3,
        "We pair on most changes",
        "",
    )

    # Corrected, the link saves and the error goes.
    page.locator(f"#q-{key} details").evaluate("d => { d.open = true; }")
    page.get_by_label("Evidence link").first.fill("https://wiki.example.com/page-12")
    expect(page.locator(f"#status-{key}")).to_contain_text("Saved at")
    expect(page.locator(f"#q-{key}-evidence-error")).to_be_empty()
    answer.refresh_from_db()
    assert answer.evidence_url == "https://wiki.example.com/page-12"


def test_dora_percentage_over_100_is_refused_in_words(new_context, checkout):
    _, assessment = checkout
    page = new_context().new_page()
    log_in(page, "checkout.m3")
    page.goto(f"/assessments/{assessment.id}/answer/")
    page.locator("#dora-change_failure_rate").fill("150")
    page.locator("#dora-change_failure_rate").blur()
    expect(page.locator("#dora-change_failure_rate-error")).to_contain_text("between 0 and 100")
    page.locator("#dora-rework_rate").fill("12")
    page.locator("#dora-rework_rate").blur()
    expect(page.locator("#status-dora")).to_contain_text("not saved")
    page.wait_for_timeout(1500)
    page.reload()
    expect(page.locator("#dora-rework_rate")).to_have_value("12.0")
    saved = DoraSurveyAnswer.objects.get(
        response__assessment=assessment, response__respondent__username="checkout.m3"
    )
    assert (saved.change_failure_rate, saved.rework_rate) == (None, 12.0)


@pytest.mark.parametrize("width", [1280, 390])
def test_unanswered_questions_are_listed_and_anchors_clear_the_sticky_bar(
    new_context, checkout, width
):
    _, assessment = checkout
    page = new_context(width=width).new_page()
    page.emulate_media(reduced_motion="reduce")  # jumps instead of Bootstrap's smooth scroll
    log_in(page, "checkout.m3")
    page.goto(f"/assessments/{assessment.id}/answer/")
    answered = first_key(page, 0)
    page.locator(f"label[for='q-{answered}-2']").click()
    expect(page.locator(f"#status-{answered}")).to_contain_text("Saved at")

    page.get_by_role("button", name="Submit my answers").click()
    dialog = page.locator("dialog[open]")
    if dialog.count():  # the confirmation of point 5
        dialog.get_by_role("button", name="Submit my answers").click()
    alert = page.get_by_role("alert").filter(has_text="56 of 57 questions are still unanswered")
    expect(alert).to_be_visible()
    alert.get_by_role("link", name=re.compile("unanswered questions")).click()
    listing = page.locator("#unanswered")
    expect(listing.get_by_role("link")).to_have_count(56)
    expect(listing).not_to_contain_text(page.locator(f"#q-{answered} legend").inner_text())

    target = first_key(page, 5)
    listing.locator(f"a[href='#q-{target}']").click()
    settle_scroll(page)
    bar = page.locator(".sticky-progress").bounding_box()
    legend = page.locator(f"#q-{target} legend").bounding_box()
    assert legend["y"] >= bar["y"] + bar["height"]
    assert legend["y"] < 900

    # Section links land below the bar too.
    page.locator("nav[aria-label=Dimensions] a").nth(1).click()
    settle_scroll(page)
    heading = page.locator("section[id^='dim-'] h2").nth(1).bounding_box()
    bar = page.locator(".sticky-progress").bounding_box()
    assert heading["y"] >= bar["y"] + bar["height"]

    page.get_by_label("Show unanswered only").check()
    expect(page.locator(f"#q-{answered}")).to_be_hidden()
    expect(page.locator(f"#q-{target}")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Show unanswered only").uncheck()
    expect(page.locator(f"#q-{answered}")).to_be_visible()
