"""The answering flow through the API: member, lead, outsider; every bad input leaves the
stored answers exactly as they were."""

import pytest

from assessments.maturity import services
from assessments.models import Answer, Assessment, Response, Result
from tests.conftest import ALL_LEVELS
from tests.factories import load_mini_questionnaire


def stored(assessment, user):
    return {
        (a.question.key, a.level, a.comment)
        for a in Answer.objects.filter(
            response__assessment=assessment, response__respondent=user
        ).select_related("question")
    }


def test_questionnaires_list_and_detail(world, mini, api_client):
    api_client.force_authenticate(world.member_a)
    listing = api_client.get("/api/v1/questionnaires/").json()
    assert [(q["key"], q["version"], q["status"]) for q in listing] == [("mini", 1, "published")]
    detail = api_client.get("/api/v1/questionnaires/mini/1/").json()
    assert [d["key"] for d in detail["dimensions"]] == ["flow", "quality"]
    question = detail["dimensions"][0]["questions"][0]
    assert question["key"] == "flow-wip"
    assert question["text"] == "How is work in progress limited?"
    assert question["levels"] == ["one", "two", "three", "four", "five"]


def test_questionnaire_detail_unknown_version_404(world, mini, api_client):
    api_client.force_authenticate(world.member_a)
    response = api_client.get("/api/v1/questionnaires/mini/9/")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no questionnaire mini v9."}


def test_lead_opens_assessment_201(world, mini, api_client):
    api_client.force_authenticate(world.lead_a)
    response = api_client.post(
        "/api/v1/assessments/",
        {"team": world.team_a.id, "questionnaire": "mini", "period": "2026-Q4"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assessment = Assessment.objects.get(pk=body["id"])
    assert (assessment.team, assessment.period, assessment.status) == (
        world.team_a,
        "2026-Q4",
        "open",
    )
    assert body["version"] == 1


@pytest.mark.parametrize(
    ("who", "status", "detail"),
    [
        ("member_a", 403, "Only the team's lead opens assessments."),
        ("analyst", 403, "Only the team's lead opens assessments."),
        ("member_b", 404, "No such team."),
        ("other_admin", 404, "No such team."),
    ],
)
def test_non_lead_cannot_open_assessment(world, mini, api_client, who, status, detail):
    api_client.force_authenticate(getattr(world, who))
    response = api_client.post(
        "/api/v1/assessments/",
        {"team": world.team_a.id, "questionnaire": "mini", "period": "2026-Q4"},
        format="json",
    )
    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert Assessment.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({"period": "2026-Q5"}, 400, "Period '2026-Q5' is not a quarter like 2026-Q4."),
        ({"version": 7}, 400, "There is no published version 7 of 'mini'."),
        ({"questionnaire": "nope"}, 400, "There is no published questionnaire 'nope'."),
    ],
)
def test_open_assessment_bad_input_400(world, mini, api_client, payload, status, detail):
    api_client.force_authenticate(world.lead_a)
    body = {"team": world.team_a.id, "questionnaire": "mini", "period": "2026-Q4", **payload}
    response = api_client.post("/api/v1/assessments/", body, format="json")
    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert Assessment.objects.count() == 0


def test_open_duplicate_assessment_409(world, open_assessment, api_client):
    api_client.force_authenticate(world.lead_a)
    response = api_client.post(
        "/api/v1/assessments/",
        {"team": world.team_a.id, "questionnaire": "mini", "period": "2026-Q4"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Team A already has a mini assessment for 2026-Q4."
    assert Assessment.objects.count() == 1


def test_member_saves_partial_draft_and_reads_it_back(world, open_assessment, api_client):
    api_client.force_authenticate(world.member_a)
    url = f"/api/v1/assessments/{open_assessment.id}/responses/me/"
    first = api_client.put(
        url, {"answers": {"flow-wip": 3}, "comments": {"flow-wip": "WIP limits on the board"}},
        format="json",
    )  # fmt: skip
    assert first.status_code == 200
    second = api_client.put(url, {"answers": {"flow-wait": None}}, format="json")
    assert second.status_code == 200
    body = api_client.get(url).json()
    assert body["status"] == "draft"
    assert body["answers"] == {"flow-wip": 3, "flow-wait": None}
    assert body["comments"] == {"flow-wip": "WIP limits on the board"}
    assert (body["answered"], body["total"]) == (2, 4)


def test_keys_not_sent_keep_their_value(world, open_assessment, api_client):
    api_client.force_authenticate(world.member_a)
    url = f"/api/v1/assessments/{open_assessment.id}/responses/me/"
    api_client.put(url, {"answers": {"flow-wip": 3}, "comments": {"flow-wip": "x"}}, format="json")
    api_client.put(url, {"answers": {"flow-wip": 4}}, format="json")
    assert stored(open_assessment, world.member_a) == {("flow-wip", 4, "x")}


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({"answers": {"flow-wip": 6}}, 400,
         "The answer to 'flow-wip' must be a level from 1 to 5, null for \"don't know\" or "
         "\"n/a\" for \"not applicable\", not 6."),
        ({"answers": {"flow-wip": 0}}, 400,
         "The answer to 'flow-wip' must be a level from 1 to 5, null for \"don't know\" or "
         "\"n/a\" for \"not applicable\", not 0."),
        ({"answers": {"flow-wip": "3"}}, 400,
         "The answer to 'flow-wip' must be a level from 1 to 5, null for \"don't know\" or "
         "\"n/a\" for \"not applicable\", "
         "not '3'."),
        ({"answers": {"flow-wip": True}}, 400,
         "The answer to 'flow-wip' must be a level from 1 to 5, null for \"don't know\" or "
         "\"n/a\" for \"not applicable\", "
         "not True."),
        ({"answers": {"no-such-question": 3}}, 400,
         "'no-such-question' is not a question of mini v1."),
        ({"answers": {"flow-wip": 2, "bogus": 1}}, 400, "'bogus' is not a question of mini v1."),
        ({"comments": {"flow-wip": "x" * 4001}}, 400,
         "The comment on 'flow-wip' must be text of at most 4000 characters."),
        ({"evidence": {"flow-wip": "javascript:alert(1)"}}, 400,
         "The evidence link for 'flow-wip' must be an http(s) address of at most 500 "
         "characters."),
        ({"answerz": {}}, 400, "Unknown field(s): answerz."),
    ],
)  # fmt: skip
def test_bad_answers_400_and_nothing_changes(world, open_assessment, api_client, payload,
                                             status, detail):  # fmt: skip
    api_client.force_authenticate(world.member_a)
    url = f"/api/v1/assessments/{open_assessment.id}/responses/me/"
    api_client.put(url, {"answers": {"flow-wip": 1}, "comments": {"flow-wip": "c"}}, format="json")
    before = stored(open_assessment, world.member_a)
    response = api_client.put(url, payload, format="json")
    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert stored(open_assessment, world.member_a) == before


def test_outsider_cannot_answer_other_team(world, open_assessment, api_client):
    api_client.force_authenticate(world.member_b)
    url = f"/api/v1/assessments/{open_assessment.id}/responses/me/"
    response = api_client.put(url, {"answers": {"flow-wip": 3}}, format="json")
    assert response.status_code == 404
    assert Response.objects.count() == 0


def test_analyst_sees_assessment_but_cannot_answer(world, open_assessment, api_client):
    api_client.force_authenticate(world.analyst)
    url = f"/api/v1/assessments/{open_assessment.id}/responses/me/"
    response = api_client.put(url, {"answers": {"flow-wip": 3}}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only members of the team answer its assessment."
    assert Response.objects.count() == 0


def submit_all(api_client, user, assessment, levels=ALL_LEVELS):
    api_client.force_authenticate(user)
    base = f"/api/v1/assessments/{assessment.id}/responses/me/"
    assert api_client.put(base, {"answers": levels}, format="json").status_code == 200
    return api_client.post(base + "submit/")


def test_submit_then_submit_again_409(world, open_assessment, api_client):
    first = submit_all(api_client, world.member_a, open_assessment)
    assert first.status_code == 200
    assert first.json()["status"] == "submitted"
    again = api_client.post(f"/api/v1/assessments/{open_assessment.id}/responses/me/submit/")
    assert again.status_code == 409
    assert again.json()["detail"] == "You have already submitted your answers to this assessment."
    after = api_client.put(
        f"/api/v1/assessments/{open_assessment.id}/responses/me/",
        {"answers": {"flow-wip": 1}},
        format="json",
    )
    assert after.status_code == 409
    assert stored(open_assessment, world.member_a) == {(k, v, "") for k, v in ALL_LEVELS.items()}


def test_submit_with_unanswered_questions_400(world, open_assessment, api_client):
    api_client.force_authenticate(world.member_a)
    base = f"/api/v1/assessments/{open_assessment.id}/responses/me/"
    api_client.put(base, {"answers": {"flow-wip": 3}}, format="json")
    response = api_client.post(base + "submit/")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        '3 of 4 questions are still unanswered; answer them or choose "don\'t know" or "not '
        'applicable" before submitting.'
    )
    assert Response.objects.get().status == "draft"


def test_close_and_result_api(world, open_assessment, api_client):
    submit_all(api_client, world.member_a, open_assessment)
    submit_all(
        api_client,
        world.lead_a,
        open_assessment,
        {"flow-wip": 5, "flow-wait": 4, "quality-tests": 2, "quality-review": 3},
    )
    api_client.force_authenticate(world.member_a)
    not_lead = api_client.post(f"/api/v1/assessments/{open_assessment.id}/close/")
    assert not_lead.status_code == 403
    api_client.force_authenticate(world.lead_a)
    closed = api_client.post(f"/api/v1/assessments/{open_assessment.id}/close/")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    result = api_client.get(f"/api/v1/assessments/{open_assessment.id}/result/").json()
    # member_a: flow 3.5, quality 2.0 (review don't know); lead_a: flow 4.5, quality 2.5
    # flow mean 4.0, quality mean 2.25; overall (2 * 4.0 + 1 * 2.25) / 3 = 3.4167
    assert result["overall_score"] == 3.4167
    assert result["overall_level"] == 3
    assert result["overall_level_name"] == "Defined"
    assert result["respondents"] == 2
    assert result["low_confidence"] is True  # 2 respondents: below the threshold of 3
    flow, quality = result["dimensions"]
    # Two respondents: the lowest and highest would tell each one the other's score.
    assert (flow["key"], flow["score"], flow["level"], flow["min"], flow["max"]) == (
        "flow", 4.0, 4, None, None
    )  # fmt: skip
    # ... and so would the shares per level and the disagreement mark.
    assert (flow["spread_hidden"], flow["disagreement"], flow["at_or_above"]) == (True, None, None)
    assert (quality["score"], quality["min"], quality["max"], quality["disagreement"]) == (
        2.25, None, None, None
    )  # fmt: skip
    assert (quality["dont_know_share"], quality["dont_know_warning"]) == (0.25, False)
    assert (result["coverage"], result["overall_incomplete"]) == (1.0, False)
    # An organisation admin sees the spread.
    api_client.force_authenticate(world.org_admin)
    result = api_client.get(f"/api/v1/assessments/{open_assessment.id}/result/").json()
    flow = result["dimensions"][0]
    assert (flow["min"], flow["max"], flow["spread_hidden"]) == (3.5, 4.5, False)
    # flow-wip: 3 vs 5, two levels apart: within one-level noise around 4, not disagreement
    assert flow["disagreement"] is False
    assert flow["at_or_above"] == {"2": 1.0, "3": 1.0, "4": 0.75, "5": 0.25}  # 3, 4, 5, 4
    assert quality["insufficient"] is False


def test_answering_closed_assessment_409(world, open_assessment, api_client):
    submit_all(api_client, world.member_a, open_assessment)
    services.close_assessment(world.lead_a, open_assessment)
    api_client.force_authenticate(world.lead_a)
    response = api_client.put(
        f"/api/v1/assessments/{open_assessment.id}/responses/me/",
        {"answers": {"flow-wip": 3}},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "This assessment is closed; answers can no longer change."
    again = api_client.post(f"/api/v1/assessments/{open_assessment.id}/close/")
    assert again.status_code == 409
    assert Result.objects.count() == 1


def test_close_without_submissions_409(world, open_assessment, api_client):
    api_client.force_authenticate(world.lead_a)
    response = api_client.post(f"/api/v1/assessments/{open_assessment.id}/close/")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Nobody has submitted answers yet; there is nothing to score."
    )
    assert Assessment.objects.get().status == "open"


def test_result_of_open_assessment_404_with_reason(world, open_assessment, api_client):
    api_client.force_authenticate(world.lead_a)
    response = api_client.get(f"/api/v1/assessments/{open_assessment.id}/result/")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "This assessment is still open; its result exists once it is closed."
    )


def test_result_of_other_team_404(world, open_assessment, api_client):
    submit_all(api_client, world.member_a, open_assessment)
    services.close_assessment(world.lead_a, open_assessment)
    api_client.force_authenticate(world.member_b)
    response = api_client.get(f"/api/v1/assessments/{open_assessment.id}/result/")
    assert response.status_code == 404


def test_closed_result_unchanged_after_new_version_published(world, open_assessment, api_client):
    submit_all(api_client, world.member_a, open_assessment)
    services.close_assessment(world.lead_a, open_assessment)
    api_client.force_authenticate(world.lead_a)
    url = f"/api/v1/assessments/{open_assessment.id}/result/"
    before = api_client.get(url).json()
    v2 = load_mini_questionnaire(version=2, flow_replaces="replaces: flow")
    assert v2.status == "published"
    after = api_client.get(url).json()
    assert after == before
    assert after["version"] == 1


def test_targets_set_by_lead_validated(world, open_assessment, api_client):
    api_client.force_authenticate(world.lead_a)
    url = f"/api/v1/assessments/{open_assessment.id}/targets/"
    ok = api_client.put(url, {"targets": {"flow": 4}}, format="json")
    assert ok.status_code == 200
    assert ok.json()["targets"] == {"flow": 4}
    bad = api_client.put(url, {"targets": {"flow": 9}}, format="json")
    assert bad.status_code == 400
    assert bad.json()["detail"] == "The target for 'flow' must be a level from 1 to 5."
    api_client.force_authenticate(world.member_a)
    denied = api_client.put(url, {"targets": {"flow": 2}}, format="json")
    assert denied.status_code == 403


def test_low_confidence_result_hides_range_except_for_admin(world, open_assessment, api_client):
    submit_all(api_client, world.member_a, open_assessment)
    services.close_assessment(world.lead_a, open_assessment)
    url = f"/api/v1/assessments/{open_assessment.id}/result/"
    api_client.force_authenticate(world.lead_a)
    lead_view = api_client.get(url).json()
    assert lead_view["low_confidence"] is True
    assert [(d["min"], d["max"]) for d in lead_view["dimensions"]] == [(None, None)] * 2
    api_client.force_authenticate(world.org_admin)
    admin_view = api_client.get(url).json()
    assert [(d["min"], d["max"]) for d in admin_view["dimensions"]] == [(3.5, 3.5), (2.0, 2.0)]
