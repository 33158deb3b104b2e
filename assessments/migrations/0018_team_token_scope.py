"""Team API tokens gain a scope (existing tokens keep sending events) and an optional expiry."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0017_event_attribution"),
    ]

    operations = [
        migrations.AddField(
            model_name="teamapitoken",
            name="scope",
            field=models.CharField(
                choices=[
                    ("events", "Send events"),
                    ("metrics", "Read DORA metrics"),
                ],
                default="events",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="teamapitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, help_text="Empty: never expires.", null=True),
        ),
        migrations.AddConstraint(
            model_name="teamapitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("scope__in", ["events", "metrics"])),
                name="team_token_scope_valid",
            ),
        ),
    ]
