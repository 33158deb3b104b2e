"""Migration 0008: questionnaires get owners without losing anything.

Built on the schema before it (0007) with the mixed data a shared site has: the shipped
questionnaire used by two organisations, a version an analyst of one organisation loaded (the
audit trail says who), a version only one organisation's assessments use, one used by two
organisations, and one nobody used and nobody is known to have loaded."""

import hashlib

import pytest

from reports.demo import QUESTIONNAIRE_DIR

BEFORE = ("assessments", "0007_organization_data_version")
AFTER = ("assessments", "0008_questionnaire_owner")
SHIPPED = QUESTIONNAIRE_DIR / "vsm-maturity-v1.yaml"


def _questionnaire(Questionnaire, key, version, source="key: x\n"):
    return Questionnaire.objects.create(
        key=key, version=version, title=f"{key} v{version}", status="published",
        source_yaml=source, content_hash=hashlib.sha256(source.encode()).hexdigest(),
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_migration_gives_every_version_an_owner_and_keeps_every_reference(migrator):
    old = migrator.apply_initial_migration([BEFORE, ("auditlog", "0017_add_actor_email")])
    Organization = old.apps.get_model("assessments", "Organization")
    Team = old.apps.get_model("assessments", "Team")
    OrgRole = old.apps.get_model("assessments", "OrgRole")
    Questionnaire = old.apps.get_model("assessments", "Questionnaire")
    Assessment = old.apps.get_model("assessments", "Assessment")
    User = old.apps.get_model("auth", "User")
    ContentType = old.apps.get_model("contenttypes", "ContentType")
    LogEntry = old.apps.get_model("auditlog", "LogEntry")

    acme = Organization.objects.create(name="Acme", slug="acme")
    other = Organization.objects.create(name="Other", slug="other")
    acme_team = Team.objects.create(organization=acme, name="A", slug="a")
    other_team = Team.objects.create(organization=other, name="O", slug="o")
    analyst = User.objects.create(username="analyst")
    OrgRole.objects.create(user=analyst, organization=other, role="coe_analyst")
    lead = User.objects.create(username="lead")

    shipped = _questionnaire(Questionnaire, "vsm-maturity", 1, SHIPPED.read_bytes().decode("utf-8"))
    loaded_by_analyst = _questionnaire(Questionnaire, "vsm-maturity", 2)
    only_acme = _questionnaire(Questionnaire, "acme-survey", 1)
    shared = _questionnaire(Questionnaire, "shared-survey", 1)
    unknown = _questionnaire(Questionnaire, "orphan", 1)
    content_type = ContentType.objects.get_or_create(
        app_label="assessments", model="questionnaire"
    )[0]
    LogEntry.objects.create(
        content_type=content_type, object_pk=str(loaded_by_analyst.pk),
        object_id=loaded_by_analyst.pk, object_repr="v2", action=0, actor=analyst, changes={},
    )  # fmt: skip
    uses = [
        (acme_team, shipped, "2026-Q1"),
        (other_team, shipped, "2026-Q1"),
        (other_team, loaded_by_analyst, "2026-Q2"),
        (acme_team, only_acme, "2026-Q1"),
        (acme_team, shared, "2026-Q2"),
        (other_team, shared, "2026-Q3"),
    ]
    assessments = {
        Assessment.objects.create(
            team=team, questionnaire=q, questionnaire_key=q.key, period=period, opened_by=lead
        ).pk: q.pk
        for team, q, period in uses
    }

    new = migrator.apply_tested_migration(AFTER)
    Questionnaire = new.apps.get_model("assessments", "Questionnaire")
    Assessment = new.apps.get_model("assessments", "Assessment")
    owners = dict(Questionnaire.objects.values_list("pk", "organization__slug"))
    assert owners == {
        shipped.pk: None,  # the shipped file: library
        loaded_by_analyst.pk: "other",  # the audit trail names its loader's organisation
        only_acme.pk: "acme",  # only Acme's assessments use it
        shared.pk: None,  # two organisations use it: it stays in the library
        unknown.pk: None,  # nothing says whose it is
    }
    assert dict(Assessment.objects.values_list("pk", "questionnaire_id")) == assessments
    assert Questionnaire.objects.get(pk=loaded_by_analyst.pk).loaded_by_id == analyst.pk
    migrator.reset()
