"""DORA's 2025 comparison per organisation: the published segment its teams are compared with
and the view its pages open with. Organisations that exist keep the tiers they see today; new
ones open with the 2025 comparison."""

from django.db import migrations, models


def existing_keep_tiers(apps, schema_editor):
    Organization = apps.get_model("assessments", "Organization")
    Organization.objects.update(dora_view="tiers")


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0013_scoring_rules_v2"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="dora_segment",
            field=models.CharField(
                default="industry:all",
                help_text="Compare with this industry or organisation size (DORA Quick Check 2025 "
                "benchmarks).",
                max_length=40,
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="dora_view",
            field=models.CharField(
                choices=[
                    ("comparison", "DORA 2025 comparison"),
                    ("tiers", "Tiers against a benchmark year"),
                ],
                default="comparison",
                max_length=12,
            ),
        ),
        migrations.RunPython(existing_keep_tiers, migrations.RunPython.noop),
    ]
