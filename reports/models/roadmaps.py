"""What is derived for people: a team's roadmap (planned from a result, edited by the lead) and
the PDF reports rendered in the background."""

from django.conf import settings
from django.db import models

from assessments.models import Organization, Result, Team, TeamGroup


class Roadmap(models.Model):
    """The plan made from one frozen result. A newer result gets a new roadmap; the lead's
    edits (owners, phases, due dates, done, own items) carry over by item key."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="roadmaps")
    result = models.OneToOneField(Result, on_delete=models.CASCADE, related_name="roadmap")
    next_assessment = models.DateField()
    checkpoints = models.JSONField(default=list, help_text='[["2026-12-01", "label"], ...]')
    formula = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "-result__period"]

    def __str__(self):
        return f"Roadmap {self.team} {self.result.period}"


class RoadmapItem(models.Model):
    NOW, NEXT, LATER = "now", "next", "later"
    PHASE_CHOICES = [(NOW, "Now (next 90 days)"), (NEXT, "Next (3-6 months)"), (LATER, "Later")]
    KIND_CHOICES = [
        ("dimension", "Maturity dimension"),
        ("dora", "DORA metric"),
        ("sustain", "Sustain"),
        ("custom", "Team's own"),
    ]

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=120, help_text="dimension:<key>, dora:<metric>, custom:<n>")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    title = models.CharField(max_length=300)
    why = models.JSONField(default=list)
    focus_areas = models.JSONField(default=list)
    steps = models.JSONField(default=list)
    success_metric = models.TextField(blank=True)
    owner_role = models.CharField(max_length=100, blank=True)
    priority = models.FloatField(default=0)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    from_tier = models.CharField(max_length=10, blank=True)
    to_tier = models.CharField(max_length=10, blank=True)
    factors = models.JSONField(default=dict)
    phase = models.CharField(max_length=5, choices=PHASE_CHOICES)
    position = models.PositiveSmallIntegerField(default=0)
    # The lead's edits, kept across regeneration.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    edited = models.BooleanField(default=False, help_text="Phase or due date changed by a lead.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["roadmap", "position"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "key"], name="uniq_roadmap_item_key"),
            models.CheckConstraint(
                condition=models.Q(phase__in=["now", "next", "later"]), name="roadmap_phase_valid"
            ),
        ]

    def __str__(self):
        return self.title


class RoadmapReport(models.Model):
    """One requested PDF. queued -> rendering -> ready | failed. The task claims the row with a
    conditional UPDATE, so a redelivered or duplicated message renders it at most once at a
    time; the sweeper re-queues rows stuck in queued/rendering. A ready report is handed out
    again while the content it shows is unchanged (``content_fingerprint``), and pruned after
    REPORT_RETENTION_DAYS unless it is the newest of its result or portfolio scope."""

    QUEUED, RENDERING, READY, FAILED = "queued", "rendering", "ready", "failed"
    STATUS_CHOICES = [
        (QUEUED, "Queued"),
        (RENDERING, "Rendering"),
        (READY, "Ready"),
        (FAILED, "Failed"),
    ]
    ROADMAP, PORTFOLIO = "roadmap", "portfolio"
    KIND_CHOICES = [(ROADMAP, "Team roadmap"), (PORTFOLIO, "CoE portfolio")]

    kind = models.CharField(max_length=10, choices=KIND_CHOICES, default=ROADMAP)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    result = models.ForeignKey(
        Result, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        TeamGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period = models.CharField(max_length=7, blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    duration_seconds = models.FloatField(null=True, blank=True)
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the file")
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    content_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of what the PDF shows (services.content_fingerprint), taken when "
        "requested and again just before rendering",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "rendering", "ready", "failed"]),
                name="report_status_valid",
            ),
            # At most one report of a result in flight: a second request gets the first one.
            models.UniqueConstraint(
                fields=["result"],
                condition=models.Q(kind="roadmap", status__in=["queued", "rendering"]),
                name="uniq_roadmap_report_in_flight",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def in_progress(self):
        return self.status in (self.QUEUED, self.RENDERING)
