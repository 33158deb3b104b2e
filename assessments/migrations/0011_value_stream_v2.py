"""Schema for value stream maps v2 (intake wait, constraint, stage mapping, time unit)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0010_event_batches"),
    ]

    operations = []
