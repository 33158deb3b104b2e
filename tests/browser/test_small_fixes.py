"""Issue 16, point 10: the smaller fixes, one journey each on the demo organisation."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.maturity import services
from assessments.models import Answer, Assessment, Result, Team
from assessments.questionnaires import selectors as questionnaire_selectors
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser


def checkout(demo):
    return Team.objects.get(organization=demo.organization, slug="checkout")


@pytest.mark.parametrize("username", ["admin", "coe"])
def test_admin_and_analyst_home_does_not_send_them_to_an_admin(page, demo, username):
    log_in(page, username)
    main = page.locator("main")
    expect(main).not_to_contain_text("Ask your organisation admin")
    expect(main).to_contain_text("every team of your organisation")
    assert serious_violations(page) == []


def test_targets_show_current_level_and_refuse_lower(page, demo):
    team = checkout(demo)
    opened = Assessment.objects.filter(team=team, status=Assessment.OPEN).get()
    last = Result.objects.filter(team=team).order_by("-assessment__period").first()
    row = last.data["dimensions"][0]
    assert row["level"] >= 2  # a level below it exists
    dimension = opened.questionnaire.dimensions.get(key=row["key"])
    log_in(page, "checkout.lead")
    page.goto(reverse("assessment_detail", args=[opened.id]))
    select = page.get_by_label(dimension.name, exact=True)
    expect(select).to_have_accessible_description(re.compile(f"Current level: {row['level']} "))
    below = select.locator("option", has_text="(below the current level)")
    expect(below).to_have_count(row["level"] - 1)
    expect(below.first).to_be_disabled()
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_evidence_link_clickable_after_submitting(new_context, demo, width):
    page = new_context(width=width).new_page()
    team = checkout(demo)
    opened = Assessment.objects.filter(team=team, status=Assessment.OPEN).get()
    from django.contrib.auth import get_user_model

    member = get_user_model().objects.get(username="checkout.m4")
    structure = questionnaire_selectors.questionnaire_structure(opened.questionnaire)
    answers = {q.key: 3 for _, questions in structure for q in questions}
    services.save_answers(member, opened, answers=answers)
    first = next(iter(answers))
    Answer.objects.filter(response__respondent=member, question__key=first).update(
        evidence_url="https://wiki.example/retro-12"
    )
    services.submit_response(member, opened)
    log_in(page, "checkout.m4")
    page.goto(reverse("answer_page", args=[opened.id]))
    link = page.get_by_role("link", name=re.compile("Open the evidence link")).first
    expect(link).to_have_attribute("href", "https://wiki.example/retro-12")
    expect(link).to_be_visible()


def test_audit_shows_labels_minutes_and_settings_changes(page, demo):
    log_in(page, "admin")
    page.goto(reverse("organization_settings", args=[demo.organization.id]))
    page.get_by_label("Low-confidence threshold (respondents)").fill("4")
    page.get_by_role("button", name=re.compile("Save")).click()
    page.goto("/audit/?model=organization")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Organisation settings")
    expect(row).to_contain_text("Low confidence threshold")
    expect(row).not_to_contain_text("low_confidence_threshold")
    expect(row).to_contain_text("Low confidence threshold: 3 → 4")
    expect(row.locator("td").first).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_value_stream_errors_use_page_labels_and_keep_stage_names(new_context, demo, width):
    page = new_context(width=width).new_page()
    team = checkout(demo)
    log_in(page, "checkout.lead")
    page.goto(reverse("value_stream_edit", args=[team.id, "current"]))
    legends = page.locator("form > fieldset > legend")
    first_name = legends.first.inner_text()
    assert first_name.startswith("Stage 1: ")
    page.locator("#id_stages-0-wait_time_hours").fill("")
    page.get_by_role("button", name="Save as a new version").click()
    alert = page.get_by_role("alert").filter(has_text="Wait before (h)")
    expect(alert).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("wait_time_hours")
    expect(legends.first).to_have_text(first_name)
    expect(page.locator("form > fieldset > legend", has_text="New stage")).to_have_count(3)
    assert serious_violations(page) == []
