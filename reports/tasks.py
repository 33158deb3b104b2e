"""Celery tasks: thin, take ids, call a service (reports/services.py)."""

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    name="reports.task_render_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.TransientReportError,),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=services.MAX_ATTEMPTS,
)
def task_render_report(self, report_id):
    """Render report ``report_id`` (see services.render_report for the state transitions)."""
    return services.render_report(report_id)


@shared_task(name="reports.task_sweep_stuck_reports")
def task_sweep_stuck_reports():
    """Re-queue reports stuck in queued/rendering beyond the timeout."""
    return services.sweep_stuck_reports()


from .tasks_campaigns import task_send_reminders  # noqa: E402,F401
