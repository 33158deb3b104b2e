"""Every path by which a team's DORA figures arrive (events, figures entered by hand, the
survey) feeds the five metrics into the 2025 comparison; the team API, the team page and the
history read the same scores in the same two factors (quickcheck.FACTORS)."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.maturity import services
from assessments.models import Deployment, DoraSnapshot, Incident, Organization
from tests.assessments.dora.test_api import answer_with_dora
from tests.assessments.dora.test_page import WORKED_EXAMPLE

FIVE = set(dora.SCORED_METRICS)
ALL_INDUSTRIES = quickcheck.get_segment("industry", "all")


def make_events(team, now):
    """Four production deployments in the last 90 days, each shipping one change committed
    10 h before: d2 failed (rolled back, its incident resolved 30 min after it finished), d3
    an unplanned fix of a user-facing bug. Lead time 10 h, change failure rate 25 %, recovery
    0.5 h, rework rate 25 %, 4 deployments in 90 days."""
    for i, days in enumerate((40, 30, 20, 10), start=1):
        finished = now - dt.timedelta(days=days)
        Deployment.objects.create(
            team=team, external_id=f"d{i}", finished_at=finished, rolled_back=i == 2,
            unplanned_fix=i == 3,
            changes=[{"id": f"c{i}",
                      "first_commit_at": (finished - dt.timedelta(hours=10)).isoformat()}],
        )  # fmt: skip
        if i == 2:
            Incident.objects.create(
                team=team, external_id="i1", started_at=finished + dt.timedelta(minutes=5),
                resolved_at=finished + dt.timedelta(minutes=30), deployment_external_id="d2",
            )  # fmt: skip


def overview_row(team, segment=ALL_INDUSTRIES):
    benchmark = dora_services.resolve_benchmark(None, team.organization)
    return dora_services.team_dora_overview(team, benchmark, segment)[0]


def test_events_feed_the_five_metrics_into_the_comparison(world):
    make_events(world.team_a, timezone.now())
    dora_services.refresh_event_snapshots(world.team_a)
    compared = overview_row(world.team_a)["events"]["compared"]
    assert set(compared["scores"].metrics) == FIVE
    assert compared["scores"].metrics["rework_rate"] == 7.5  # 25 %
    assert compared["scores"].metrics["change_failure_rate"] == 7.5
    assert compared["scores"].metrics["lead_time"] == 8.0  # 10 h: less than one day
    assert compared["scores"].metrics["time_to_restore"] == 10.0  # 30 min: under an hour
    assert set(compared["comparison"]) == {"overall", "throughput", "stability", *FIVE}


def test_entered_figures_feed_the_five_metrics_into_the_comparison(world):
    dora_services.save_entry(world.lead_a, world.team_a, "2026-Q4", WORKED_EXAMPLE)
    compared = overview_row(world.team_a)["entry"]["compared"]
    assert compared["scores"].metrics == {
        "deployment_frequency": 10.0, "lead_time": 8.0, "time_to_restore": 10.0,
        "change_failure_rate": 7.0, "rework_rate": 8.0,
    }  # fmt: skip
    # The reference's worked example, exactly.
    assert (compared["scores"].overall, compared["scores"].stability) == (8.6, 7.5)
    assert round(compared["scores"].throughput, 2) == 9.33
    assert compared["comparison"]["lead_time"].z == 1.04
    assert compared["comparison"]["change_failure_rate"].z == -0.52


def test_survey_feeds_the_five_metrics_and_leaves_dont_know_out(world, open_assessment,
                                                                api_client):  # fmt: skip
    answer_with_dora(api_client, world.member_a, open_assessment, {
        "deployment_frequency": "on_demand", "lead_time": "less_than_one_day",
        "time_to_restore": "less_than_one_hour", "change_failure_rate": 30,
        "rework_rate": 20})  # fmt: skip
    # "I don't know" to everything but lead time: the other answers are not dragged down.
    answer_with_dora(api_client, world.lead_a, open_assessment, {
        "deployment_frequency": "", "lead_time": "less_than_one_day", "time_to_restore": "",
        "change_failure_rate": None, "rework_rate": None})  # fmt: skip
    services.close_assessment(world.lead_a, open_assessment)
    assert DoraSnapshot.objects.get(source="survey").details["respondents"] == 2
    compared = overview_row(world.team_a)["survey"]["compared"]
    # The worked example's scores: DF 6 -> 10, lead 5 -> 8, recovery 6 -> 10, 30 %, 20 %.
    assert compared["scores"].metrics == {
        "deployment_frequency": 10.0, "lead_time": 8.0, "time_to_restore": 10.0,
        "change_failure_rate": 7.0, "rework_rate": 8.0,
    }  # fmt: skip
    assert compared["scores"].overall == 8.6


def test_survey_all_dont_know_gives_no_scores(world, open_assessment, api_client):
    answer_with_dora(api_client, world.member_a, open_assessment, {
        "deployment_frequency": "", "lead_time": "", "time_to_restore": "",
        "change_failure_rate": None, "rework_rate": None})  # fmt: skip
    services.close_assessment(world.lead_a, open_assessment)
    assert not DoraSnapshot.objects.filter(source="survey").exists()


def test_team_api_has_scores_and_comparison_for_the_organisations_segment(world, api_client):
    Organization.objects.filter(pk=world.org.pk).update(dora_segment="org_size:1000-4999")
    make_events(world.team_a, timezone.now())
    api_client.force_authenticate(world.member_a)
    body = api_client.get(f"/api/v1/teams/{world.team_a.id}/dora/").json()
    assert body["edition"] == "2025"
    assert body["segment"] == {"kind": "org_size", "key": "1000-4999",
                               "label": "1,000 to 4,999 employees"}  # fmt: skip
    assert body["scores"]["metrics"] == {
        "deployment_frequency": 4.0,  # 4 in 90 days: once per week to once per month (3)
        "lead_time": 8.0, "time_to_restore": 10.0, "change_failure_rate": 7.5,
        "rework_rate": 7.5,
    }  # fmt: skip
    assert set(body["comparison"]) == {"overall", "throughput", "stability", *FIVE}
    # Size rows: recovery compared with 10 - 2.6 (as published), sd as published.
    assert body["comparison"]["time_to_restore"] == {
        "mean": 7.4, "sd": 2.2, "z": 1.18, "band": "well_above"}  # fmt: skip
    # The tiers are still there, beside it.
    assert body["benchmark"] == "2024"
    assert body["metrics"]["rework_rate"]["tier"] is None


def test_team_api_factor_scores_are_the_means_of_quickcheck_factors(world, api_client):
    make_events(world.team_a, timezone.now())
    api_client.force_authenticate(world.member_a)
    scores = api_client.get(f"/api/v1/teams/{world.team_a.id}/dora/").json()["scores"]
    for key, _label, metrics in quickcheck.FACTORS:
        expected = sum(scores["metrics"][m] for m in metrics) / len(metrics)
        assert scores[key] == round(expected, 2)


def test_team_api_page_and_history_agree_on_the_factor_scores(world, api_client, client):
    from reports.coe import history

    make_events(world.team_a, timezone.now())
    dora_services.refresh_event_snapshots(world.team_a)
    api_client.force_authenticate(world.member_a)
    api = api_client.get(f"/api/v1/teams/{world.team_a.id}/dora/").json()
    client.force_login(world.member_a)
    card = client.get(f"/teams/{world.team_a.id}/dora/", {"view": "comparison"}).context[
        "measured_card"
    ]
    page_factors = {f["key"]: [row["metric"] for row in f["rows"]] for f in card["factors"]}
    assert page_factors == {key: list(metrics) for key, _label, metrics in quickcheck.FACTORS}
    for factor in card["factors"]:
        assert round(factor["compared"]["score"], 2) == api["scores"][factor["key"]]
        assert factor["compared"]["z"] == api["comparison"][factor["key"]]["z"]
    summary = history.history_context(world.team_a)["dora_rows"][-1]["summary_2025"]
    for key, _label, _metrics in quickcheck.FACTORS:
        assert round(summary[key]["score"], 2) == api["scores"][key]


def test_team_api_empty_window_has_no_scores(world, api_client):
    api_client.force_authenticate(world.member_a)
    body = api_client.get(f"/api/v1/teams/{world.team_a.id}/dora/").json()
    assert body["scores"] == {"overall": None, "throughput": None, "stability": None,
                              "metrics": {}}  # fmt: skip
    assert body["comparison"] == {}
    assert body["segment"]["key"] == "all"


@pytest.mark.parametrize("metric", sorted(FIVE))
def test_every_metric_alone_is_compared(world, metric):
    value = {"deployment_frequency": 2.0}.get(metric, 10.0)
    dora_services.save_entry(world.lead_a, world.team_a, "2026-Q4", {metric: value})
    compared = overview_row(world.team_a)["entry"]["compared"]
    factor = quickcheck.FACTOR_OF[metric]
    other = "stability" if factor == "throughput" else "throughput"
    assert set(compared["comparison"]) == {"overall", factor, metric}
    assert compared["scores"].get(other) is None
