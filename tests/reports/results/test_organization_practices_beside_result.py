"""The result page shows the CoE's answers for the organisation as a whole beside the team's
result ("Organisation practices this period"), with the CoE's link to answer them."""

from pathlib import Path

from assessments.maturity import services as maturity_services
from assessments.periods import current_period, shift_period
from assessments.questionnaires import selectors
from assessments.questionnaires import services as questionnaire_services

DIRECTORY = Path(__file__).resolve().parents[3] / "assessments/questionnaires"
PERIOD = shift_period(current_period(), -1)


def test_result_page_shows_organisation_practices_beside_the_team_result(world, client):
    questionnaire_services.load_questionnaire((DIRECTORY / "vsm-maturity-v1.yaml").read_bytes())
    v2, _ = questionnaire_services.load_questionnaire(
        (DIRECTORY / "vsm-maturity-v2.yaml").read_bytes()
    )
    assessment = maturity_services.open_assessment(world.lead_a, world.team_a, PERIOD)
    answers = dict.fromkeys(selectors.questions_by_key(assessment.questionnaire), 3)
    maturity_services.save_answers(world.member_a, assessment, answers=answers)
    maturity_services.submit_response(world.member_a, assessment)
    maturity_services.close_assessment(world.lead_a, assessment)
    url = f"/assessments/{assessment.id}/result/"

    client.force_login(world.lead_a)
    page = client.get(url).content.decode()
    assert "Organisation practices this period" in page
    assert f"has not answered the organisation practices for {PERIOD} yet" in page
    assert f"Answer for {PERIOD}" not in page  # a lead does not answer for the organisation

    questionnaire_services.save_organization_practices(
        world.analyst, world.org, v2, PERIOD, {"organisation-coe": 4}, {}
    )
    client.force_login(world.analyst)
    page = client.get(url).content.decode()
    assert "Level 4" in page
    assert f'href="/organizations/{world.org.slug}/practices/?period={PERIOD}"' in page
