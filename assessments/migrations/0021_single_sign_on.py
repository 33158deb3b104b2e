"""Reserved; filled in by the change that needs it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0020_scim"),
    ]

    operations = []
