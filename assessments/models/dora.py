"""DORA data: deployment and incident events teams send in, metrics entered by hand, DORA
survey answers, and stored classifications. Calculations are in assessments/dora.py (pure)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from assessments.models.answering import Response
from assessments.models.people import Organization, Team
from assessments.models.webhooks import Webhook


class EventBatch(models.Model):
    """One CSV file of events a lead uploaded on the team's DORA page: listed there (who, when,
    how many rows) and removable as a whole, which deletes the events it last wrote."""

    KIND_CHOICES = [("deployments", "Deployments"), ("incidents", "Incidents")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="event_batches")
    kind = models.CharField(max_length=12, choices=KIND_CHOICES)
    filename = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["team", "-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["deployments", "incidents"]),
                name="event_batch_kind_valid",
            )
        ]

    def __str__(self):
        return f"{self.team} {self.kind} batch {self.filename or self.pk}"


class Deployment(models.Model):
    """A deployment event. Idempotent on (team, external_id): sending it again updates it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deployments")
    external_id = models.CharField(max_length=200)
    service = models.CharField(max_length=200, blank=True)
    environment = models.CharField(max_length=100, default="production")
    finished_at = models.DateTimeField()
    succeeded = models.BooleanField(default=True)
    rolled_back = models.BooleanField(default=False)
    hotfix = models.BooleanField(default=False, help_text="This deployment had to be hot-fixed.")
    caused_failure = models.BooleanField(default=False)
    unplanned_fix = models.BooleanField(
        default=False, help_text="An unplanned fix of a user-facing bug (rework)."
    )
    # The changes (commits, pull requests) it carried:
    # [{"id": "...", "first_commit_at": iso, "title": "..." (optional)}]
    changes = models.JSONField(default=list, blank=True)
    # The external id of the deployment this one fixes or rolls back (blank: none).
    fixes = models.CharField(max_length=200, blank=True)
    planned = models.BooleanField(
        default=True, help_text="False for an unplanned fix (counts toward rework rate)."
    )
    # The sha or version deployed: redeploying an earlier version of the service is a rollback.
    version = models.CharField(max_length=200, blank=True)
    # The uploaded file that last wrote this event (none for events sent through the API).
    batch = models.ForeignKey(
        EventBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="deployments"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "-finished_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "external_id"], name="uniq_deployment_ext_id")
        ]
        indexes = [models.Index(fields=["team", "finished_at"])]

    def __str__(self):
        return f"{self.team} deployment {self.external_id}"


class Incident(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="incidents")
    external_id = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # By external id, so an incident may arrive before the deployment that caused it.
    deployment_external_id = models.CharField(max_length=200, blank=True)
    service = models.CharField(max_length=200, blank=True)
    # Free text from the incident tool; a "root cause: <sha or deployment id>" line links it.
    description = models.TextField(blank=True)
    batch = models.ForeignKey(
        EventBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "external_id"], name="uniq_incident_ext_id"),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("started_at")),
                name="incident_resolved_after_start",
            ),
        ]
        indexes = [models.Index(fields=["team", "resolved_at"])]

    def __str__(self):
        return f"{self.team} incident {self.external_id}"


class TeamOwnership(models.Model):
    """A team owns a service, a repository (full name, "acme/checkout") or a path prefix of a
    monorepo. Organisation webhooks route events by it (assessments/dora/attribution.py)."""

    SERVICE = "service"
    REPOSITORY = "repository"
    PATH = "path"
    KIND_CHOICES = [(SERVICE, "Service"), (REPOSITORY, "Repository"), (PATH, "Path prefix")]

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="ownerships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="ownerships")
    kind = models.CharField(max_length=12, choices=KIND_CHOICES)
    value = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "kind", "value"]
        constraints = [
            # One owner per thing in an organisation: routing must never have to choose.
            models.UniqueConstraint(
                fields=["organization", "kind", "value"], name="uniq_ownership_kind_value"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["service", "repository", "path"]),
                name="ownership_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.team} owns {self.kind} {self.value}"


class UnroutedEvent(models.Model):
    """An organisation webhook event no team owns, kept with the reason for the CoE. One per
    delivery: deriving the delivery again (``reprocess_deliveries``, or after an ownership was
    added) replaces it, or removes it when a team now owns the event. It lives as long as its
    delivery (``WEBHOOK_DELIVERY_RETENTION_DAYS``)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="unrouted_events"
    )
    delivery = models.OneToOneField(
        "assessments.WebhookDelivery",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="unrouted",
    )
    provider = models.CharField(max_length=20, choices=Webhook.PROVIDERS)
    event_type = models.CharField(max_length=60, blank=True)
    # What the event named and nobody owns: a service, or a repository's full name.
    subject = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["organization", "-received_at"]
        indexes = [models.Index(fields=["organization", "received_at"])]

    def __str__(self):
        return f"{self.organization} unrouted {self.provider} event: {self.reason}"


class AttributionSettings(models.Model):
    """Per-team attribution settings (a row only when the team changed the default)."""

    DEFAULT_INCIDENT_WINDOW_HOURS = 24

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="attribution")
    incident_window_hours = models.PositiveIntegerField(default=DEFAULT_INCIDENT_WINDOW_HOURS)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(incident_window_hours__gte=1, incident_window_hours__lte=720),
                name="attribution_window_1_720",
            )
        ]

    def __str__(self):
        return f"{self.team} attribution: {self.incident_window_hours} h"


class DoraEntry(models.Model):
    """Metrics a lead entered by hand for a period, stored in canonical units."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="dora_entries")
    period = models.CharField(max_length=7)
    deployment_frequency = models.FloatField(null=True, blank=True, help_text="per day")
    lead_time = models.FloatField(null=True, blank=True, help_text="hours")
    time_to_restore = models.FloatField(null=True, blank=True, help_text="hours")
    change_failure_rate = models.FloatField(null=True, blank=True, help_text="percent")
    rework_rate = models.FloatField(null=True, blank=True, help_text="percent")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["team", "period"], name="uniq_dora_entry"),
            models.CheckConstraint(
                condition=models.Q(change_failure_rate__isnull=True)
                | models.Q(change_failure_rate__gte=0, change_failure_rate__lte=100),
                name="dora_entry_cfr_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(rework_rate__isnull=True)
                | models.Q(rework_rate__gte=0, rework_rate__lte=100),
                name="dora_entry_rework_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.team} DORA entry {self.period}"


class DoraSurveyAnswer(models.Model):
    """One respondent's answers to the DORA questions of an assessment (DORA's own answer
    options for the three time-based keys, percentages for CFR and rework rate)."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="dora")
    deployment_frequency = models.CharField(max_length=40, blank=True)
    lead_time = models.CharField(max_length=40, blank=True)
    time_to_restore = models.CharField(max_length=40, blank=True)
    change_failure_rate = models.FloatField(null=True, blank=True)
    rework_rate = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(change_failure_rate__isnull=True)
                | models.Q(change_failure_rate__gte=0, change_failure_rate__lte=100),
                name="dora_survey_cfr_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(rework_rate__isnull=True)
                | models.Q(rework_rate__gte=0, rework_rate__lte=100),
                name="dora_survey_rework_0_100",
            ),
        ]

    def __str__(self):
        return f"DORA answers of {self.response}"


class DoraSnapshot(models.Model):
    """A stored classification: the values of one source for one team and period, and the
    tiers they got against the benchmark set named here. Switching sets re-classifies for
    display only; this row keeps what was stored."""

    SURVEY = "survey"
    ENTRY = "entry"
    EVENTS = "events"
    SOURCE_CHOICES = [(SURVEY, "Survey"), (ENTRY, "Manual entry"), (EVENTS, "Events")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="dora_snapshots")
    period = models.CharField(max_length=7)
    source = models.CharField(max_length=10, choices=SOURCE_CHOICES)
    benchmark = models.CharField(max_length=20)
    values = models.JSONField(help_text="metric -> value in canonical units, or null")
    tiers = models.JSONField(help_text="metric -> tier, or null")
    overall_tier = models.CharField(max_length=10, blank=True)
    score = models.JSONField(default=dict, help_text="DORA 0-10: overall, throughput, stability")
    details = models.JSONField(default=dict, help_text="counts, window, respondents")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "period", "source"]
        constraints = [
            models.UniqueConstraint(fields=["team", "period", "source"], name="uniq_dora_snapshot"),
            models.CheckConstraint(
                condition=models.Q(source__in=["survey", "entry", "events"]),
                name="dora_snapshot_source_valid",
            ),
        ]
        indexes = [models.Index(fields=["period", "source"])]

    def __str__(self):
        return f"{self.team} {self.period} {self.source}: {self.overall_tier or '-'}"


def _hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


class TeamApiToken(models.Model):
    """A token a team's CI/CD pipeline or dashboard uses, with one scope: ``events`` sends the
    team's deployment and incident events; ``metrics`` reads the team's DORA metrics. It can do
    nothing else (assessments/dora/token_auth.py holds the rules). Only a hash of the key is
    stored; the key is shown once when created. It stops working when revoked or, if it has
    one, at its expiry."""

    EVENTS = "events"
    METRICS = "metrics"
    SCOPE_CHOICES = [
        (EVENTS, "Send events"),
        (METRICS, "Read DORA metrics"),
    ]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    scope = models.CharField(max_length=10, choices=SCOPE_CHOICES, default=EVENTS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["events", "metrics"]), name="team_token_scope_valid"
            ),
        ]

    def __str__(self):
        return f"{self.team} token {self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, team, name, created_by=None, scope=EVENTS, expires_at=None):
        """Create a token; returns ``(token, key)``. The key is not stored."""
        if scope not in dict(cls.SCOPE_CHOICES):
            raise ValueError(f"Unknown token scope {scope!r}.")
        key = "vsmt_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            team=team,
            name=name,
            key_hash=_hash_key(key),
            prefix=key[5:13],
            scope=scope,
            expires_at=expires_at,
            created_by=created_by,
        )
        return token, key

    @classmethod
    def matching(cls, key):
        """The token whose key this is, revoked and expired ones included (to say why it is
        refused), or None."""
        return (
            cls.objects.select_related("team__organization").filter(key_hash=_hash_key(key)).first()
        )

    @classmethod
    def find(cls, key):
        """The token whose key this is, if it still works (not revoked, not expired)."""
        from django.utils import timezone as tz

        return (
            cls.objects.select_related("team__organization")
            .filter(key_hash=_hash_key(key), revoked_at__isnull=True)
            .filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=tz.now()))
            .first()
        )

    def is_expired(self, now=None):
        from django.utils import timezone as tz

        return self.expires_at is not None and self.expires_at <= (now or tz.now())

    @property
    def expired(self):
        return self.is_expired()

    @property
    def active(self):
        return self.revoked_at is None and not self.is_expired()
