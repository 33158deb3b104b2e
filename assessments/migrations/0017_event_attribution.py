"""Schema for event attribution (team ownership of services and repositories, fixes and incident links)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0016_webhooks"),
    ]

    operations = []
