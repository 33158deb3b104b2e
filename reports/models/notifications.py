"""Notifications: what a person is told (a notice in the product, and an e-mail) and the kinds
they have turned off.

The rules live in reports/notifications.py. The notice row is the claim: one per person,
assessment and kind (a unique constraint), so a repeated hook, a retried task or a double click
never tells anyone twice; ``emailed_at`` is claimed with a conditional UPDATE before its e-mail
goes out."""

from django.conf import settings
from django.db import models

from assessments.models import Assessment


class Notice(models.Model):
    OPENED = "opened"
    DUE_TOMORROW = "due_tomorrow"
    RESULT_READY = "result_ready"
    INVITED = "invited"
    KIND_CHOICES = [
        (OPENED, "An assessment opens for your team"),
        (DUE_TOMORROW, "An assessment you have not submitted is due tomorrow"),
        (RESULT_READY, "Your team's result is ready"),
        (INVITED, "Your team lead invites you to answer"),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "assessment", "kind"], name="uniq_notice_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["opened", "due_tomorrow", "result_ready", "invited"]),
                name="notice_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user}"


class NotificationOptOut(models.Model):
    """A kind of notification one person has turned off (no row: they are told)."""

    KIND_CHOICES = Notice.KIND_CHOICES[:3]  # an invitation follows the "opens" choice

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="uniq_opt_out_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["opened", "due_tomorrow", "result_ready"]),
                name="opt_out_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} turned off {self.kind}"
