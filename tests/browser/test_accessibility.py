"""Every main page passes axe-core (bundled with axe-playwright-python: no CDN) without serious
or critical violations, and colour never carries a meaning alone: every level chip, tier
badge and heatmap cell says its value in text."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from assessments.models import Assessment, Result, Team
from assessments.periods import current_period, shift_period
from assessments.questionnaires import services as questionnaire_services
from reports.campaigns import services as campaigns
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser

# Elements whose colour stands for a value: each must also say it in words or numbers.
COLOURED = ".tier, .level-chip, .badge, .heatmap td[class*='level-']"


def main_pages(demo):
    """(who, name, path) of every main page, with the demo organisation's ids."""
    org = demo.organization
    team = Team.objects.get(organization=org, slug="checkout")
    open_assessment = Assessment.objects.get(team=team, status=Assessment.OPEN)
    result = Result.objects.filter(team=team).order_by("-period").first()
    coe = get_user_model().objects.get(username="coe")
    round_ = campaigns.open_campaign(
        coe, org, "Next quarter round", shift_period(current_period(), 1),
        dt.date.today() + dt.timedelta(days=30), group=org.groups.get(name="Platform"),
        questionnaire_key="vsm-maturity",
    )  # fmt: skip
    draft = questionnaire_services.start_draft(coe, org, "vsm-maturity")
    questionnaire_services.edit_draft(
        coe,
        draft,
        {"op": "set", "path": "question.flow-wip-limits.text", "value": "How is WIP capped?"},
    )
    edit = f"/organizations/{org.slug}/questionnaires/vsm-maturity/{draft.version}"
    lead = "checkout.lead"
    return [
        (None, "login", "/accounts/login/"),
        (lead, "home", "/"),
        (lead, "team page", f"/teams/{team.id}/"),
        (lead, "assessment page", f"/assessments/{open_assessment.id}/"),
        (lead, "answering page", f"/assessments/{open_assessment.id}/answer/"),
        (lead, "result page", f"/assessments/{result.assessment_id}/result/"),
        (lead, "team DORA page", f"/teams/{team.id}/dora/"),
        (lead, "roadmap page", f"/teams/{team.id}/roadmap/"),
        (lead, "history page", f"/teams/{team.id}/history/"),
        (lead, "value stream page", f"/teams/{team.id}/value-stream/"),
        (lead, "not-found page", "/teams/999999/"),
        ("coe", "CoE dashboard", "/coe/"),
        ("coe", "campaigns list", "/campaigns/"),
        ("coe", "campaign round page", f"/campaigns/{round_.id}/"),
        ("coe", "questionnaires list", "/questionnaires/"),
        ("coe", "questionnaire editor", f"{edit}/edit/"),
        ("coe", "questionnaire changes", f"{edit}/review/"),
        ("coe", "portfolio", "/portfolio/"),
    ]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_main_pages_have_no_serious_axe_violations(new_context, demo, width):
    pages = {}
    failures = {}
    colour_only = []
    for who, name, path in main_pages(demo):
        if who not in pages:
            pages[who] = new_context(width=width).new_page()
            if who:
                log_in(pages[who], who)
        page = pages[who]
        response = page.goto(path)
        assert response.status == (404 if name == "not-found page" else 200), name
        # Open every disclosure so that axe checks what it hides, too.
        page.locator("details:not([open]) > summary").evaluate_all(
            "items => items.forEach(s => s.parentElement.open = true)"
        )
        found = serious_violations(page)
        if found:
            failures[f"{name} ({path})"] = found
        colour_only += [
            f"{name}: {html}"
            for html in page.locator(COLOURED).evaluate_all(
                "els => els.filter(e => !e.textContent.trim()).map(e => e.outerHTML)"
            )
        ]
    report = "\n".join(f"{page}:\n  " + "\n  ".join(lines) for page, lines in failures.items())
    assert not failures, f"axe found serious or critical violations:\n{report}"
    assert colour_only == [], "coloured elements without text"
