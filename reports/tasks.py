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
    """Render the queued report whose turn it is (services.render_next_report has the state
    transitions). Every request sends one of these, so there are as many messages as queued
    reports, but which report a message renders is decided when a worker takes it, fairly
    between organisations: the order of messages in the broker never lets one organisation's
    backlog hold another's report back. ``report_id`` is the report whose request sent it
    (shown in the worker's log; the name and argument are those of the messages already sent)."""
    return services.render_next_report()


@shared_task(name="reports.task_sweep_stuck_reports")
def task_sweep_stuck_reports():
    """Re-queue reports stuck in queued/rendering beyond the timeout."""
    return services.sweep_stuck_reports()


@shared_task(name="reports.task_prune_old_reports")
def task_prune_old_reports():
    """Delete reports older than REPORT_RETENTION_DAYS and their files, keeping the newest
    ready report of every result and portfolio scope. Returns how many were deleted."""
    return len(services.prune_old_reports())


# --- notifications (reports/notifications.py) -----------------------------------------------


@shared_task(name="reports.task_send_notice_emails")
def task_send_notice_emails(notice_ids):
    """E-mail the given notices; each is claimed (emailed_at) first, so a redelivery is
    harmless."""
    from . import notifications

    return notifications.send_notice_emails(notice_ids)


@shared_task(name="reports.task_notify_due_tomorrow")
def task_notify_due_tomorrow():
    """Tell who has not submitted that an assessment is due tomorrow (beat, daily); a second
    run the same day tells nobody again (one notice per person, assessment and kind)."""
    from . import notifications

    return notifications.notify_due_tomorrow()


from .tasks_campaigns import task_send_reminders  # noqa: E402,F401
