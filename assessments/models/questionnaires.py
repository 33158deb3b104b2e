"""Questionnaires are versioned data loaded from YAML (docs/questionnaire-format.md).

A published version never changes: loading changed content for it is refused, and a change is a
new version. Every version belongs to one organisation or, with no organisation, to the site's
library (the shipped files and what the operator loads with ``load_questionnaire --library``);
keys are unique per owner, and a team's organisation is searched before the library.
``lineage`` links a dimension or question to its predecessors across versions (set from
``replaces:`` when a version is loaded), so trends follow renamed or reworded items and break
visibly where nothing maps."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Questionnaire(models.Model):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"
    STATUS_CHOICES = [(DRAFT, "Draft"), (PUBLISHED, "Published"), (RETIRED, "Retired")]

    organization = models.ForeignKey(
        "assessments.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questionnaires",
        help_text="The owner; empty for the site's library (read-only to organisations).",
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adoptions",
        help_text="The library version an organisation's copy was adopted from.",
    )
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    key = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=DRAFT)
    source_yaml = models.TextField(help_text="The file this version was loaded from.")
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key", "version"],
                condition=models.Q(organization__isnull=False),
                name="uniq_org_questionnaire_version",
            ),
            models.UniqueConstraint(
                fields=["key", "version"],
                condition=models.Q(organization__isnull=True),
                name="uniq_library_questionnaire_version",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "published", "retired"]),
                name="questionnaire_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    def get_absolute_url(self):
        from django.urls import reverse

        if self.organization_id is None:
            return reverse("library_questionnaire_detail", args=[self.key, self.version])
        return reverse(
            "org_questionnaire_detail", args=[self.organization.slug, self.key, self.version]
        )

    @property
    def label(self):
        return f"{self.key} v{self.version}"

    @property
    def is_library(self):
        return self.organization_id is None

    @property
    def owner_json(self):
        """The API's ``owner``: ``"library"`` or ``{"organization": slug}``."""
        if self.organization_id is None:
            return "library"
        return {"organization": self.organization.slug}


class Dimension(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="dimensions"
    )
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    help = models.TextField(blank=True)
    weight = models.FloatField(default=1.0)
    position = models.PositiveSmallIntegerField()
    focus_areas = models.JSONField(default=dict, help_text='{"1": ["..."], ..., "5": [...]}')
    replaces = models.SlugField(max_length=80, blank=True)
    lineage = models.CharField(max_length=100, db_index=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="uniq_dimension_key"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="dimension_weight_gt0"),
        ]

    def __str__(self):
        return self.name

    def focus_areas_for(self, level):
        return self.focus_areas.get(str(level), [])


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=80)
    text = models.TextField()
    help = models.TextField(blank=True)
    weight = models.FloatField(default=1.0)
    position = models.PositiveSmallIntegerField()
    levels = models.JSONField(help_text='{"1": "statement", ..., "5": "statement"}')
    replaces = models.SlugField(max_length=80, blank=True)
    lineage = models.CharField(max_length=100, db_index=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="uniq_question_key"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="question_weight_gt0"),
        ]

    def __str__(self):
        return self.key

    def level_statements(self):
        return [(level, self.levels[str(level)]) for level in range(1, 6)]


class OrganizationSection(models.Model):
    """The organisation-level section of a version (the file's ``organization:`` block):
    questions about the whole organisation, answered once per period by its CoE. Kept apart
    from dimensions and questions so that nothing that scores or compares teams can meet it."""

    questionnaire = models.OneToOneField(
        Questionnaire, on_delete=models.CASCADE, related_name="organization_section"
    )
    name = models.CharField(max_length=200)
    help = models.TextField(blank=True)

    def __str__(self):
        return f"{self.name} ({self.questionnaire.label})"


class OrganizationQuestion(models.Model):
    """A question of the organisation section; keys are unique across the whole version,
    team questions included (the file's checker sees to that)."""

    section = models.ForeignKey(
        OrganizationSection, on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(max_length=80)
    text = models.TextField()
    help = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField()
    levels = models.JSONField(help_text='{"1": "statement", ..., "5": "statement"}')
    replaces = models.SlugField(max_length=80, blank=True)
    lineage = models.CharField(max_length=100, db_index=True)

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "key"], name="uniq_org_question_key"),
        ]

    def __str__(self):
        return self.key

    def level_statements(self):
        return [(level, self.levels[str(level)]) for level in range(1, 6)]


class OrganizationPractices(models.Model):
    """The CoE's answers to a version's organisation section for one period: one set per
    organisation, version and period."""

    organization = models.ForeignKey(
        "assessments.Organization", on_delete=models.CASCADE, related_name="practice_sets"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.RESTRICT, related_name="practice_sets"
    )
    period = models.CharField(max_length=7, help_text="Quarter, e.g. 2026-Q4")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "questionnaire", "period"], name="uniq_practices_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^[0-9]{4}-Q[1-4]$"),
                name="practices_period_fmt",
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.period} ({self.questionnaire.label})"


class OrganizationPracticeAnswer(models.Model):
    """One answer of a set: a level 1-5, or none with ``not_applicable`` ("the practice does
    not apply to us") or without it ("don't know")."""

    practices = models.ForeignKey(
        OrganizationPractices, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        OrganizationQuestion, on_delete=models.PROTECT, related_name="answers"
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    comment = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["practices", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["practices", "question"], name="uniq_practice_answer"),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=5),
                name="practice_answer_level_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(not_applicable=False) | models.Q(level__isnull=True),
                name="practice_answer_na_has_no_level",
            ),
        ]

    def __str__(self):
        return f"{self.question.key}={self.level}"
