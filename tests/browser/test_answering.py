"""Journeys 1 and 6: a member answers the maturity questionnaire in two sittings (the tab
closed in between), submits, and the lead closes the assessment and reads the result; once
with the mouse, once with the keyboard only."""

import re

import pytest
from playwright.sync_api import expect

from assessments.levels import score_text
from assessments.models import Answer, Assessment, Response, Result, Team
from tests.browser.helpers import focus_by_tab, keyboard_log_in, log_in, press_to_navigate

pytestmark = pytest.mark.browser

FIRST_SITTING = 20  # questions answered before the tab is closed


# The shipped questionnaire's latest version (vsm-maturity v2): its team questions.
QUESTIONS = 57


def planned_level(n):
    """The answer given to the n-th question: levels 1-5 in turn, every seventh "don't know",
    every eleventh "not applicable"."""
    if n % 11 == 10:
        return "na"
    return "dk" if n % 7 == 6 else n % 5 + 1


def question_keys(page):
    keys = page.locator("form.question-card[id^='q-']").evaluate_all(
        "forms => forms.map(f => f.id.slice(2)).filter(k => k !== 'dora')"
    )
    assert len(keys) == QUESTIONS
    return keys


def expect_answers(page, planned):
    """Every planned answer is checked on the page, and nothing else is."""
    for key, level in planned.items():
        expect(page.locator(f"#q-{key}-{level}")).to_be_checked()
    checked = page.locator("form.question-card input[name=level]:checked")
    expect(checked).to_have_count(len(planned))
    expect(page.locator("#progress-count")).to_have_text(str(len(planned)))


def stored_levels(username, assessment):
    rows = Answer.objects.filter(
        response__assessment=assessment, response__respondent__username=username
    ).values_list("question__key", "level", "not_applicable")
    return {
        key: "na" if not_applicable else "dk" if level is None else level
        for key, level, not_applicable in rows
    }


def check_result_page(page, team, assessment):
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment.id}/result/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{team.name}: maturity {assessment.period}"
    )
    expect(page.get_by_role("alert").filter(has_text="Assessment closed")).to_be_visible()
    radar = page.locator(".chart svg").first
    expect(radar).to_be_visible()
    expect(radar).to_have_attribute("role", "img")
    # One axis per dimension, labelled with the dimension's name.
    for name in page.locator("table tbody th[scope=row]").all_inner_texts():
        expect(radar).to_contain_text(name.strip())
    result = Result.objects.get(assessment=assessment)
    assert result.respondents == 1
    expect(page.get_by_text(f"Score {score_text(result.overall_score)} of 5")).to_be_visible()


@pytest.fixture
def checkout(demo):
    team = Team.objects.get(organization=demo.organization, slug="checkout")
    assessment = Assessment.objects.get(team=team, status=Assessment.OPEN)
    return team, assessment


# --- journey 1: with the mouse ------------------------------------------------------------


def answer_by_clicking(page, key, level):
    page.locator(f"label[for='q-{key}-{level}']").click()
    expect(page.locator(f"#status-{key}")).to_contain_text("Saved at")


def test_member_answers_in_two_sittings_and_lead_closes(new_context, checkout):
    team, assessment = checkout
    member = new_context()
    page = member.new_page()
    log_in(page, "checkout.m3")
    page.get_by_role("link", name=team.name, exact=True).click()
    page.get_by_role("row", name=re.compile(assessment.period)).get_by_role(
        "link", name="Answer"
    ).click()
    expect(page.locator("#progress-count")).to_have_text("0")
    keys = question_keys(page)
    plan = {key: planned_level(n) for n, key in enumerate(keys)}
    first = dict(list(plan.items())[:FIRST_SITTING])
    for key, level in first.items():
        answer_by_clicking(page, key, level)
    expect(page.locator("#progress-count")).to_have_text(str(FIRST_SITTING))
    page.close()  # the member closes the tab ...

    page = member.new_page()  # ... and comes back later, through the assessment page
    page.goto("/")
    page.get_by_role("link", name=team.name, exact=True).click()
    page.get_by_role("link", name=assessment.period, exact=True).click()
    expect(page.get_by_text(f"{FIRST_SITTING} of {QUESTIONS} answered")).to_be_visible()
    page.get_by_role("link", name="Continue answering").click()
    expect_answers(page, first)
    for key, level in list(plan.items())[FIRST_SITTING:]:
        answer_by_clicking(page, key, level)
    expect_answers(page, plan)
    page.get_by_role("button", name="Submit my answers").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()
    assert stored_levels("checkout.m3", assessment) == plan

    lead = new_context().new_page()
    log_in(lead, "checkout.lead")
    lead.get_by_role("link", name=team.name, exact=True).click()
    lead.get_by_role("link", name=assessment.period, exact=True).click()
    respondents = lead.locator("section[aria-labelledby=respondents]")
    expect(respondents.locator("li", has_text="Member 3")).to_contain_text("submitted")
    lead.get_by_role("button", name="Close assessment and freeze the result").click()
    lead.get_by_role("dialog").get_by_role("button", name="Close and freeze the result").click()
    check_result_page(lead, team, assessment)


# --- journey 6: keyboard only -------------------------------------------------------------


def answer_by_keyboard(page, key, level, backwards=False):
    """Tab into the question's radio group and choose ``level`` with Space and the arrow
    keys (each arrow press selects, so saves follow one another; wait for the last)."""
    focus_by_tab(page, f"#q-{key} input[name=level]", backwards=backwards)
    focused = page.evaluate("document.activeElement.value")
    current = page.locator(f"#q-{key} input[name=level]:checked")
    order = ["1", "2", "3", "4", "5", "dk", "na"]
    presses = []
    if current.count() == 0:
        presses.append("Space")  # focus is on the first option (last one from below)
        start = order.index(focused)
    else:
        start = order.index(current.get_attribute("value"))
    target = order.index(str(level))
    step = "ArrowDown" if target >= start else "ArrowUp"
    presses += [step] * abs(target - start)
    if not presses:
        return
    with page.expect_response(
        lambda r: f"/answer/{key}/" in r.url and f"level={level}&" in (r.request.post_data or "")
    ):
        for press in presses:
            page.keyboard.press(press)
    expect(page.locator(f"#status-{key}")).to_contain_text("Saved at")
    expect(page.locator(f"#q-{key}-{level}")).to_be_checked()


def test_keyboard_only_member_answers_and_lead_closes(new_context, checkout):
    team, assessment = checkout
    member = new_context()
    page = member.new_page()
    keyboard_log_in(page, "checkout.m4")
    focus_by_tab(page, f"a[href='/teams/{team.id}/']", text=team.name)
    press_to_navigate(page)
    focus_by_tab(page, f"a[href='/assessments/{assessment.id}/answer/']", text="Answer")
    press_to_navigate(page)
    expect(page.locator("#progress-count")).to_have_text("0")
    keys = question_keys(page)
    plan = {key: planned_level(n) for n, key in enumerate(keys)}
    for key in keys[:FIRST_SITTING]:
        answer_by_keyboard(page, key, plan[key])
    # Shift+Tab back to the previous question and change its answer with the arrow keys.
    changed = keys[FIRST_SITTING - 2]
    plan[changed] = 5 if plan[changed] != 5 else 4
    answer_by_keyboard(page, changed, plan[changed], backwards=True)
    first = {key: plan[key] for key in keys[:FIRST_SITTING]}
    page.close()

    page = member.new_page()
    page.goto("/")
    focus_by_tab(page, f"a[href='/teams/{team.id}/']", text=team.name)
    press_to_navigate(page)
    focus_by_tab(page, f"a[href='/assessments/{assessment.id}/']", text=assessment.period)
    press_to_navigate(page)
    focus_by_tab(page, "a", text="Continue answering")
    press_to_navigate(page)
    expect_answers(page, first)
    for key in keys[FIRST_SITTING:]:
        answer_by_keyboard(page, key, plan[key])
    expect_answers(page, plan)
    focus_by_tab(page, "button[type=submit]", text="Submit my answers")
    page.keyboard.press("Enter")  # opens the confirmation, focus on Cancel
    focus_by_tab(page, "dialog button", text="Submit my answers")
    press_to_navigate(page)
    expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()
    assert stored_levels("checkout.m4", assessment) == plan
    response = Response.objects.get(assessment=assessment, respondent__username="checkout.m4")
    assert response.status == Response.SUBMITTED

    lead = new_context().new_page()
    keyboard_log_in(lead, "checkout.lead")
    focus_by_tab(lead, f"a[href='/teams/{team.id}/']", text=team.name)
    press_to_navigate(lead)
    focus_by_tab(lead, f"a[href='/assessments/{assessment.id}/']", text=assessment.period)
    press_to_navigate(lead)
    focus_by_tab(lead, "button[type=submit]", text="Close assessment")
    lead.keyboard.press("Space")  # opens the confirmation, focus on Cancel
    focus_by_tab(lead, "dialog button", text="Close and freeze the result")
    press_to_navigate(lead, "Space")
    check_result_page(lead, team, assessment)
