"""The organisation section of a questionnaire: answered once per period by the CoE on the
"Organisation practices" page, shown beside team results, never part of a team's score."""

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.template.loader import render_to_string

from assessments.maturity import services as maturity_services
from assessments.models.questionnaires import OrganizationPracticeAnswer, OrganizationPractices
from assessments.periods import current_period, shift_period
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires import services as questionnaire_services
from assessments.questionnaires.format import parse_questionnaire
from tests.factories import load_mini_questionnaire
from vsm_site.domain_errors import Invalid, NotAllowed, NotFound

DIRECTORY = Path(__file__).resolve().parents[3] / "assessments/questionnaires"
V2 = DIRECTORY / "vsm-maturity-v2.yaml"
ORGANIZATION_KEYS = [q.key for q in parse_questionnaire(V2.read_bytes()).organization.questions]
PERIOD = shift_period(current_period(), -1)


def practices_entries():
    return LogEntry.objects.filter(
        additional_data__organization_practices="vsm-maturity v2"
    ).order_by("timestamp", "id")


@pytest.fixture
def v2(db):
    questionnaire_services.load_questionnaire((DIRECTORY / "vsm-maturity-v1.yaml").read_bytes())
    questionnaire, _ = questionnaire_services.load_questionnaire(V2.read_bytes())
    return questionnaire


def page(slug, period=PERIOD):
    return f"/organizations/{slug}/practices/?period={period}"


def save(world, v2, answers, user=None, comments=None, period=PERIOD):
    return questionnaire_services.save_organization_practices(
        user or world.analyst, world.org, v2, period, answers, comments
    )


# --- saving -------------------------------------------------------------------------------


def test_save_practices_creates_one_set_per_period_and_updates_it(world, v2):
    save(world, v2, {"organisation-coe": 3, "tooling-standardisation": "dont_know"})
    save(world, v2, {"organisation-coe": "4", "organisation-platform": "not_applicable"},
         comments={"organisation-coe": "CoE formed in March."})  # fmt: skip
    practices = OrganizationPractices.objects.get()
    assert (practices.organization, practices.questionnaire, practices.period) == (
        world.org, v2, PERIOD,
    )  # fmt: skip
    assert practices.updated_by == world.analyst
    rows = OrganizationPracticeAnswer.objects.order_by("question__position").values_list(
        "question__key", "level", "not_applicable", "comment"
    )
    # The form sends the whole section: a question left out has no answer any more.
    assert list(rows) == [
        ("organisation-coe", 4, False, "CoE formed in March."),
        ("organisation-platform", None, True, ""),
    ]


def test_save_practices_is_recorded_in_the_audit_trail_on_the_organization(world, v2):
    save(world, v2, {"organisation-coe": 3})
    save(world, v2, {"organisation-coe": 4}, user=world.org_admin)
    assert [(e.object_id, e.actor, e.changes_dict) for e in practices_entries()] == [
        (world.org.id, world.analyst, {f"{PERIOD} organisation-coe": [None, "level 3"]}),
        (world.org.id, world.org_admin, {f"{PERIOD} organisation-coe": ["level 3", "level 4"]}),
    ]


def test_save_practices_unchanged_answers_write_no_audit_entry(world, v2):
    save(world, v2, {"organisation-coe": 3})
    save(world, v2, {"organisation-coe": 3})
    assert practices_entries().count() == 1


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"organisation-coe": 6}, "The answer to 'organisation-coe' must be a level from 1 to 5, "
                                  '"dont_know" or "not_applicable", not 6.'),
        ({"flow-wip-limits": 3}, "'flow-wip-limits' is not an organisation question of "
                                 "vsm-maturity v2."),
    ],
)  # fmt: skip
def test_save_practices_refuses_what_is_not_an_answer(world, v2, answers, message):
    with pytest.raises(Invalid) as info:
        save(world, v2, answers)
    assert info.value.message == message
    assert not OrganizationPractices.objects.exists()


def test_save_practices_refuses_a_future_period(world, v2):
    future = shift_period(current_period(), 1)
    with pytest.raises(Invalid) as info:
        save(world, v2, {"organisation-coe": 3}, period=future)
    assert info.value.message == f"{future} has not started yet."


def test_save_practices_refuses_a_version_without_section(world):
    mini = load_mini_questionnaire()
    with pytest.raises(Invalid) as info:
        save(world, mini, {})
    assert info.value.message == "mini v1 has no organisation section."


def test_save_practices_team_member_not_allowed_other_organization_not_found(world, v2):
    with pytest.raises(NotAllowed):
        save(world, v2, {"organisation-coe": 3}, user=world.lead_a)
    with pytest.raises(NotFound):
        save(world, v2, {"organisation-coe": 3}, user=world.other_admin)
    assert not OrganizationPractices.objects.exists()


# --- team scoring leaves the section out ----------------------------------------------------


def test_team_cannot_answer_organization_questions(world, v2):
    assessment = maturity_services.open_assessment(world.lead_a, world.team_a, PERIOD)
    assert assessment.questionnaire == v2
    with pytest.raises(Invalid) as info:
        maturity_services.save_answers(world.member_a, assessment, answers={"organisation-coe": 3})
    assert info.value.message == "'organisation-coe' is not a question of vsm-maturity v2."


def test_team_result_on_v2_scores_team_questions_only(world, v2):
    save(world, v2, dict.fromkeys(ORGANIZATION_KEYS, 5))
    assessment = maturity_services.open_assessment(world.lead_a, world.team_a, PERIOD)
    team_questions = questionnaire_selectors.questions_by_key(v2)
    for user in (world.member_a, world.lead_a):
        maturity_services.save_answers(user, assessment, answers=dict.fromkeys(team_questions, 2))
        maturity_services.submit_response(user, assessment)
    result = maturity_services.close_assessment(world.lead_a, assessment)
    assert {row["key"] for row in result.data["questions"]} == set(team_questions)
    assert not {row["key"] for row in result.data["questions"]} & set(ORGANIZATION_KEYS)
    assert result.overall_score == 2.0  # the organisation's fives count for nothing
    assert len(result.data["dimensions"]) == 11


# --- beside team results --------------------------------------------------------------------


def test_organization_practices_selector_none_without_a_section(world):
    load_mini_questionnaire()
    assert questionnaire_selectors.organization_practices(world.org, PERIOD, key="mini") is None


def test_organization_practices_selector_empty_before_the_coe_answers(world, v2):
    practices = questionnaire_selectors.organization_practices(world.org, PERIOD)
    assert (practices["rows"], practices["answered"], practices["total"]) == ([], 0, 5)
    html = render_to_string("assessments/_organization_practices.html", {"practices": practices})
    assert (
        f"The Centre of Excellence has not answered the organisation practices for {PERIOD} yet."
        in html
    )


def test_organization_practices_selector_rows_in_section_order(
    world, v2, django_assert_max_num_queries
):
    save(world, v2, {"organisation-coe": 3, "tooling-standardisation": "not_applicable"},
         comments={"organisation-coe": "Two coaches."})  # fmt: skip
    with django_assert_max_num_queries(2):
        practices = questionnaire_selectors.organization_practices(world.org, PERIOD)
    assert [(r["key"], r["answer"], r["level"], r["comment"]) for r in practices["rows"]] == [
        ("organisation-coe", "level", 3, "Two coaches."),
        ("tooling-standardisation", "not_applicable", None, ""),
        ("organisation-platform", None, None, ""),
        ("organisation-change-leadership", None, None, ""),
        ("organisation-metrics-use", None, None, ""),
    ]
    assert (practices["answered"], practices["updated_by"]) == (2, "analyst")
    # Another organisation, and another period, have nothing.
    assert questionnaire_selectors.organization_practices(world.other, PERIOD)["rows"] == []
    assert questionnaire_selectors.organization_practices(world.org, current_period())["rows"] == []
    html = render_to_string(
        "assessments/_organization_practices.html",
        {"practices": practices, "practices_url": page(world.org.slug)},
    )
    assert "Organisation practices this period" in html
    assert "Level 3 · Defined" in html
    assert "Not applicable" in html
    assert f'href="{page(world.org.slug)}"' in html


# --- the page -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("analyst", 200), ("org_admin", 200), ("lead_a", 403), ("member_a", 403),
     ("other_admin", 404), ("outsider", 404)],
)  # fmt: skip
def test_practices_page_only_for_the_organizations_coe(world, v2, client, role, status):
    client.force_login(getattr(world, role))
    assert client.get(page(world.org.slug)).status_code == status
    assert client.post(page(world.org.slug), {"answer-organisation-coe": "3"}).status_code == (
        302 if status == 200 else status
    )
    assert OrganizationPractices.objects.exists() == (status == 200)


def test_practices_page_anonymous_goes_to_login(world, v2, client):
    response = client.get(page(world.org.slug))
    assert (response.status_code, response.url.split("?")[0]) == (302, "/accounts/login/")


def test_practices_page_saves_the_form_and_shows_it_again(world, v2, client):
    client.force_login(world.analyst)
    response = client.post(
        page(world.org.slug),
        {
            "period": PERIOD,
            "answer-organisation-coe": "4",
            "answer-organisation-metrics-use": "dont_know",
            "comment-organisation-coe": "Formed in March.",
        },
    )
    assert (response.status_code, response.url) == (302, page(world.org.slug))
    html = client.get(page(world.org.slug)).content.decode()
    assert "2 of 5 answered for " + PERIOD in html
    assert 'id="a-organisation-coe-4" value="4" checked' in html
    assert 'id="a-organisation-metrics-use-dk" value="dont_know" checked' in html
    assert "Formed in March.</textarea>" in html


def test_practices_page_empty_states(world, client):
    client.force_login(world.analyst)
    load_mini_questionnaire()
    html = client.get(page(world.org.slug)).content.decode()
    assert "No organisation section to answer" in html
    questionnaire_services.load_questionnaire((DIRECTORY / "vsm-maturity-v1.yaml").read_bytes())
    questionnaire_services.load_questionnaire(V2.read_bytes())
    html = client.get(page(world.org.slug)).content.decode()
    assert f"Nothing answered for {PERIOD} yet." in html
    assert html.count('class="card question-card') == 5


def test_practices_page_refuses_a_future_or_malformed_period(world, v2, client):
    client.force_login(world.analyst)
    assert client.get(page(world.org.slug, shift_period(current_period(), 1))).status_code == 404
    assert client.get(page(world.org.slug, "2026-Q5")).status_code == 404


def test_practices_home_redirects_to_the_first_organization(world, client):
    client.force_login(world.analyst)
    response = client.get("/practices/")
    assert (response.status_code, response.url) == (302, "/organizations/acme/practices/")
    client.force_login(world.member_a)
    assert client.get("/practices/").status_code == 403
