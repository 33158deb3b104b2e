"""Writes for PDF reports (roadmap and portfolio). Views, the API, tasks and commands call these.
The roadmap itself is planned and edited in reports/roadmap/services.py.

Report lifecycle (``RoadmapReport.status``)::

    queued --(a worker claims it, in its organisation's turn)--> rendering --> ready
    rendering --> failed (terminal error, or retries exhausted)
    rendering --> queued (a transient error; the message is retried with backoff)
    queued/rendering for longer than REPORT_STUCK_AFTER --(sweeper)--> queued, sent again
    ready/failed older than REPORT_RETENTION_DAYS --(pruner)--> deleted with its file, unless
        it is the newest ready report of its result (or portfolio scope)

The task claims a report with a conditional UPDATE (healthchecks' "optimistic lock"), so a
message delivered twice renders the report once; the file name is fixed per report, so a
re-render after a killed worker replaces the same file instead of leaving a second one.

Requests are bounded (issue 15): a report of the same result (or portfolio scope) that is in
flight, or ready and still showing what the roadmap shows now (``content_fingerprint``), is
handed out again instead of a new render; a new render is refused (``TooManyReports``, 429)
while the requester has REPORT_MAX_QUEUED_PER_USER renders in flight or the organisation
REPORT_MAX_QUEUED_PER_ORGANIZATION.

Renders are shared fairly between organisations: every request sends one message, but a
message does not say which report to render. The worker that takes it claims the queued report
whose turn it is (``fair_order``: the organisation whose last render was claimed longest ago
first), so however many messages one organisation has put in the broker, another's report
waits for at most the renders already under way. Workers take one message at a time and
acknowledge it late (settings: CELERY_WORKER_PREFETCH_MULTIPLIER, CELERY_TASK_ACKS_LATE), and
a message is only a turn, so the same holds on the filesystem transport, Redis and RabbitMQ.
"""

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import os
import statistics
import tempfile
import time

from celery import shared_task
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from assessments import permissions
from assessments.models import Organization
from reports.models import RoadmapReport
from reports.pdf import context as pdf_context
from reports.roadmap import services as roadmap_services
from vsm_site.domain_errors import DomainError, NotAllowed
from vsm_site.http import download_filename

log = logging.getLogger(__name__)

REPORT_STUCK_AFTER = dt.timedelta(seconds=getattr(settings, "REPORT_STUCK_AFTER_SECONDS", 600))
MAX_ATTEMPTS = 5
BROKER_DOWN_MESSAGE = (
    "Waiting: the task queue is unreachable. The report is recorded and will be rendered "
    "automatically when the queue is back."
)


IN_FLIGHT = (RoadmapReport.QUEUED, RoadmapReport.RENDERING)
FINISHED = (RoadmapReport.READY, RoadmapReport.FAILED)
# Retry-After when over a limit: about one render (the median of recent ones), within bounds.
DEFAULT_RENDER_SECONDS = 30  # before anything has been rendered
MIN_RETRY_AFTER_SECONDS = 5


class TransientReportError(Exception):
    """Worth retrying: the database or storage was briefly unavailable."""


class TooManyReports(DomainError):
    """A limit on renders in flight is reached. ``retry_after``: seconds until a place is
    likely to be free (the API's Retry-After)."""

    status = 429

    def __init__(self, message, *, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


# --- reports ------------------------------------------------------------------------------


def request_roadmap_report(user, result):
    """Ask for a PDF of the team's roadmap. Returns ``(report, created)``: a report of the same
    result that is queued or rendering, or the newest ready one when the roadmap has not
    changed since (same ``roadmap_fingerprint``), is returned instead of a new render. Raises
    TooManyReports when a new render would exceed a limit (``check_report_limits``)."""
    if not permissions.can_view_team(user, result.team):
        raise NotAllowed("You cannot see this team.")
    roadmap_services.generate_roadmap(result)  # a result frozen before roadmaps were planned
    fingerprint = roadmap_fingerprint(result)
    same = RoadmapReport.objects.filter(kind=RoadmapReport.ROADMAP, result=result)
    try:
        return _request_report(
            user, result.team.organization, same, fingerprint,
            kind=RoadmapReport.ROADMAP, team=result.team, result=result, period=result.period,
        )  # fmt: skip
    except IntegrityError:  # the partial unique constraint: a concurrent identical request
        return same.get(status__in=IN_FLIGHT), False


def request_portfolio_report(user, organization, group=None, period=""):
    """Ask for a portfolio PDF of the organisation or one group; the same rules as
    ``request_roadmap_report``, the content being the organisation's data version."""
    if not permissions.can_analyse(user, organization):
        raise NotAllowed("Only CoE analysts and organisation admins request portfolios.")
    same = RoadmapReport.objects.filter(
        kind=RoadmapReport.PORTFOLIO, organization=organization, group=group, period=period
    )
    return _request_report(
        user, organization, same, portfolio_fingerprint(organization.pk),
        kind=RoadmapReport.PORTFOLIO, group=group, period=period,
    )  # fmt: skip


def _request_report(user, organization, same, fingerprint, **fields):
    """The rules of every request, in one transaction: a report of ``same`` in flight, or the
    newest ready one if it shows ``fingerprint`` and its file is there, is returned; otherwise
    the limits are checked and a new report is queued (sent to the broker after commit)."""
    with transaction.atomic():
        _hold_requesters(organization, user)
        existing = same.filter(status__in=IN_FLIGHT).order_by("created_at", "id").first()
        if existing is not None:
            return existing, False
        latest = (
            same.filter(status=RoadmapReport.READY)
            .order_by(F("finished_at").desc(nulls_last=True), "-id")
            .first()
        )
        # A file lost from storage (a restored backup, a cleaned disk) is rendered again.
        if (
            latest is not None
            and latest.content_fingerprint == fingerprint
            and latest.file
            and latest.file.storage.exists(latest.file.name)
        ):
            return latest, False
        check_report_limits(user, organization)
        report = RoadmapReport.objects.create(
            organization=organization, requested_by=user, content_fingerprint=fingerprint,
            **fields,
        )  # fmt: skip
        transaction.on_commit(lambda: enqueue_report(report.id))
    return report, True


def _hold_requesters(organization, user):
    """Lock the organisation's and the user's rows until the transaction ends, so that two
    requests at once cannot both take the last place under a limit (PostgreSQL; SQLite's
    IMMEDIATE transactions already let one writer in at a time). Always this order, so two
    requests never wait for each other."""
    from django.contrib.auth import get_user_model

    list(Organization.objects.select_for_update().filter(pk=organization.pk).only("pk"))
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).only("pk"))


def check_report_limits(user, organization):
    """Raise TooManyReports when ``user`` (anywhere) or ``organization`` (anyone in it) already
    has as many renders in flight as allowed. Portfolio reports count as well."""
    in_flight = RoadmapReport.objects.filter(status__in=IN_FLIGHT)
    mine = in_flight.filter(requested_by=user).count()
    if mine >= settings.REPORT_MAX_QUEUED_PER_USER:
        wait = retry_after_seconds()
        raise TooManyReports(
            f"You already have {_pdfs(mine)} waiting or being rendered, the most allowed at "
            f"once; try again in {wait} seconds.",
            retry_after=wait,
        )
    ours = in_flight.filter(organization=organization).count()
    if ours >= settings.REPORT_MAX_QUEUED_PER_ORGANIZATION:
        wait = retry_after_seconds()
        raise TooManyReports(
            f"{organization.name} already has {_pdfs(ours)} waiting or being rendered, the most "
            f"allowed for one organisation at once; try again in {wait} seconds.",
            retry_after=wait,
        )


def _pdfs(count):
    return f"{count} PDF" if count == 1 else f"{count} PDFs"


def retry_after_seconds():
    """When to try again after a refusal: about one render from now, when one of the renders in
    flight has likely finished. The median duration of the last 20 renders (DEFAULT_RENDER_
    SECONDS before the first), rounded up, at least MIN_RETRY_AFTER_SECONDS. An estimate: a
    request that comes back too early is told again."""
    recent = list(
        RoadmapReport.objects.filter(status=RoadmapReport.READY, duration_seconds__isnull=False)
        .order_by("-id")
        .values_list("duration_seconds", flat=True)[:20]
    )
    typical = statistics.median(recent) if recent else DEFAULT_RENDER_SECONDS
    return max(MIN_RETRY_AFTER_SECONDS, math.ceil(typical))


# --- what a report shows ------------------------------------------------------------------


def content_fingerprint(report):
    """A SHA-256 of what ``report``'s PDF shows, as of now."""
    if report.kind == RoadmapReport.PORTFOLIO:
        return portfolio_fingerprint(report.organization_id)
    return _context_fingerprint(report_context(report))


def roadmap_fingerprint(result):
    """A SHA-256 of what the roadmap PDF of ``result`` shows: its context as a stored PDF is
    built (``pdf.context.roadmap_context``, without a viewer), less the time it was made.
    Equal fingerprints, equal PDFs, with nothing to keep in step by hand."""
    return _context_fingerprint(pdf_context.roadmap_context(result))


def _context_fingerprint(context):
    return _sha256({k: v for k, v in context.items() if k != "generated_at"})


def report_context(report):
    """The context of ``report``'s PDF, built once per report object: its fingerprint and its
    rendering read the same one."""
    if getattr(report, "_context", None) is None:
        if report.kind == RoadmapReport.PORTFOLIO:
            report._context = pdf_context.portfolio_context(report)
        else:
            report._context = pdf_context.roadmap_context(report.result)
    return report._context


def portfolio_fingerprint(organization_id):
    """A portfolio shows the organisation's teams, groups, results, DORA snapshots and
    roadmaps, every write to which moves its data version on (assessments/data_version.py)."""
    version = (
        Organization.objects.filter(pk=organization_id).values_list("data_version", flat=True).get()
    )
    return _sha256({"portfolio of data version": version})


def _sha256(content):
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


# --- rendering ----------------------------------------------------------------------------


def enqueue_report(report_id):
    """Send a render message for ``report_id``'s request (the worker renders whichever report's
    turn it is: ``render_next_report``). If the broker is unreachable the report stays queued
    (the user sees it) and the sweeper sends it again once the broker is back."""
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


def fair_order(queued, last_claimed):
    """The order in which a worker tries to claim queued reports (pure). Organisations take
    turns: first the one whose last render was claimed longest ago (one that has never
    rendered before all others; ties to the one waiting longest), and each organisation's own
    reports in request order. Round-robin: every organisation's first report, then every
    second one, and so on, so that a worker that loses a race for one organisation's report
    tries the next organisation's rather than the same one's again.

    ``queued``: ``(report_id, organization_id, created_at)`` of the queued reports;
    ``last_claimed``: ``{organization_id: datetime}``, when each last claimed a render."""
    waiting = {}
    for report_id, organization_id, created_at in sorted(queued, key=lambda r: (r[2], r[0])):
        waiting.setdefault(organization_id, []).append((created_at, report_id))

    def turn(organization_id):
        oldest = waiting[organization_id][0]
        last = last_claimed.get(organization_id)
        return (last is not None, last or oldest[0], oldest)

    organizations = sorted(waiting, key=turn)
    order = []
    for rank in range(max((len(reports) for reports in waiting.values()), default=0)):
        order += [waiting[o][rank][1] for o in organizations if rank < len(waiting[o])]
    return order


def claim_next_report():
    """queued -> rendering for the report whose turn it is (``fair_order``), with the same
    conditional UPDATE as ``claim_report``. Returns the claimed report, or None when nothing is
    queued any more (a spare message: another one rendered its report)."""
    # Every queued report: few, since the limits cap them per organisation.
    queued = list(
        RoadmapReport.objects.filter(status=RoadmapReport.QUEUED)
        .order_by()
        .values_list("id", "organization_id", "created_at")
    )
    if not queued:
        return None
    # started_at is when a worker claimed the report (the sweeper also moves it on the rows it
    # re-queues, which are queued and so left out here).
    last_claimed = dict(
        RoadmapReport.objects.filter(
            organization_id__in={organization_id for _, organization_id, _ in queued},
            status__in=[RoadmapReport.RENDERING, *FINISHED],
            started_at__isnull=False,
        )
        .order_by()
        .values("organization_id")
        .annotate(last=Max("started_at"))
        .values_list("organization_id", "last")
    )
    for report_id in fair_order(queued, last_claimed):
        report = claim_report(report_id)
        if report is not None:
            return report
    return None  # all taken by other workers since we looked: their messages were theirs


def render_next_report():
    """What every render message does: claim the report whose turn it is and render it (as
    ``render_report``). Returns the rendered report's id, None when there was nothing to
    render or it failed for good; raises TransientReportError to be retried."""
    report = claim_next_report()
    if report is None:
        return None
    return _render_claimed(report)


def render_report(report_id):
    """Render report ``report_id`` to PDF and store it. Idempotent: a report that is already
    ready, or being rendered by another worker, is left alone."""
    report = claim_report(report_id)
    if report is None:
        return None
    return _render_claimed(report)


def _render_claimed(report):
    """rendering -> ready, failed, or back to queued on a transient error (raised again)."""
    started = time.monotonic()
    try:
        # The fingerprint of the very context rendered (report_context): a change while
        # rendering is not in this PDF nor in its fingerprint, so the next request renders again.
        fingerprint = content_fingerprint(report)
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
        content_fingerprint=fingerprint,
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
    from reports.pdf import render as pdf

    _test_delay()
    if report.kind == RoadmapReport.PORTFOLIO:
        html = pdf.render_portfolio_html(report_context(report))
    else:
        html = pdf.render_roadmap_html(report_context(report))
    return pdf.html_to_pdf(html)


def report_filename(report):
    if report.kind == RoadmapReport.PORTFOLIO:
        scope = report.group.name if report.group else report.organization.name
        return download_filename("portfolio", scope, report.period or "latest", ext="pdf")
    return download_filename("roadmap", report.team.slug, report.period, ext="pdf")


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


# --- retention ----------------------------------------------------------------------------


def reports_to_prune(reports, cutoff):
    """The ids of the reports to delete (pure), ascending: finished (ready or failed) and
    created before ``cutoff``, except the newest ready report of each subject, which stays
    however old it is (the last PDF of a result or portfolio scope remains downloadable).
    ``reports``: ``(id, subject, status, created_at, finished_at)``; the subject is what the
    report is of: ``("roadmap", result_id)`` or ``("portfolio", org_id, group_id, period)``."""
    newest = {}
    for report_id, subject, status, created_at, finished_at in reports:
        if status == RoadmapReport.READY:
            rank = (finished_at or created_at, report_id)
            if subject not in newest or rank > newest[subject]:
                newest[subject] = rank
    keep = {report_id for _, report_id in newest.values()}
    return sorted(
        report_id
        for report_id, _, status, created_at, _ in reports
        if status in FINISHED and created_at < cutoff and report_id not in keep
    )


def prune_old_reports(now=None):
    """Delete reports older than REPORT_RETENTION_DAYS with their files (``reports_to_prune``);
    reports in flight are never touched. The file goes first: a crash in between leaves a row
    whose file is gone (its download says so), and the next run deletes that row. Returns the
    deleted ids."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.REPORT_RETENTION_DAYS)
    rows = (
        RoadmapReport.objects.filter(status__in=FINISHED)
        .order_by()
        .values("id", "kind", "result_id", "organization_id", "group_id", "period", "status",
                "created_at", "finished_at")
    )  # fmt: skip
    reports = [
        (row["id"], _subject(row), row["status"], row["created_at"], row["finished_at"])
        for row in rows.iterator()
    ]
    doomed = reports_to_prune(reports, cutoff)
    for start in range(0, len(doomed), 200):
        chunk = doomed[start : start + 200]
        for report_id, name in RoadmapReport.objects.filter(pk__in=chunk).values_list("id", "file"):
            _delete_file(report_id, name)
        RoadmapReport.objects.filter(pk__in=chunk, status__in=FINISHED).delete()
    if doomed:
        log.info("Pruned %s reports older than %s", len(doomed), cutoff.date())
    return doomed


def _subject(row):
    """What a report is a PDF of: its result, or its portfolio's scope."""
    if row["kind"] == RoadmapReport.ROADMAP:
        return (RoadmapReport.ROADMAP, row["result_id"])
    return (RoadmapReport.PORTFOLIO, row["organization_id"], row["group_id"], row["period"])


def _delete_file(report_id, name):
    if not name:
        return
    default_storage.delete(name)  # a file already gone is not an error
    if isinstance(default_storage, FileSystemStorage):
        with contextlib.suppress(OSError):  # the report's own folder, once empty
            os.rmdir(default_storage.path(f"reports/{report_id:08d}"))


# --- Celery tasks (listed in reports/tasks.py): thin, take ids, call the functions above ---


@shared_task(
    bind=True,
    name="reports.task_render_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientReportError,),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS,
)
def task_render_report(self, report_id):
    """Render the queued report whose turn it is (render_next_report has the state
    transitions). Every request sends one of these, so there are as many messages as queued
    reports, but which report a message renders is decided when a worker takes it, fairly
    between organisations: the order of messages in the broker never lets one organisation's
    backlog hold another's report back. ``report_id`` is the report whose request sent it
    (shown in the worker's log; the name and argument are those of the messages already sent)."""
    return render_next_report()


@shared_task(name="reports.task_sweep_stuck_reports")
def task_sweep_stuck_reports():
    """Re-queue reports stuck in queued/rendering beyond the timeout."""
    return sweep_stuck_reports()


@shared_task(name="reports.task_prune_old_reports")
def task_prune_old_reports():
    """Delete reports older than REPORT_RETENTION_DAYS and their files, keeping the newest
    ready report of every result and portfolio scope. Returns how many were deleted."""
    return len(prune_old_reports())
