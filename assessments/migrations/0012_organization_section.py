"""Schema for the organisation-level questionnaire section answered by the CoE: a version's
section and its questions, and each organisation's answers to it per period."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0011_value_stream_v2"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OrganizationSection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                ("help", models.TextField(blank=True)),
                (
                    "questionnaire",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="organization_section",
                        to="assessments.questionnaire",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="OrganizationQuestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.SlugField(max_length=80)),
                ("text", models.TextField()),
                ("help", models.TextField(blank=True)),
                ("position", models.PositiveSmallIntegerField()),
                ("levels", models.JSONField(help_text='{"1": "statement", ..., "5": "statement"}')),
                ("replaces", models.SlugField(blank=True, max_length=80)),
                ("lineage", models.CharField(db_index=True, max_length=100)),
                (
                    "section",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="assessments.organizationsection",
                    ),
                ),
            ],
            options={
                "ordering": ["section", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("section", "key"), name="uniq_org_question_key"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="OrganizationPractices",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.CharField(help_text="Quarter, e.g. 2026-Q4", max_length=7)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="practice_sets",
                        to="assessments.organization",
                    ),
                ),
                (
                    "questionnaire",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="practice_sets",
                        to="assessments.questionnaire",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["organization", "-period"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "questionnaire", "period"),
                        name="uniq_practices_period",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("period__regex", "^[0-9]{4}-Q[1-4]$")),
                        name="practices_period_fmt",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="OrganizationPracticeAnswer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("level", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("not_applicable", models.BooleanField(default=False)),
                ("comment", models.TextField(blank=True, max_length=4000)),
                (
                    "practices",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="assessments.organizationpractices",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="answers",
                        to="assessments.organizationquestion",
                    ),
                ),
            ],
            options={
                "ordering": ["practices", "question__position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("practices", "question"), name="uniq_practice_answer"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("level__isnull", True),
                            models.Q(("level__gte", 1), ("level__lte", 5)),
                            _connector="OR",
                        ),
                        name="practice_answer_level_1_5",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("not_applicable", False), ("level__isnull", True), _connector="OR"
                        ),
                        name="practice_answer_na_has_no_level",
                    ),
                ],
            },
        ),
    ]
