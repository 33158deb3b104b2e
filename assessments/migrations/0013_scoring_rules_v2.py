"""Schema for scoring rules v2 (not applicable answers, confidence threshold)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0012_organization_section"),
    ]

    operations = []
