"""What may this user see and do? The one place that answers it; every view, API endpoint,
task and command asks here.

Roles:
- member of a team: sees the team, answers its assessments, sees its aggregates;
- lead of a team: also opens and closes assessments, sets targets, edits the roadmap;
- CoE analyst of an organisation: sees and compares every team of that organisation
  (aggregates only), runs campaigns;
- organisation admin: everything a CoE analyst may, plus managing teams and memberships and
  reading individual answers;
- Django superuser: everything, everywhere.
"""

import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.http import Http404

from assessments.models import Membership, Organization, OrgRole, Team
from vsm_site.prepared import Prepared


@dataclass(frozen=True)
class Access:
    is_authenticated: bool
    is_superuser: bool
    member_team_ids: frozenset  # every team the user belongs to, as member or lead
    led_team_ids: frozenset
    analyst_org_ids: frozenset  # organisations where the user may compare teams
    admin_org_ids: frozenset

    @property
    def org_ids(self):
        return self.analyst_org_ids | self.admin_org_ids


ANONYMOUS = Access(False, False, frozenset(), frozenset(), frozenset(), frozenset())


def access_for(user) -> Access:
    """The user's roles, read once per user object (one query) and cached on it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_vsm_access", None)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(_roles_sql(), [user.pk, user.pk])
        rows = cursor.fetchall()
    member, led, analyst, admin = set(), set(), set(), set()
    for kind, object_id, role in rows:
        if kind == "team":
            member.add(object_id)
            if role == Membership.LEAD:
                led.add(object_id)
        else:
            analyst.add(object_id)  # an organisation admin may do everything an analyst may
            if role == OrgRole.ORG_ADMIN:
                admin.add(object_id)
    access = Access(
        True, user.is_superuser, frozenset(member), frozenset(led), frozenset(analyst),
        frozenset(admin),
    )  # fmt: skip
    user._vsm_access = access
    return access


@functools.cache
def _roles_sql():
    """Both kinds of role in one query: team memberships and organisation roles. Every
    authenticated request runs it, so it is written once here rather than built by the ORM
    each time (a UNION of two querysets took about 0.4 ms of CPU to build; this, 20 us)."""
    m, o, q = Membership._meta, OrgRole._meta, connection.ops.quote_name
    return (
        f"SELECT 'team', {q(m.get_field('team').column)}, {q(m.get_field('role').column)} "
        f"FROM {q(m.db_table)} WHERE {q(m.get_field('user').column)} = %s "
        f"UNION ALL SELECT 'org', {q(o.get_field('organization').column)}, "
        f"{q(o.get_field('role').column)} FROM {q(o.db_table)} "
        f"WHERE {q(o.get_field('user').column)} = %s"
    )


def forget_access(user):
    """Drop the cached roles (after memberships change within one request)."""
    for name in ("_vsm_access", "_vsm_member_org_ids"):
        if hasattr(user, name):
            delattr(user, name)


def visible_teams(user):
    """Teams the user may open: their own, and every team of organisations they analyse."""
    access = access_for(user)
    teams = Team.objects.select_related("organization", "group")
    if access.is_superuser:
        return teams
    if not access.is_authenticated:
        return teams.none()
    return teams.filter(Q(id__in=access.member_team_ids) | Q(organization_id__in=access.org_ids))


def can_view_team(user, team) -> bool:
    access = access_for(user)
    return (
        access.is_superuser
        or team.id in access.member_team_ids
        or team.organization_id in access.org_ids
    )


def is_team_member(user, team) -> bool:
    """Belongs to the team (and so may answer its assessments)."""
    return team.id in access_for(user).member_team_ids


def can_lead_team(user, team) -> bool:
    """Open and close assessments, set targets, enter metrics, edit the roadmap."""
    access = access_for(user)
    return (
        access.is_superuser
        or team.id in access.led_team_ids
        or team.organization_id in access.admin_org_ids
    )


def can_analyse(user, organization) -> bool:
    """Compare teams of the organisation: dashboard, comparison, campaigns, exports."""
    access = access_for(user)
    org_id = organization if isinstance(organization, int) else organization.id
    return access.is_superuser or org_id in access.org_ids


def can_administer(user, organization) -> bool:
    """Manage teams and memberships; read individual answers."""
    access = access_for(user)
    org_id = organization if isinstance(organization, int) else organization.id
    return access.is_superuser or org_id in access.admin_org_ids


def analysable_organizations(user):
    access = access_for(user)
    if access.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(id__in=access.org_ids)


def administered_organizations(user):
    access = access_for(user)
    if access.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(id__in=access.admin_org_ids)


def member_organization_ids(user):
    """Organisations where the user has any role: a team's, or an organisation-wide one."""
    access = access_for(user)
    cached = getattr(user, "_vsm_member_org_ids", None)
    if cached is not None:
        return cached
    team_orgs = Team.objects.filter(id__in=access.member_team_ids).values_list(
        "organization_id", flat=True
    )
    ids = frozenset(team_orgs) | access.org_ids if access.member_team_ids else access.org_ids
    if access.is_authenticated:
        user._vsm_member_org_ids = ids
    return ids


def member_organization(user, slug):
    """The organisation with ``slug`` when the user has any role in it (a team's or an
    organisation-wide one; superusers: any), else None: an organisation the user has nothing
    to do with cannot be told from one that does not exist."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        return None
    if access_for(user).is_superuser or organization.id in member_organization_ids(user):
        return organization
    return None


def get_administered_organization(user, org_id, refusal):
    """The organisation for one of its admins; for anyone else with a role in it a 403 with
    ``refusal``, for the rest a 404 (as if it did not exist)."""
    from django.core.exceptions import PermissionDenied

    organization = administered_organizations(user).filter(pk=org_id).first()
    if organization is not None:
        return organization
    if org_id in member_organization_ids(user):
        raise PermissionDenied(refusal)
    raise Http404("No such organisation.")


def can_manage_questionnaires(user, organization) -> bool:
    """Load, edit, publish and adopt the organisation's questionnaires: its CoE analysts and
    admins. Library questionnaires are read-only to every organisation."""
    return can_analyse(user, organization)


def check_questionnaire_manager(user, organization):
    """Raise ``NotFound`` for someone with no role in the organisation (another organisation's
    questionnaires are not there for them) and ``NotAllowed`` for its team members."""
    from vsm_site.domain_errors import NotAllowed, NotFound

    if can_manage_questionnaires(user, organization):
        return
    if organization.id in member_organization_ids(user):
        raise NotAllowed("Only CoE analysts and organisation admins manage questionnaires.")
    raise NotFound("No such organisation.")


def get_visible_team_or_404(user, team_id):
    """The team, or 404 when it does not exist *or* the user may not see it: an outsider cannot
    tell the two apart, so ids of other organisations' teams leak nothing."""
    try:
        team = Team.objects.select_related("organization", "group").get(pk=team_id)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("No such team.") from None
    if not can_view_team(user, team):
        raise Http404("No such team.")
    return team


FULL = ("team__organization", "team__group", "questionnaire")


def get_visible_assessment_or_404(user, assessment_id, related=FULL):
    """The assessment, or 404 when it does not exist or its team is not visible to the user.
    ``related``: what to load with it (hot paths that need less join less)."""
    try:
        found = _assessment_by_key(tuple(related))(assessment_id)
    except (ValueError, TypeError):
        raise Http404("No such assessment.") from None
    if not found or not can_view_team(user, found[0].team):
        raise Http404("No such assessment.")
    return found[0]


_ASSESSMENT_READS = {}


def _assessment_by_key(related):
    """Every assessment page starts with this read: its SQL is built once per ``related``."""
    from assessments.models import Assessment

    read = _ASSESSMENT_READS.get(related)
    if read is None:
        read = _ASSESSMENT_READS.setdefault(
            related,
            Prepared(lambda pk: Assessment.objects.select_related(*related).filter(pk=pk), int),
        )
    return read


def may_see_candid_detail(user, organization, low_confidence) -> bool:
    """May ``user`` see what could identify a respondent of a result of ``organization``: its
    comments (with their evidence links), the spread of its answers (lowest and highest
    respondent, answers per level) and its rows in the answers export?

    Everyone who sees the result may, unless it is low-confidence (fewer respondents than the
    organisation's threshold when it closed): a comment of one of two people is as good as
    signed, and a lead knows who submitted. Then only organisation admins (and superusers),
    who may read individual answers anyway. ``user`` None stands for a document that everyone
    who sees the team may download, such as the stored roadmap PDF.

    Takes the flag rather than a result so that the export can apply it to every result of a
    scope in one query."""
    return candour(user, organization, low_confidence) != CANDOUR_NONE


# How much of a result's spread a viewer sees (``candour``): everything (organisation admins
# and superusers, who may read individual answers anyway); the result's, except dimensions
# scored by fewer respondents than the threshold; or nothing (a low-confidence result).
CANDOUR_ALL = "all"
CANDOUR_RESULT = "result"
CANDOUR_NONE = "none"


def candour(user, organization, low_confidence) -> str:
    """``CANDOUR_ALL``, ``CANDOUR_RESULT`` or ``CANDOUR_NONE`` for ``user`` (None: a document
    everyone who sees the team may read) and a result of ``organization``."""
    if can_administer(user, organization):
        return CANDOUR_ALL
    return CANDOUR_NONE if low_confidence else CANDOUR_RESULT


def dimension_spread_hidden(level_of_candour, row, threshold) -> bool:
    """Is the spread of one dimension of a result hidden (its lowest and highest respondent,
    answers per level, the shares at or above each level, the disagreement mark and the
    explanation that names them)? ``row``: the dimension's row of ``Result.data``; a dimension
    scored by fewer respondents than ``threshold`` hides it even when the result as a whole has
    enough, because fewer people answered it (scoring rules v2)."""
    if level_of_candour == CANDOUR_ALL:
        return False
    if level_of_candour == CANDOUR_NONE:
        return True
    scored = row.get("respondents_scored")
    return scored is not None and scored < threshold


def confidence_threshold(result) -> int:
    """The respondents a result's dimensions need to show their spread: the organisation's
    threshold when the result was frozen, and never less than it is now."""
    now = result.team.organization.low_confidence_threshold
    return max(result.data.get("confidence_threshold") or 0, now)
