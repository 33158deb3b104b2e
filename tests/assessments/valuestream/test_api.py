"""Value stream maps through the API, the services, the pages, the roadmap and the demo."""

import copy
import re
from html import unescape

import pytest

from assessments.maturity import services
from assessments.models import Membership, ValueStreamMap
from assessments.valuestream import services as valuestream_services
from reports import demo
from reports.pdf import render as pdf
from reports.roadmap import inputs as roadmap_inputs
from tests.assessments.valuestream.test_rules import EXAMPLE
from tests.conftest import client_for
from tests.factories import MembershipFactory, TeamFactory
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
    "intake_wait_hours": 40.0,
    "intake_stage": "Ideation",
    "largest_delay": "Testing",
    "largest_delay_wait_hours": 72.0,
    "constraint": None,
    "bottleneck": "Testing",
    "bottleneck_kind": "largest_delay",
    "bottleneck_wait_hours": 72.0,
    "bottleneck_category": "testing",
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
        "category": "testing",  # proposed by the name: the body left it out
        "constraint": False,
    }
    assert lead_client.get(CURRENT.format(world.team_a.id)).json() == body


def test_put_with_category_and_constraint_makes_them_the_focus(world, lead_client):
    stages = copy.deepcopy(EXAMPLE)
    stages[1].update(constraint=True, category="testing")  # "Development", mapped by the team
    stages[3]["category"] = None
    body = put(lead_client, CURRENT.format(world.team_a.id), stages).json()
    assert [(s["category"], s["constraint"]) for s in body["stages"]] == [
        ("ideation", False), ("testing", True), ("testing", False), (None, False),
    ]  # fmt: skip
    assert {k: body[k] for k in ("largest_delay", "constraint", "bottleneck", "bottleneck_kind",
                                 "bottleneck_wait_hours", "bottleneck_category")} == {
        "largest_delay": "Testing",
        "constraint": "Development",
        "bottleneck": "Development",
        "bottleneck_kind": "constraint",
        "bottleneck_wait_hours": 16.0,
        "bottleneck_category": "testing",
    }  # fmt: skip


def test_put_again_adds_a_version_and_history_keeps_the_old_one(world, lead_client):
    url = CURRENT.format(world.team_a.id)
    put(lead_client, url, EXAMPLE)
    faster = copy.deepcopy(EXAMPLE)
    # Now Ideation waits longest (40 h), but that is the intake; between stages Testing and
    # Deployment tie at 32 h and the earlier one is the largest delay.
    faster[2]["wait_time_hours"] = 32
    second = put(lead_client, url, faster)
    assert second.status_code == 201
    assert (second.json()["version"], second.json()["bottleneck"]) == (2, "Testing")
    assert (second.json()["intake_wait_hours"], second.json()["largest_delay_wait_hours"]) == (
        40.0, 32.0,
    )  # fmt: skip
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
        'Stage 4 ("Deployment"): wait_time_hours must be at most 87600 working hours, '
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
        {"stages": [dict(s, constraint=s["name"] in ("Development", "Testing")) for s in EXAMPLE]},
        "stages[2].constraint",
        'Stage 3 ("Testing") and stage 2 ("Development") are both marked as the constraint; a '
        "value stream has one constraint: mark one stage only.",
    ),
    (
        {"stages": with_stage(0, category="planning")},
        "stages[0].category",
        'Stage 1 ("Ideation"): unknown category "planning"; allowed: ideation, development, '
        "testing, deployment, operations, or null for none of them.",
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
        "intake_wait_hours": 40.0,
        "largest_delay": "Testing",
        "constraint": None,
        "bottleneck": "Testing",
        "bottleneck_kind": "largest_delay",
        "bottleneck_stage": "testing",
        "worst_quality_stage": "Ideation",
    }
    assert {k: v for k, v in a["future"].items() if k != "created_at"} == {
        "version": 1, "lead_time_hours": 136.0, "flow_efficiency": 29.41,
    }  # fmt: skip
    b = summaries[world.team_b.id]
    # One stage: its 30 h wait is the intake, no delay between stages, no focus.
    assert (b["intake_wait_hours"], b["bottleneck"], b["bottleneck_stage"], b["future"]) == (
        30.0, None, None, None,
    )  # fmt: skip
    assert valuestream_services.latest_maps_for_teams([]) == {}


def flow_of(team):
    flow = roadmap_inputs.flow_state_for_team(team)
    return (flow.bottleneck_stage, flow.bottleneck_kind, flow.intake_wait_hours)


def test_flow_state_for_team(world):
    assert roadmap_inputs.flow_state_for_team(world.team_a) is None
    valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    flow = roadmap_inputs.flow_state_for_team(world.team_a)
    assert (flow.bottleneck_stage, flow.flow_efficiency, flow.lead_time_hours) == (
        "testing", 0.2, 200.0,
    )  # fmt: skip
    assert (flow.bottleneck_kind, flow.intake_wait_hours) == ("largest_delay", 40.0)


def test_flow_state_for_team_intake_wait_never_becomes_the_bottleneck(world):
    # Ideation waits 300 h (the intake), Development 16 h, Testing 72 h, Deployment 32 h.
    valuestream_services.save_map(world.lead_a, world.team_a, "current",
                                  with_stage(0, wait_time_hours=300))  # fmt: skip
    assert flow_of(world.team_a) == ("testing", "largest_delay", 300.0)
    # Only the intake waits: no bottleneck at all, rather than ideation.
    only_intake = [dict(s, wait_time_hours=300 if i == 0 else 0) for i, s in enumerate(EXAMPLE)]
    valuestream_services.save_map(world.lead_a, world.team_a, "current", only_intake)
    assert flow_of(world.team_a) == (None, "largest_delay", 300.0)


def test_flow_state_for_team_marked_constraint_wins_over_the_largest_delay(world):
    # Testing is the largest delay (72 h); the team marks Deployment (32 h) as its constraint.
    valuestream_services.save_map(world.lead_a, world.team_a, "current",
                                  with_stage(3, constraint=True))  # fmt: skip
    assert flow_of(world.team_a) == ("deployment", "constraint", 40.0)
    # The first stage may be the constraint when the team says so; the intake wait alone never
    # makes it one.
    valuestream_services.save_map(world.lead_a, world.team_a, "current",
                                  with_stage(0, constraint=True))  # fmt: skip
    assert flow_of(world.team_a) == ("ideation", "constraint", 40.0)


def test_flow_state_for_team_uses_the_teams_category_not_the_guess(world):
    valuestream_services.save_map(world.lead_a, world.team_a, "current",
                                  with_stage(2, category="deployment"))  # fmt: skip
    assert flow_of(world.team_a)[0] == "deployment"
    # Mapped to none of the guide's stages: nothing is boosted, and nothing else instead.
    valuestream_services.save_map(world.lead_a, world.team_a, "current",
                                  with_stage(2, category=None))  # fmt: skip
    assert flow_of(world.team_a) == (None, "largest_delay", 40.0)
    unmapped_constraint = with_stage(2, category=None)
    unmapped_constraint[1]["constraint"] = True
    unmapped_constraint[1]["category"] = None
    valuestream_services.save_map(world.lead_a, world.team_a, "current", unmapped_constraint)
    assert flow_of(world.team_a) == (None, "constraint", 40.0)


# A map saved before issue 18: stages without "category" and "constraint", figures with the
# bottleneck of the time (the longest wait of all: the intake before "Request intake").
OLD_STAGES = [
    {"name": name, "process_time_hours": process, "wait_time_hours": wait,
     "percent_complete_accurate": 100.0, "handoff": False, "activities": [], "people": None,
     "pain_points": [], "planned_changes": []}
    for name, wait, process in (("Request intake", 120.0, 2.0), ("Security review", 24.0, 4.0),
                                ("Production deployment", 48.0, 1.0))
]  # fmt: skip
OLD_FIGURES = {
    "stage_count": 3, "lead_time_hours": 199.0, "process_time_hours": 7.0,
    "wait_time_hours": 192.0, "flow_efficiency": 3.52, "rolled_percent_complete_accurate": 100.0,
    "handoffs": 0, "bottleneck": "Request intake", "bottleneck_wait_hours": 120.0,
    "worst_quality_stage": None, "worst_quality_percent": None,
    "pain_points": {"delay": 0, "rework": 0, "quality": 0, "manual_work": 0},
}  # fmt: skip


@pytest.fixture
def old_map(world):
    # Written as the code of the time stored it; save_map can no longer produce this shape.
    return ValueStreamMap.objects.create(
        team=world.team_a, kind="current", version=1, created_by=world.lead_a,
        stages=copy.deepcopy(OLD_STAGES), figures=dict(OLD_FIGURES),
    )  # fmt: skip


def test_old_stored_map_reads_with_guessed_categories_and_no_constraint(world, old_map,
                                                                         lead_client):  # fmt: skip
    body = lead_client.get(CURRENT.format(world.team_a.id)).json()
    assert [(s["category"], s["constraint"]) for s in body["stages"]] == [
        ("ideation", False), ("testing", False), ("deployment", False),
    ]  # fmt: skip
    assert {k: body[k] for k in ("intake_wait_hours", "largest_delay", "largest_delay_wait_hours",
                                 "constraint", "bottleneck", "bottleneck_kind",
                                 "bottleneck_category", "lead_time_hours")} == {
        "intake_wait_hours": 120.0,
        "largest_delay": "Production deployment",
        "largest_delay_wait_hours": 48.0,
        "constraint": None,
        "bottleneck": "Production deployment",
        "bottleneck_kind": "largest_delay",
        "bottleneck_category": "deployment",
        "lead_time_hours": 199.0,
    }  # fmt: skip
    assert flow_of(world.team_a) == ("deployment", "largest_delay", 120.0)
    summary = valuestream_services.latest_maps_for_teams([world.team_a.id])[world.team_a.id]
    assert (summary["bottleneck"], summary["bottleneck_stage"]) == (
        "Production deployment", "deployment",
    )  # fmt: skip


def test_old_stored_map_shows_on_the_page_and_in_the_editor(world, old_map, client):
    client_for(client, world.lead_a)
    html = client.get(f"/teams/{world.team_a.id}/value-stream/").content.decode()
    shown = figure_cards(html)
    assert {k: shown[k] for k in ("Intake wait", "Largest delay", "Constraint",
                                  "Roadmap focus")} == {
        "Intake wait": ("120 h", "before Request intake"),
        "Largest delay": ("48 h", "before Production deployment"),
        "Constraint": ("not marked", None),
        "Roadmap focus": ("Production deployment", "largest delay; guide stage deployment"),
    }  # fmt: skip
    # The version list names the focus of every version by the same rules.
    assert "Production deployment (largest delay; guide stage deployment)" in html
    editor = client.get(f"/teams/{world.team_a.id}/value-stream/edit/current/").content.decode()
    select = editor.split('name="stages-1-category"')[1].split("</select>")[0]
    assert '<option value="testing" selected>Testing</option>' in select
    constraint_boxes = re.findall(r'<input[^>]*name="stages-\d+-constraint"[^>]*>', editor)
    assert len(constraint_boxes) == 3 + 3  # the three stages and three blank rows
    assert not any("checked" in box for box in constraint_boxes)


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
        "bottleneck": "Testing (largest delay): work waits 72 h before it, 36% of the lead "
        "time; intake wait 40 h before Ideation; lowest %C&A received: Ideation (70%)",
    }
    assert vsm["svg"].count("<svg") == 2
    assert "Team A: current state (v1)" in vsm["svg"]
    assert "Team A: future state (v1), projected" in vsm["svg"]

    from tests.reports.pdf.samples import sample_roadmap_context

    html = pdf.render_roadmap_html({**sample_roadmap_context(), "vsm": vsm})
    assert 'id="value-stream"' in html
    assert "Team A: future state (v1), projected" in html
    assert "<dd>20%</dd>" in html
    assert "Times in working hours (8 h a working day)" in html
    valuestream_services.save_map(world.lead_a, world.team_a, "current",
                                  with_stage(1, constraint=True))  # fmt: skip
    assert valuestream_services.pdf_vsm_context(world.team_a)["bottleneck"] == (
        "Development (the constraint the team marked): work waits 16 h before it, 8% of the lead "
        "time; intake wait 40 h before Ideation; lowest %C&A received: Ideation (70%)"
    )


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


def figure_cards(html):
    """{label: (value, detail or None)} of the figure cards of the current state."""
    cards = re.findall(
        r'<dt class="small text-muted fw-normal">([^<]*)</dt>\s*<dd class="value[^"]*">([^<]*)'
        r"</dd>\s*(?:<dd class=\"small fw-semibold[^\"]*\">([^<]*)</dd>)?",
        html,
    )
    shown = {}
    for label, value, detail in cards:
        shown.setdefault(unescape(label), (unescape(value), unescape(detail) or None))
    return shown


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


def test_editor_offers_guide_stage_and_constraint_with_labels_and_help(world, client):
    client_for(client, world.lead_a)
    html = client.get(f"/teams/{world.team_a.id}/value-stream/edit/current/").content.decode()
    # The guide's five stages, each pre-selected as its name proposes; blank rows propose.
    for index, key in enumerate(("ideation", "development", "testing", "deployment",
                                 "operations")):  # fmt: skip
        select = html.split(f'name="stages-{index}-category"')[1].split("</select>")[0]
        assert f'<option value="{key}" selected>' in select
    blank = html.split('name="stages-5-category"')[1].split("</select>")[0]
    assert '<option value="" selected>Propose from the name</option>' in blank
    assert '<option value="none">None of the guide&#x27;s stages</option>' in blank
    assert (
        '<label class="form-label small mb-0" for="id_stages-0-category">Guide stage</label>'
        in html
    )
    assert 'for="id_stages-0-constraint">The constraint: this stage limits the whole stream' in html
    for help_id in ("vsm-help-times", "vsm-help-pca", "vsm-help-category", "vsm-help-constraint"):
        assert f'id="{help_id}"' in html
        assert f'aria-describedby="{help_id}"' in html
    assert "Recorded by the receiving stage about the work it receives" in html
    assert "Times are working hours: 8 h a working day, 40 h a working week" in html


def test_editor_saves_the_chosen_guide_stages_and_constraint(world, client):
    client_for(client, world.lead_a)
    url = f"/teams/{world.team_a.id}/value-stream/edit/current/"
    rows = [
        {"name": "Intake", "wait_time_hours": "100", "process_time_hours": "1",
         "category": "ideation"},
        {"name": "Code review", "wait_time_hours": "10", "process_time_hours": "2",
         "category": "testing", "constraint": "on"},
        {"name": "Deploy", "wait_time_hours": "50", "process_time_hours": "1",
         "category": "none"},
        {"name": "Security review", "wait_time_hours": "5", "process_time_hours": "1",
         "category": ""},
    ]  # fmt: skip
    assert client.post(url, formset_post(rows)).status_code == 302
    vsm = valuestream_services.current_map(world.team_a)
    # Chosen, chosen over the name's proposal (development), chosen none, proposed.
    assert [(s["category"], s["constraint"]) for s in vsm.stages] == [
        ("ideation", False), ("testing", True), (None, False), ("testing", False),
    ]  # fmt: skip
    # The marked constraint is the focus, not the largest delay (Deploy, 50 h), nor the
    # intake (100 h).
    assert flow_of(world.team_a) == ("testing", "constraint", 100.0)
    shown = figure_cards(client.get(f"/teams/{world.team_a.id}/value-stream/").content.decode())
    assert shown["Roadmap focus"] == ("Code review", "constraint; guide stage testing")
    assert shown["Largest delay"] == ("50 h", "before Deploy")
    assert shown["Intake wait"] == ("100 h", "before Intake")


def test_editor_refuses_two_constraints_with_a_clear_message(world, client):
    client_for(client, world.lead_a)
    url = f"/teams/{world.team_a.id}/value-stream/edit/current/"
    rows = [
        {"name": "Code", "wait_time_hours": "1", "process_time_hours": "1", "constraint": "on"},
        {"name": "Test", "wait_time_hours": "1", "process_time_hours": "1"},
        {"name": "Deploy", "wait_time_hours": "1", "process_time_hours": "1", "constraint": "on"},
    ]  # fmt: skip
    response = client.post(url, formset_post(rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Stage 3 (&quot;Deploy&quot;) and stage 1 (&quot;Code&quot;) are both marked as the "
        "constraint; a value stream has one constraint: mark one stage only."
    ) in html
    checked = re.findall(r'<input[^>]*name="stages-\d-constraint"[^>]*checked[^>]*>', html)
    assert len(checked) == 2  # the lead's marks are kept to correct
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


def test_demo_streams_focus_on_different_guide_stages():
    from assessments.valuestream.rules import compute_figures, validate_stages

    focus = {}
    for slug, rows in demo.DEMO_STREAMS.items():
        marked = demo.DEMO_CONSTRAINTS.get(slug)
        stages = validate_stages(
            [{"name": n, "wait_time_hours": w, "process_time_hours": p, "constraint": n == marked}
             for n, w, p, *_ in rows]
        )  # fmt: skip
        figures = compute_figures(stages)
        focus[slug] = (figures.bottleneck_category, figures.bottleneck_kind)
    assert {category for category, _ in focus.values()} == {
        "ideation", "development", "testing", "deployment", "operations"
    }  # fmt: skip
    # Ideation is the focus only where the team marked it: its long intake queues never are.
    assert [slug for slug, (category, _) in focus.items() if category == "ideation"] == ["fraud"]
    assert focus["fraud"] == ("ideation", "constraint")
    assert focus["checkout"] == ("testing", "largest_delay")


def test_demo_marks_the_constraint_on_the_fraud_team(world):
    team = TeamFactory(organization=world.org, slug="fraud", name="Fraud")
    MembershipFactory(team=team, user=world.lead_a, role=Membership.LEAD)
    demo._demo_value_stream(team)
    for vsm in valuestream_services.map_history(team):
        assert [s["name"] for s in vsm.stages if s["constraint"]] == ["Ideation"]
    assert roadmap_inputs.flow_state_for_team(team).bottleneck_kind == "constraint"
