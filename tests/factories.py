"""One factory per model (factory_boy)."""

from types import SimpleNamespace

import factory
from django.contrib.auth import get_user_model

from assessments.models import (
    Membership,
    Organization,
    OrganizationMember,
    OrgRole,
    ScimGroup,
    ScimToken,
    ScimUser,
    Team,
    TeamGroup,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class TeamGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    group = None
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.MEMBER

    @factory.post_generation
    def person_of_the_organization(self, create, extracted, **kwargs):
        """A team member is a person of the team's organisation, as the product makes them."""
        if create:
            OrganizationMember.objects.get_or_create(
                organization_id=self.team.organization_id, user=self.user
            )


class OrgRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgRole
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = OrgRole.COE_ANALYST

    @factory.post_generation
    def person_of_the_organization(self, create, extracted, **kwargs):
        if create:
            OrganizationMember.objects.get_or_create(
                organization_id=self.organization_id, user=self.user
            )


class ScimTokenFactory(factory.django.DjangoModelFactory):
    """``ScimTokenFactory.key`` is not a field: build tokens with ``ScimToken.issue`` when
    the key is needed (``tests/assessments/people/scim``)."""

    class Meta:
        model = ScimToken

    organization = factory.SubFactory(OrganizationFactory)
    key_hash = factory.Sequence(lambda n: f"{n:064x}")
    prefix = factory.Sequence(lambda n: f"{n:08x}")


class ScimUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScimUser

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    external_id = factory.Sequence(lambda n: f"ext-{n}")


class ScimGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScimGroup

    organization = factory.SubFactory(OrganizationFactory)
    display_name = factory.Sequence(lambda n: f"SCIM group {n}")
    team = None


MINI_QUESTIONNAIRE = """\
key: mini
version: {version}
title: Mini maturity
status: {status}
description: A small questionnaire for tests.
dimensions:
  - key: flow
    name: Flow
    weight: 2.0
    help: How work flows.
    {flow_replaces}
    focus_areas: {{1: [a], 2: [b], 3: [c], 4: [d], 5: [e]}}
    questions:
      - key: flow-wip
        text: How is work in progress limited?
        {wip_replaces}
        levels: {{1: one, 2: two, 3: three, 4: four, 5: five}}
      - key: flow-wait
        text: How are waits measured?
        levels: {{1: one, 2: two, 3: three, 4: four, 5: five}}
  - key: quality
    name: Quality
    help: How quality is built in.
    focus_areas: {{1: [a], 2: [b], 3: [c], 4: [d], 5: [e]}}
    questions:
      - key: quality-tests
        text: How are tests automated?
        levels: {{1: one, 2: two, 3: three, 4: four, 5: five}}
      - key: quality-review
        text: How are changes reviewed?
        levels: {{1: one, 2: two, 3: three, 4: four, 5: five}}
"""


def mini_questionnaire_yaml(version=1, status="published", flow_replaces="", wip_replaces=""):
    return MINI_QUESTIONNAIRE.format(
        version=version,
        status=status,
        flow_replaces=flow_replaces,
        wip_replaces=wip_replaces,
    )


def load_mini_questionnaire(**kwargs):
    from assessments.questionnaires import services

    questionnaire, _ = services.load_questionnaire(mini_questionnaire_yaml(**kwargs))
    return questionnaire


def make_result(team, period, overall, dimensions, questionnaire=None, key=None,
                respondents=3):  # fmt: skip
    """A closed assessment with a frozen result, written directly (fast, for comparisons):
    ``dimensions`` maps dimension lineage -> score."""
    from assessments.maturity.scoring import level_for_score
    from assessments.models import Assessment, Questionnaire, Result

    questionnaire = questionnaire or Questionnaire.objects.get(key=key or "mini", version=1)
    assessment = Assessment.objects.create(
        team=team, questionnaire=questionnaire, questionnaire_key=questionnaire.key,
        period=period, status="closed",
    )  # fmt: skip
    rows = [
        {"key": k, "name": k.title(), "lineage": k, "score": v,
         "level": level_for_score(v) if v is not None else None, "min": v, "max": v,
         "spread": 0.0, "respondents_scored": respondents, "insufficient": v is None,
         "disagreement": False, "disagreeing_questions": [], "dont_know": 0, "target": None,
         "target_set": False, "explanation": ""}
        for k, v in dimensions.items()
    ]  # fmt: skip
    return Result.objects.create(
        assessment=assessment, team=team, questionnaire=questionnaire,
        questionnaire_key=questionnaire.key, period=period, overall_score=overall,
        overall_level=level_for_score(overall) if overall is not None else None,
        respondents=respondents, low_confidence=respondents < 3, scoring_rules_version=1,
        data={"dimensions": rows, "questions": [], "weakest_dimension": None},
        dimension_scores=dict(dimensions),
    )  # fmt: skip


def build_world():
    """Two organisations and every role the permission rules distinguish (the ``world``
    fixture, and module-wide data sets that share one world).

    org:   team_a (group g1) with member_a and lead_a; team_b (group g2) with member_b;
           analyst (CoE analyst), org_admin (organisation admin)
    other: other_team with other_member; other_admin (admin of the other organisation)
    """
    org = OrganizationFactory(name="Acme", slug="acme")
    g1 = TeamGroupFactory(organization=org, name="Payments")
    g2 = TeamGroupFactory(organization=org, name="Platform")
    team_a = TeamFactory(organization=org, group=g1, name="Team A", slug="team-a")
    team_b = TeamFactory(organization=org, group=g2, name="Team B", slug="team-b")
    member_a = MembershipFactory(team=team_a, user__username="member_a").user
    lead_a = MembershipFactory(team=team_a, user__username="lead_a", role=Membership.LEAD).user
    member_b = MembershipFactory(team=team_b, user__username="member_b").user
    analyst = OrgRoleFactory(organization=org, user__username="analyst").user
    org_admin = OrgRoleFactory(
        organization=org, user__username="org_admin", role=OrgRole.ORG_ADMIN
    ).user
    other = OrganizationFactory(name="Other Corp", slug="other")
    other_team = TeamFactory(organization=other, name="Other Team", slug="other-team")
    other_member = MembershipFactory(team=other_team, user__username="other_member").user
    other_admin = OrgRoleFactory(
        organization=other, user__username="other_admin", role=OrgRole.ORG_ADMIN
    ).user
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    outsider = UserFactory(username="outsider")
    return SimpleNamespace(**locals())
