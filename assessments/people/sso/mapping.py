"""The identity provider's groups, mapped to teams and roles by the organisation admin's
mapping, re-applied at every sign-in.

``groups_to_roles`` is the rule, over plain data; ``apply_groups`` makes the person's teams and
organisation roles agree with it, through the same services as the pages (memberships through
``maturity.services``, so the audit trail records them), touching only what mappings govern:
a team or organisation role that no mapping names is left as an admin set it."""

from dataclasses import dataclass

from django.db import transaction

from assessments import permissions
from assessments.audit import trail as audit
from assessments.maturity import services as team_services
from assessments.models import Membership, OrganizationMember, OrgRole, SsoGroupMapping, Team
from assessments.people import services as people_services
from assessments.people.sso.configuration import check_admin, sign_in_row
from vsm_site.domain_errors import Conflict, Invalid, NotFound

MAX_GROUPS = 500  # more than any provider sends in a token; a longer claim is cut


@dataclass(frozen=True)
class Rule:
    group: str
    team_id: int | None
    team_role: str
    org_role: str


@dataclass(frozen=True)
class Roles:
    teams: dict  # team id -> "member" | "lead"
    org_roles: frozenset
    governed_team_ids: frozenset  # teams some mapping names: these follow the groups
    governed_org_roles: frozenset


def groups_from_claim(value):
    """A groups claim as a list of names: a list of strings (OIDC, SAML's attribute values),
    or one string (some providers send a single group, or a comma-separated list)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return []
    return [str(item).strip() for item in value[:MAX_GROUPS] if str(item).strip()]


def groups_to_roles(groups, rules, default_role=Membership.MEMBER):
    """What ``groups`` give under ``rules``: each team with the highest role any of its groups
    gives (lead over member), and the organisation roles. Group names compare exactly (the
    provider's ids or names are case-sensitive)."""
    have = set(groups)
    teams, org_roles = {}, set()
    for rule in rules:
        if rule.group not in have:
            continue
        if rule.team_id is not None:
            role = rule.team_role or default_role
            if teams.get(rule.team_id) != Membership.LEAD:
                teams[rule.team_id] = role
        elif rule.org_role:
            org_roles.add(rule.org_role)
    return Roles(
        teams=teams,
        org_roles=frozenset(org_roles),
        governed_team_ids=frozenset(r.team_id for r in rules if r.team_id is not None),
        governed_org_roles=frozenset(r.org_role for r in rules if r.team_id is None),
    )


def rules_of(organization):
    return [
        Rule(m.group, m.team_id, m.team_role, m.org_role)
        for m in SsoGroupMapping.objects.filter(organization=organization).order_by("pk")
    ]


@transaction.atomic
def apply_groups(user, organization, groups, default_role=Membership.MEMBER):
    """Make ``user``'s teams and organisation roles in ``organization`` what ``groups`` give.
    Returns the Roles applied."""
    roles = groups_to_roles(groups, rules_of(organization), default_role)
    people_services.add_person(organization, user, OrganizationMember.SSO)
    current = dict(
        Membership.objects.filter(user=user, team_id__in=roles.governed_team_ids).values_list(
            "team_id", "role"
        )
    )
    teams = {t.id: t for t in Team.objects.filter(id__in=roles.governed_team_ids | set(current))}
    for team_id in sorted(set(current) - set(roles.teams)):
        team_services.remove_member(teams[team_id], user.username)
    for team_id, role in sorted(roles.teams.items()):
        if current.get(team_id) != role:
            team_services.add_member(teams[team_id], user.username, role)
    held = set(
        OrgRole.objects.filter(
            user=user, organization=organization, role__in=roles.governed_org_roles
        ).values_list("role", flat=True)
    )
    for role in held - roles.org_roles:
        OrgRole.objects.filter(user=user, organization=organization, role=role).delete()
    for role in roles.org_roles - held:
        OrgRole.objects.get_or_create(user=user, organization=organization, role=role)
    permissions.forget_access(user)
    return roles


# --- the admin's mapping ------------------------------------------------------------------


def mappings(organization):
    return list(SsoGroupMapping.objects.filter(organization=organization).select_related("team"))


@transaction.atomic
def add_mapping(actor, organization, *, group, team=None, team_role="", org_role=""):
    """Map ``group`` to ``team`` (with ``team_role``, or the default role) or to ``org_role``."""
    check_admin(actor, organization)
    group = (group or "").strip()
    if not group or len(group) > 200:
        raise Invalid("Name the group as the identity provider sends it.", field="group")
    if (team is None) == (not org_role):
        raise Invalid("Map the group to a team or to an organisation role.", field="team")
    if team is not None:
        if team.organization_id != organization.id:
            raise NotFound("No such team.")
        if team_role not in ("", Membership.MEMBER, Membership.LEAD):
            raise Invalid(f"Team role must be member or lead, not {team_role!r}.", field="role")
        duplicate = SsoGroupMapping.objects.filter(
            organization=organization, group=group, team=team
        )
    else:
        if org_role not in (OrgRole.COE_ANALYST, OrgRole.ORG_ADMIN):
            raise Invalid(f"{org_role!r} is not an organisation role.", field="org_role")
        team_role = ""
        duplicate = SsoGroupMapping.objects.filter(
            organization=organization, group=group, team=None, org_role=org_role
        )
    if duplicate.exists():
        raise Conflict(f"{group!r} is mapped to that already.", field="group")
    row = SsoGroupMapping.objects.create(
        organization=organization, group=group, team=team, team_role=team_role,
        org_role=org_role,
    )  # fmt: skip
    audit.record_sign_in(sign_in_row(organization), "mapped", str(row), actor=actor)
    return row


@transaction.atomic
def remove_mapping(actor, organization, mapping_id):
    check_admin(actor, organization)
    row = (
        SsoGroupMapping.objects.select_related("team")
        .filter(organization=organization, pk=mapping_id)
        .first()
    )
    if row is None:
        raise NotFound("No such mapping.")
    description = str(row)
    row.delete()
    audit.record_sign_in(sign_in_row(organization), "unmapped", description, actor=actor)
