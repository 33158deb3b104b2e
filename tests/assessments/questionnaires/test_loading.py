from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import Dimension, Question, Questionnaire
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires import services as questionnaire_services
from assessments.questionnaires.format import export_questionnaire, parse_questionnaire
from tests.factories import mini_questionnaire_yaml
from vsm_site.domain_errors import Conflict, Invalid

SHIPPED = Path(__file__).resolve().parents[3] / "assessments/questionnaires/vsm-maturity-v1.yaml"


def test_load_questionnaire_creates_structure(db):
    questionnaire, outcome = questionnaire_services.load_questionnaire(mini_questionnaire_yaml())
    assert outcome == "created"
    assert (questionnaire.key, questionnaire.version, questionnaire.status) == (
        "mini",
        1,
        "published",
    )
    assert list(questionnaire.dimensions.values_list("key", "weight", "lineage")) == [
        ("flow", 2.0, "flow"),
        ("quality", 1.0, "quality"),
    ]
    assert list(questionnaire.questions.values_list("key", flat=True)) == [
        "flow-wip",
        "flow-wait",
        "quality-tests",
        "quality-review",
    ]


def test_load_questionnaire_same_file_twice_is_unchanged(db):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml())
    _, outcome = questionnaire_services.load_questionnaire(mini_questionnaire_yaml())
    assert outcome == "unchanged"
    assert Questionnaire.objects.count() == 1


def test_load_questionnaire_refuses_to_alter_published_version(db):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml())
    changed = mini_questionnaire_yaml().replace("How are waits measured?", "Waits?")
    with pytest.raises(Conflict) as exc:
        questionnaire_services.load_questionnaire(changed)
    assert exc.value.message == (
        "mini v1 is published and can never change; publish the change as version 2."
    )
    assert Question.objects.get(key="flow-wait").text == "How are waits measured?"


def test_load_questionnaire_draft_can_be_replaced_then_published(db):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml(status="draft"))
    changed = (
        mini_questionnaire_yaml(status="draft")
        .replace("Waits?", "x")
        .replace("How are waits measured?", "How long do items wait?")
    )
    _, outcome = questionnaire_services.load_questionnaire(changed)
    assert outcome == "updated"
    _, outcome = questionnaire_services.load_questionnaire(
        changed.replace("status: draft", "status: published")
    )
    assert outcome == "published"
    assert Questionnaire.objects.get().status == "published"


def test_load_questionnaire_malformed_yaml_saves_nothing(db):
    bad = mini_questionnaire_yaml().replace(
        "levels: {1: one, 2: two, 3: three, 4: four, 5: five}\n      - key: flow-wait",
        "levels: {1: one, 2: two}\n      - key: flow-wait",
    )
    with pytest.raises(Invalid) as exc:
        questionnaire_services.load_questionnaire(bad)
    assert exc.value.errors == [
        "line 17: question 'flow-wip' has levels 1-2; all five levels (1-5) are required"
    ]
    assert Questionnaire.objects.count() == 0
    assert Dimension.objects.count() == 0


def test_load_questionnaire_new_version_follows_replaces_lineage(db):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml())
    v2, _ = questionnaire_services.load_questionnaire(
        mini_questionnaire_yaml(
            version=2, flow_replaces="replaces: flow", wip_replaces="replaces: flow-wip"
        ).replace("key: quality\n", "key: quality2\n")
    )
    assert dict(v2.dimensions.values_list("key", "lineage")) == {
        "flow": "flow",
        "quality2": "quality2@v2",
    }
    assert dict(v2.questions.values_list("key", "lineage"))["flow-wip"] == "flow-wip"
    assert dict(v2.questions.values_list("key", "lineage"))["flow-wait"] == "flow-wait@v2"


def test_load_questionnaire_replaces_unknown_key_is_refused(db):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml())
    with pytest.raises(Invalid) as exc:
        questionnaire_services.load_questionnaire(
            mini_questionnaire_yaml(version=2, flow_replaces="replaces: nothing")
        )
    assert exc.value.message == (
        "dimension 'flow' replaces 'nothing', which is not a dimension of mini v1"
    )
    assert Questionnaire.objects.filter(version=2).count() == 0


def test_export_round_trips_stored_version(db):
    questionnaire, _ = questionnaire_services.load_questionnaire(SHIPPED.read_bytes())
    doc = questionnaire_selectors.questionnaire_doc(questionnaire)
    assert parse_questionnaire(export_questionnaire(doc)) == parse_questionnaire(
        SHIPPED.read_bytes()
    )


def test_shipped_questionnaire_meets_content_bar(db):
    questionnaire, _ = questionnaire_services.load_questionnaire(SHIPPED.read_bytes())
    structure = questionnaire_selectors.questionnaire_structure(questionnaire)
    assert questionnaire.status == "published"
    assert len(structure) >= 8
    for dimension, questions in structure:
        assert len(questions) >= 4, dimension.key
        assert sorted(dimension.focus_areas) == ["1", "2", "3", "4", "5"]
        assert dimension.help
        for question in questions:
            assert sorted(question.levels) == ["1", "2", "3", "4", "5"]


def test_load_questionnaire_command_reports_outcome_and_errors(db, tmp_path, capsys):
    good = tmp_path / "mini.yaml"
    good.write_text(mini_questionnaire_yaml())
    call_command("load_questionnaire", str(good), "--library")
    assert "mini v1 (published, library): created" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: [unclosed\n")
    with pytest.raises(CommandError) as exc:
        call_command("load_questionnaire", str(bad), "--library")
    assert "bad.yaml was not loaded" in str(exc.value)
    assert "line 1" in str(exc.value) or "line 2" in str(exc.value)


def test_export_questionnaire_command_prints_yaml(db, capsys):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml())
    call_command("export_questionnaire", "mini", "1")
    out = capsys.readouterr().out
    assert parse_questionnaire(out) == parse_questionnaire(mini_questionnaire_yaml())


def test_load_questionnaire_same_content_written_differently_is_unchanged(db):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml())
    reformatted = "# a comment\n" + mini_questionnaire_yaml()
    _, outcome = questionnaire_services.load_questionnaire(reformatted)
    assert outcome == "unchanged"
