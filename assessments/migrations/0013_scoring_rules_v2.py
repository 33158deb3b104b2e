"""Schema for scoring rules v2: "not applicable" apart from "don't know", and a confidence
threshold of at least 3 respondents (organisations below it are raised to 3)."""

import django.core.validators
from django.db import migrations, models


def raise_thresholds_to_3(apps, schema_editor):
    Organization = apps.get_model("assessments", "Organization")
    Organization.objects.filter(low_confidence_threshold__lt=3).update(low_confidence_threshold=3)


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0012_organization_section"),
    ]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="not_applicable",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="answer",
            name="level",
            field=models.PositiveSmallIntegerField(
                blank=True, help_text="1-5; empty means don't know (or not applicable)", null=True
            ),
        ),
        migrations.RunPython(raise_thresholds_to_3, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organization",
            name="low_confidence_threshold",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="Results, and dimensions, scored by fewer respondents are marked "
                "low-confidence and hide their spread. At least 3.",
                validators=[
                    django.core.validators.MinValueValidator(3),
                    django.core.validators.MaxValueValidator(50),
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("not_applicable", False), ("level__isnull", True), _connector="OR"
                ),
                name="answer_not_applicable_has_no_level",
            ),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.CheckConstraint(
                condition=models.Q(("low_confidence_threshold__gte", 3)),
                name="organization_confidence_threshold_at_least_3",
            ),
        ),
    ]
