"""DORA through the API and pages: benchmarks, classification, events, entries, survey."""

import datetime as dt

import pytest
from django.utils import timezone

from assessments.dora import services as dora_services
from assessments.maturity import services
from assessments.models import Deployment, DoraEntry, DoraSnapshot, Incident
from tests.conftest import ALL_LEVELS


def test_benchmarks_list_has_every_set(world, api_client):
    api_client.force_authenticate(world.member_a)
    sets = api_client.get("/api/v1/dora/benchmarks/").json()
    assert [s["key"] for s in sets] == ["2018", "2019", "2021", "2022", "2023", "2024", "vsm-guide"]
    by_key = {s["key"]: s for s in sets}
    assert by_key["2022"]["cells"]["lead_time"]["elite"] is None
    assert by_key["2024"]["default"] is True
    assert by_key["2019"]["cells"]["lead_time"]["high"] == "1 day - 1 week"
    assert "best tier whose cell's worse edge" in by_key["2019"]["rule"]


def test_classify_full_example_2019(world, api_client):
    api_client.force_authenticate(world.member_a)
    body = api_client.get(
        "/api/v1/dora/classify/",
        {"deployment_frequency": 2, "lead_time": 23, "time_to_restore": 0.5,
         "change_failure_rate": 10, "benchmark": "2019"},
    ).json()  # fmt: skip
    assert body["benchmark"] == "2019"
    assert {m: v["tier"] for m, v in body["metrics"].items()} == {
        "deployment_frequency": "elite",
        "lead_time": "elite",
        "time_to_restore": "elite",
        "change_failure_rate": "elite",
    }
    assert body["overall"] == "elite"
    # buckets: DF on demand 6 -> 10, lead <1 day 5 -> 8, restore <1 h 6 -> 10, CFR 10% -> 9
    assert body["metrics"]["lead_time"]["score"] == 8.0
    assert body["score"] == {"overall": 9.25, "throughput": 9.33, "stability": 9.0}


def test_classify_reference_edges_2019_lead_time(world, api_client):
    api_client.force_authenticate(world.member_a)
    tiers = {
        hours: api_client.get(
            "/api/v1/dora/classify/", {"lead_time": hours, "benchmark": "2019"}
        ).json()["metrics"]["lead_time"]["tier"]
        for hours in (23, 24, 168, 169)
    }
    assert tiers == {23: "elite", 24: "high", 168: "high", 169: "medium"}


def test_classify_overall_needs_three_metrics_and_rework_counts_in_score_only(world, api_client):
    api_client.force_authenticate(world.member_a)
    body = api_client.get(
        "/api/v1/dora/classify/", {"lead_time": 2, "change_failure_rate": 50, "rework_rate": 20}
    ).json()
    assert body["overall"] is None
    assert set(body["metrics"]) == {"lead_time", "change_failure_rate", "rework_rate"}
    assert body["metrics"]["rework_rate"]["tier"] is None
    assert body["score"]["stability"] == 6.5  # mean of CFR 5.0 and rework 8.0


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"lead_time": -1}, "lead_time cannot be negative."),
        ({"lead_time": "soon"}, "lead_time must be a number, not 'soon'."),
        ({"change_failure_rate": 101}, "change_failure_rate is a percentage: at most 100."),
        ({"lead_time": "nan"}, "lead_time must be a finite number."),
        ({"lead_time": 1, "benchmark": "2020"},
         "Unknown DORA benchmark set '2020'; valid keys are: 2018, 2019, 2021, 2022, 2023, "
         "2024, vsm-guide."),
        ({"lead_tme": 1}, "Unknown parameter(s): lead_tme."),
    ],
)  # fmt: skip
def test_classify_bad_input_400(world, api_client, params, detail):
    api_client.force_authenticate(world.member_a)
    response = api_client.get("/api/v1/dora/classify/", params)
    assert response.status_code == 400
    assert response.json()["detail"] == detail


def test_classify_needs_authentication(db, api_client):
    assert api_client.get("/api/v1/dora/classify/", {"lead_time": 1}).status_code == 401


def make_events(team, now):
    """Three production deployments in the last 90 days (one with two changes, one rolled
    back), one staging deployment (ignored), an incident caused by the rolled-back one and
    an incident with no deployment."""
    rows = [
        ("d1", now - dt.timedelta(days=10), "production", False, [48, 24]),
        ("d2", now - dt.timedelta(days=5), "production", True, [10]),
        ("d3", now - dt.timedelta(days=2), "prod", False, [6]),
        ("s1", now - dt.timedelta(days=1), "staging", False, [1]),
    ]
    for ext_id, finished, env, rolled_back, lead_hours in rows:
        Deployment.objects.create(
            team=team, external_id=ext_id, finished_at=finished, environment=env,
            rolled_back=rolled_back,
            changes=[{"id": f"{ext_id}-{i}", "first_commit_at":
                      (finished - dt.timedelta(hours=h)).isoformat()}
                     for i, h in enumerate(lead_hours)],
        )  # fmt: skip
    Incident.objects.create(
        team=team, external_id="i1", started_at=now - dt.timedelta(days=5, hours=-1),
        resolved_at=now - dt.timedelta(days=5, hours=-4), deployment_external_id="d2",
    )  # fmt: skip
    Incident.objects.create(
        team=team, external_id="i2", started_at=now - dt.timedelta(days=3),
        resolved_at=now - dt.timedelta(days=3, hours=-1),
    )  # fmt: skip


def test_team_dora_from_events_hand_worked(world, api_client):
    now = timezone.now()
    make_events(world.team_a, now)
    api_client.force_authenticate(world.member_a)
    body = api_client.get(
        f"/api/v1/teams/{world.team_a.id}/dora/", {"window_days": 90, "benchmark": "2024"}
    ).json()
    assert (body["deployments"], body["incidents"], body["changes"]) == (3, 2, 4)
    metrics = body["metrics"]
    assert metrics["deployment_frequency"]["value"] == pytest.approx(3 / 90)
    # lead times 48, 24, 10, 6 -> median 17
    assert metrics["lead_time"]["value"] == pytest.approx(17.0)
    # d2 rolled back and linked to i1: 1 of 3
    assert metrics["change_failure_rate"]["value"] == pytest.approx(100 / 3)
    # 2024 measures recovery from the failing deployment: i1 4 h after d2; i2 1 h -> median 2.5
    assert metrics["time_to_restore"]["value"] == pytest.approx(2.5)
    assert body["recovery_measured_from"] == "deployment"
    older = api_client.get(f"/api/v1/teams/{world.team_a.id}/dora/", {"benchmark": "2021"}).json()
    # to 2022: from the incident start: i1 3 h, i2 1 h -> median 2
    assert older["metrics"]["time_to_restore"]["value"] == pytest.approx(2.0)


def test_team_dora_empty_window_has_no_metrics(world, api_client):
    api_client.force_authenticate(world.member_a)
    body = api_client.get(f"/api/v1/teams/{world.team_a.id}/dora/").json()
    assert body["metrics"] == {}
    assert body["overall"] is None
    assert body["deployments"] == 0


def test_team_dora_other_team_404_and_bad_window_400(world, api_client):
    api_client.force_authenticate(world.member_b)
    assert api_client.get(f"/api/v1/teams/{world.team_a.id}/dora/").status_code == 404
    response = api_client.get(f"/api/v1/teams/{world.team_b.id}/dora/", {"window_days": 0})
    assert response.status_code == 400
    assert response.json()["detail"] == "window_days must be between 1 and 365."


def test_entry_put_by_lead_stores_values_and_classification(world, api_client):
    api_client.force_authenticate(world.lead_a)
    response = api_client.put(
        f"/api/v1/teams/{world.team_a.id}/dora/entries/2026-Q4/",
        {"deployment_frequency": 0.5, "lead_time": 30, "time_to_restore": 2,
         "change_failure_rate": 12},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["overall"] == "high"
    entry = DoraEntry.objects.get()
    assert (entry.period, entry.lead_time, entry.rework_rate) == ("2026-Q4", 30.0, None)
    snapshot = DoraSnapshot.objects.get(source="entry")
    assert snapshot.benchmark == "2024"
    assert snapshot.tiers == {
        "deployment_frequency": "high",
        "lead_time": "high",
        "time_to_restore": "high",
        "change_failure_rate": "high",  # 2024: High is 20%, Medium 10%
    }


@pytest.mark.parametrize(
    ("who", "period", "payload", "status", "detail"),
    [
        ("member_a", "2026-Q4", {"lead_time": 3}, 403, "Only the team's lead enters DORA metrics."),
        ("lead_a", "2026-Q4", {"lead_time": -3}, 400, "lead_time cannot be negative (-3)."),
        ("lead_a", "2026-Q4", {"change_failure_rate": 120}, 400,
         "change_failure_rate is a percentage: at most 100, not 120."),
        ("lead_a", "2026-Q4", {"lead_time": "fast"}, 400,
         "lead_time must be a number, not 'fast'."),
        ("lead_a", "2026-13", {"lead_time": 3}, 400,
         "Period '2026-13' is not a quarter like 2026-Q4."),
        ("lead_a", "2026-Q4", {}, 400, "Enter at least one metric."),
        ("lead_a", "2026-Q4", {"mttr": 3}, 400, "Unknown metric(s): mttr."),
    ],
)  # fmt: skip
def test_entry_bad_input_saves_nothing(world, api_client, who, period, payload, status, detail):
    api_client.force_authenticate(getattr(world, who))
    response = api_client.put(
        f"/api/v1/teams/{world.team_a.id}/dora/entries/{period}/", payload, format="json"
    )
    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert DoraEntry.objects.count() == 0
    assert DoraSnapshot.objects.count() == 0


def answer_with_dora(api_client, user, assessment, dora):
    api_client.force_authenticate(user)
    base = f"/api/v1/assessments/{assessment.id}/responses/me/"
    response = api_client.put(base, {"answers": ALL_LEVELS, "dora": dora}, format="json")
    assert response.status_code == 200, response.json()
    assert api_client.post(base + "submit/").status_code == 200


def test_survey_answers_snapshot_at_close_and_gap_with_events(world, open_assessment, api_client):
    answer_with_dora(api_client, world.member_a, open_assessment, {
        "deployment_frequency": "on_demand", "lead_time": "less_than_one_hour",
        "time_to_restore": "less_than_one_hour", "change_failure_rate": 5})  # fmt: skip
    answer_with_dora(api_client, world.lead_a, open_assessment, {
        "deployment_frequency": "daily_to_weekly", "lead_time": "less_than_one_day",
        "time_to_restore": "less_than_one_hour", "change_failure_rate": 10})  # fmt: skip
    services.close_assessment(world.lead_a, open_assessment)
    survey = DoraSnapshot.objects.get(source="survey", period="2026-Q4")
    # median of two, the worse one: once a week, 23 h, 59 min, 10%
    assert survey.values["deployment_frequency"] == pytest.approx(1 / 7)
    assert survey.values["lead_time"] == 23.0
    assert survey.values["change_failure_rate"] == 10.0
    assert survey.details["respondents"] == 2
    DoraEntry.objects.all().delete()
    dora_services.save_entry(world.lead_a, world.team_a, "2026-Q4", {
        "deployment_frequency": 1 / 7, "lead_time": 200, "time_to_restore": 0.5,
        "change_failure_rate": 10})  # fmt: skip
    benchmark = dora_services.resolve_benchmark("2024")
    row = dora_services.team_dora_overview(world.team_a, benchmark)[0]
    assert row["gaps"] == [
        {"metric": "lead_time", "self_assessed": "elite", "measured": "medium",
         "direction": "better"},
    ]  # fmt: skip


def test_survey_bad_option_400_nothing_saved(world, open_assessment, api_client):
    api_client.force_authenticate(world.member_a)
    response = api_client.put(
        f"/api/v1/assessments/{open_assessment.id}/responses/me/",
        {"answers": {"flow-wip": 3}, "dora": {"lead_time": "a fortnight"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("lead_time: 'a fortnight' is not one of ")
    assert not open_assessment.responses.filter(answers__isnull=False).exists()


def test_switching_benchmark_reclassifies_for_display_only(world, api_client):
    dora_services.save_entry(world.lead_a, world.team_a, "2026-Q4", {
        "deployment_frequency": 2, "lead_time": 0.5, "time_to_restore": 0.5,
        "change_failure_rate": 10})  # fmt: skip
    stored = DoraSnapshot.objects.get()
    assert (stored.benchmark, stored.overall_tier) == ("2024", "elite")
    as_2022 = dora_services.team_dora_overview(
        world.team_a, dora_services.resolve_benchmark("2022")
    )[0]["entry"]
    assert as_2022["overall"] == "high"  # 2022 has no Elite
    assert as_2022["stored_benchmark"] == "2024"
    stored.refresh_from_db()
    assert (stored.benchmark, stored.overall_tier) == ("2024", "elite")


def test_dora_page_renders_and_explains_rule(world, client):
    dora_services.save_entry(world.lead_a, world.team_a, "2026-Q4", {"lead_time": 30})
    client.force_login(world.member_a)
    page = client.get(f"/teams/{world.team_a.id}/dora/?view=tiers&benchmark=2019")
    assert page.status_code == 200
    html = page.content.decode()
    assert "DORA 2019" in html
    assert "best tier whose cell&#x27;s worse edge" in html
    assert page.context["entry_form"] is None  # members do not enter figures
    bad = client.get(f"/teams/{world.team_a.id}/dora/?view=tiers&benchmark=1999")
    assert bad.status_code == 200
    assert "Unknown DORA benchmark set" in bad.content.decode()


def test_entry_form_converts_units(world, client):
    client.force_login(world.lead_a)
    client.post(
        f"/teams/{world.team_a.id}/dora/entry/",
        {"period": "2026-Q4", "deployment_frequency": "14", "deployment_frequency_unit": "week",
         "lead_time": "2", "lead_time_unit": "days", "time_to_restore": "90",
         "time_to_restore_unit": "minutes", "change_failure_rate": "7.5"},
    )  # fmt: skip
    entry = DoraEntry.objects.get()
    assert entry.deployment_frequency == pytest.approx(2.0)
    assert entry.lead_time == pytest.approx(48.0)
    assert entry.time_to_restore == pytest.approx(1.5)
    assert entry.change_failure_rate == 7.5


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("deployment_frequency", 3.0, "3.0 per day"),
        ("deployment_frequency", 2 / 7, "2.0 per week"),
        ("deployment_frequency", 24 / 730, "1.0 per month"),
        ("lead_time", 0.5, "30 min"),
        ("lead_time", 30, "30.0 h"),
        ("time_to_restore", 72, "3.0 days"),
        ("change_failure_rate", 12.345, "12.3%"),
        ("lead_time", None, "—"),
    ],
)
def test_display_value(metric, value, expected):
    assert dora_services.display_value(metric, value) == expected
