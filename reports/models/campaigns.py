"""Campaigns: an assessment round a CoE analyst opens for many teams at once, and the log that
keeps reminder emails to at most one a day a person.

The rules live in reports/campaigns.py; the invariants that matter are constraints here: a team
is in a round once, an assessment is in a round once, and one reminder row per person and day
(the row is the claim: inserting it is what allows the email to go out)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from assessments.models import Assessment, Organization, Team


class Campaign(models.Model):
    """open -> closed, once. Closing closes the round's assessments that have answers."""

    OPEN, CLOSED = "open", "closed"
    STATUS_CHOICES = [(OPEN, "Open"), (CLOSED, "Closed")]

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="campaigns"
    )
    name = models.CharField(max_length=200)
    questionnaire_key = models.SlugField(max_length=80)
    period = models.CharField(max_length=7, help_text="Quarter, e.g. 2026-Q4")
    due_date = models.DateField()
    status = models.CharField(max_length=6, choices=STATUS_CHOICES, default=OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "closed"]), name="campaign_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^[0-9]{4}-Q[1-4]$"), name="campaign_period_fmt"
            ),
            # A closed round always says when it closed; an open one never does.
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="campaign_closed_at_iff_closed",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return f"{self.name} ({self.period})"

    @property
    def is_open(self):
        return self.status == self.OPEN


class CampaignTeam(models.Model):
    """A team in a round, with the assessment it answers for it: one opened by the round, or
    the team's existing assessment of the same questionnaire and period (``joined_existing``).
    ``closed_without_result`` is set when the round closed and nobody of the team had submitted:
    the assessment itself then stays open (a closed assessment always has a result)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="campaign_entries")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="campaign_entries"
    )
    joined_existing = models.BooleanField(default=False)
    closed_without_result = models.BooleanField(default=False)

    class Meta:
        ordering = ["campaign", "team__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "team"], name="uniq_campaign_team"),
            models.UniqueConstraint(
                fields=["campaign", "assessment"], name="uniq_campaign_assessment"
            ),
        ]

    def __str__(self):
        return f"{self.team} in {self.campaign}"


class ReminderLog(models.Model):
    """One reminder email to one person on one day, whatever the campaign. The sender inserts
    the row before sending; the unique constraint makes a second insert the same day fail, so
    two beat runs, two workers or a button click never send twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_logs"
    )
    sent_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    campaign_count = models.PositiveSmallIntegerField(default=0)
    assessment_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-sent_on", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "sent_on"], name="uniq_reminder_per_day"),
        ]

    def __str__(self):
        return f"Reminder to {self.user} on {self.sent_on}"
