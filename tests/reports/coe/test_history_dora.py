"""The history page's DORA section: tiers per period and, beside them, the 2025 overall,
throughput and stability scores, with their band against the organisation's segment when its
view is the comparison (issue 19)."""

import pytest

from assessments.dora import quickcheck
from assessments.dora import services as dora_services
from assessments.models import Organization
from reports.coe import history
from tests.assessments.dora.test_page import WORKED_EXAMPLE


def page(client, world):
    client.force_login(world.member_a)
    response = client.get(f"/teams/{world.team_a.id}/history/")
    assert response.status_code == 200
    return response.content.decode()


def set_org(world, **fields):
    # Saved through the model: an organisation's settings move its data version on.
    org = Organization.objects.get(pk=world.org.pk)
    for name, value in fields.items():
        setattr(org, name, value)
    org.save()


@pytest.fixture
def entered(world):
    return dora_services.save_entry(world.lead_a, world.team_a, "2026-Q4", WORKED_EXAMPLE)


def test_history_dora_rows_carry_2025_scores_compared_with_the_organisations_segment(
    world, entered
):
    set_org(world, dora_segment="industry:all")
    (row,) = history.history_context(world.team_a)["dora_rows"]
    summary = row["summary_2025"]
    assert summary["source"] == "entry"
    assert summary["segment"] == quickcheck.get_segment("industry", "all")
    assert summary["citation"] == "DORA Quick Check 2025 benchmarks"
    assert {a: summary[a]["score"] for a in ("overall", "throughput", "stability")} == {
        "overall": 8.6,
        "throughput": pytest.approx(9.3333, abs=1e-4),
        "stability": 7.5,
    }
    # Throughput and stability are the means of quickcheck.FACTORS' metrics, nothing else.
    metrics = row["entry"]["compared"]["scores"].metrics
    for key, _label, members in quickcheck.FACTORS:
        expected = sum(metrics[m] for m in members) / len(members)
        assert summary[key]["score"] == pytest.approx(expected, abs=1e-4)


def test_history_comparison_view_shows_bands_and_cites(world, client, entered):
    set_org(world, dora_view="comparison", dora_segment="industry:all")
    html = page(client, world)
    assert "each with its band against All industries (DORA Quick Check 2025 benchmarks)" in html
    assert "throughput (lead time, deployment frequency, failed deployment recovery time)" in html
    # overall 8.6 against 4.3 + ... : mean 5.88, sd 1.2 -> z +2.27
    assert '8.6</span> <span class="small text-muted dora-band-text">well above typical' in html
    assert "How the 2025 comparison works" in html
    assert "Organisation sizes:" not in html


def test_history_tiers_view_shows_scores_beside_tiers_without_bands(world, client, entered):
    set_org(world, dora_view="tiers")
    html = page(client, world)
    assert "Tier (2024 report)" in html
    assert "<td>8.6</td>" in html
    assert "dora-band-text" not in html
    assert "How the 2025 comparison works" not in html


def test_history_size_segment_shows_the_recovery_note_at_once(world, client, entered):
    set_org(world, dora_view="comparison", dora_segment="industry:all")
    assert "Organisation sizes:" not in page(client, world)
    set_org(world, dora_segment="org_size:1000-4999")
    html = page(client, world)
    assert "against 1,000 to 4,999 employees (DORA Quick Check 2025 benchmarks)" in html
    assert "Organisation sizes:" in html


def test_history_period_with_only_survey_says_so(world, client):
    from assessments.models import DoraSnapshot

    DoraSnapshot.objects.create(
        team=world.team_a, period="2026-Q3", source=DoraSnapshot.SURVEY, benchmark="2024",
        values={"lead_time": 10.0}, tiers={}, score={}, details={"respondents": 3},
    )  # fmt: skip
    set_org(world, dora_view="comparison")
    html = page(client, world)
    assert '8.0</span> <span class="small text-muted dora-band-text">' in html
    assert '<span class="small text-muted">(survey)</span>' in html
