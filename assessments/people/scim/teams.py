"""Team membership that follows SCIM groups: a member of a group mapped to a team is a member
of that team (member role) while they are an active person of the organisation. Changes go
through ``maturity.services.add_member`` / ``remove_member``, so the audit trail records
them like an admin's. A team lead stays lead: the group never demotes or removes a lead."""

from assessments.maturity import services as team_services
from assessments.models import Membership, OrganizationMember, ScimGroupMember


def belongs(organization, user, team):
    """Whether a group of ``organization`` gives ``user`` a place in ``team`` now."""
    return (
        user.is_active
        and OrganizationMember.objects.filter(organization=organization, user=user).exists()
        and ScimGroupMember.objects.filter(
            user=user, group__organization=organization, group__team=team
        ).exists()
    )


def sync(organization, user, team):
    """Add ``user`` to ``team`` or take them out, as their groups say."""
    if team is None:
        return
    membership = Membership.objects.filter(team=team, user=user).first()
    if belongs(organization, user, team):
        if membership is None:
            team_services.add_member(team, user.username, Membership.MEMBER)
    elif membership is not None and membership.role == Membership.MEMBER:
        team_services.remove_member(team, user.username)


def sync_user(organization, user):
    """Every team the user's groups in ``organization`` map to (after reactivation)."""
    groups = ScimGroupMember.objects.filter(
        user=user, group__organization=organization, group__team__isnull=False
    ).select_related("group__team")
    for team in {m.group.team for m in groups}:
        sync(organization, user, team)
