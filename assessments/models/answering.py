"""An assessment round of one team on one questionnaire version for one period; each member's
response and answers; the frozen result written when the lead closes it.

Invariants are database constraints, not only Python checks: one assessment per team,
questionnaire key and period; one response per respondent and assessment; one answer per
question and response; levels 1-5 or NULL ("don't know", or "not applicable" with its flag)."""

from django.conf import settings
from django.db import models

from assessments.models.people import Team
from assessments.models.questionnaires import Dimension, Question, Questionnaire


class Assessment(models.Model):
    OPEN = "open"
    CLOSED = "closed"
    STATUS_CHOICES = [(OPEN, "Open"), (CLOSED, "Closed")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assessments")
    # RESTRICT, not PROTECT: a version in use cannot be deleted, except together with
    # its users (an organisation deleted with its teams, assessments and own versions).
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.RESTRICT, related_name="assessments"
    )
    # Denormalised from the questionnaire so the database can enforce one assessment per
    # team, questionnaire key and period whatever the version.
    questionnaire_key = models.SlugField(max_length=80)
    period = models.CharField(max_length=7, help_text="Quarter, e.g. 2026-Q4")
    status = models.CharField(max_length=6, choices=STATUS_CHOICES, default=OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team__name", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "questionnaire_key", "period"], name="uniq_assessment_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "closed"]), name="assessment_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^[0-9]{4}-Q[1-4]$"), name="assessment_period_fmt"
            ),
        ]
        indexes = [models.Index(fields=["team", "status"])]

    def __str__(self):
        return f"{self.team} {self.period} ({self.questionnaire.label})"

    @property
    def is_open(self):
        return self.status == self.OPEN


class Response(models.Model):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    STATUS_CHOICES = [(DRAFT, "Draft"), (SUBMITTED, "Submitted")]

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="responses"
    )
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=DRAFT)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "respondent__username"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "respondent"], name="uniq_response"),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "submitted"]), name="response_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.respondent} on {self.assessment}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    level = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1-5; empty means don't know (or not applicable)"
    )
    # "Not applicable" takes the question out of the respondent's dimension score; "don't
    # know" (level empty, this false) stays in it without a level (scoring rules v2).
    not_applicable = models.BooleanField(default=False)
    comment = models.TextField(blank=True, max_length=4000)
    evidence_url = models.URLField(blank=True, max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["response", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="uniq_answer"),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=5),
                name="answer_level_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(not_applicable=False) | models.Q(level__isnull=True),
                name="answer_not_applicable_has_no_level",
            ),
        ]

    def __str__(self):
        return f"{self.question.key}={'n/a' if self.not_applicable else self.level}"


class DimensionTarget(models.Model):
    """The level the team aims for in a dimension, set by the lead on the assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="targets")
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "dimension"], name="uniq_target"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="target_level_1_5"
            ),
        ]

    def __str__(self):
        return f"target {self.level} for {self.dimension_id}"


class Result(models.Model):
    """The frozen score of a closed assessment. Written once, when the assessment closes, with
    the questionnaire version and the scoring-rules version it was computed with: history never
    changes when questionnaires or rules change."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="result")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="results")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.RESTRICT, related_name="+")
    questionnaire_key = models.SlugField(max_length=80)
    period = models.CharField(max_length=7)
    overall_score = models.FloatField(null=True)
    overall_level = models.PositiveSmallIntegerField(null=True)
    respondents = models.PositiveIntegerField()
    low_confidence = models.BooleanField(default=False)
    scoring_rules_version = models.PositiveSmallIntegerField()
    # Per dimension: key, name, lineage, score, level, min, max, spread, respondents_scored,
    # insufficient, disagreement, disagreeing_questions, dont_know, target; per question: stats.
    data = models.JSONField()
    # {dimension lineage: score or null}: the compact copy comparisons read, keyed by lineage so
    # that teams on different questionnaire versions line up where the versions map.
    dimension_scores = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["team", "period"]
        indexes = [
            models.Index(fields=["questionnaire_key", "period"]),
            # A team's history and latest result: filter by team and key, order by period.
            models.Index(fields=["team", "questionnaire_key", "period"]),
        ]

    def __str__(self):
        return f"Result {self.team} {self.period}"

    def dimension_rows(self):
        return self.data.get("dimensions", [])
