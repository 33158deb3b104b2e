import pytest

from assessments.models import Membership


def teams_seen(api_client, user):
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/teams/")
    assert response.status_code == 200
    return sorted(row["name"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("member_a", ["Team A"]),
        ("lead_a", ["Team A"]),
        ("member_b", ["Team B"]),
        ("analyst", ["Team A", "Team B"]),
        ("org_admin", ["Team A", "Team B"]),
        ("other_admin", ["Other Team"]),
        ("outsider", []),
    ],
)
def test_api_teams_list_per_role(world, api_client, who, expected):
    assert teams_seen(api_client, getattr(world, who)) == expected


def test_api_teams_list_fields(world, api_client):
    api_client.force_authenticate(world.member_a)
    row = api_client.get("/api/v1/teams/").json()["results"][0]
    assert row == {
        "id": world.team_a.id,
        "slug": "team-a",
        "name": "Team A",
        "group": "Payments",
        "organization": "acme",
    }


def test_api_teams_anonymous_401_with_json_message(world, api_client):
    response = api_client.get("/api/v1/teams/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."


def test_api_unknown_token_401_and_nothing_changed(world, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.post(
        f"/api/v1/teams/{world.team_a.id}/members/", {"username": "member_b", "role": "member"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    assert not Membership.objects.filter(team=world.team_a, user=world.member_b).exists()


def test_api_token_authentication_works(world, api_client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.member_b)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get("/api/v1/teams/")
    assert [t["name"] for t in response.json()["results"]] == ["Team B"]


def test_api_members_list_for_visible_team(world, api_client):
    api_client.force_authenticate(world.member_a)
    response = api_client.get(f"/api/v1/teams/{world.team_a.id}/members/")
    assert response.status_code == 200
    assert response.json() == [
        {"username": "lead_a", "role": "lead"},
        {"username": "member_a", "role": "member"},
    ]


def test_api_members_of_other_org_team_is_404(world, api_client):
    api_client.force_authenticate(world.member_a)
    response = api_client.get(f"/api/v1/teams/{world.other_team.id}/members/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such team."}


def test_api_admin_adds_member_then_changes_role(world, api_client):
    api_client.force_authenticate(world.org_admin)
    url = f"/api/v1/teams/{world.team_a.id}/members/"
    first = api_client.post(url, {"username": "member_b", "role": "member"}, format="json")
    assert first.status_code == 201
    assert first.json() == {"username": "member_b", "role": "member"}
    again = api_client.post(url, {"username": "member_b", "role": "lead"}, format="json")
    assert again.status_code == 200
    assert Membership.objects.get(team=world.team_a, user=world.member_b).role == "lead"


@pytest.mark.parametrize("who", ["member_a", "lead_a", "analyst"])
def test_api_non_admin_cannot_add_member(world, api_client, who):
    api_client.force_authenticate(getattr(world, who))
    response = api_client.post(
        f"/api/v1/teams/{world.team_a.id}/members/",
        {"username": "member_b", "role": "member"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only organisation admins manage team membership."
    assert not Membership.objects.filter(team=world.team_a, user=world.member_b).exists()


def test_api_other_org_admin_cannot_touch_team(world, api_client):
    api_client.force_authenticate(world.other_admin)
    response = api_client.post(
        f"/api/v1/teams/{world.team_a.id}/members/",
        {"username": "other_member", "role": "lead"},
        format="json",
    )
    assert response.status_code == 404
    assert not Membership.objects.filter(team=world.team_a, user=world.other_member).exists()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"username": "nobody", "role": "member"},
            "Acme has no member named 'nobody'; invite them to the organisation first.",
        ),
        ({"username": "member_b", "role": "owner"}, 'role: "owner" is not a valid choice.'),
        ({"role": "member"}, "username: This field is required."),
    ],
)
def test_api_add_member_bad_input_400(world, api_client, payload, message):
    api_client.force_authenticate(world.org_admin)
    before = Membership.objects.count()
    response = api_client.post(f"/api/v1/teams/{world.team_a.id}/members/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert Membership.objects.count() == before


def test_api_admin_removes_member(world, api_client):
    api_client.force_authenticate(world.org_admin)
    response = api_client.delete(f"/api/v1/teams/{world.team_a.id}/members/member_a/")
    assert response.status_code == 204
    assert not Membership.objects.filter(team=world.team_a, user=world.member_a).exists()


def test_api_remove_non_member_404(world, api_client):
    api_client.force_authenticate(world.org_admin)
    response = api_client.delete(f"/api/v1/teams/{world.team_a.id}/members/member_b/")
    assert response.status_code == 404
    assert response.json()["detail"] == "'member_b' is not a member of Team A."


def test_api_schema_and_docs_served_without_cdn(world, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/teams/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg" not in html
    assert "/static/drf_spectacular_sidecar/" in html
