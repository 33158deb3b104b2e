"""An organisation's SCIM groups. A group maps to at most one team of the organisation: on
creation, the team whose slug is the group's ``externalId``; later, whichever team an
organisation admin picks on the provisioning page, or the site operator in the Django admin
(both ``map_to_team``). While it maps to a team, its members are members of that team
(``teams``)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from assessments.audit import trail as audit
from assessments.models import ScimGroup, ScimGroupMember, Team
from assessments.people.scim import teams
from assessments.people.scim.errors import (
    INVALID_SYNTAX,
    INVALID_VALUE,
    UNIQUENESS,
    ScimError,
    bad_request,
    not_found,
)
from assessments.people.scim.filters import GROUP_ATTRIBUTES, parse_filter
from assessments.people.scim.resources import GROUP_SCHEMA
from assessments.people.scim.users import visible_users
from vsm_site.domain_errors import NotFound

MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class GroupFields:
    display_name: str
    external_id: str
    member_ids: frozenset


def find_group(organization, group_id):
    try:
        pk = int(str(group_id))
    except ValueError:
        raise not_found("group") from None
    group = (
        ScimGroup.objects.filter(organization=organization, pk=pk).first()
        if 0 < pk < 2**63
        else None
    )
    if group is None:
        raise not_found("group")
    return group


def list_groups(organization, filter_text=None):
    rows = ScimGroup.objects.filter(organization=organization).order_by("pk")
    if not filter_text:
        return rows
    attribute, value = parse_filter(filter_text, GROUP_ATTRIBUTES)
    if attribute == "displayName":
        return rows.filter(display_name__iexact=value)
    if attribute == "externalId":
        return rows.filter(external_id=value)
    return rows.filter(pk=int(value)) if value.isdigit() and len(value) < 19 else rows.none()


def members_of(groups):
    """``{group id: [(user id, username)]}`` (one query)."""
    found = {g.pk: [] for g in groups}
    rows = (
        ScimGroupMember.objects.filter(group__in=list(found))
        .order_by("user_id")
        .values_list("group_id", "user_id", "user__username")
    )
    for group_id, user_id, username in rows:
        found[group_id].append((user_id, username))
    return found


def read_group(organization, data, *, require_schema=True):
    """The fields of a Group body; members must be people this organisation sees."""
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object (a Group).", INVALID_SYNTAX)
    schemas = data.get("schemas")
    if require_schema and (not isinstance(schemas, list) or GROUP_SCHEMA not in schemas):
        raise bad_request(f"'schemas' must list {GROUP_SCHEMA}.", INVALID_SYNTAX)
    data = {k.lower(): v for k, v in data.items() if isinstance(k, str)}
    name = data.get("displayname")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise bad_request("'displayName' is required: a string of at most 200 characters.",
                          INVALID_VALUE)  # fmt: skip
    external_id = data.get("externalid") or ""
    if not isinstance(external_id, str) or len(external_id) > 255:
        raise bad_request("'externalId' must be a string of at most 255 characters.",
                          INVALID_VALUE)  # fmt: skip
    members = data.get("members") or []
    if not isinstance(members, list) or len(members) > MAX_MEMBERS:
        raise bad_request(f"'members' must be a list of at most {MAX_MEMBERS}.", INVALID_VALUE)
    ids = set()
    for member in members:
        value = member.get("value") if isinstance(member, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.isdigit() or len(value) > 18:
            raise bad_request("Each member needs the 'value' of a user's id.", INVALID_VALUE)
        ids.add(int(value))
    known = set(visible_users(organization).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - known:
        # The same words for an unknown id and another organisation's person.
        raise bad_request(f"No such user: {min(ids - known)}.", INVALID_VALUE)
    return GroupFields(name.strip(), external_id.strip(), frozenset(ids))


def _check_unique(organization, name, group=None):
    others = ScimGroup.objects.filter(organization=organization, display_name__iexact=name)
    if group is not None:
        others = others.exclude(pk=group.pk)
    if others.exists():
        raise ScimError(409, f"A group named {name!r} exists.", UNIQUENESS)


@transaction.atomic
def create_group(organization, data):
    fields = read_group(organization, data)
    _check_unique(organization, fields.display_name)
    team = (
        Team.objects.filter(organization=organization, slug=fields.external_id).first()
        if fields.external_id
        else None
    )
    try:
        with transaction.atomic():
            group = ScimGroup.objects.create(
                organization=organization,
                display_name=fields.display_name,
                external_id=fields.external_id,
                team=team,
            )
    except IntegrityError:
        raise ScimError(409, f"A group named {fields.display_name!r} exists.",
                        UNIQUENESS) from None  # fmt: skip
    _set_members(group, fields.member_ids)
    return group


@transaction.atomic
def replace_group(organization, group, data, *, require_schema=True):
    """PUT (and the end of PATCH): name, externalId and the whole member list. A changed
    externalId does not move the group to another team: the mapping is the admin's."""
    fields = read_group(organization, data, require_schema=require_schema)
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    _check_unique(organization, fields.display_name, group)
    group.display_name, group.external_id = fields.display_name, fields.external_id
    try:
        with transaction.atomic():
            group.save(update_fields=["display_name", "external_id", "updated_at"])
    except IntegrityError:
        raise ScimError(409, f"A group named {fields.display_name!r} exists.",
                        UNIQUENESS) from None  # fmt: skip
    _set_members(group, fields.member_ids)
    return group


@transaction.atomic
def delete_group(organization, group):
    """The group goes; its members leave the team it mapped to (unless another group keeps
    them there)."""
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    team = group.team
    users = [m.user for m in group.memberships.select_related("user")]
    group.delete()
    for user in users:
        teams.sync(organization, user, team)


@transaction.atomic
def map_to_team(group, team, *, actor=None):
    """The admin's mapping: the group's members leave the team it mapped to and join
    ``team`` (of the group's organisation, or None), at once. An audit entry says so when the
    mapping changed; ``actor`` is the admin who chose."""
    if team is not None and team.organization_id != group.organization_id:
        raise ValueError("A group maps to a team of its own organisation.")
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    old = group.team
    group.team = team
    group.save(update_fields=["team", "updated_at"])
    for membership in group.memberships.select_related("user"):
        teams.sync(group.organization, membership.user, old)
        teams.sync(group.organization, membership.user, team)
    if old != team:
        details = f"{group.display_name}: {old.name if old else 'no team'} -> "
        details += team.name if team else "no team"
        audit.record_provisioning(group, "mapped" if team else "unmapped", details, actor=actor)
    return group


BY_EXTERNAL_ID = "externalId"
BY_ADMIN = "admin"


@dataclass(frozen=True)
class GroupRow:
    """A group as the provisioning page lists it. ``mapped_by``: ``BY_EXTERNAL_ID`` when the
    team's slug is the group's externalId (the rule at creation), ``BY_ADMIN`` for another
    team an admin chose, None for no team."""

    group: ScimGroup
    members: int
    mapped_by: str | None


def group_rows(organization):
    """The organisation's groups by name, with their member counts (one query)."""
    groups = (
        ScimGroup.objects.filter(organization=organization)
        .select_related("team")
        .annotate(member_count=Count("memberships"))
        .order_by("display_name", "pk")
    )
    rows = []
    for group in groups:
        mapped_by = None
        if group.team is not None:
            by_slug = group.external_id and group.team.slug == group.external_id
            mapped_by = BY_EXTERNAL_ID if by_slug else BY_ADMIN
        rows.append(GroupRow(group, group.member_count, mapped_by))
    return rows


def find_organization_group(organization, group_id):
    """The organisation's group with this id; NotFound for another organisation's or a
    missing one alike."""
    group = ScimGroup.objects.filter(organization=organization, pk=group_id).first()
    if group is None:
        raise NotFound("No such SCIM group.")
    return group


def _set_members(group, member_ids):
    current = set(group.memberships.values_list("user_id", flat=True))
    added, removed = member_ids - current, current - member_ids
    if removed:
        group.memberships.filter(user_id__in=removed).delete()
    ScimGroupMember.objects.bulk_create(
        [ScimGroupMember(group=group, user_id=pk) for pk in sorted(added)],
        ignore_conflicts=True,
    )
    if added or removed:
        ScimGroup.objects.filter(pk=group.pk).update(updated_at=timezone.now())
    if group.team_id is None:
        return
    users = visible_users(group.organization).filter(pk__in=added | removed)
    for user in users:
        teams.sync(group.organization, user, group.team)
