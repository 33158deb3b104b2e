import pytest

from assessments import permissions


def team_names(user):
    return sorted(t.name for t in permissions.visible_teams(user))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("member_a", ["Team A"]),
        ("lead_a", ["Team A"]),
        ("member_b", ["Team B"]),
        ("analyst", ["Team A", "Team B"]),
        ("org_admin", ["Team A", "Team B"]),
        ("other_member", ["Other Team"]),
        ("other_admin", ["Other Team"]),
        ("outsider", []),
        ("superuser", ["Other Team", "Team A", "Team B"]),
    ],
)
def test_visible_teams_per_role(world, who, expected):
    assert team_names(getattr(world, who)) == expected


def test_visible_teams_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert team_names(AnonymousUser()) == []


ROLES = ["member_a", "lead_a", "member_b", "analyst", "org_admin", "other_admin", "superuser"]

# (can view A, can view B, can view other org's team)
VIEW = {
    "member_a": (True, False, False),
    "lead_a": (True, False, False),
    "member_b": (False, True, False),
    "analyst": (True, True, False),
    "org_admin": (True, True, False),
    "other_admin": (False, False, True),
    "superuser": (True, True, True),
}
LEAD_A = {"lead_a", "org_admin", "superuser"}
ANALYSE_ORG = {"analyst", "org_admin", "superuser"}
ADMIN_ORG = {"org_admin", "superuser"}


@pytest.mark.parametrize("who", ROLES)
def test_can_view_team_per_role_and_team(world, who):
    user = getattr(world, who)
    got = (
        permissions.can_view_team(user, world.team_a),
        permissions.can_view_team(user, world.team_b),
        permissions.can_view_team(user, world.other_team),
    )
    assert got == VIEW[who]


@pytest.mark.parametrize("who", ROLES)
def test_can_lead_team_only_lead_admin_superuser(world, who):
    user = getattr(world, who)
    assert permissions.can_lead_team(user, world.team_a) is (who in LEAD_A)
    # only that organisation's own admin (and the superuser) may act as lead of its teams
    assert permissions.can_lead_team(user, world.other_team) is (
        who in {"other_admin", "superuser"}
    )


@pytest.mark.parametrize("who", ROLES)
def test_can_analyse_and_administer_per_organization(world, who):
    user = getattr(world, who)
    assert permissions.can_analyse(user, world.org) is (who in ANALYSE_ORG)
    assert permissions.can_administer(user, world.org) is (who in ADMIN_ORG)
    assert permissions.can_administer(user, world.other) is (who in {"other_admin", "superuser"})


def test_is_team_member_excludes_org_roles(world):
    assert permissions.is_team_member(world.member_a, world.team_a) is True
    assert permissions.is_team_member(world.analyst, world.team_a) is False
    assert permissions.is_team_member(world.org_admin, world.team_a) is False


def test_inactive_user_has_no_access(world):
    world.member_a.is_active = False
    assert permissions.can_view_team(world.member_a, world.team_a) is False


def test_get_visible_team_or_404_hides_other_organisation(world):
    from django.http import Http404

    with pytest.raises(Http404):
        permissions.get_visible_team_or_404(world.member_a, world.other_team.id)
    with pytest.raises(Http404):
        permissions.get_visible_team_or_404(world.member_a, 999999)
    assert permissions.get_visible_team_or_404(world.member_a, world.team_a.id) == world.team_a


def test_access_is_read_with_one_query_and_cached(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        permissions.access_for(world.lead_a)
        permissions.can_view_team(world.lead_a, world.team_a)
        permissions.can_lead_team(world.lead_a, world.team_a)
