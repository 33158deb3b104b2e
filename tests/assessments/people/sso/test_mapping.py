"""The provider's groups to teams and roles (issue 21): the rule over plain data, its
application through the membership services at every sign-in, and the admin's page."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from assessments.models import Membership, OrganizationMember, OrgRole, SsoGroupMapping
from assessments.people.sso import configuration, mapping
from assessments.people.sso.mapping import Roles, Rule, groups_from_claim, groups_to_roles
from tests.assessments.people.sso.oidc_provider import sign_in
from tests.assessments.people.sso.test_oidc import session_user
from tests.factories import MembershipFactory, UserFactory
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed, NotFound

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")

RULES = [
    Rule("devs", 1, "", ""),
    Rule("leads", 1, "lead", ""),
    Rule("ops", 2, "member", ""),
    Rule("coe", None, "", "coe_analyst"),
    Rule("admins", None, "", "org_admin"),
]


# --- the rule ----------------------------------------------------------------------------


def test_groups_to_roles_gives_the_highest_team_role_and_org_roles():
    roles = groups_to_roles(["devs", "leads", "coe", "unknown"], RULES)

    assert roles == Roles(
        teams={1: "lead"},
        org_roles=frozenset({"coe_analyst"}),
        governed_team_ids=frozenset({1, 2}),
        governed_org_roles=frozenset({"coe_analyst", "org_admin"}),
    )


def test_groups_to_roles_order_of_rules_does_not_matter():
    assert groups_to_roles(["devs", "leads"], RULES[::-1]).teams == {1: "lead"}


def test_groups_to_roles_uses_the_default_role_for_a_mapping_without_one():
    assert groups_to_roles(["devs"], RULES, default_role="lead").teams == {1: "lead"}
    assert groups_to_roles(["ops"], RULES, default_role="lead").teams == {2: "member"}


def test_groups_to_roles_without_groups_gives_nothing():
    roles = groups_to_roles([], RULES)
    assert (roles.teams, roles.org_roles) == ({}, frozenset())


@pytest.mark.parametrize(
    ("claim", "groups"),
    [
        (None, []),
        ("devs", ["devs"]),
        ("devs, ops", ["devs", "ops"]),
        (["devs", " ", 7], ["devs", "7"]),
        ({"not": "a list"}, []),
    ],
)
def test_groups_from_claim(claim, groups):
    assert groups_from_claim(claim) == groups


# --- applied -----------------------------------------------------------------------------


@pytest.fixture
def mapped(world):
    org = world.org
    mapping.add_mapping(None, org, group="devs", team=world.team_a)
    mapping.add_mapping(None, org, group="leads", team=world.team_a, team_role="lead")
    mapping.add_mapping(None, org, group="coe", org_role="coe_analyst")
    return world


def test_apply_groups_adds_and_then_takes_away(mapped):
    user = UserFactory(username="newcomer")

    mapping.apply_groups(user, mapped.org, ["leads", "coe"])

    assert list(Membership.objects.filter(user=user).values_list("team__slug", "role")) == [
        ("team-a", "lead")
    ]
    assert list(OrgRole.objects.filter(user=user).values_list("role", flat=True)) == ["coe_analyst"]
    assert OrganizationMember.objects.filter(user=user, organization=mapped.org).exists()

    mapping.apply_groups(user, mapped.org, ["devs"])

    assert list(Membership.objects.filter(user=user).values_list("team__slug", "role")) == [
        ("team-a", "member")
    ]
    assert not OrgRole.objects.filter(user=user).exists()

    mapping.apply_groups(user, mapped.org, [])

    assert not Membership.objects.filter(user=user).exists()


def test_apply_groups_leaves_what_no_mapping_governs(mapped):
    """Team B and organisation admin are set by hand: no mapping names them."""
    user = MembershipFactory(team=mapped.team_b, user__username="handmade").user
    OrgRole.objects.create(user=user, organization=mapped.org, role="org_admin")

    mapping.apply_groups(user, mapped.org, [])

    assert list(Membership.objects.filter(user=user).values_list("team__slug", flat=True)) == [
        "team-b"
    ]
    assert list(OrgRole.objects.filter(user=user).values_list("role", flat=True)) == ["org_admin"]


def test_apply_groups_is_audited_as_membership_changes(mapped):
    user = UserFactory(username="audited")
    membership_type = ContentType.objects.get_for_model(Membership)
    before = LogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    mapping.apply_groups(user, mapped.org, ["devs"])
    mapping.apply_groups(user, mapped.org, [])

    actions = list(
        LogEntry.objects.filter(content_type=membership_type, id__gt=before)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.DELETE]


def test_mappings_name_only_the_organisations_teams(mapped):
    with pytest.raises(NotFound):
        mapping.add_mapping(None, mapped.org, group="x", team=mapped.other_team)
    with pytest.raises(Invalid):
        mapping.add_mapping(None, mapped.org, group="x")
    with pytest.raises(Conflict):
        mapping.add_mapping(None, mapped.org, group="devs", team=mapped.team_a)
    with pytest.raises(NotAllowed):
        mapping.add_mapping(mapped.lead_a, mapped.org, group="x", team=mapped.team_a)


# --- at sign-in --------------------------------------------------------------------------


def test_sign_in_applies_the_mapping_every_time(client, mapped, provider):
    configuration.configure_oidc(
        None, mapped.org, issuer=provider.issuer, client_id="c", client_secret="s",
        email_domains="acme.example",
    )  # fmt: skip
    provider.set_user("kim", email="kim@acme.example", groups=["devs", "coe"])

    sign_in(client, provider, "kim@acme.example", "kim")

    kim = session_user(client)
    assert list(Membership.objects.filter(user=kim).values_list("team__slug", "role")) == [
        ("team-a", "member")
    ]
    assert client.get(f"/teams/{mapped.team_a.id}/").status_code == 200
    client.logout()

    provider.set_user("kim", email="kim@acme.example", groups=["leads"])
    sign_in(client, provider, "kim@acme.example", "kim")

    assert list(Membership.objects.filter(user=kim).values_list("team__slug", "role")) == [
        ("team-a", "lead")
    ]
    assert not OrgRole.objects.filter(user=kim).exists()


# --- the admin's page --------------------------------------------------------------------


def test_admin_adds_and_removes_a_mapping_on_the_page(client, world):
    client.force_login(world.org_admin)
    url = f"/organizations/{world.org.id}/sign-in/"
    assert client.get(url).status_code == 200

    response = client.post(
        url + "mappings/",
        {"group": "payments-devs", "target": f"team:{world.team_a.id}", "team_role": "lead"},
    )

    assert response.status_code == 302
    row = SsoGroupMapping.objects.get()
    assert (row.group, row.team, row.team_role, row.org_role) == (
        "payments-devs", world.team_a, "lead", "",
    )  # fmt: skip
    page = client.get(url)
    assert b"payments-devs" in page.content

    client.post(url + f"mappings/{row.id}/remove/")

    assert not SsoGroupMapping.objects.exists()


def test_admin_connects_oidc_on_the_page(client, world):
    client.force_login(world.org_admin)
    url = f"/organizations/{world.org.id}/sign-in/"

    response = client.post(
        url,
        {"protocol": "oidc", "issuer": "https://idp.acme.example", "client_id": "vsm",
         "client_secret": "s", "email_domains": "acme.example", "groups_claim": "groups",
         "default_role": "member"},
    )  # fmt: skip

    assert response.status_code == 302
    page = client.get(url)
    assert b"/accounts/oidc/org-acme/login/callback/" in page.content
    assert b'value="s"' not in page.content  # the secret is never shown


def test_page_shows_a_field_error_for_a_taken_domain(client, world):
    configuration.configure_oidc(
        None, world.other, issuer="https://idp.other.example", client_id="c",
        client_secret="s", email_domains="shared.example",
    )  # fmt: skip
    client.force_login(world.org_admin)

    response = client.post(
        f"/organizations/{world.org.id}/sign-in/",
        {"protocol": "oidc", "issuer": "https://idp.acme.example", "client_id": "vsm",
         "client_secret": "s", "email_domains": "shared.example", "groups_claim": "groups",
         "default_role": "member"},
    )  # fmt: skip

    assert response.status_code == 400
    assert b"already signs in through another organisation" in response.content


def test_settings_page_links_to_sign_in(client, world):
    client.force_login(world.org_admin)
    page = client.get(f"/organizations/{world.org.id}/settings/")
    assert f'href="/organizations/{world.org.id}/sign-in/"'.encode() in page.content
    assert b"Organisation webhooks" in page.content
