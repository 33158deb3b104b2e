from assessments.models import Membership


def test_login_page_served(db, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_login_wrong_password_is_200_with_message(world, client):
    response = client.post("/accounts/login/", {"username": "member_a", "password": "wrong"})
    assert response.status_code == 200
    assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content
    assert "_auth_user_id" not in client.session


def test_login_then_home_lists_own_teams(world, client):
    from tests.factories import PASSWORD

    response = client.post(
        "/accounts/login/", {"username": "member_a", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert [t.name for t in response.context["my_teams"]] == ["Team A"]
    assert response.context["org_teams"] == []


def test_home_requires_login(db, client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_home_for_analyst_lists_org_teams(world, client):
    client.force_login(world.analyst)
    response = client.get("/")
    assert [t.name for t in response.context["org_teams"]] == ["Team A", "Team B"]


def test_team_page_of_other_team_is_friendly_404(world, client):
    client.force_login(world.member_a)
    response = client.get(f"/teams/{world.team_b.id}/")
    assert response.status_code == 404
    assert b"Go to my teams" in response.content


def test_team_page_shows_members(world, client):
    client.force_login(world.member_a)
    response = client.get(f"/teams/{world.team_a.id}/")
    assert response.status_code == 200
    assert [m.user.username for m in response.context["memberships"]] == ["lead_a", "member_a"]


def test_admin_adds_member_in_ui(world, client):
    client.force_login(world.org_admin)
    response = client.post(
        f"/teams/{world.team_a.id}/members/add/",
        {"username": "member_b", "role": "lead"},
        follow=True,
    )
    assert response.status_code == 200
    assert "member_b added to Team A as lead." in response.content.decode()
    assert Membership.objects.get(team=world.team_a, user=world.member_b).role == "lead"


def test_lead_cannot_add_member_in_ui(world, client):
    client.force_login(world.lead_a)
    response = client.post(
        f"/teams/{world.team_a.id}/members/add/", {"username": "member_b", "role": "member"}
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(team=world.team_a, user=world.member_b).exists()


def test_admin_removes_member_in_ui(world, client):
    client.force_login(world.org_admin)
    response = client.post(f"/teams/{world.team_a.id}/members/member_a/remove/", follow=True)
    assert "member_a removed from Team A." in response.content.decode()
    assert not Membership.objects.filter(team=world.team_a, user=world.member_a).exists()


def test_admin_unknown_user_in_ui_shows_error(world, client):
    client.force_login(world.org_admin)
    response = client.post(
        f"/teams/{world.team_a.id}/members/add/",
        {"username": "ghost", "role": "member"},
        follow=True,
    )
    assert "Acme has no member named &#x27;ghost&#x27;" in response.content.decode()


def test_load_demo_is_idempotent(db):
    from django.core.management import call_command

    from assessments.models import Membership as M
    from assessments.models import Team

    call_command("load_demo")
    counts = (Team.objects.count(), M.objects.count())
    call_command("load_demo")
    assert (Team.objects.count(), M.objects.count()) == counts
    assert counts[0] >= 8


def test_org_admin_changes_default_benchmark(world, client):
    client.force_login(world.org_admin)
    url = f"/organizations/{world.org.id}/settings/"
    assert client.get(url).status_code == 200
    dora = {
        "industry": "retail",
        "org_size": "1000-4999",
        "dora_view": "comparison",
        "dora_segment": "org_size:1000-4999",
    }
    client.post(url, {**dora, "default_benchmark": "2019", "low_confidence_threshold": "4"})
    world.org.refresh_from_db()
    assert (world.org.default_benchmark, world.org.low_confidence_threshold) == ("2019", 4)
    assert (world.org.dora_view, world.org.dora_segment) == ("comparison", "org_size:1000-4999")
    assert (world.org.industry, world.org.org_size) == ("retail", "1000-4999")
    bad = client.post(url, {**dora, "default_benchmark": "1999", "low_confidence_threshold": "4"})
    assert bad.status_code == 200 and bad.context["form"].errors["default_benchmark"]
    # Below 3 each of two respondents could read the other's answers off the spread.
    low = client.post(url, {**dora, "default_benchmark": "2019", "low_confidence_threshold": "2"})
    assert low.status_code == 200
    assert low.context["form"].errors["low_confidence_threshold"] == [
        "Ensure this value is greater than or equal to 3."
    ]
    world.org.refresh_from_db()
    assert world.org.low_confidence_threshold == 4
    client.force_login(world.analyst)  # sees the organisation, may not change it
    assert client.get(url).status_code == 403
    client.force_login(world.other_admin)  # another organisation: not even visible
    assert client.get(url).status_code == 404
