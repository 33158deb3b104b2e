"""Celery tasks for campaigns: thin, take ids, call a service (reports/campaigns.py). Imported
by reports/tasks.py so that Celery's autodiscovery finds them."""

from celery import shared_task

from . import campaigns


@shared_task(name="reports.task_send_reminders")
def task_send_reminders():
    """Email today's campaign reminders (beat, daily). Safe to run twice or on two workers:
    each person's reminder is claimed by inserting their ReminderLog row for the day."""
    return campaigns.send_due_reminders()
