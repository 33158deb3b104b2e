"""Schema for the organisation-level questionnaire section answered by the CoE."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0011_value_stream_v2"),
    ]

    operations = []
