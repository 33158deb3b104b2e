"""Writes for roadmaps and PDF reports. Views, the API, tasks and commands call these.

Report lifecycle (``RoadmapReport.status``)::

    queued --(task claims it)--> rendering --> ready
                                          \\--> failed (terminal error, or retries exhausted)
    queued/rendering for longer than REPORT_STUCK_AFTER --(sweeper)--> queued, sent again

The task claims a report with a conditional UPDATE (healthchecks' "optimistic lock"), so a
message delivered twice renders the report once; the file name is fixed per report, so a
re-render after a killed worker replaces the same file instead of leaving a second one.
"""

import datetime as dt
import hashlib
import logging
import os
import tempfile
import time

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments import permissions
from assessments.errors import Invalid, NotAllowed

from .models import Roadmap, RoadmapItem, RoadmapReport

log = logging.getLogger(__name__)

REPORT_STUCK_AFTER = dt.timedelta(seconds=getattr(settings, "REPORT_STUCK_AFTER_SECONDS", 600))
MAX_ATTEMPTS = 5
BROKER_DOWN_MESSAGE = (
    "Waiting: the task queue is unreachable. The report is recorded and will be rendered "
    "automatically when the queue is back."
)


class TransientReportError(Exception):
    """Worth retrying: the database or storage was briefly unavailable."""


# --- roadmaps -----------------------------------------------------------------------------


def generate_roadmap(result):
    """Plan the roadmap of a frozen result (idempotent: returns the existing one). The lead's
    edits on the team's previous roadmap carry over to items with the same key, and the
    team's own items are copied."""
    from . import planning

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


# --- reports ------------------------------------------------------------------------------


def request_roadmap_report(user, result):
    """Ask for a PDF of the team's roadmap. Returns ``(report, created)``: while a report of
    the same result is queued or rendering, that one is returned instead of a second job."""
    if not permissions.can_view_team(user, result.team):
        raise NotAllowed("You cannot see this team.")
    existing = RoadmapReport.objects.filter(
        kind=RoadmapReport.ROADMAP, result=result, status__in=["queued", "rendering"]
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = RoadmapReport.objects.create(
                kind=RoadmapReport.ROADMAP,
                team=result.team,
                result=result,
                organization=result.team.organization,
                period=result.period,
                requested_by=user,
            )
            transaction.on_commit(lambda: enqueue_report(report.id))
    except IntegrityError:  # the partial unique constraint: a concurrent identical request
        existing = RoadmapReport.objects.get(
            kind=RoadmapReport.ROADMAP, result=result, status__in=["queued", "rendering"]
        )
        return existing, False
    return report, True


def request_portfolio_report(user, organization, group=None, period=""):
    if not permissions.can_analyse(user, organization):
        raise NotAllowed("Only CoE analysts and organisation admins request portfolios.")
    with transaction.atomic():
        existing = (
            RoadmapReport.objects.select_for_update()
            .filter(
                kind=RoadmapReport.PORTFOLIO,
                organization=organization,
                group=group,
                period=period,
                status__in=["queued", "rendering"],
            )  # fmt: skip
            .first()
        )
        if existing is not None:
            return existing, False
        report = RoadmapReport.objects.create(
            kind=RoadmapReport.PORTFOLIO, organization=organization, group=group, period=period,
            requested_by=user,
        )  # fmt: skip
        transaction.on_commit(lambda: enqueue_report(report.id))
    return report, True


def enqueue_report(report_id):
    """Send the render task. If the broker is unreachable the report stays queued (the user
    sees it) and the sweeper sends it again once the broker is back."""
    from .tasks import task_render_report

    try:
        task_render_report.apply_async(args=[report_id], retry=False)
    except Exception as exc:  # kombu raises several unrelated types for "broker down"
        log.warning("Report %s stays queued: the broker is unreachable (%s)", report_id, exc)
        RoadmapReport.objects.filter(pk=report_id, status=RoadmapReport.QUEUED).update(
            error=BROKER_DOWN_MESSAGE
        )
        return False
    RoadmapReport.objects.filter(pk=report_id, error=BROKER_DOWN_MESSAGE).update(error="")
    return True


def claim_report(report_id):
    """queued -> rendering, atomically. Returns the report when this caller owns the work,
    None when another worker has it or it is already finished."""
    now = timezone.now()
    claimed = RoadmapReport.objects.filter(pk=report_id, status=RoadmapReport.QUEUED).update(
        status=RoadmapReport.RENDERING, started_at=now, attempts=F("attempts") + 1, error=""
    )
    if not claimed:
        return None
    return RoadmapReport.objects.select_related(
        "team__organization", "team__group", "result__questionnaire", "organization", "group"
    ).get(pk=report_id)


def render_report(report_id):
    """Render a claimed report to PDF and store it. Idempotent: a report that is already
    ready, or being rendered by another worker, is left alone."""
    report = claim_report(report_id)
    if report is None:
        return None
    started = time.monotonic()
    try:
        pdf = build_pdf(report)
        name, checksum = _store_pdf(report, pdf)
    except FileNotFoundError as exc:  # a resource the template names is missing: final
        log.exception("Report %s failed", report.pk)
        fail_report(report.pk, _readable_error(exc))
        return None
    except (OperationalError, OSError) as exc:
        # Back to queued so that the retry (or the sweeper) can claim it again.
        RoadmapReport.objects.filter(pk=report.pk, status=RoadmapReport.RENDERING).update(
            status=RoadmapReport.QUEUED, error=f"Temporary problem, retrying: {exc}"[:500]
        )
        if report.attempts >= MAX_ATTEMPTS:
            fail_report(report.pk, f"Gave up after {report.attempts} attempts: {exc}")
            return None
        raise TransientReportError(str(exc)) from exc
    except Exception as exc:
        log.exception("Report %s failed", report.pk)
        fail_report(report.pk, _readable_error(exc))
        return None
    RoadmapReport.objects.filter(pk=report.pk, status=RoadmapReport.RENDERING).update(
        status=RoadmapReport.READY,
        file=name,
        checksum=checksum,
        size_bytes=len(pdf),
        finished_at=timezone.now(),
        duration_seconds=round(time.monotonic() - started, 3),
        error="",
    )
    return report.pk


def fail_report(report_id, message):
    RoadmapReport.objects.filter(pk=report_id).exclude(status=RoadmapReport.READY).update(
        status=RoadmapReport.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def _readable_error(exc):
    text = str(exc) or type(exc).__name__
    return f"The PDF could not be produced: {text}"[:2000]


def _test_delay():
    """Fault-injection hook for tests (tests/test_faults.py kills a worker mid-render): sleep
    VSM_TEST_RENDER_DELAY seconds, default 0 (none). Never set outside tests."""
    delay = float(os.environ.get("VSM_TEST_RENDER_DELAY") or 0)
    if delay > 0:
        time.sleep(delay)


def build_pdf(report):
    from . import pdf, pdf_context

    _test_delay()
    if report.kind == RoadmapReport.PORTFOLIO:
        html = pdf.render_portfolio_html(pdf_context.portfolio_context(report))
    else:
        html = pdf.render_roadmap_html(pdf_context.roadmap_context(report.result))
    return pdf.html_to_pdf(html)


def report_filename(report):
    if report.kind == RoadmapReport.PORTFOLIO:
        scope = report.group.name if report.group else report.organization.name
        base = f"portfolio-{scope}-{report.period or 'latest'}"
    else:
        base = f"roadmap-{report.team.slug}-{report.period}"
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in base.lower())
    return f"{safe}.pdf"


def _store_pdf(report, data):
    """Write the PDF under a name fixed per report, atomically: a temporary file in the same
    directory, then an atomic rename over the final name. A re-render after a crash replaces
    the file; readers never see half a PDF."""
    name = f"reports/{report.pk:08d}/{report_filename(report)}"
    checksum = hashlib.sha256(data).hexdigest()
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        path = storage.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:  # object stores write whole objects atomically
        from django.core.files.base import ContentFile

        if storage.exists(name):
            storage.delete(name)
        storage.save(name, ContentFile(data))
    return name, checksum


def sweep_stuck_reports(now=None, stuck_after=REPORT_STUCK_AFTER):
    """Re-queue reports stuck in queued or rendering (a killed worker, a lost message, a broker
    that was down when they were requested) and send them again. Returns their ids."""
    now = now or timezone.now()
    cutoff = now - stuck_after
    stuck = list(
        RoadmapReport.objects.filter(
            Q(status=RoadmapReport.RENDERING, started_at__lt=cutoff)
            | Q(status=RoadmapReport.QUEUED, created_at__lt=cutoff)
            & (Q(started_at__isnull=True) | Q(started_at__lt=cutoff))
        ).values_list("id", "attempts")
    )
    resent = []
    for report_id, attempts in stuck:
        if attempts >= MAX_ATTEMPTS:
            fail_report(report_id, f"Gave up after {attempts} attempts.")
            continue
        # Conditional: only if nobody finished or re-claimed it in the meantime.
        updated = RoadmapReport.objects.filter(
            Q(pk=report_id)
            & (
                Q(status=RoadmapReport.QUEUED)
                | Q(status=RoadmapReport.RENDERING, started_at__lt=cutoff)
            )
        ).update(status=RoadmapReport.QUEUED, started_at=now)
        if updated:
            enqueue_report(report_id)
            resent.append(report_id)
    return resent
