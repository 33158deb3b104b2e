"""Each organisation's data version: a counter that every write to what the CoE comparison
reads moves on (teams, groups, results and their reviews, DORA snapshots, value stream maps,
the organisation's settings). Caches of derived figures key on it: reading it costs nothing
(it is a column of the organisation, loaded anyway), where a fingerprint of the data cost
four aggregate queries over thousands of rows on every CoE request.

Model saves and deletes move it through signals; writes that bypass signals (queryset
``update``, ``bulk_create``) call ``bump`` themselves. The counter moves inside the writer's
transaction, so the new version and the new data become visible together: a reader never
caches old data under the new version. (On PostgreSQL this holds the organisation's row lock
until the writer commits; writes that move the version are short and infrequent: closing an
assessment, a review, a DORA recomputation, a map or team edit.)"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save


def bump(organization_id=None, *, team_id=None):
    """Move the organisation's version on. Give the organisation, or a team of it."""
    from assessments.models import Organization

    if organization_id is None and team_id is None:
        raise ValueError("bump() needs an organisation or a team.")

    orgs = Organization.objects.all()
    orgs = orgs.filter(pk=organization_id) if organization_id else orgs.filter(teams=team_id)
    orgs.update(data_version=F("data_version") + 1)


def _organization_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        bump(instance.pk)


def _org_child_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        bump(instance.organization_id)


def _team_child_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        bump(team_id=instance.team_id)


def connect():
    from assessments.models import (
        DoraSnapshot,
        Organization,
        Result,
        Team,
        TeamGroup,
        ValueStreamMap,
    )

    uid = "vsm-data-version"
    post_save.connect(_organization_changed, sender=Organization, dispatch_uid=f"{uid}-org")
    for model in (Team, TeamGroup):
        for signal in (post_save, post_delete):
            signal.connect(_org_child_changed, sender=model, dispatch_uid=f"{uid}-{model.__name__}")
    for model in (Result, DoraSnapshot, ValueStreamMap):
        for signal in (post_save, post_delete):
            signal.connect(
                _team_child_changed, sender=model, dispatch_uid=f"{uid}-{model.__name__}"
            )
