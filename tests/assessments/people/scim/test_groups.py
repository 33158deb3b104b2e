"""/scim/v2/Groups: RFC 7644's examples (create, PATCH add and remove members), Entra ID's
requests, and a group's members in the team it maps to, as the team's members page and the
audit trail show them."""

import pytest
from auditlog.models import LogEntry
from django.test import Client

from assessments.models import Membership, ScimGroup
from assessments.people.scim import groups as scim_groups
from tests.assessments.people.scim.conftest import GROUP_SCHEMA
from tests.factories import ScimGroupFactory

ERROR = ["urn:ietf:params:scim:api:messages:2.0:Error"]


def team_members(world, team):
    """The team's members as the members API shows them to the organisation admin."""
    client = Client()
    client.force_login(world.org_admin)
    response = client.get(f"/api/v1/teams/{team.id}/members/")
    return {row["username"]: row["role"] for row in response.json()}


def group_body(name, *users, external_id=None):
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": str(u.pk), "display": u.username} for u in users],
    }
    if external_id is not None:
        body["externalId"] = external_id
    return body


def test_create_group_rfc_example_maps_to_team_by_slug(world, acme):
    response = acme.post("Groups", group_body("Tour Guides", world.member_b, external_id="team-a"))
    body = response.json()
    group = ScimGroup.objects.get(pk=body["id"])
    assert response.status_code == 201
    assert (body["displayName"], body["externalId"], group.team) == (
        "Tour Guides",
        "team-a",
        world.team_a,
    )
    assert [m["value"] for m in body["members"]] == [str(world.member_b.pk)]
    assert team_members(world, world.team_a) == {
        "lead_a": "lead",
        "member_a": "member",
        "member_b": "member",
    }


def test_group_membership_is_in_the_audit_trail(world, acme):
    acme.post("Groups", group_body("Tour Guides", world.member_b, external_id="team-a"))
    entry = LogEntry.objects.filter(content_type__model="membership").latest("id")
    assert (entry.action, entry.actor_email) == (
        LogEntry.Action.CREATE,
        f"SCIM token {acme.token.prefix}",
    )
    client = Client()
    client.force_login(world.org_admin)
    page = client.get("/audit/", {"team": world.team_a.id}).content.decode()
    assert f"SCIM token {acme.token.prefix}" in page


def test_create_group_without_team(world, acme):
    response = acme.post("Groups", group_body("Everyone", world.member_a, world.member_b))
    assert ScimGroup.objects.get(pk=response.json()["id"]).team is None
    assert team_members(world, world.team_b) == {"member_b": "member"}


def test_patch_group_rfc_add_and_remove_members(world, acme):
    group_id = acme.post("Groups", group_body("Tour Guides", external_id="team-b")).json()["id"]
    # RFC 7644 section 3.5.2.1
    added = acme.patch(
        f"Groups/{group_id}",
        {
            "op": "add",
            "path": "members",
            "value": [{"display": "Babs", "value": str(world.member_a.pk)}],
        },
    )
    assert added.status_code == 200
    assert team_members(world, world.team_b) == {"member_a": "member", "member_b": "member"}
    # RFC 7644 section 3.5.2.2
    removed = acme.patch(
        f"Groups/{group_id}", {"op": "remove", "path": f'members[value eq "{world.member_a.pk}"]'}
    )
    assert (removed.status_code, removed.json()["members"]) == (200, [])
    assert team_members(world, world.team_b) == {"member_b": "member"}


def test_patch_group_entra_operations(world, acme):
    group_id = acme.post("Groups", group_body("Payments", external_id="team-b")).json()["id"]
    acme.patch(
        f"Groups/{group_id}",
        {
            "op": "Add",
            "path": "members",
            "value": [{"value": str(world.member_a.pk)}, {"value": str(world.lead_a.pk)}],
        },
    )
    acme.patch(
        f"Groups/{group_id}",
        {"op": "Remove", "path": "members", "value": [{"value": str(world.lead_a.pk)}]},
    )
    acme.patch(
        f"Groups/{group_id}", {"op": "Replace", "path": "displayName", "value": "Payments team"}
    )
    group = ScimGroup.objects.get(pk=group_id)
    assert (group.display_name, list(group.members.values_list("username", flat=True))) == (
        "Payments team",
        ["member_a"],
    )
    assert team_members(world, world.team_b) == {"member_a": "member", "member_b": "member"}


def test_group_removal_never_removes_a_lead(world, acme):
    group_id = acme.post("Groups", group_body("A", world.lead_a, external_id="team-a")).json()["id"]
    acme.patch(f"Groups/{group_id}", {"op": "remove", "path": "members"})
    assert team_members(world, world.team_a)["lead_a"] == "lead"


def test_member_in_two_groups_of_a_team_stays_until_both_drop_them(world, acme):
    first = acme.post("Groups", group_body("One", world.member_b, external_id="team-a")).json()
    group = ScimGroupFactory(organization=world.org, team=world.team_a, display_name="Two")
    group.members.add(world.member_b)
    acme.patch(f"Groups/{first['id']}", {"op": "remove", "path": "members"})
    assert "member_b" in team_members(world, world.team_a)
    acme.delete(f"Groups/{group.pk}")
    assert "member_b" not in team_members(world, world.team_a)


def test_delete_group_members_leave_the_team(world, acme):
    group_id = acme.post("Groups", group_body("G", world.member_b, external_id="team-a")).json()[
        "id"
    ]
    assert acme.delete(f"Groups/{group_id}").status_code == 204
    assert "member_b" not in team_members(world, world.team_a)
    assert acme.get(f"Groups/{group_id}").status_code == 404


def test_put_group_replaces_members(world, acme):
    group_id = acme.post("Groups", group_body("G", world.member_b, external_id="team-a")).json()[
        "id"
    ]
    response = acme.put(f"Groups/{group_id}", group_body("G", world.analyst))
    assert [m["display"] for m in response.json()["members"]] == ["analyst"]
    assert set(team_members(world, world.team_a)) == {"lead_a", "member_a", "analyst"}


def test_deactivated_person_leaves_and_reactivated_rejoins_group_teams(world, acme):
    acme.post("Groups", group_body("G", world.member_b, external_id="team-a"))
    acme.patch(f"Users/{world.member_b.pk}", {"op": "replace", "value": {"active": False}})
    assert not Membership.objects.filter(user=world.member_b).exists()
    acme.patch(f"Users/{world.member_b.pk}", {"op": "replace", "value": {"active": True}})
    assert list(
        Membership.objects.filter(user=world.member_b).values_list("team__slug", "role")
    ) == [("team-a", "member")]


def test_filter_groups_by_display_name_without_members(world, acme):
    group_id = acme.post("Groups", group_body("Tour Guides", world.member_a)).json()["id"]
    found = acme.get(
        "Groups", {"filter": 'displayName eq "tour guides"', "excludedAttributes": "members"}
    ).json()
    assert [(r["id"], "members" in r) for r in found["Resources"]] == [(group_id, False)]
    assert acme.get("Groups", {"filter": 'members eq "1"'}).json()["scimType"] == "invalidFilter"


def test_admin_maps_group_to_another_team(world, acme):
    group_id = acme.post("Groups", group_body("G", world.member_a, external_id="team-a")).json()[
        "id"
    ]
    client = Client()
    client.force_login(world.superuser)
    response = client.post(
        f"/admin/assessments/scimgroup/{group_id}/change/", {"team": world.team_b.id}
    )
    assert response.status_code == 302
    assert team_members(world, world.team_b) == {"member_a": "member", "member_b": "member"}
    # The group no longer gives them a place in team A (docs/scim.md: the group decides).
    assert team_members(world, world.team_a) == {"lead_a": "lead"}


def test_map_to_team_of_another_organisation_refused(world):
    group = ScimGroupFactory(organization=world.org)
    with pytest.raises(ValueError):
        scim_groups.map_to_team(group, world.other_team)


def test_create_group_duplicate_name_409(world, acme):
    acme.post("Groups", group_body("Tour Guides"))
    response = acme.post("Groups", group_body("tour guides"))
    assert (response.status_code, response.json()["scimType"]) == (409, "uniqueness")


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"displayName": "x"}, "invalidSyntax"),
        ({"schemas": [GROUP_SCHEMA]}, "invalidValue"),
        (
            {"schemas": [GROUP_SCHEMA], "displayName": "x", "members": {"value": "1"}},
            "invalidValue",
        ),
        (
            {"schemas": [GROUP_SCHEMA], "displayName": "x", "members": [{"value": "abc"}]},
            "invalidValue",
        ),
        ({"schemas": [GROUP_SCHEMA], "displayName": "x", "externalId": 5}, "invalidValue"),
    ],
)
def test_create_group_malformed_400(world, acme, body, scim_type):
    response = acme.post("Groups", body)
    assert (response.status_code, response.json()["scimType"]) == (400, scim_type)
    assert not ScimGroup.objects.exists()


def test_group_member_of_another_organisation_400_like_unknown(world, acme):
    foreign = acme.post("Groups", group_body("G", world.other_member, external_id="team-a"))
    missing = acme.post(
        "Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": "2147483000"}]},
    )
    assert (foreign.status_code, foreign.json()["scimType"]) == (400, "invalidValue")
    assert foreign.json()["detail"].replace(str(world.other_member.pk), "?") == missing.json()[
        "detail"
    ].replace("2147483000", "?")
    assert not Membership.objects.filter(user=world.other_member, team=world.team_a).exists()


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_group_of_other_organisation_404_nothing_changed(world, acme, other, method):
    theirs = other.post(
        "Groups", group_body("Theirs", world.other_member, external_id="other-team")
    ).json()
    path = f"Groups/{theirs['id']}"
    if method == "GET":
        response = acme.get(path)
    elif method == "PUT":
        response = acme.put(path, group_body("Taken"))
    elif method == "PATCH":
        response = acme.patch(path, {"op": "remove", "path": "members"})
    else:
        response = acme.delete(path)
    assert (response.status_code, response.json()["schemas"]) == (404, ERROR)
    assert other.get(path).json()["members"] == theirs["members"]
    assert acme.get("Groups").json()["totalResults"] == 0


def test_patch_group_rfc_replace_members(world, acme):
    """RFC 7644 section 3.5.2.3: replace all members."""
    body = group_body("Tour Guides", world.member_a, external_id="team-b")
    group_id = acme.post("Groups", body).json()["id"]
    response = acme.patch(
        f"Groups/{group_id}",
        {"op": "replace", "path": "members", "value": [{"value": str(world.analyst.pk)}]},
    )
    assert [m["display"] for m in response.json()["members"]] == ["analyst"]
    assert team_members(world, world.team_b) == {"analyst": "member", "member_b": "member"}
