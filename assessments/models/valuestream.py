"""Value stream maps: a team's current-state and future-state maps, versioned. Saving a map
adds a version; history is never overwritten. Stages and figures are stored as computed by
assessments/valuestream.py (pure) at save time; writes go through valuestream_services."""

from django.conf import settings
from django.db import models

from assessments.models.people import Team


class ValueStreamMap(models.Model):
    CURRENT = "current"
    FUTURE = "future"
    KIND_CHOICES = [(CURRENT, "Current state"), (FUTURE, "Future state")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="value_stream_maps")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # [Stage.to_json(), ...] in stage order, and MapFigures.to_json() of those stages.
    stages = models.JSONField()
    figures = models.JSONField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["team_id", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind", "version"], name="uniq_value_stream_map_version"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["current", "future"]), name="value_stream_map_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="value_stream_map_version_positive"
            ),
        ]

    def __str__(self):
        return f"{self.team} {self.kind} value stream map v{self.version}"
