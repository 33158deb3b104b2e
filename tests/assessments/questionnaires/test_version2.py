"""The shipped questionnaire's version 2: it parses, loads and publishes beside version 1, and
every team's history continues from version 1 through ``replaces:``."""

from pathlib import Path

import pytest

from assessments.maturity import selectors as maturity_selectors
from assessments.models import Questionnaire
from assessments.models.questionnaires import OrganizationQuestion
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires import services as questionnaire_services
from assessments.questionnaires.format import export_questionnaire, parse_questionnaire

DIRECTORY = Path(__file__).resolve().parents[3] / "assessments/questionnaires"
V1 = DIRECTORY / "vsm-maturity-v1.yaml"
V2 = DIRECTORY / "vsm-maturity-v2.yaml"

# Questions that left the team questionnaire for the organisation section: their lineage
# continues there, and team results no longer carry them.
MOVED_TO_ORGANIZATION = {
    "organisation-coe",
    "organisation-change-leadership",
    "tooling-standardisation",
}
# v1 question -> the v2 questions that continue it, where one question became two.
SPLITS = {
    "visibility-value-stream-map": {"visibility-value-stream-map", "visibility-stream-review"},
    "flow-handoffs": {"flow-handoffs", "flow-handoff-waits"},
    "testing-environments": {"testing-environments", "testing-data"},
    "testing-non-functional": {"testing-performance", "testing-security"},
    "operations-toil": {"operations-alert-noise", "operations-toil"},
    "measurement-data-collection": {"measurement-data-collection", "measurement-data-trust"},
    "tooling-self-service": {"tooling-self-service", "organisation-platform"},
}


@pytest.fixture
def versions(db):
    v1, _ = questionnaire_services.load_questionnaire(V1.read_bytes())
    v2, _ = questionnaire_services.load_questionnaire(V2.read_bytes())
    return v1, v2


def test_v2_parses_and_exports_unchanged():
    doc = parse_questionnaire(V2.read_bytes())
    assert (doc.key, doc.version, doc.status) == ("vsm-maturity", 2, "published")
    assert parse_questionnaire(export_questionnaire(doc)) == doc


def test_v2_adds_architecture_with_five_questions_and_focus_areas():
    doc = parse_questionnaire(V2.read_bytes())
    architecture = next(d for d in doc.dimensions if d.key == "architecture")
    assert architecture.replaces is None  # new: no history to continue
    assert [q.key for q in architecture.questions] == [
        "architecture-coupling",
        "architecture-independent-testing",
        "architecture-independent-deployment",
        "architecture-api-first",
        "architecture-legacy",
    ]
    assert sorted(architecture.focus_areas) == [1, 2, 3, 4, 5]


def test_v2_description_tells_not_applicable_from_dont_know():
    description = " ".join(parse_questionnaire(V2.read_bytes()).description.split())
    assert (
        'Pick "not applicable" when the practice does not apply to your team, and "don\'t '
        "know\" when you don't know" in description
    )


def test_v2_organization_section_holds_the_organisation_wide_questions():
    doc = parse_questionnaire(V2.read_bytes())
    team_keys = {q.key for d in doc.dimensions for q in d.questions}
    organization_keys = {q.key for q in doc.organization.questions}
    assert organization_keys == MOVED_TO_ORGANIZATION | {
        "organisation-platform",
        "organisation-metrics-use",
    }
    assert not team_keys & organization_keys


def test_v2_covers_doras_value_stream_items():
    doc = parse_questionnaire(V2.read_bytes())
    texts = {q.key: " ".join([q.text, *q.levels.values()]) for q in doc.all_questions()}
    assert "every step from concept to delivery" in texts["visibility-stream-review"]
    assert (
        "a metric, its baseline, a target value and a date"
        in (texts["measurement-improvement-goals"])
    )
    assert (
        "gets an action plan with an owner, a date and a measure"
        in (texts["organisation-improvement"])
    )


def test_v2_loads_and_publishes_after_v1(versions):
    v1, v2 = versions
    assert (v2.status, v2.organization_id, v2.published_at is not None) == ("published", None, True)
    assert questionnaire_selectors.latest_published("vsm-maturity") == v2
    assert questionnaire_services.load_questionnaire(V2.read_bytes())[1] == "unchanged"


def test_v2_every_v1_dimension_continues_with_its_lineage(versions):
    v1, v2 = versions
    v1_lineages = set(v1.dimensions.values_list("lineage", flat=True))
    v2_lineages = dict(v2.dimensions.values_list("key", "lineage"))
    # No v1 dimension moved to the organisation section: every one continues.
    assert v1_lineages <= set(v2_lineages.values())
    assert v2_lineages["architecture"] == "architecture@v2"
    assert set(v2_lineages.values()) - v1_lineages == {"architecture@v2"}


def test_v2_every_v1_question_continues_in_the_team_or_the_organization_section(versions):
    v1, v2 = versions
    team = dict(v2.questions.values_list("key", "lineage"))
    organization = dict(
        OrganizationQuestion.objects.filter(section__questionnaire=v2).values_list("key", "lineage")
    )
    continued = set(team.values()) | set(organization.values())
    assert set(v1.questions.values_list("lineage", flat=True)) <= continued
    assert {organization[key] for key in MOVED_TO_ORGANIZATION} == MOVED_TO_ORGANIZATION
    for old_key, new_keys in SPLITS.items():
        assert {({**team, **organization})[key] for key in new_keys} == {old_key}, old_key


def test_v2_team_scoring_specs_leave_the_organization_section_out(versions):
    _, v2 = versions
    dimensions, questions = maturity_selectors.scoring_specs(v2)
    scored = {q.key for q in questions}
    assert len(dimensions) == 11
    assert not scored & {q.key for q in parse_questionnaire(V2.read_bytes()).organization.questions}
    assert scored == set(questionnaire_selectors.questions_by_key(v2))


def test_v2_adopted_copy_keeps_the_organization_section_and_its_lineage(versions, world):
    _, v2 = versions
    copy = questionnaire_services.adopt_questionnaire(world.analyst, world.org, v2)
    section, questions = questionnaire_selectors.organization_structure(copy)
    assert section.name == "Organisation practices"
    assert [q.lineage for q in questions] == [
        q.lineage for q in questionnaire_selectors.organization_structure(v2)[1]
    ]
    assert Questionnaire.objects.filter(organization=world.org).count() == 1
