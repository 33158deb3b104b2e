"""Questionnaire ownership: each organisation answers its own versions or the library's, and no
organisation can change, see or be given another organisation's (issue "Each organisation owns
its questionnaires")."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from assessments.maturity import services
from assessments.models import Questionnaire
from assessments.questionnaires import services as questionnaire_services
from assessments.questionnaires.format import export_questionnaire, parse_questionnaire
from assessments.questionnaires.selectors import questionnaire_doc
from reports.transfer.organization import export_organization, import_organization
from tests.factories import mini_questionnaire_yaml
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed, NotFound

RETITLED_V2 = mini_questionnaire_yaml(version=2).replace(
    "title: Mini maturity", "title: Acme's own words"
)


def _owned(org, yaml_text=None, user=None):
    questionnaire, _ = questionnaire_services.load_questionnaire(
        yaml_text or mini_questionnaire_yaml(), org, user=user
    )
    return questionnaire


# --- the scenario of the issue ---------------------------------------------------------------


def test_upload_of_one_organisation_never_reaches_another(world, mini):
    acme_v2 = _owned(world.other, RETITLED_V2, world.other_admin)
    assert (acme_v2.organization, acme_v2.version) == (world.other, 2)
    ours = services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")
    theirs = services.open_assessment(world.other_admin, world.other_team, "2026-Q4", "mini")
    assert (ours.questionnaire, theirs.questionnaire) == (mini, acme_v2)


def test_superuser_loaded_version_is_picked_only_for_its_organisation(world, mini):
    other_v1 = _owned(world.other, mini_questionnaire_yaml(), world.superuser)
    ours = services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")
    theirs = services.open_assessment(world.other_admin, world.other_team, "2026-Q4", "mini")
    assert (ours.questionnaire, theirs.questionnaire) == (mini, other_v1)


@pytest.mark.parametrize(
    ("who", "error"),
    [("other_admin", NotFound), ("other_member", NotFound), ("outsider", NotFound),
     ("member_a", NotAllowed), ("lead_a", NotAllowed)],
)  # fmt: skip
def test_load_into_an_organisation_refused_for_anyone_but_its_managers(world, who, error):
    with pytest.raises(error):
        _owned(world.org, user=getattr(world, who))
    assert Questionnaire.objects.count() == 0


@pytest.mark.parametrize("who", ["analyst", "org_admin"])
def test_organisations_never_write_to_the_library(world, mini, who):
    with pytest.raises(NotAllowed):
        questionnaire_services.load_questionnaire(RETITLED_V2, None, user=getattr(world, who))
    assert list(Questionnaire.objects.values_list("version", flat=True)) == [1]


def test_keys_and_versions_are_per_owner(world, mini):
    acme = _owned(world.org, user=world.analyst)
    other = _owned(world.other, user=world.other_admin)
    owners = Questionnaire.objects.filter(key="mini", version=1).values_list(
        "organization_id", flat=True
    )
    assert sorted(owners, key=lambda o: o or 0) == [None, world.org.id, world.other.id]
    assert (acme.version, other.version) == (1, 1)
    # Each organisation's version 1 has lineages of its own, never the library's.
    lineages = {
        q.organization_id: set(q.questions.values_list("lineage", flat=True))
        for q in (mini, acme, other)
    }
    assert lineages[None] == {"flow-wip", "flow-wait", "quality-tests", "quality-review"}
    assert lineages[world.org.id] == {
        f"{key}@o{world.org.id}.v1"
        for key in ("flow-wip", "flow-wait", "quality-tests", "quality-review")
    }
    assert lineages[None] & lineages[world.other.id] == set()


def test_open_assessment_with_a_version_counts_in_the_owners_numbering(world, mini):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml(version=2))  # library v2
    own = _owned(world.org, user=world.analyst)  # Acme's v1
    opened = services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini", version=1)
    assert opened.questionnaire == own
    with pytest.raises(Invalid, match="no published version 2"):
        services.open_assessment(world.lead_a, world.team_a, "2027-Q1", "mini", version=2)


# --- adopting, editing, publishing ----------------------------------------------------------


def test_adopt_copies_content_and_lineage_and_points_at_the_library(world, mini):
    copy = questionnaire_services.adopt_questionnaire(world.analyst, world.org, mini)
    assert (copy.organization, copy.version, copy.status, copy.based_on) == (
        world.org, 1, "published", mini,
    )  # fmt: skip

    def lineage(q):
        return sorted(q.questions.values_list("key", "lineage"))

    assert lineage(copy) == lineage(mini)
    assert questionnaire_doc(copy) == questionnaire_doc(mini)


def test_draft_edit_publish_and_the_assessments_before_and_after(world, mini):
    before = services.open_assessment(world.lead_a, world.team_a, "2026-Q3", "mini")
    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    assert (draft.version, draft.status, draft.organization) == (2, "draft", world.org)
    adopted = Questionnaire.objects.get(organization=world.org, version=1)
    assert adopted.based_on == mini
    # Every item continues its predecessor until the analyst says otherwise.
    assert {q.replaces for q in draft.questions.all()} == {
        "flow-wip", "flow-wait", "quality-tests", "quality-review",
    }  # fmt: skip
    questionnaire_services.edit_draft(
        world.analyst, draft,
        {"op": "set", "path": "question.flow-wip.text", "value": "How do you limit WIP?"},
    )  # fmt: skip
    # Drafts are nobody's assessment.
    while_drafting = services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")
    assert while_drafting.questionnaire == adopted
    published = questionnaire_services.publish_questionnaire(world.analyst, draft)
    after = services.open_assessment(world.lead_a, world.team_a, "2027-Q1", "mini")
    assert (before.questionnaire, after.questionnaire) == (mini, published)
    # History stays comparable across the library version, the copy and the edit.
    assert sorted(published.questions.values_list("lineage", flat=True)) == sorted(
        mini.questions.values_list("lineage", flat=True)
    )
    entry = LogEntry.objects.filter(object_id=published.id).order_by("-id").first()
    assert entry.changes_dict == {
        "event": [None, "published"],
        "summary": [None, "1 question reworded"],
    }
    assert entry.actor == world.analyst


def test_published_version_never_changes(world, mini):
    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    questionnaire_services.publish_questionnaire(world.analyst, draft)
    with pytest.raises(Conflict, match="can never change"):
        questionnaire_services.edit_draft(
            world.analyst, draft, {"op": "set", "path": "title", "value": "Later"}
        )
    with pytest.raises(Conflict):
        questionnaire_services.publish_questionnaire(world.analyst, draft)


def test_editing_refuses_an_invalid_change_and_keeps_the_draft(world, mini):
    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    before = questionnaire_doc(draft)
    with pytest.raises(Invalid) as caught:
        questionnaire_services.edit_draft(
            world.analyst, draft, {"op": "set", "path": "question.flow-wip.weight", "value": 0}
        )
    assert [e["field"] for e in caught.value.errors] == ["question.flow-wip.weight"]
    with pytest.raises(Invalid) as caught:
        questionnaire_services.edit_draft(
            world.analyst, draft,
            {"op": "set", "path": "question.flow-wip.replaces", "value": "no-such-question"},
        )  # fmt: skip
    assert caught.value.errors == [
        {
            "field": "question.flow-wip.replaces",
            "message": "question 'flow-wip' replaces 'no-such-question', which is not a "
            "question of mini v1",
        }
    ]
    draft.refresh_from_db()
    assert questionnaire_doc(draft) == before


def test_another_organisation_cannot_edit_publish_or_discard(world, mini):
    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    before = questionnaire_doc(draft)
    with pytest.raises(NotFound):
        questionnaire_services.edit_draft(
            world.other_admin, draft, {"op": "set", "path": "title", "value": "Mine now"}
        )
    with pytest.raises(NotFound):
        questionnaire_services.publish_questionnaire(world.other_admin, draft)
    with pytest.raises(NotFound):
        questionnaire_services.discard_draft(world.other_admin, draft)
    draft.refresh_from_db()
    assert (draft.status, questionnaire_doc(draft)) == ("draft", before)


def test_yaml_round_trip_through_the_editor_has_no_diff(world, mini):
    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    questionnaire_services.edit_draft(
        world.analyst, draft, {"op": "move_question", "question": "flow-wait",
                               "dimension": "quality", "index": 0},
    )  # fmt: skip
    published = questionnaire_services.publish_questionnaire(world.analyst, draft)
    exported = export_questionnaire(questionnaire_doc(published))
    assert parse_questionnaire(exported) == questionnaire_doc(published)
    # Uploaded again as the next version, with every item continuing itself: no change at all.
    doc = parse_questionnaire(exported)
    from assessments.questionnaires.editing import carry_over

    again = _owned(world.org, export_questionnaire(carry_over(doc, 3)), world.analyst)
    again = (
        questionnaire_services.publish_questionnaire(world.analyst, again)
        if (again.status == "draft")
        else again
    )
    diff = questionnaire_services.version_diff(again, published)
    assert (diff.is_empty, diff.summary()) == (True, "no changes")


# --- reading: lists, API, admin, exports ----------------------------------------------------


def test_api_lists_the_library_and_own_organisation_only(world, mini, api_client):
    _owned(world.org, user=world.analyst)
    _owned(world.other, RETITLED_V2.replace("version: 2", "version: 1"), world.other_admin)
    api_client.force_authenticate(world.member_a)
    rows = api_client.get("/api/v1/questionnaires/").json()
    assert [(r["key"], r["version"], r["owner"]) for r in rows] == [
        ("mini", 1, "library"),
        ("mini", 1, {"organization": "acme"}),
    ]
    assert all("Acme's own words" not in json.dumps(r) for r in rows)


def test_api_upload_publish_and_diff(world, mini, api_client):
    api_client.force_authenticate(world.analyst)
    url = "/api/v1/organizations/acme/questionnaires/"
    v1 = mini_questionnaire_yaml(status="draft")
    created = api_client.post(url, v1, content_type="application/yaml")
    assert (created.status_code, created.json()["owner"], created.json()["status"]) == (
        201, {"organization": "acme"}, "draft",
    )  # fmt: skip
    published = api_client.post(f"{url}mini/1/publish/")
    assert (published.status_code, published.json()["status"]) == (200, "published")
    v2 = mini_questionnaire_yaml(version=2, flow_replaces="replaces: flow").replace(
        "How are waits measured?", "How are waiting times measured?"
    )
    assert api_client.post(url, v2, content_type="application/yaml").status_code == 201
    diff = api_client.get(f"{url}mini/diff/", {"from": 1, "to": 2}).json()
    assert (diff["from"], diff["to"]) == (1, 2)
    # Only flow-wip was mapped (none of the four questions has replaces but flow's
    # dimension): every question is proposed back to itself by its key.
    assert sorted((p["key"], p["old_key"], p["reason"]) for p in diff["proposals"]) == [
        ("flow-wait", "flow-wait", "same key"),
        ("flow-wip", "flow-wip", "same key"),
        ("quality-review", "quality-review", "same key"),
        ("quality-tests", "quality-tests", "same key"),
    ]
    # The other organisation cannot see any of it.
    api_client.force_authenticate(world.other_admin)
    assert api_client.get(f"{url}mini/diff/").status_code == 404
    assert api_client.post(url, v1, content_type="application/yaml").status_code == 404


def test_api_upload_reports_every_error_with_its_line(world, api_client):
    api_client.force_authenticate(world.analyst)
    response = api_client.post(
        "/api/v1/organizations/acme/questionnaires/", "key: Bad Key\nversion: 0\n",
        content_type="application/yaml",
    )  # fmt: skip
    body = response.json()
    assert response.status_code == 400
    assert body["errors"][0].startswith("line 1:")


def test_admin_shows_staff_the_library_and_their_organisations_only(world, mini):
    _owned(world.org, user=world.analyst)
    other = _owned(world.other, user=world.other_admin)
    world.analyst.is_staff = True
    request = RequestFactory().get("/admin/assessments/questionnaire/")
    request.user = world.analyst
    model_admin = admin_site._registry[Questionnaire]
    shown = set(model_admin.get_queryset(request))
    assert other not in shown and mini in shown and len(shown) == 2


def test_organisation_export_and_import_keep_own_versions_and_lineage(world, mini):
    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    questionnaire_services.edit_draft(
        world.analyst, draft,
        {"op": "set", "path": "question.flow-wip.key", "value": "flow-wip-limits"},
    )  # fmt: skip
    own_v2 = questionnaire_services.publish_questionnaire(world.analyst, draft)
    services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")
    document = export_organization(world.org)
    assert [(q["key"], q["version"], q["owner"]) for q in document["questionnaires"]] == [
        ("mini", 1, "organization"),
        ("mini", 2, "organization"),
    ]
    lineages = sorted(own_v2.questions.values_list("key", "lineage"))
    world.org.delete()
    imported = import_organization(document)
    restored = Questionnaire.objects.get(organization=imported, version=2)
    assert sorted(restored.questions.values_list("key", "lineage")) == lineages
    assert (
        restored.based_on is None
        and Questionnaire.objects.get(organization=imported, version=1).based_on == mini
    )
    assert imported.teams.get(slug="team-a").assessments.get().questionnaire == restored
    assert export_organization(imported) == document


def test_audit_trail_shows_an_organisations_questionnaire_events_to_its_admins(world, mini):
    from assessments.audit import trail as audit

    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    questionnaire_services.publish_questionnaire(world.analyst, draft)
    ours = [
        e.changes_dict["event"][1]
        for e in audit.entries_for(world.org_admin, model_key="questionnaire")
    ]
    theirs = list(audit.entries_for(world.other_admin, model_key="questionnaire"))
    assert (ours, theirs) == (["published", "draft", "adopted"], [])


# --- the editor's endpoint --------------------------------------------------------------------


def _edit(client, draft, op):
    url = f"/organizations/acme/questionnaires/mini/{draft.version}/edit/"
    return client.post(url, json.dumps(op), content_type="application/json")


def test_editor_endpoint_saves_each_change_and_names_the_field_of_an_error(world, mini, client):
    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    client.force_login(world.analyst)
    saved = _edit(client, draft, {"op": "set", "path": "title", "value": "Acme maturity"})
    assert (saved.status_code, saved.json()["questionnaire"]["title"]) == (200, "Acme maturity")
    refused = _edit(
        client, draft, {"op": "set", "path": "question.flow-wip.weight", "value": "heavy"}
    )
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["question.flow-wip.weight"]
    assert _edit(client, draft, "not an object").status_code == 400
    broken = client.post(
        f"/organizations/acme/questionnaires/mini/{draft.version}/edit/", "{",
        content_type="application/json",
    )  # fmt: skip
    assert broken.json() == {
        "errors": [{"field": None, "message": "The change is not valid JSON."}]
    }
    draft.refresh_from_db()
    assert draft.title == "Acme maturity"
    questionnaire_services.publish_questionnaire(world.analyst, draft)
    late = _edit(client, draft, {"op": "set", "path": "title", "value": "Too late"})
    assert late.status_code == 409
    assert "can never change" in late.json()["errors"][0]["message"]


def test_editor_page_of_another_organisation_is_not_found(world, mini, client):
    draft = questionnaire_services.start_draft(world.analyst, world.org, "mini")
    client.force_login(world.other_admin)
    url = f"/organizations/acme/questionnaires/mini/{draft.version}/edit/"
    assert client.get(url).status_code == 404
    assert _edit(client, draft, {"op": "set", "path": "title", "value": "x"}).status_code == 404
    client.force_login(world.member_a)
    assert client.get(url).status_code == 403


def test_yaml_export_of_an_organisation_version_names_its_owner(world, mini, client):
    own = _owned(world.org, user=world.analyst)
    client.force_login(world.member_a)
    response = client.get(f"/organizations/acme/questionnaires/mini/{own.version}/?format=yaml")
    assert response["Content-Disposition"] == 'attachment; filename="mini-v1-acme.yaml"'
    assert parse_questionnaire(response.content) == questionnaire_doc(own)
