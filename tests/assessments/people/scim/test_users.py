"""/scim/v2/Users against RFC 7644's examples and what Entra ID and Okta send, each with the
bad cases: another organisation's token, malformed bodies."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.authtoken.models import Token

from assessments.models import Membership, OrganizationMember, ScimUser
from tests.assessments.people.scim.conftest import SCIM, USER_SCHEMA, ScimClient
from tests.factories import MembershipFactory, ScimGroupFactory, ScimUserFactory, UserFactory

User = get_user_model()

# RFC 7644 section 3.3
BJENSEN = {
    "schemas": [USER_SCHEMA],
    "userName": "bjensen",
    "externalId": "bjensen",
    "name": {
        "formatted": "Ms. Barbara J Jensen III",
        "familyName": "Jensen",
        "givenName": "Barbara",
    },
}


def error(response):
    body = response.json()
    return response.status_code, body.get("scimType"), body["schemas"]


ERROR = ["urn:ietf:params:scim:api:messages:2.0:Error"]


def person_ids(organization):
    return set(
        OrganizationMember.objects.filter(organization=organization).values_list(
            "user__username", flat=True
        )
    )


def test_create_user_rfc_example_201(world, acme):
    response = acme.post("Users", BJENSEN)
    body = response.json()
    user = User.objects.get(username="bjensen")
    assert (response.status_code, response["Content-Type"]) == (201, SCIM)
    assert response["Location"] == f"http://testserver/scim/v2/Users/{user.pk}"
    assert body == {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "externalId": "bjensen",
        "userName": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
        "displayName": "Barbara Jensen",
        "emails": [],
        "active": True,
        "meta": body["meta"] | {"resourceType": "User", "location": response["Location"]},
    }
    member = OrganizationMember.objects.get(user=user)
    assert (member.organization, member.source) == (world.org, OrganizationMember.SCIM)
    assert not user.has_usable_password()


def test_create_user_name_taken_409_uniqueness(world, acme):
    for name in ("member_a", "OTHER_MEMBER"):  # Acme's person, another's: the same answer
        response = acme.post("Users", {**BJENSEN, "userName": name})
        assert error(response) == (409, "uniqueness", ERROR)
    assert not OrganizationMember.objects.filter(
        organization=world.org, user=world.other_member
    ).exists()


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"userName": "x"}, "invalidSyntax"),  # no schemas
        ([BJENSEN], "invalidSyntax"),
        ("null", "invalidSyntax"),
        ({**BJENSEN, "userName": 5}, "invalidValue"),
        ({**BJENSEN, "userName": ""}, "invalidValue"),
        ({**BJENSEN, "userName": "has space"}, "invalidValue"),
        ({**BJENSEN, "userName": "x" * 151}, "invalidValue"),
        ({**BJENSEN, "name": "Barbara"}, "invalidValue"),
        ({**BJENSEN, "emails": [{"value": "not an address"}]}, "invalidValue"),
        ({**BJENSEN, "emails": "b@example.com"}, "invalidValue"),
        ({**BJENSEN, "active": "maybe"}, "invalidValue"),
        ({**BJENSEN, "externalId": {"a": 1}}, "invalidValue"),
    ],
)
def test_create_user_malformed_400(world, acme, body, scim_type):
    response = acme.post("Users", body)
    assert error(response) == (400, scim_type, ERROR)
    assert not User.objects.filter(username="bjensen").exists()


def test_create_user_invalid_json_400_invalid_syntax(world, acme):
    assert error(acme.post("Users", '{"userName": ')) == (400, "invalidSyntax", ERROR)


def test_create_user_plain_json_accepted(world, acme):
    assert acme.post("Users", BJENSEN, content_type="application/json").status_code == 201


def test_create_user_other_content_type_415(world, acme):
    response = acme.post("Users", "userName=bjensen", content_type="text/plain")
    assert (response.status_code, response["Content-Type"]) == (415, SCIM)
    assert response.json()["schemas"] == ERROR


def test_filter_user_name_rfc_example(world, acme):
    user_id = acme.post("Users", BJENSEN).json()["id"]
    response = acme.get("Users", {"filter": 'userName Eq "BJensen"'})
    body = response.json()
    assert (response.status_code, body["totalResults"], body["itemsPerPage"]) == (200, 1, 1)
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert [r["id"] for r in body["Resources"]] == [user_id]


@pytest.mark.parametrize(
    "filter_text",
    [
        'externalId eq "bjensen"',  # Entra ID
        'emails[value eq "babs@example.com"]',  # Okta
        'emails.value eq "BABS@example.com"',
    ],
)
def test_filter_identity_provider_styles(world, acme, filter_text):
    body = {**BJENSEN, "emails": [{"value": "babs@example.com", "primary": True}]}
    user_id = acme.post("Users", body).json()["id"]
    found = acme.get("Users", {"filter": filter_text}).json()
    assert [r["id"] for r in found["Resources"]] == [user_id]


def test_filter_sees_only_the_organisations_people(world, acme, other):
    assert acme.get("Users", {"filter": 'userName eq "other_member"'}).json()["totalResults"] == 0
    assert other.get("Users", {"filter": 'userName eq "member_a"'}).json()["totalResults"] == 0
    names = {r["userName"] for r in acme.get("Users").json()["Resources"]}
    assert names == {"member_a", "lead_a", "member_b", "analyst", "org_admin"}


@pytest.mark.parametrize(
    "filter_text",
    ['userName sw "b"', 'title eq "x"', "userName eq bjensen", 'userName eq "a" or id eq "1"'],
)
def test_filter_unsupported_400_invalid_filter(world, acme, filter_text):
    assert error(acme.get("Users", {"filter": filter_text})) == (400, "invalidFilter", ERROR)


def test_list_users_pagination(world, acme):
    everyone = acme.get("Users").json()
    ids = [r["id"] for r in everyone["Resources"]]
    page = acme.get("Users", {"startIndex": "2", "count": "2"}).json()
    assert (page["totalResults"], page["itemsPerPage"], page["startIndex"]) == (5, 2, 2)
    assert [r["id"] for r in page["Resources"]] == ids[1:3]
    assert acme.get("Users", {"count": "0"}).json()["Resources"] == []
    # Out of range is read as the nearest bound (RFC 7644 section 3.4.2.4).
    assert acme.get("Users", {"startIndex": "-3"}).json()["startIndex"] == 1
    assert error(acme.get("Users", {"count": "many"})) == (400, "invalidValue", ERROR)


def test_get_user_of_other_organisation_404_like_missing(world, acme):
    foreign = acme.get(f"Users/{world.other_member.pk}")
    missing = acme.get("Users/2147483000")
    assert (foreign.status_code, foreign.json()) == (404, missing.json())
    assert acme.get("Users/not-a-number").status_code == 404


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_write_user_of_other_organisation_404_nothing_changed(world, acme, method):
    target = world.other_member
    path = f"Users/{target.pk}"
    if method == "PUT":
        response = acme.put(path, {**BJENSEN, "userName": "taken-over", "active": False})
    elif method == "PATCH":
        response = acme.patch(path, {"op": "replace", "value": {"active": False}})
    else:
        response = acme.delete(path)
    target.refresh_from_db()
    assert response.status_code == 404
    assert (target.username, target.is_active) == ("other_member", True)
    assert OrganizationMember.objects.filter(user=target, organization=world.other).exists()
    assert not ScimUser.objects.filter(user=target).exists()


def test_replace_user_put(world, acme):
    user_id = acme.post("Users", BJENSEN).json()["id"]
    body = {
        **BJENSEN,
        "name": {"givenName": "Babs", "familyName": "Jensen"},
        "emails": [{"value": "babs@example.com", "type": "work", "primary": True}],
    }
    response = acme.put(f"Users/{user_id}", body)
    user = User.objects.get(pk=user_id)
    assert response.status_code == 200
    assert (user.first_name, user.email) == ("Babs", "babs@example.com")
    assert response.json()["emails"] == [
        {"value": "babs@example.com", "type": "work", "primary": True}
    ]


def test_patch_user_okta_and_entra_operations(world, acme):
    user_id = acme.post("Users", BJENSEN).json()["id"]
    response = acme.patch(
        f"Users/{user_id}",
        {"op": "Replace", "path": "name.givenName", "value": "Babs"},
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "babs@example.com"},
        {
            "op": "replace",
            "value": {
                "externalId": "00u-babs",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "department": "Tours"
                },
            },
        },
    )
    user = User.objects.get(pk=user_id)
    assert response.status_code == 200
    assert (user.first_name, user.email) == ("Babs", "babs@example.com")
    assert response.json()["externalId"] == "00u-babs"


def test_patch_user_malformed_400_nothing_changed(world, acme):
    path = f"Users/{world.member_a.pk}"
    cases = [
        (acme.send("PATCH", path, {"Operations": []}), "invalidSyntax"),
        (acme.patch(path, {"op": "replace", "path": "userName", "value": 5}), "invalidValue"),
        (acme.patch(path, {"op": "replace", "path": "active", "value": "soon"}), "invalidValue"),
        (acme.patch(path, {"op": "remove"}), "noTarget"),
        (acme.patch(path, {"op": "replace", "path": "meta", "value": {}}), "mutability"),
        (acme.patch(path, {"op": "replace", "path": "a..b", "value": 1}), "invalidPath"),
    ]
    assert [error(response)[:2] for response, _ in cases] == [(400, t) for _, t in cases]
    world.member_a.refresh_from_db()
    assert (world.member_a.username, world.member_a.is_active) == ("member_a", True)


def test_patch_user_of_another_organisation_cannot_change_their_account(world, acme):
    """A person of two organisations: Acme's identity provider does not change the account's
    name or e-mail address (the other organisation's person signs in with them)."""
    MembershipFactory(team=world.other_team, user=world.member_a)
    response = acme.patch(
        f"Users/{world.member_a.pk}",
        {"op": "replace", "value": {"userName": "mallory", "emails": [{"value": "m@evil.test"}]}},
    )
    world.member_a.refresh_from_db()
    assert response.status_code == 200
    assert (world.member_a.username, world.member_a.email) == ("member_a", "member_a@example.com")


def _signed_in(user):
    """A session and a personal API token of ``user``; returns the signed-in browser."""
    browser = Client()
    browser.force_login(user)
    Token.objects.create(user=user)
    return browser


def _sessions_of(user):
    return sum(
        1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    )


@pytest.mark.parametrize("how", ["patch", "put", "delete"])
def test_deactivate_person_of_only_this_organisation_ends_access(world, acme, how):
    user = world.member_a
    browser = _signed_in(user)
    _signed_in(world.member_b)
    path = f"Users/{user.pk}"
    if how == "patch":  # Entra ID and Okta
        response = acme.patch(path, {"op": "replace", "value": {"active": False}})
    elif how == "put":
        response = acme.put(path, {**BJENSEN, "userName": "member_a", "active": False})
    else:
        response = acme.delete(path)
    user.refresh_from_db()
    assert response.status_code == (204 if how == "delete" else 200)
    assert (user.is_active, _sessions_of(user), Token.objects.filter(user=user).count()) == (
        False,
        0,
        0,
    )
    assert not Membership.objects.filter(user=user).exists()
    assert "member_a" not in person_ids(world.org)
    # Nobody else's access changed.
    assert (_sessions_of(world.member_b), Token.objects.filter(user=world.member_b).count()) == (
        1,
        1,
    )
    assert browser.get("/")["Location"].startswith("/accounts/login/")  # signed out at once
    key = Token.objects.filter(user=world.member_b).get().key  # someone else's still works
    assert Client().get("/api/v1/teams/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    if how == "delete":
        assert acme.get(path).status_code == 404
    else:
        assert acme.get(path).json()["active"] is False
        assert acme.get("Users", {"filter": 'userName eq "member_a"'}).json()["totalResults"] == 1


@pytest.mark.parametrize("how", ["patch", "delete"])
def test_deactivate_person_of_two_organisations_only_leaves_this_one(world, acme, how):
    user = world.member_a
    MembershipFactory(team=world.other_team, user=user)
    browser = _signed_in(user)
    path = f"Users/{user.pk}"
    if how == "patch":
        response = acme.patch(path, {"op": "Replace", "path": "active", "value": "False"})
    else:
        response = acme.delete(path)
    user.refresh_from_db()
    assert response.status_code in (200, 204)
    assert (user.is_active, _sessions_of(user), Token.objects.filter(user=user).count()) == (
        True,
        1,
        1,
    )
    assert list(Membership.objects.filter(user=user).values_list("team__slug", flat=True)) == [
        "other-team"
    ]
    assert "member_a" not in person_ids(world.org)
    assert "member_a" in person_ids(world.other)
    assert browser.get("/").status_code == 200  # still signed in, for Other Corp


def test_deactivate_never_deactivates_staff(world, acme):
    staff = UserFactory(username="operator", is_staff=True)
    OrganizationMember.objects.create(organization=world.org, user=staff)
    acme.patch(f"Users/{staff.pk}", {"op": "replace", "value": {"active": False}})
    staff.refresh_from_db()
    assert (staff.is_active, "operator" in person_ids(world.org)) == (True, False)


def test_reactivate_user(world, acme):
    user_id = acme.post("Users", BJENSEN).json()["id"]
    acme.patch(f"Users/{user_id}", {"op": "replace", "value": {"active": False}})
    response = acme.patch(f"Users/{user_id}", {"op": "replace", "value": {"active": True}})
    user = User.objects.get(pk=user_id)
    assert (response.json()["active"], user.is_active) == (True, True)
    assert "bjensen" in person_ids(world.org)


def test_create_user_inactive(world, acme):
    response = acme.post("Users", {**BJENSEN, "active": False})
    user = User.objects.get(username="bjensen")
    assert (response.status_code, response.json()["active"], user.is_active) == (201, False, False)
    assert "bjensen" not in person_ids(world.org)


def test_external_id_unique_per_organisation(world, acme, other):
    ScimUserFactory(organization=world.other, user=world.other_member, external_id="bjensen")
    assert acme.post("Users", BJENSEN).status_code == 201  # another organisation's id
    second = acme.post("Users", {**BJENSEN, "userName": "bjensen2"})
    assert error(second) == (409, "uniqueness", ERROR)


def test_user_writes_are_in_the_audit_trail_as_the_token(world, acme):
    acme.patch(f"Users/{world.member_a.pk}", {"op": "replace", "value": {"active": False}})
    entry = LogEntry.objects.filter(content_type__model="membership").latest("id")
    assert (entry.action, entry.actor, entry.actor_email) == (
        LogEntry.Action.DELETE,
        None,
        f"SCIM token {acme.token.prefix}",
    )


# --- tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer vsms_wrong",
        "Bearer",
        "Bearer a b",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer vsmt_team-token-is-not-scim",
    ],
)
def test_wrong_or_missing_token_401_scim_error(world, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Client().get("/scim/v2/Users", **headers)
    assert (response.status_code, response["Content-Type"]) == (401, SCIM)
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'
    assert response.json()["schemas"] == ERROR


def test_revoked_token_401(world, acme):
    acme.token.revoked_at = acme.token.created_at
    acme.token.save()
    assert acme.get("Users").status_code == 401


def test_session_and_personal_token_refused_401(world):
    client = Client()
    client.force_login(world.org_admin)
    assert client.get("/scim/v2/Users").status_code == 401
    key = Token.objects.create(user=world.org_admin).key
    assert Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_scim_token_opens_no_other_api(world, acme):
    assert Client().get("/api/v1/teams/", HTTP_AUTHORIZATION=f"Bearer {acme.key}").status_code == (
        401
    )


def test_token_of_one_organisation_never_another(world, acme, other):
    assert ScimClient(acme.key).get(f"Users/{world.other_member.pk}").status_code == 404
    assert other.get(f"Users/{world.other_member.pk}").status_code == 200


# --- discovery ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "ServiceProviderConfig",
        "ResourceTypes",
        "ResourceTypes/User",
        "Schemas",
        "Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
    ],
)
def test_discovery_documents(world, acme, path):
    response = acme.get(path)
    assert (response.status_code, response["Content-Type"]) == (200, SCIM)


def test_service_provider_config_says_what_is_supported(world, acme):
    body = acme.get("ServiceProviderConfig").json()
    assert {k: body[k]["supported"] for k in ("patch", "bulk", "filter", "sort", "etag")} == {
        "patch": True,
        "bulk": False,
        "filter": True,
        "sort": False,
        "etag": False,
    }
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_unknown_schema_404(world, acme):
    assert error(acme.get("Schemas/urn:nothing")) == (404, None, ERROR)


def test_patch_of_a_name_changes_no_membership(world, acme):
    """A PATCH carries the current ``active`` along: it must not put back in a team someone
    an admin took out while their group still maps to it."""
    group = ScimGroupFactory(organization=world.org, team=world.team_b)
    group.members.add(world.member_a)
    acme.patch(
        f"Users/{world.member_a.pk}", {"op": "replace", "path": "name.givenName", "value": "Ann"}
    )
    assert list(
        Membership.objects.filter(user=world.member_a).values_list("team__slug", flat=True)
    ) == ["team-a"]
    world.member_a.refresh_from_db()
    assert world.member_a.first_name == "Ann"


def test_entra_id_provisioning_cycle(world, acme):
    """What Entra ID sends for one person: a lookup, the create, an attribute update, the
    group push, the soft delete (active false) and, 30 days on, the delete."""
    lookup = acme.get("Users", {"filter": 'userName eq "jane@acme.example"'}).json()
    assert (lookup["totalResults"], lookup["Resources"]) == (0, [])
    created = acme.post(
        "Users",
        {
            "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "1a2b-3c4d",
            "userName": "jane@acme.example",
            "active": True,
            "displayName": "Jane Doe",
            "emails": [{"primary": True, "type": "work", "value": "jane@acme.example"}],
            "name": {"formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "X"},
        },
    )
    user_id = created.json()["id"]
    updated = acme.patch(
        f"Users/{user_id}",
        {"op": "Replace", "path": "name.familyName", "value": "Roe"},
        {"op": "Add", "path": "title", "value": "Engineer"},
    )
    group = acme.post(
        "Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Team A people",
            "externalId": "team-a",
            "members": [],
        },
    )
    acme.patch(
        f"Groups/{group.json()['id']}",
        {"op": "Add", "path": "members", "value": [{"value": user_id}]},
    )
    assert Membership.objects.filter(user_id=user_id, team=world.team_a).exists()
    acme.patch(f"Users/{user_id}", {"op": "Replace", "path": "active", "value": "False"})
    assert not Membership.objects.filter(user_id=user_id).exists()
    deleted = acme.delete(f"Users/{user_id}")
    assert [created.status_code, updated.status_code, deleted.status_code] == [201, 200, 204]
    assert (User.objects.get(pk=user_id).last_name, User.objects.get(pk=user_id).is_active) == (
        "Roe",
        False,
    )
    assert acme.get(f"Users/{user_id}").status_code == 404


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_body_400_invalid_syntax(world, acme, depth):
    body = '{"schemas": ' + "[" * depth + "]" * depth + "}"
    assert error(acme.post("Users", body)) == (400, "invalidSyntax", ERROR)
    patch = acme.send("PATCH", f"Users/{world.member_a.pk}", body)
    assert error(patch) == (400, "invalidSyntax", ERROR)
