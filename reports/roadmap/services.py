"""Writes for a team's roadmap: planned when its result is frozen (``plan_frozen_result``,
connected to ``assessments.signals.result_frozen``; ``generate_roadmap`` carries the lead's
edits over from the previous roadmap), then edited by the team's lead. Pages and PDFs only
read a roadmap; a result frozen before roadmaps were planned at once (or loaded without
one) gets its roadmap from an explicit action: "Plan the roadmap" on its page, asking for
its PDF, or ``manage.py plan_roadmaps``. Views, the API, tasks and commands call these."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import permissions
from reports.models import Roadmap, RoadmapItem
from vsm_site.domain_errors import Invalid, NotAllowed

log = logging.getLogger(__name__)


def generate_roadmap(result):
    """Plan the roadmap of a frozen result (idempotent: returns the existing one). The lead's
    edits on the team's previous roadmap carry over to items with the same key, and the
    team's own items are copied."""
    from reports.roadmap import inputs as planning

    existing = Roadmap.objects.filter(result=result).first()
    if existing is not None:
        return existing
    plan = planning.plan_for_result(result)
    previous = (
        Roadmap.objects.filter(team_id=result.team_id, result__period__lt=result.period)
        .order_by("-result__period")
        .first()
    )
    carried = {}
    custom = []
    if previous is not None:
        for item in previous.items.all():
            if item.kind == "custom":
                if not item.done:
                    custom.append(item)
            else:
                carried[item.key] = item
    try:
        with transaction.atomic():
            roadmap = Roadmap.objects.create(
                team_id=result.team_id,
                result=result,
                next_assessment=plan.review.next_assessment,
                checkpoints=[[d.isoformat(), label] for d, label in plan.review.checkpoints],
                formula=plan.formula,
            )
            items = []
            for position, planned in enumerate(plan.items):
                before = carried.get(planned.key)
                edited = before is not None and before.edited
                items.append(
                    RoadmapItem(
                        roadmap=roadmap,
                        key=planned.key,
                        kind=planned.kind,
                        title=planned.title,
                        why=list(planned.why),
                        focus_areas=list(planned.focus_areas),
                        steps=list(planned.steps),
                        success_metric=planned.success_metric,
                        owner_role=planned.owner_role,
                        priority=round(planned.priority, 3),
                        from_level=planned.from_level,
                        to_level=planned.to_level,
                        from_tier=planned.from_tier or "",
                        to_tier=planned.to_tier or "",
                        factors={k: round(v, 3) for k, v in planned.factors.items()},
                        phase=before.phase if edited else planned.phase,
                        due_date=before.due_date if before else None,
                        owner_id=before.owner_id if before else None,
                        done=before.done if before else False,
                        edited=edited,
                        position=position,
                    )
                )
            for offset, item in enumerate(custom):
                items.append(
                    RoadmapItem(
                        roadmap=roadmap, key=item.key, kind="custom", title=item.title,
                        why=item.why, steps=item.steps, success_metric=item.success_metric,
                        owner_role=item.owner_role, phase=item.phase, due_date=item.due_date,
                        owner_id=item.owner_id, edited=True, position=len(plan.items) + offset,
                    )
                )  # fmt: skip
            RoadmapItem.objects.bulk_create(items)
    except IntegrityError:  # generated concurrently by another request or task
        return Roadmap.objects.get(result=result)
    return roadmap


def _lead_or_403(user, team):
    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead edits the roadmap.")


def update_item(user, item, *, owner=..., phase=..., due_date=..., done=...):
    """Change an item's owner (a team member or None), phase, due date or done flag."""
    team = item.roadmap.team
    _lead_or_403(user, team)
    fields = []
    if owner is not ...:
        if owner is not None and not team.memberships.filter(user=owner).exists():
            raise Invalid(f"{owner.username} is not a member of {team.name}.", field="owner")
        item.owner = owner
        fields.append("owner")
    if phase is not ...:
        if phase not in dict(RoadmapItem.PHASE_CHOICES):
            raise Invalid("Phase must be now, next or later.", field="phase")
        item.phase = phase
        fields += ["phase", "edited"]
        item.edited = True
    if due_date is not ...:
        item.due_date = due_date
        fields += ["due_date", "edited"]
        item.edited = True
    if done is not ...:
        item.done = bool(done)
        fields.append("done")
    if fields:
        item.save(update_fields=sorted(set(fields)) + ["updated_at"])
    return item


def add_custom_item(user, roadmap, title, phase="next", due_date=None, owner=None,
                    success_metric=""):  # fmt: skip
    _lead_or_403(user, roadmap.team)
    title = (title or "").strip()
    if not title:
        raise Invalid("Give the item a title.", field="title")
    if len(title) > 300:
        raise Invalid("The title is longer than 300 characters.", field="title")
    if phase not in dict(RoadmapItem.PHASE_CHOICES):
        raise Invalid("Phase must be now, next or later.", field="phase")
    if owner is not None and not roadmap.team.memberships.filter(user=owner).exists():
        raise Invalid(f"{owner.username} is not a member of {roadmap.team.name}.", field="owner")
    with transaction.atomic():
        count = RoadmapItem.objects.select_for_update().filter(roadmap=roadmap).count()
        n = 1 + RoadmapItem.objects.filter(roadmap=roadmap, kind="custom").count()
        key = f"custom:{timezone.now():%Y%m%d%H%M%S}-{n}"
        return RoadmapItem.objects.create(
            roadmap=roadmap, key=key, kind="custom", title=title, phase=phase,
            due_date=due_date, owner=owner, success_metric=success_metric.strip(),
            edited=True, position=count,
        )  # fmt: skip


def plan_frozen_result(sender, result, **kwargs):
    """``result_frozen`` receiver: plan the result's roadmap in the closing transaction. A
    planning failure must not undo the close: it is logged, and the roadmap page then offers
    to plan it."""
    try:
        with transaction.atomic():
            generate_roadmap(result)
    except Exception:
        log.exception("Roadmap of result %s not planned; its page offers to plan it", result.pk)


def plan_missing_roadmaps(results):
    """Plan the roadmap of every result in ``results`` that has none, oldest period first (so
    that each carries the edits of the one before). Returns how many were planned."""
    planned = 0
    for result in results.filter(roadmap__isnull=True).order_by("team_id", "period"):
        generate_roadmap(result)
        planned += 1
    return planned
