"""Journey: a CoE analyst adopts the library questionnaire, edits a draft in the browser (each
change saved as it is made, an invalid one refused next to its field), reviews the changes
with their word-level differences and publishes; the next assessment uses the new version and
the other organisation's teams never see it."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from assessments.maturity import services
from assessments.models import Questionnaire, Team
from assessments.periods import current_period, shift_period
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser

QUESTION = "visibility-work-tracking"
NEW_TEXT = "How is work tracked from idea to production, end to end?"


def test_analyst_edits_reviews_and_publishes_a_questionnaire(new_context, demo):
    page = new_context().new_page()
    log_in(page, "coe")
    page.get_by_role("link", name="Questionnaires").click()
    page.get_by_role("button", name="Adopt and edit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit draft")

    text = page.locator(f"#qe__question__{QUESTION}__text")
    text.fill(NEW_TEXT)
    text.blur()
    expect(page.locator(f"#qe__question__{QUESTION}__text--status")).to_have_text("Saved")

    weight = page.locator(f"#qe__question__{QUESTION}__weight")
    weight.fill("0")
    weight.blur()
    expect(weight).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#qe__question__{QUESTION}__weight--status")).to_contain_text(
        "greater than 0"
    )
    assert serious_violations(page) == []

    page.get_by_role("link", name="Review changes and publish").click()
    expect(page.get_by_text("1 question reworded.")).to_be_visible()
    expect(page.locator("ins.diff-ins")).to_have_text(", end to end")
    page.get_by_role("button", name="Publish vsm-maturity v2").click()
    expect(page.get_by_text("vsm-maturity v2 is published")).to_be_visible()

    org = demo.organization
    published = Questionnaire.objects.get(organization=org, key="vsm-maturity", version=2)
    assert (published.status, published.questions.get(key=QUESTION).text) == (
        "published", NEW_TEXT,
    )  # fmt: skip
    team = Team.objects.get(organization=org, slug="checkout")
    lead = get_user_model().objects.get(username="checkout.lead")
    later = services.open_assessment(lead, team, shift_period(current_period(), 2))
    assert later.questionnaire == published
