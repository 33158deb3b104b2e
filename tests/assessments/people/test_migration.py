"""Migration 0009: everyone with a team or an organisation role becomes a person of that
organisation, and nobody else of anybody's."""

import pytest

BEFORE = ("assessments", "0008_questionnaire_owner")
AFTER = ("assessments", "0009_organization_members")


@pytest.mark.django_db(transaction=True)
def test_migration_makes_team_members_and_role_holders_people_of_their_organisations(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    Organization = old.apps.get_model("assessments", "Organization")
    Team = old.apps.get_model("assessments", "Team")
    Membership = old.apps.get_model("assessments", "Membership")
    OrgRole = old.apps.get_model("assessments", "OrgRole")
    User = old.apps.get_model("auth", "User")
    acme = Organization.objects.create(name="Acme", slug="acme")
    other = Organization.objects.create(name="Other", slug="other")
    team = Team.objects.create(organization=acme, name="A", slug="a")
    other_team = Team.objects.create(organization=other, name="O", slug="o")
    both, analyst, loner = (User.objects.create(username=n) for n in ("both", "analyst", "loner"))
    Membership.objects.create(user=both, team=team, role="member")
    Membership.objects.create(user=both, team=other_team, role="lead")
    OrgRole.objects.create(user=analyst, organization=acme, role="coe_analyst")

    new = migrator.apply_tested_migration(AFTER)
    OrganizationMember = new.apps.get_model("assessments", "OrganizationMember")
    assert sorted(
        OrganizationMember.objects.values_list("organization__slug", "user__username", "source")
    ) == [
        ("acme", "analyst", "migration"),
        ("acme", "both", "migration"),
        ("other", "both", "migration"),
    ]
    assert loner.pk not in OrganizationMember.objects.values_list("user_id", flat=True)
    migrator.reset()
