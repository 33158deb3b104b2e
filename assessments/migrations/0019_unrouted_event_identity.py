"""Unrouted events: one per delivery (deriving it again replaces it), with the event type and
what it named, for the CoE's list."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0018_team_token_scope"),
    ]

    operations = [
        migrations.AddField(
            model_name="unroutedevent",
            name="delivery",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="unrouted",
                to="assessments.webhookdelivery",
            ),
        ),
        migrations.AddField(
            model_name="unroutedevent",
            name="event_type",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AddField(
            model_name="unroutedevent",
            name="subject",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="unroutedevent",
            name="received_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="unroutedevent",
            name="provider",
            field=models.CharField(
                choices=[
                    ("github", "GitHub"),
                    ("gitlab", "GitLab"),
                    ("pagerduty", "PagerDuty"),
                    ("opsgenie", "Opsgenie"),
                ],
                max_length=20,
            ),
        ),
    ]
