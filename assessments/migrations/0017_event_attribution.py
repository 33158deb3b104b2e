"""Schema for event attribution (team ownership of services and repositories, fixes and incident links)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0016_webhooks"),
    ]

    operations = [
        migrations.AddField(
            model_name="deployment",
            name="fixes",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="deployment",
            name="planned",
            field=models.BooleanField(
                default=True, help_text="False for an unplanned fix (counts toward rework rate)."
            ),
        ),
        migrations.AddField(
            model_name="deployment",
            name="version",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="incident",
            name="description",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="incident",
            name="service",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.CreateModel(
            name="AttributionSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("incident_window_hours", models.PositiveIntegerField(default=24)),
                (
                    "team",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attribution",
                        to="assessments.team",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("incident_window_hours__gte", 1), ("incident_window_hours__lte", 720)
                        ),
                        name="attribution_window_1_720",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TeamOwnership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("service", "Service"),
                            ("repository", "Repository"),
                            ("path", "Path prefix"),
                        ],
                        max_length=12,
                    ),
                ),
                ("value", models.CharField(max_length=300)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ownerships",
                        to="assessments.organization",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ownerships",
                        to="assessments.team",
                    ),
                ),
            ],
            options={
                "ordering": ["organization", "kind", "value"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "kind", "value"), name="uniq_ownership_kind_value"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["service", "repository", "path"])),
                        name="ownership_kind_valid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="UnroutedEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("provider", models.CharField(max_length=20)),
                ("received_at", models.DateTimeField(auto_now_add=True)),
                ("summary", models.CharField(blank=True, max_length=300)),
                ("reason", models.CharField(max_length=300)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="unrouted_events",
                        to="assessments.organization",
                    ),
                ),
            ],
            options={
                "ordering": ["organization", "-received_at"],
                "indexes": [
                    models.Index(
                        fields=["organization", "received_at"],
                        name="assessments_organiz_fe5df3_idx",
                    )
                ],
            },
        ),
    ]
