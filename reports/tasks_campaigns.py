"""Celery tasks for campaigns: thin, take ids, call a service (reports/campaigns.py). Imported
by reports/tasks.py so that Celery's autodiscovery finds them."""

import datetime as dt

from celery import shared_task

from . import campaigns
from .models import Campaign


@shared_task(name="reports.task_send_reminders")
def task_send_reminders(campaign_id=None, today=None):
    """Email today's campaign reminders: every round's (beat, daily) or one round's ("Send
    reminders now"). Safe to run twice or on two workers: each person's reminder is claimed by
    inserting their ReminderLog row for the day. A round closed or deleted since it was queued
    reminds nobody."""
    day = dt.date.fromisoformat(today) if today else None
    if campaign_id is None:
        return campaigns.send_due_reminders(today=day)
    campaign = Campaign.objects.filter(pk=campaign_id, closed_at__isnull=True).first()
    if campaign is None:
        return 0
    return campaigns.send_due_reminders(today=day, campaign=campaign)
