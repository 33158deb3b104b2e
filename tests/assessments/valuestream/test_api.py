"""Value stream maps through the API, the services, the pages, the roadmap and the demo."""

import copy

import pytest

from assessments.maturity import services
from assessments.models import ValueStreamMap
from assessments.valuestream import services as valuestream_services
from reports import demo
from reports.pdf import render as pdf
from reports.roadmap import inputs as roadmap_inputs
from tests.assessments.valuestream.test_rules import EXAMPLE
from tests.conftest import client_for
from vsm_site.domain_errors import NotAllowed

CURRENT = "/api/v1/teams/{}/value-stream-maps/current/"
FUTURE = "/api/v1/teams/{}/value-stream-maps/future/"
HISTORY = "/api/v1/teams/{}/value-stream-maps/history/"

EXAMPLE_FIGURES = {
    "stage_count": 4,
    "lead_time_hours": 200.0,
    "process_time_hours": 40.0,
    "wait_time_hours": 160.0,
    "flow_efficiency": 20.0,
    "rolled_percent_complete_accurate": 47.25,
    "handoffs": 2,
    "bottleneck": "Testing",
    "bottleneck_wait_hours": 72.0,
    "worst_quality_stage": "Ideation",
    "worst_quality_percent": 70.0,
    "pain_points": {"delay": 1, "rework": 0, "quality": 1, "manual_work": 1},
}


def put(client, url, stages, **extra):
    return client.put(url, {"stages": stages, **extra}, format="json")


@pytest.fixture
def lead_client(world, api_client):
    api_client.force_authenticate(world.lead_a)
    return api_client


# --------------------------------------------------------------------------------------------
# Writing and reading


def test_put_current_creates_version_one_with_figures(world, lead_client):
    response = put(lead_client, CURRENT.format(world.team_a.id), EXAMPLE, note="Workshop 1")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in EXAMPLE_FIGURES} == EXAMPLE_FIGURES
    assert (body["team"], body["kind"], body["version"]) == (world.team_a.id, "current", 1)
    assert (body["created_by"], body["note"]) == ("lead_a", "Workshop 1")
    assert [s["name"] for s in body["stages"]] == [
        "Ideation", "Development", "Testing", "Deployment"
    ]  # fmt: skip
    assert body["stages"][2] == {
        "name": "Testing",
        "process_time_hours": 6.0,
        "wait_time_hours": 72.0,
        "percent_complete_accurate": 75.0,
        "handoff": True,
        "activities": [],
        "people": None,
        "pain_points": [
            {"kind": "manual_work", "note": "Manual regression"},
            {"kind": "quality", "note": ""},
        ],
        "planned_changes": [],
    }
    assert lead_client.get(CURRENT.format(world.team_a.id)).json() == body


def test_put_again_adds_a_version_and_history_keeps_the_old_one(world, lead_client):
    url = CURRENT.format(world.team_a.id)
    put(lead_client, url, EXAMPLE)
    faster = copy.deepcopy(EXAMPLE)
    faster[2]["wait_time_hours"] = 32  # Testing no longer waits longest: Ideation (40 h) does
    second = put(lead_client, url, faster)
    assert second.status_code == 201
    assert (second.json()["version"], second.json()["bottleneck"]) == (2, "Ideation")
    assert second.json()["lead_time_hours"] == 160.0
    assert second.json()["flow_efficiency"] == 25.0
    current = lead_client.get(url).json()
    assert current["version"] == 2
    history = lead_client.get(HISTORY.format(world.team_a.id)).json()
    assert [(m["kind"], m["version"]) for m in history] == [("current", 2), ("current", 1)]
    assert history[1]["stages"][2]["wait_time_hours"] == 72.0
    assert history[1]["bottleneck"] == "Testing"
    assert ValueStreamMap.objects.filter(team=world.team_a).count() == 2


def test_future_map_is_versioned_apart_from_the_current_one(world, lead_client):
    put(lead_client, CURRENT.format(world.team_a.id), EXAMPLE)
    future = copy.deepcopy(EXAMPLE)
    future[2].update(
        wait_time_hours=8, pain_points=[], planned_changes=["automate", {"kind": "pull"}]
    )
    response = put(lead_client, FUTURE.format(world.team_a.id), future)
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["version"]) == ("future", 1)
    assert body["lead_time_hours"] == 136.0
    assert body["stages"][2]["planned_changes"] == [
        {"kind": "automate", "note": ""}, {"kind": "pull", "note": ""}
    ]  # fmt: skip
    assert lead_client.get(FUTURE.format(world.team_a.id)).json()["version"] == 1
    history = lead_client.get(HISTORY.format(world.team_a.id)).json()
    assert [(m["kind"], m["version"]) for m in history] == [("current", 1), ("future", 1)]
    only_future = lead_client.get(HISTORY.format(world.team_a.id), {"kind": "future"}).json()
    assert [(m["kind"], m["version"]) for m in only_future] == [("future", 1)]


def test_history_unknown_kind_400(world, lead_client):
    response = lead_client.get(HISTORY.format(world.team_a.id), {"kind": "past"})
    assert response.status_code == 400
    assert response.json() == {"detail": "kind must be current or future, not 'past'.",
                               "field": "kind"}  # fmt: skip


def test_get_without_a_map_404_with_a_clear_message(world, lead_client):
    response = lead_client.get(CURRENT.format(world.team_a.id))
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Team A has no current-state value stream map yet; a team lead creates one "
        "with PUT."
    }
    response = lead_client.get(FUTURE.format(world.team_a.id))
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Team A has no future-state value stream map")
    assert lead_client.get(HISTORY.format(world.team_a.id)).json() == []


# --------------------------------------------------------------------------------------------
# Permissions


@pytest.mark.parametrize("who", ["member_a", "lead_a", "analyst", "org_admin", "superuser"])
def test_anyone_who_sees_the_team_reads(world, api_client, who):
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    api_client.force_authenticate(getattr(world, who))
    assert api_client.get(CURRENT.format(world.team_a.id)).status_code == 200
    assert api_client.get(HISTORY.format(world.team_a.id)).status_code == 200


@pytest.mark.parametrize("who", ["member_a", "analyst"])
def test_non_leads_cannot_write(world, api_client, who):
    api_client.force_authenticate(getattr(world, who))
    response = put(api_client, CURRENT.format(world.team_a.id), EXAMPLE)
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the team's lead edits its value stream maps."}
    assert not ValueStreamMap.objects.exists()


def test_org_admin_writes(world, api_client):
    api_client.force_authenticate(world.org_admin)
    assert put(api_client, FUTURE.format(world.team_a.id), EXAMPLE).status_code == 201


@pytest.mark.parametrize("who", ["member_b", "other_admin", "other_member", "outsider"])
def test_other_teams_get_404(world, api_client, who):
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    api_client.force_authenticate(getattr(world, who))
    for url in (CURRENT, FUTURE, HISTORY):
        response = api_client.get(url.format(world.team_a.id))
        assert response.status_code == 404
        assert response.json() == {"detail": "No such team."}
    assert put(api_client, CURRENT.format(world.team_a.id), EXAMPLE).status_code == 404
    assert ValueStreamMap.objects.count() == 1


def test_lead_of_one_team_cannot_see_another_organisations_team(world, lead_client):
    assert lead_client.get(CURRENT.format(world.other_team.id)).status_code == 404


def test_anonymous_401(world, api_client):
    assert api_client.get(CURRENT.format(world.team_a.id)).status_code == 401
    assert api_client.get(HISTORY.format(world.team_a.id)).status_code == 401
    assert put(api_client, CURRENT.format(world.team_a.id), EXAMPLE).status_code == 401
    assert not ValueStreamMap.objects.exists()


def test_save_map_service_refuses_members(world):
    with pytest.raises(NotAllowed):
        valuestream_services.save_map(world.member_a, world.team_a, "current", EXAMPLE)


# --------------------------------------------------------------------------------------------
# Bad input: 400, a message naming the stage and field, nothing saved


def with_stage(index, **changes):
    stages = copy.deepcopy(EXAMPLE)
    stages[index].update(changes)
    return stages


BAD_BODIES = [
    (
        {"stages": with_stage(1, wait_time_hours=-4)},
        "stages[1].wait_time_hours",
        'Stage 2 ("Development"): wait_time_hours cannot be negative, got -4.',
    ),
    (
        {"stages": with_stage(3, wait_time_hours=100000)},
        "stages[3].wait_time_hours",
        'Stage 4 ("Deployment"): wait_time_hours must be at most 87600 hours (10 years), '
        "got 100000.",
    ),
    (
        {"stages": with_stage(0, process_time_hours=-0.5)},
        "stages[0].process_time_hours",
        'Stage 1 ("Ideation"): process_time_hours cannot be negative, got -0.5.',
    ),
    (
        {"stages": with_stage(2, percent_complete_accurate=120)},
        "stages[2].percent_complete_accurate",
        'Stage 3 ("Testing"): percent_complete_accurate is a percentage: 0 to 100, got 120.',
    ),
    (
        {"stages": with_stage(2, percent_complete_accurate=-1)},
        "stages[2].percent_complete_accurate",
        'Stage 3 ("Testing"): percent_complete_accurate is a percentage: 0 to 100, got -1.',
    ),
    ({"stages": []}, "stages", "stages: a value stream map needs at least one stage."),
    ({"stages": "Ideation, Testing"}, "stages", "stages must be a list of stages."),
    (
        {"stages": with_stage(3, name="testing")},
        "stages[3].name",
        'Stage 4 ("testing"): the name repeats stage 3 ("Testing"); stage names must be unique.',
    ),
    (
        {"stages": with_stage(0, pain_points=[{"kind": "meetings", "note": "too many"}])},
        "stages[0].pain_points",
        'Stage 1 ("Ideation"): unknown pain point kind "meetings"; allowed: delay, rework, '
        "quality, manual_work.",
    ),
    (
        {"stages": [{"name": f"Stage {i}", "process_time_hours": 1, "wait_time_hours": 1}
                    for i in range(31)]},
        "stages",
        "stages: at most 30 stages, got 31.",
    ),
    (
        {"stages": [dict(s, position=p) for s, p in zip(EXAMPLE, (1, 2, 4, 5), strict=True)]},
        "stages",
        "stages: positions must run 1 to 4 without gaps or repeats, got 1, 2, 4, 5.",
    ),
    (
        {"stages": with_stage(1, process_time_hours=None)},
        "stages[1].process_time_hours",
        'Stage 2 ("Development"): process_time_hours is required (hours).',
    ),
    (
        {"stages": with_stage(1, handoff="no")},
        "stages[1].handoff",
        'Stage 2 ("Development"): handoff must be true or false, not "no".',
    ),
    (
        {"stages": EXAMPLE, "owner": "me"},
        "owner",
        "Unknown field(s): owner; send stages and an optional note.",
    ),
    ({"note": "no stages"}, "stages", "stages is required: a list of the stages in order."),
    ({"stages": EXAMPLE, "note": "x" * 501}, "note", "note must be at most 500 characters."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field", "message"), BAD_BODIES)
@pytest.mark.parametrize("url", [CURRENT, FUTURE])
def test_bad_input_400_names_the_field_and_saves_nothing(world, lead_client, url, body, field,
                                                          message):  # fmt: skip
    response = lead_client.put(url.format(world.team_a.id), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": message, "field": field}
    assert not ValueStreamMap.objects.exists()


def test_body_must_be_an_object(world, lead_client):
    response = lead_client.put(CURRENT.format(world.team_a.id), EXAMPLE, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": 'The body must be a JSON object: {"stages": [...], "note": "..."}.'
    }
    assert not ValueStreamMap.objects.exists()


def test_bad_input_after_a_good_version_keeps_the_version(world, lead_client):
    url = CURRENT.format(world.team_a.id)
    put(lead_client, url, EXAMPLE)
    assert put(lead_client, url, with_stage(0, wait_time_hours=-1)).status_code == 400
    assert lead_client.get(url).json()["version"] == 1
    assert ValueStreamMap.objects.count() == 1


def test_plain_pain_point_strings_and_positions_are_accepted(world, lead_client):
    stages = [dict(s, position=p) for s, p in zip(EXAMPLE, (2, 1, 3, 4), strict=True)]
    stages[0]["pain_points"] = ["delay", "rework"]
    body = put(lead_client, CURRENT.format(world.team_a.id), stages).json()
    assert [s["name"] for s in body["stages"]] == [
        "Development", "Ideation", "Testing", "Deployment"
    ]  # fmt: skip
    assert body["stages"][1]["pain_points"] == [
        {"kind": "delay", "note": ""}, {"kind": "rework", "note": ""}
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Selectors for the CoE comparison and the roadmap


def test_latest_maps_for_teams_one_query(world, django_assert_num_queries):
    valuestream_services.save_map(world.lead_a, world.team_a, "current", with_stage(2,
                                  wait_time_hours=1))  # fmt: skip
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    valuestream_services.save_map(world.lead_a, world.team_a, "future", with_stage(2,
                                  wait_time_hours=8))  # fmt: skip
    valuestream_services.save_map(
        world.org_admin, world.team_b, "current",
        [{"name": "Code review", "process_time_hours": 1, "wait_time_hours": 30}],
    )  # fmt: skip
    with django_assert_num_queries(1):
        summaries = valuestream_services.latest_maps_for_teams(
            [world.team_a.id, world.team_b.id, world.other_team.id]
        )
    assert set(summaries) == {world.team_a.id, world.team_b.id}
    a = summaries[world.team_a.id]
    assert {k: v for k, v in a.items() if k not in ("created_at", "future")} == {
        "version": 2,
        "lead_time_hours": 200.0,
        "process_time_hours": 40.0,
        "flow_efficiency": 20.0,
        "rolled_percent_complete_accurate": 47.25,
        "handoffs": 2,
        "bottleneck": "Testing",
        "bottleneck_stage": "testing",
        "worst_quality_stage": "Ideation",
    }
    assert {k: v for k, v in a["future"].items() if k != "created_at"} == {
        "version": 1, "lead_time_hours": 136.0, "flow_efficiency": 29.41,
    }  # fmt: skip
    b = summaries[world.team_b.id]
    assert (b["bottleneck"], b["bottleneck_stage"], b["future"]) == (
        "Code review", "development", None,
    )  # fmt: skip
    assert valuestream_services.latest_maps_for_teams([]) == {}


def test_flow_state_for_team(world):
    assert roadmap_inputs.flow_state_for_team(world.team_a) is None
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    flow = roadmap_inputs.flow_state_for_team(world.team_a)
    assert (flow.bottleneck_stage, flow.flow_efficiency, flow.lead_time_hours) == (
        "testing", 0.2, 200.0,
    )  # fmt: skip


def test_roadmap_plan_ranks_the_map_bottleneck_first(world):
    """The shipped questionnaire, every answer level 2 except the testing dimension's (3): the
    testing item ranks low until the map names Testing as the bottleneck."""
    from reports.roadmap import inputs as planning

    demo.load_shipped_questionnaires()
    assessment = services.open_assessment(world.lead_a, world.team_a, "2026-Q3", "vsm-maturity")
    from assessments.questionnaires import selectors as questionnaire_selectors

    levels = {}
    for dimension, questions in questionnaire_selectors.questionnaire_structure(
        assessment.questionnaire
    ):
        for question in questions:
            levels[question.key] = 3 if dimension.key == "testing" else 2
    for user in (world.member_a, world.lead_a):
        services.save_answers(user, assessment, answers=levels)
        services.submit_response(user, assessment)
    result = services.close_assessment(world.lead_a, assessment)

    without = [item.key for item in planning.plan_for_result(result).items]
    assert without[0] != "dimension:testing"
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    plan = planning.plan_for_result(result)
    assert plan.items[0].key == "dimension:testing"
    assert plan.items[0].factors["bottleneck_boost"] == 2.0
    assert any("bottleneck" in line for line in plan.items[0].why)


def test_pdf_vsm_context_and_roadmap_html(world):
    assert valuestream_services.pdf_vsm_context(world.team_a) is None
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    valuestream_services.save_map(world.lead_a, world.team_a, "future", with_stage(2,
                                  wait_time_hours=8))  # fmt: skip
    vsm = valuestream_services.pdf_vsm_context(world.team_a)
    assert {k: v for k, v in vsm.items() if k != "svg"} == {
        "lead_time_hours": 200.0,
        "process_time_hours": 40.0,
        "flow_efficiency": 0.2,
        "bottleneck": "Testing: work waits 72 h before it, 36% of the lead time; "
        "lowest %C&A: Ideation (70%)",
    }
    assert vsm["svg"].count("<svg") == 2
    assert "Team A: current state (v1)" in vsm["svg"]
    assert "Team A: future state (v1), projected" in vsm["svg"]

    from tests.reports.pdf.samples import sample_roadmap_context

    html = pdf.render_roadmap_html({**sample_roadmap_context(), "vsm": vsm})
    assert 'id="value-stream"' in html
    assert "Team A: future state (v1), projected" in html
    assert "<dd>20%</dd>" in html


def test_pdf_vsm_context_none_when_nothing_takes_time(world):
    valuestream_services.save_map(
        world.lead_a, world.team_a, "current",
        [{"name": "A", "process_time_hours": 0, "wait_time_hours": 0}],
    )  # fmt: skip
    assert valuestream_services.pdf_vsm_context(world.team_a) is None


# --------------------------------------------------------------------------------------------
# Pages


def test_page_shows_maps_figures_formulas_and_trend(world, client):
    valuestream_services.save_map(world.lead_a, world.team_a, "current", with_stage(2,
                                  wait_time_hours=120), note="First try")  # fmt: skip
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    valuestream_services.save_map(world.lead_a, world.team_a, "future", with_stage(2,
                                  wait_time_hours=8))  # fmt: skip
    response = client_for(client, world.member_a).get(f"/teams/{world.team_a.id}/value-stream/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="vsm-chart vsm-chart-vsm"') == 2
    assert "flow efficiency over time" in html
    assert "Flow efficiency = process time ÷ lead time × 100%" in html
    assert "Team A: current state (v2)" in html
    assert "Future (projected)" in html
    assert "First try" in html  # the version list
    assert "Edit current state" not in html  # members read only
    # An older version from the list.
    older = client.get(f"/teams/{world.team_a.id}/value-stream/?current=1").content.decode()
    assert "Team A: current state (v1)" in older
    assert client.get(f"/teams/{world.team_a.id}/value-stream/?current=9").status_code == 404


def test_page_query_count_is_pinned(world, client, django_assert_num_queries):
    for _ in range(3):
        valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
        valuestream_services.save_map(world.lead_a, world.team_a, "future", EXAMPLE)
    client_for(client, world.lead_a)
    url = f"/teams/{world.team_a.id}/value-stream/"
    # session, user, team, roles (memberships and organisation roles), every map version, the
    # navigation's count of unread notices
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    with django_assert_num_queries(6):
        client.get(url)


def test_page_empty_state_and_other_org_404(world, client):
    client_for(client, world.lead_a)
    html = client.get(f"/teams/{world.team_a.id}/value-stream/").content.decode()
    assert "No value stream map yet." in html
    assert "Map the current state" in html
    assert client.get(f"/teams/{world.other_team.id}/value-stream/").status_code == 404


def test_editor_is_for_leads_only(world, client):
    client_for(client, world.member_a)
    url = f"/teams/{world.team_a.id}/value-stream/edit/current/"
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    assert client.get(f"/teams/{world.team_a.id}/value-stream/edit/past/").status_code == 404


def formset_post(rows, note=""):
    data = {
        "stages-TOTAL_FORMS": str(len(rows)),
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
        "note": note,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"stages-{i}-{key}"] = value
    return data


def test_editor_starts_from_the_guides_stages_and_saves_a_version(world, client):
    client_for(client, world.lead_a)
    url = f"/teams/{world.team_a.id}/value-stream/edit/current/"
    html = client.get(url).content.decode()
    for name in ("Ideation", "Development", "Testing", "Deployment", "Operations"):
        assert f'value="{name}"' in html
    rows = [
        {"position": "2", "name": "Build", "process_time_hours": "2", "wait_time_hours": "6",
         "percent_complete_accurate": "", "pain_manual_work": "on",
         "pain_manual_work_note": "Hand-made packages"},
        {"position": "1", "name": "Code", "process_time_hours": "10", "wait_time_hours": "4",
         "percent_complete_accurate": "90", "handoff": "on", "activities": "Coding, Review"},
        {"position": "3", "name": "Dropped", "process_time_hours": "1", "wait_time_hours": "1",
         "DELETE": "on"},
        {"name": "", "process_time_hours": "", "wait_time_hours": ""},  # a blank row
    ]  # fmt: skip
    response = client.post(url, formset_post(rows, note="From the page"))
    assert response.status_code == 302
    vsm = valuestream_services.current_map(world.team_a)
    assert (vsm.version, vsm.note, vsm.created_by) == (1, "From the page", world.lead_a)
    assert [s["name"] for s in vsm.stages] == ["Code", "Build"]
    assert vsm.stages[0]["activities"] == ["Coding", "Review"]
    assert vsm.stages[0]["handoff"] is True
    assert vsm.stages[1]["percent_complete_accurate"] == 100.0
    assert vsm.stages[1]["pain_points"] == [{"kind": "manual_work", "note": "Hand-made packages"}]
    assert vsm.figures["lead_time_hours"] == 22.0


def test_editor_bad_input_shows_the_message_and_saves_nothing(world, client):
    client_for(client, world.lead_a)
    url = f"/teams/{world.team_a.id}/value-stream/edit/current/"
    rows = [
        {"name": "Code", "process_time_hours": "1", "wait_time_hours": "1"},
        {"name": "code", "process_time_hours": "1", "wait_time_hours": "-3"},
    ]
    response = client.post(url, formset_post(rows))
    assert response.status_code == 200
    html = response.content.decode()
    # The rule's message, with the field named as the editor labels it.
    assert "Stage 2 (&quot;code&quot;): “Wait before (h)” cannot be negative, got -3." in html
    assert 'value="-3' in html  # the lead's input is kept
    assert not ValueStreamMap.objects.exists()


def test_editor_drafts_the_future_state_from_the_current_one(world, client):
    client_for(client, world.lead_a)
    url = f"/teams/{world.team_a.id}/value-stream/edit/future/?draft=1"
    response = client.get(url, follow=True)
    assert "Map the current state first" in response.content.decode()
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    html = client.get(url).content.decode()
    assert "Drafted from the current-state map v1; nothing is saved yet." in html
    assert 'value="36.0"' in html  # Testing's 72 h wait halved
    assert "Planned changes" in html
    assert not ValueStreamMap.objects.filter(kind="future").exists()


def test_team_detail_links_the_value_stream_page(world, client):
    html = client_for(client, world.member_a).get(f"/teams/{world.team_a.id}/").content.decode()
    assert f'href="/teams/{world.team_a.id}/value-stream/"' in html


# --------------------------------------------------------------------------------------------
# Demo


def test_demo_value_stream_maps(world):
    demo._demo_value_stream(world.team_a)
    demo._demo_value_stream(world.team_a)  # idempotent
    maps = valuestream_services.map_history(world.team_a)
    assert [(m.kind, m.version) for m in maps] == [("current", 2), ("current", 1), ("future", 1)]
    old, new = maps[1], maps[0]
    assert old.created_at < new.created_at
    assert old.figures["flow_efficiency"] < new.figures["flow_efficiency"]
    assert maps[2].figures["lead_time_hours"] < new.figures["lead_time_hours"]


def test_demo_streams_have_different_bottlenecks():
    from assessments.valuestream.rules import compute_figures, stage_category, validate_stages

    categories = set()
    for rows in demo.DEMO_STREAMS.values():
        stages = validate_stages(
            [{"name": n, "wait_time_hours": w, "process_time_hours": p} for n, w, p, *_ in rows]
        )
        categories.add(stage_category(compute_figures(stages).bottleneck))
    assert categories == {"ideation", "development", "testing", "deployment", "operations"}
