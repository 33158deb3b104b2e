"""Every Celery task of the project, for Celery's autodiscovery (``<app>.tasks``). Each task is
a thin function beside the service it calls (take ids, call the service); the names are
fixed (``reports.task_*``) so that messages already in a broker keep working."""

from reports.campaigns.services import task_send_reminders
from reports.notifications.services import task_notify_due_tomorrow, task_send_notice_emails
from reports.pdf.services import (
    task_prune_old_reports,
    task_render_report,
    task_sweep_stuck_reports,
)

__all__ = [
    "task_notify_due_tomorrow",
    "task_prune_old_reports",
    "task_render_report",
    "task_send_notice_emails",
    "task_send_reminders",
    "task_sweep_stuck_reports",
]
