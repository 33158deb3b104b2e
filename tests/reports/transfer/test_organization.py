"""Organisation export and import (reports/transfer/organization.py, export_org, import_org)."""

import datetime as dt
import json

import pytest
from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.dora import services as dora_services
from assessments.maturity import services
from assessments.models import (
    Answer,
    Assessment,
    Deployment,
    DimensionTarget,
    DoraEntry,
    DoraSnapshot,
    DoraSurveyAnswer,
    Incident,
    Membership,
    Organization,
    OrgRole,
    Questionnaire,
    Response,
    Result,
    Team,
    TeamGroup,
    ValueStreamMap,
)
from assessments.models.dora import AttributionSettings, TeamOwnership
from assessments.periods import current_period
from reports.campaigns import services as campaigns
from reports.models import Campaign, CampaignTeam, Roadmap, RoadmapItem
from reports.roadmap import services as roadmap_services
from reports.transfer import organization as org_transfer
from tests.conftest import ALL_LEVELS
from tests.factories import load_mini_questionnaire, mini_questionnaire_yaml
from vsm_site.domain_errors import Conflict, Invalid

ORG_MODELS = [
    Organization, TeamGroup, Team, Membership, OrgRole, Assessment, DimensionTarget, Response,
    Answer, DoraSurveyAnswer, Result, Roadmap, RoadmapItem, DoraEntry, DoraSnapshot,
    Deployment, Incident, ValueStreamMap, Campaign, CampaignTeam, Questionnaire, TeamOwnership,
    AttributionSettings,
]  # fmt: skip
# Keys that end in "_id" but name things outside the database (events' ids at their source).
EXTERNAL_ID_KEYS = {"external_id", "deployment_external_id"}


def database_id_keys(value, path="$"):
    """Paths of keys that look like database ids. Deployment ``changes`` are skipped: their
    "id" is a commit's id at the source, not ours."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "pk") or (key.endswith("_id") and key not in EXTERNAL_ID_KEYS):
                found.append(f"{path}.{key}")
            if key != "changes":
                found += database_id_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += database_id_keys(item, f"{path}[{index}]")
    return found


def row_counts():
    return {model.__name__: model.objects.count() for model in ORG_MODELS}


def add_what_the_demo_lacks(org):
    """Targets, a CoE review, a team's own roadmap item, evidence and a comment on a draft
    answer, a campaign round, what a team owns and its attribution window, and a deactivated
    member: every kind of row the export carries."""
    User = get_user_model()
    lead, coe = User.objects.get(username="checkout.lead"), User.objects.get(username="coe")
    team = Team.objects.get(organization=org, slug="checkout")
    latest = team.results.order_by("-period").first()
    dimension = latest.questionnaire.dimensions.order_by("position").first()
    services.set_targets(lead, latest.assessment, {dimension.key: 4})
    Result.objects.filter(pk=latest.pk).update(
        reviewed_by=coe, reviewed_at=timezone.now(), review_note="Checked with the team."
    )
    roadmap_services.add_custom_item(
        lead, latest.roadmap, "Pair on the flaky end-to-end suite",
        due_date=timezone.localdate() + dt.timedelta(days=30),
        owner=User.objects.get(username="checkout.m1"), success_metric="No retries in CI",
    )  # fmt: skip
    current = team.assessments.get(status="open")
    question = current.questionnaire.questions.order_by("position").first()
    services.save_answers(
        User.objects.get(username="checkout.m1"), current,
        answers={question.key: 3}, comments={question.key: "Better since the new board"},
        evidence={question.key: "https://wiki.example/board"},
    )  # fmt: skip
    campaigns.open_campaign(
        coe, org, "Quarterly round", current_period(),
        timezone.localdate() + dt.timedelta(days=14),
        group=TeamGroup.objects.get(organization=org, name="Payments"),
    )  # fmt: skip
    dora_services.add_ownership(lead, team, "repository", "northwind/checkout-web")
    dora_services.add_ownership(lead, team, "path", "services/checkout/")
    dora_services.set_incident_window(lead, team, 12)
    User.objects.filter(username="data.m4").update(is_active=False)


@pytest.mark.django_db
def test_org_round_trip_into_empty_database_reproduces_everything(tmp_path):
    call_command("load_demo")
    org = Organization.objects.get(slug="northwind")
    add_what_the_demo_lacks(org)
    before = row_counts()
    first_file, second_file = tmp_path / "first.json", tmp_path / "second.json"

    call_command("export_org", "northwind", "-o", str(first_file))
    first = json.loads(first_file.read_text())
    assert database_id_keys(first) == []
    assert {"password", "last_login", "is_superuser"}.isdisjoint(first["users"][0])
    usernames = [user["username"] for user in first["users"]]
    assert "superadmin" not in usernames  # in no role of the organisation
    old_org_id = org.id

    with disable_auditlog():  # one audit entry per deleted answer would take a minute
        org.delete()
        get_user_model().objects.filter(username__in=usernames).delete()
        Questionnaire.objects.all().delete()
    assert set(row_counts().values()) == {0}
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["superadmin"]

    call_command("import_org", str(first_file))
    call_command("export_org", "northwind", "-o", str(second_file))
    second = json.loads(second_file.read_text())

    assert Organization.objects.get().id != old_org_id  # new rows, same document
    assert second == first
    assert second_file.read_text() == first_file.read_text()
    assert row_counts() == before
    imported = get_user_model().objects.filter(username__in=usernames)
    assert imported.count() == len(usernames)
    assert not any(user.has_usable_password() for user in imported)


@pytest.mark.django_db
def test_export_org_covers_every_kind_of_row(world, open_assessment):
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, open_assessment)
    result = services.close_assessment(world.lead_a, open_assessment)
    roadmap_services.generate_roadmap(result)
    data = org_transfer.export_organization(world.org)
    assert database_id_keys(data) == []
    assert data["organization"]["slug"] == "acme"
    assert [t["slug"] for t in data["teams"]] == ["team-a", "team-b"]
    assert [u["username"] for u in data["users"]] == [
        "analyst", "lead_a", "member_a", "member_b", "org_admin",
    ]  # fmt: skip
    assert data["org_roles"] == [
        {"user": "analyst", "role": "coe_analyst"},
        {"user": "org_admin", "role": "org_admin"},
    ]
    assert [(q["key"], q["version"], q["status"]) for q in data["questionnaires"]] == [
        ("mini", 1, "published")
    ]
    (assessment,) = data["teams"][0]["assessments"]
    assert assessment["questionnaire"] == ["mini", 1, "library"]
    assert (assessment["period"], assessment["status"]) == ("2026-Q4", "closed")
    (response,) = assessment["responses"]
    assert {a["question"]: a["level"] for a in response["answers"]} == ALL_LEVELS
    assert assessment["result"]["respondents"] == 1
    assert len(assessment["result"]["roadmap"]["items"]) == result.roadmap.items.count()
    text = json.dumps(data)
    other_org = ("Other Corp", "other-team", "other_member", "other_admin")
    assert [name for name in other_org if name in text] == []


@pytest.mark.django_db
def test_import_org_refuses_an_existing_slug(world, open_assessment, tmp_path):
    data = org_transfer.export_organization(world.org)
    before = row_counts()
    with pytest.raises(Conflict, match="'acme' already exists"):
        org_transfer.import_organization(data)
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="already exists"):
        call_command("import_org", str(path))
    assert row_counts() == before


def _as_format_1(value):
    """A version 2 document written as version 1 was: questionnaires without owners, and
    assessments and results naming them by key and version only."""
    if isinstance(value, dict):
        return {
            k: (v[:2] if k == "questionnaire" else _as_format_1(v))
            for k, v in value.items()
            if k not in ("owner", "based_on", "lineage")
        }
    if isinstance(value, list):
        return [_as_format_1(v) for v in value]
    return value


def test_import_org_still_reads_format_version_1(world, open_assessment):
    data = org_transfer.export_organization(world.org)
    old = {**_as_format_1(data), "format_version": 1}
    assert old["teams"][0]["assessments"][0]["questionnaire"] == ["mini", 1]
    world.org.delete()
    imported = org_transfer.import_organization(old)
    assert org_transfer.export_organization(imported) == data


def test_team_ownerships_and_attribution_window_travel(world):
    dora_services.add_ownership(world.lead_a, world.team_a, "service", "checkout")
    dora_services.set_incident_window(world.lead_a, world.team_a, 6)
    data = org_transfer.export_organization(world.org)
    team_a = data["teams"][0]
    assert team_a["ownerships"] == [
        {"kind": "service", "value": "checkout",
         "created_at": team_a["ownerships"][0]["created_at"]},
    ]  # fmt: skip
    assert team_a["attribution"] == {"incident_window_hours": 6}
    assert data["teams"][1]["attribution"] is None
    world.org.delete()
    org = org_transfer.import_organization(data)
    ownership = TeamOwnership.objects.get()
    assert (ownership.organization, ownership.team.slug, ownership.value) == (
        org, "team-a", "checkout",
    )  # fmt: skip
    assert dora_services.incident_window_hours(ownership.team) == 6


def test_import_org_still_reads_format_version_2(world):
    dora_services.add_ownership(world.lead_a, world.team_a, "service", "checkout")
    data = org_transfer.export_organization(world.org)
    old = {
        **data,
        "format_version": 2,
        "teams": [
            {k: v for k, v in team.items() if k not in ("ownerships", "attribution")}
            for team in data["teams"]
        ],
    }
    world.org.delete()
    org = org_transfer.import_organization(old)
    assert [t.slug for t in org.teams.order_by("slug")] == ["team-a", "team-b"]
    assert TeamOwnership.objects.count() == 0
    assert AttributionSettings.objects.count() == 0


@pytest.mark.django_db
def test_import_org_keeps_existing_users_and_creates_missing_ones(world, open_assessment):
    services.save_answers(world.member_a, open_assessment, answers={"flow-wip": 2})
    data = org_transfer.export_organization(world.org)
    world.org.delete()
    world.member_a.delete()
    get_user_model().objects.filter(pk=world.lead_a.pk).update(first_name="Renamed")

    org = org_transfer.import_organization(data)

    lead = get_user_model().objects.get(username="lead_a")
    assert (lead.pk, lead.first_name, lead.has_usable_password()) == (
        world.lead_a.pk, "Renamed", True,
    )  # fmt: skip
    member = get_user_model().objects.get(username="member_a")
    assert member.pk != world.member_a.pk
    assert (member.email, member.has_usable_password()) == ("member_a@example.com", False)
    answer = Answer.objects.get(response__respondent=member)
    assert (answer.question.key, answer.level, answer.response.assessment.team.organization) == (
        "flow-wip", 2, org,
    )  # fmt: skip
    again = org_transfer.export_organization(org)
    assert again["users"][1] == {**data["users"][1], "first_name": "Renamed"}
    assert {**again, "users": data["users"]} == data


@pytest.mark.django_db
def test_import_org_restores_the_questionnaire_status_published_after_loading(world):
    # Loaded as a draft, then published: the stored source still says "draft".
    load_mini_questionnaire(status="draft")
    questionnaire = load_mini_questionnaire(status="published")
    assert "status: draft" in questionnaire.source_yaml
    services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")
    data = org_transfer.export_organization(world.org)
    world.org.delete()
    Questionnaire.objects.all().delete()

    org_transfer.import_organization(data)

    imported = Questionnaire.objects.get(key="mini", version=1)
    assert imported.status == "published"
    assert org_transfer.export_organization(Organization.objects.get(slug="acme")) == data


@pytest.mark.django_db
def test_import_org_reuses_a_questionnaire_with_the_same_content(world, open_assessment):
    data = org_transfer.export_organization(world.org)
    world.org.delete()
    questionnaire = Questionnaire.objects.get(key="mini", version=1)
    # The same questionnaire, loaded here from a file with a comment more.
    data["questionnaires"][0]["source_yaml"] = "# shipped\n" + mini_questionnaire_yaml()

    org = org_transfer.import_organization(data)

    assert Assessment.objects.get(team__organization=org).questionnaire == questionnaire
    assert Questionnaire.objects.count() == 1


@pytest.mark.django_db
def test_import_org_rejects_what_is_not_an_export_and_saves_nothing(world, tmp_path):
    data = org_transfer.export_organization(world.org)
    world.org.delete()
    before = row_counts()
    with pytest.raises(Invalid, match="not an organisation export"):
        org_transfer.import_organization({"teams": []})
    broken = json.loads(json.dumps(data))
    del broken["teams"][0]["assessments"]  # fails halfway, after teams were inserted
    with pytest.raises(Invalid, match="incomplete or malformed"):
        org_transfer.import_organization(broken)
    assert row_counts() == before
    path = tmp_path / "nonsense.json"
    path.write_text("[1, 2")
    with pytest.raises(CommandError, match="is not JSON"):
        call_command("import_org", str(path))


def test_export_org_of_unknown_slug_is_an_error(db):
    with pytest.raises(CommandError, match="no organisation 'nope'"):
        call_command("export_org", "nope")
