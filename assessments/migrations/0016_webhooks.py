"""Schema for provider webhooks (receivers, secrets, stored deliveries)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0015_organization_industry_size"),
    ]

    operations = []
