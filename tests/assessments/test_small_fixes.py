"""Issue 16, point 10: targets against the current level, the audit trail's readable changes,
the value stream editor's messages in the page's words."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from assessments.audit import trail as audit
from assessments.maturity import services
from assessments.models import Organization, Response
from assessments.valuestream.views import as_the_page_says
from tests.conftest import ALL_LEVELS, client_for


@pytest.fixture
def closed_then_open(world, mini):
    """Team A's 2026-Q3 result (flow at level 3) and its open 2026-Q4 assessment."""
    closed = services.open_assessment(world.lead_a, world.team_a, "2026-Q3", "mini")
    services.save_answers(world.member_a, closed, answers=ALL_LEVELS)
    services.submit_response(world.member_a, closed)
    result = services.close_assessment(world.lead_a, closed)
    assert {d["key"]: d["level"] for d in result.data["dimensions"]}["flow"] == 3
    return services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")


def test_target_below_current_level_refused_with_the_level(world, closed_then_open, client):
    client = client_for(client, world.lead_a)
    url = f"/assessments/{closed_then_open.id}/targets/"
    response = client.post(url, {"target-flow": "2"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Targets not saved. Flow: target 2 is below the current level 3 Defined."
    ]
    assert closed_then_open.targets.count() == 0


def test_target_at_or_above_current_level_saved(world, closed_then_open, client):
    client = client_for(client, world.lead_a)
    client.post(f"/assessments/{closed_then_open.id}/targets/", {"target-flow": "3"})
    assert list(closed_then_open.targets.values_list("dimension__key", "level")) == [("flow", 3)]


def test_target_form_shows_current_level(world, closed_then_open, client):
    client = client_for(client, world.lead_a)
    page = client.get(f"/assessments/{closed_then_open.id}/").content.decode()
    assert 'id="current-flow">Current level: 3 Defined</div>' in page
    assert '<option value="2" disabled>2 Managed (below the current level)</option>' in page


def test_audit_readable_value_to_the_minute():
    timezone.activate(dt.UTC)
    try:
        assert audit.readable_value("2026-12-07 09:41:07.123456+00:00") == "2026-12-07 09:41"
        assert audit.readable_value("None") == "—"
        assert audit.readable_value("3") == "3"
        assert audit.readable_value("2026-Q4") == "2026-Q4"
    finally:
        timezone.deactivate()


def test_audit_field_label_is_the_verbose_name():
    assert audit.field_label(Response, "submitted_at") == "Submitted at"
    assert audit.field_label(None, "some_field") == "Some field"


def test_organization_settings_change_is_audited(world, client):
    client = client_for(client, world.org_admin)
    client.post(
        f"/organizations/{world.org.id}/settings/",
        {
            "default_benchmark": world.org.default_benchmark,
            "low_confidence_threshold": "5",
            "dora_view": world.org.dora_view,
            "dora_segment": world.org.dora_segment,
            "industry": world.org.industry,
            "org_size": world.org.org_size,
        },
    )
    entry = LogEntry.objects.get_for_model(Organization).filter(object_id=world.org.id).first()
    assert (entry.action, entry.changes_dict) == (
        LogEntry.Action.UPDATE,
        {"low_confidence_threshold": ["3", "5"]},
    )
    rows = audit.describe(audit.entries_for(world.org_admin, model_key="organization")[:1])
    assert [(r["team"], r["what"], r["changes"]) for r in rows] == [
        ("(organisation)", "Organisation settings", [("Low confidence threshold", ["3", "5"])])
    ]


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            'Stage 2 ("Review"): wait_time_hours is required (hours).',
            'Stage 2 ("Review"): “Wait before (h)” is required (hours).',
        ),
        (
            "Stage 1: percent_complete_accurate is a percentage: 0 to 100, got 120.",
            "Stage 1: “%C&A” is a percentage: 0 to 100, got 120.",
        ),
        (
            "Stage 1: position is missing; give every stage a position or none.",
            "Stage 1: the “Order” number is missing; give every stage an “Order” number or none.",
        ),
    ],
)
def test_value_stream_messages_use_page_labels(message, shown):
    assert as_the_page_says(message) == shown


def test_evidence_links_are_followable_on_the_result_page(world, mini, client):
    """An evidence link left without a comment still reaches the result page as a link."""
    assessment = services.open_assessment(world.lead_a, world.team_a, "2026-Q3", "mini")
    key, other = sorted(ALL_LEVELS)[:2]
    services.save_answers(
        world.member_a,
        assessment,
        answers=ALL_LEVELS,
        comments={other: "We measure it weekly."},
        evidence={key: "https://wiki.example.com/flow?page=12"},
    )
    services.submit_response(world.member_a, assessment)
    services.close_assessment(world.lead_a, assessment)
    client = client_for(client, world.org_admin)  # one respondent: only admins see detail
    page = client.get(f"/assessments/{assessment.id}/result/").content.decode()
    assert 'href="https://wiki.example.com/flow?page=12"' in page
    assert "Open the evidence link" in page
    assert "We measure it weekly." in page
