"""Questionnaires get an owner: an organisation, or none for the site's library.

Existing versions: the shipped ones (same content or same key and version as a file in
assessments/questionnaires/) become library versions. Any other version becomes its loader's
organisation's when the audit trail names who loaded it and that person was an analyst or admin
of exactly one organisation; failing that, the organisation whose assessments use it when only
one does; otherwise it stays in the library, where every organisation already saw it. Rows are
only labelled: every assessment and result keeps pointing at the version it was answered on."""

import hashlib
from pathlib import Path

import django.db.models.deletion
import yaml
from django.conf import settings
from django.db import migrations, models

SHIPPED = Path(__file__).resolve().parent.parent / "questionnaires"
# The files shipped when this migration was written. Files shipped later must not change what
# it does: a site's own vsm-maturity v2, loaded before this migration ran, is not the shipped v2.
SHIPPED_FILES = ("vsm-maturity-v1.yaml",)


def _shipped():
    hashes, versions = set(), set()
    for name in SHIPPED_FILES:
        raw = (SHIPPED / name).read_bytes()
        hashes.add(hashlib.sha256(raw).hexdigest())
        data = yaml.safe_load(raw)
        versions.add((data["key"], data["version"]))
    return hashes, versions


def _loaders(apps, questionnaire_ids):
    """{questionnaire id: user id} of the creation entries in the audit trail."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    content_type = ContentType.objects.filter(
        app_label="assessments", model="questionnaire"
    ).first()
    if content_type is None:
        return {}
    entries = LogEntry.objects.filter(
        content_type=content_type, action=0, actor__isnull=False
    ).values_list("object_pk", "actor_id")
    wanted = {str(pk) for pk in questionnaire_ids}
    return {int(pk): actor for pk, actor in entries if pk in wanted}


def assign_owners(apps, schema_editor):
    Questionnaire = apps.get_model("assessments", "Questionnaire")
    Assessment = apps.get_model("assessments", "Assessment")
    OrgRole = apps.get_model("assessments", "OrgRole")
    hashes, versions = _shipped()
    rows = list(Questionnaire.objects.values_list("id", "key", "version", "content_hash"))
    candidates = [
        qid for qid, key, version, content_hash in rows
        if content_hash not in hashes and (key, version) not in versions
    ]  # fmt: skip
    loaders = _loaders(apps, candidates)
    for qid in candidates:
        owner = None
        actor = loaders.get(qid)
        if actor is not None:
            orgs = set(
                OrgRole.objects.filter(user_id=actor).values_list("organization_id", flat=True)
            )
            if len(orgs) == 1:
                owner = orgs.pop()
        if owner is None:
            orgs = set(
                Assessment.objects.filter(questionnaire_id=qid).values_list(
                    "team__organization_id", flat=True
                )
            )
            if len(orgs) == 1:
                owner = orgs.pop()
        if owner is not None:
            Questionnaire.objects.filter(id=qid).update(organization_id=owner, loaded_by_id=actor)


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("assessments", "0007_organization_data_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="questionnaire",
            name="uniq_questionnaire_version",
        ),
        migrations.AddField(
            model_name="questionnaire",
            name="based_on",
            field=models.ForeignKey(
                blank=True,
                help_text="The library version an organisation's copy was adopted from.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="adoptions",
                to="assessments.questionnaire",
            ),
        ),
        migrations.AddField(
            model_name="questionnaire",
            name="loaded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="questionnaire",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                help_text="The owner; empty for the site's library (read-only to organisations).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questionnaires",
                to="assessments.organization",
            ),
        ),
        migrations.AddConstraint(
            model_name="questionnaire",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organization__isnull", False)),
                fields=("organization", "key", "version"),
                name="uniq_org_questionnaire_version",
            ),
        ),
        migrations.AddConstraint(
            model_name="questionnaire",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organization__isnull", True)),
                fields=("key", "version"),
                name="uniq_library_questionnaire_version",
            ),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="questionnaire",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="assessments",
                to="assessments.questionnaire",
            ),
        ),
        migrations.AlterField(
            model_name="result",
            name="questionnaire",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="assessments.questionnaire",
            ),
        ),
        migrations.RunPython(assign_owners, migrations.RunPython.noop),
    ]
