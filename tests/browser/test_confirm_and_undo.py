"""Issue 16, point 5: submit, close, remove a member and send reminders each ask first in an
accessible dialog that names the consequence; a removal and a submission can be undone."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from assessments.maturity import services
from assessments.models import Assessment, Membership, Response, Team
from assessments.periods import current_period, shift_period
from assessments.questionnaires import selectors as questionnaire_selectors
from reports.campaigns import services as campaigns
from tests.browser.helpers import confirm_dialog, log_in, serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def checkout(demo):
    team = Team.objects.get(organization=demo.organization, slug="checkout")
    assessment = Assessment.objects.get(team=team, status=Assessment.OPEN)
    return team, assessment


def answer_everything(username, assessment):
    user = get_user_model().objects.get(username=username)
    keys = questionnaire_selectors.questions_by_key(assessment.questionnaire)
    services.save_answers(user, assessment, answers=dict.fromkeys(keys, 3))


def status_of(username, assessment):
    return Response.objects.get(assessment=assessment, respondent__username=username).status


@pytest.mark.parametrize("width", [1280, 390])
def test_member_confirms_submit_then_undoes_it(new_context, checkout, width):
    team, assessment = checkout
    answer_everything("checkout.m3", assessment)
    page = new_context(width=width).new_page()
    log_in(page, "checkout.m3")
    page.goto(f"/assessments/{assessment.id}/answer/")

    submit = page.get_by_role("button", name="Submit my answers")
    submit.click()
    dialog = confirm_dialog(page)
    expect(dialog).to_contain_text("Submit your answers?")
    expect(dialog).to_contain_text("can no longer be edited")
    # Focus starts on the safe choice; Escape cancels and gives focus back.
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(submit).to_be_focused()
    assert status_of("checkout.m3", assessment) == Response.DRAFT

    submit.click()
    confirm_dialog(page).get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment.id}/$"))
    expect(page.get_by_role("alert").filter(has_text="your answers are submitted")).to_be_visible()
    assert status_of("checkout.m3", assessment) == Response.SUBMITTED

    page.get_by_role("button", name="Undo submit").click()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment.id}/answer/$"))
    expect(page.get_by_role("alert").filter(has_text="Submission undone")).to_be_visible()
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()
    assert status_of("checkout.m3", assessment) == Response.DRAFT


def test_lead_close_names_who_has_not_submitted(new_context, checkout):
    team, assessment = checkout
    answer_everything("checkout.m3", assessment)
    services.submit_response(get_user_model().objects.get(username="checkout.m3"), assessment)
    members = team.memberships.count()
    page = new_context().new_page()
    log_in(page, "checkout.lead")
    page.goto(f"/assessments/{assessment.id}/")

    page.get_by_role("button", name="Close assessment and freeze the result").click()
    dialog = confirm_dialog(page)
    expect(dialog).to_contain_text(
        f"{members - 1} of {members} members have not submitted; closing freezes the result "
        "without them."
    )
    assert serious_violations(page) == []
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.OPEN

    page.get_by_role("button", name="Close assessment and freeze the result").click()
    confirm_dialog(page).get_by_role("button", name="Close and freeze the result").click()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment.id}/result/$"))
    assessment.refresh_from_db()
    assert assessment.status == Assessment.CLOSED


@pytest.mark.parametrize("width", [1280, 390])
def test_admin_confirms_removal_and_undoes_it(new_context, checkout, width):
    team, _ = checkout
    page = new_context(width=width).new_page()
    log_in(page, "admin")
    page.goto(f"/teams/{team.id}/")

    page.get_by_role("button", name=f"Remove checkout.lead from {team.name}").click()
    dialog = confirm_dialog(page)
    expect(dialog).to_contain_text("Remove checkout.lead?")
    expect(dialog).to_contain_text("and stops leading it")
    assert serious_violations(page) == []
    dialog.get_by_role("button", name="Remove checkout.lead").click()

    expect(page.get_by_role("alert").filter(has_text="checkout.lead removed")).to_be_visible()
    assert not Membership.objects.filter(team=team, user__username="checkout.lead").exists()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Undo: add checkout.lead back").click()

    expect(
        page.get_by_role("alert").filter(has_text="Undone: checkout.lead is back")
    ).to_be_visible()
    assert Membership.objects.get(team=team, user__username="checkout.lead").role == "lead"


def test_coe_confirms_before_sending_reminders(new_context, demo):
    org = demo.organization
    coe = get_user_model().objects.get(username="coe")
    round_ = campaigns.open_campaign(
        coe, org, "Next quarter round", shift_period(current_period(), 1),
        dt.date.today() + dt.timedelta(days=30), group=org.groups.get(name="Platform"),
        questionnaire_key="vsm-maturity",
    )  # fmt: skip
    page = new_context().new_page()
    log_in(page, "coe")
    page.goto(f"/campaigns/{round_.id}/")

    page.get_by_role("button", name="Send reminders now").click()
    dialog = confirm_dialog(page)
    expect(dialog).to_contain_text("gets a reminder e-mail now")
    assert serious_violations(page) == []
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("alert")).to_have_count(0)

    page.get_by_role("button", name="Send reminders now").click()
    confirm_dialog(page).get_by_role("button", name="Send reminders").click()
    expect(page.get_by_role("alert").filter(has_text="reminder")).to_be_visible()
