"""What an organisation is in the terms of the DORA Quick Check 2025 benchmarks: its industry
and size ("all": not said)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0014_organization_dora_2025"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="industry",
            field=models.CharField(default="all", max_length=40),
        ),
        migrations.AddField(
            model_name="organization",
            name="org_size",
            field=models.CharField(default="all", max_length=20),
        ),
    ]
