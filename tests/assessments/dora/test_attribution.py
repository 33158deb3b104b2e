"""Attribution on hand-worked timelines: ownership routing, fixes and rollbacks, incident
causes (pure, no database), and the rates event_metrics computes from them (database)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.dora import attribution as a
from assessments.dora import services
from assessments.models import Deployment, Incident
from assessments.models.dora import AttributionSettings, TeamOwnership

T0 = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def hours(n):
    return T0 + dt.timedelta(hours=n)


# --- routing ---------------------------------------------------------------------------------

OWNERSHIPS = [
    ("service", "checkout", "Team A"),
    ("repository", "acme/mono", "Team Platform"),
    ("path", "services/", "Team Platform"),
    ("path", "services/payments/", "Team B"),
    ("path", "services/payments/refunds", "Team C"),
]


def test_route_service_exact():
    assert a.route(OWNERSHIPS, {"service": "checkout"}) == ("Team A", "service 'checkout'")


def test_route_repository_case_insensitive():
    event = {"repository": "Acme/Mono"}
    assert a.route(OWNERSHIPS, event) == ("Team Platform", "repository 'Acme/Mono'")


def test_route_longest_path_prefix_wins():
    event = {"repository": "acme/mono", "paths": ["/services/payments/refunds/api.py"]}
    assert a.route(OWNERSHIPS, event) == ("Team C", "path prefix 'services/payments/refunds'")
    event = {"repository": "acme/mono", "paths": ["services/payments/ledger.py"]}
    assert a.route(OWNERSHIPS, event) == ("Team B", "path prefix 'services/payments'")


def test_route_path_prefix_matches_whole_segments():
    event = {"paths": ["services/payments-old/x.py"]}
    assert a.route(OWNERSHIPS, event) == ("Team Platform", "path prefix 'services'")


def test_route_paths_of_two_teams_unrouted():
    event = {"paths": ["services/payments/a.py", "services/payments/refunds/b.py"]}
    team, reason = a.route(OWNERSHIPS, event)
    assert team is None
    assert reason == (
        "the paths are owned by 2 teams ('services/payments', 'services/payments/refunds')"
    )


def test_route_service_before_paths():
    event = {"service": "checkout", "paths": ["services/payments/a.py"]}
    assert a.route(OWNERSHIPS, event) == ("Team A", "service 'checkout'")


def test_route_none_with_reason():
    event = {"service": "search", "repository": "acme/search", "paths": ["README.md"]}
    assert a.route(OWNERSHIPS, event) == (
        None,
        "no team owns service 'search', repository 'acme/search', 1 path(s)",
    )
    assert a.route(OWNERSHIPS, {}) == (None, "the event names no service, repository or path")


@pytest.mark.django_db
def test_route_event_reads_the_organisations_ownerships(world):
    org = world.org
    TeamOwnership.objects.create(organization=org, team=world.team_a, kind="service", value="pay")
    TeamOwnership.objects.create(
        organization=world.other, team=world.other_team, kind="service", value="search"
    )
    assert a.route_event(org, {"service": "pay"}) == (world.team_a, "service 'pay'")
    assert a.route_event(org, {"service": "search"}) == (None, "no team owns service 'search'")


# --- fixes and rollbacks ---------------------------------------------------------------------


def dep(ext_id, at, **kw):
    return a.DeploymentEvent(external_id=ext_id, finished_at=hours(at), service="checkout", **kw)


def test_derive_fixes_from_the_fixes_field():
    fixes = a.derive_fixes([dep("d1", 0), dep("d2", 1, fixes="d1")])
    assert fixes == {"d2": ("d1", "fixes field")}


def test_derive_fixes_redeploy_of_an_earlier_version_rolls_back_the_previous():
    deployments = [dep("d1", 0, version="v1"), dep("d2", 1, version="v2"),
                   dep("d3", 2, version="v1")]  # fmt: skip
    assert a.derive_fixes(deployments) == {"d3": ("d2", "redeploys version 'v1'")}


def test_derive_fixes_redeploy_of_the_current_version_is_a_retry():
    deployments = [dep("d1", 0, version="v1"), dep("d2", 1, version="v1")]
    assert a.derive_fixes(deployments) == {}


def test_derive_fixes_other_service_same_version_is_not_a_rollback():
    deployments = [
        dep("d1", 0, version="v1"),
        dep("d2", 1, version="v2"),
        a.DeploymentEvent("s1", hours(2), service="search", version="v1"),
    ]
    assert a.derive_fixes(deployments) == {}


def test_derive_fixes_revert_change_rolls_back_the_deployment_that_carried_it():
    deployments = [
        dep("d1", 0, change_titles=("Add coupons",)),
        dep("d2", 1, change_titles=("Faster search",)),
        dep("d3", 2, change_titles=('Revert "Add coupons"',)),
    ]
    assert a.derive_fixes(deployments) == {"d3": ("d1", "revert change 'Revert \"Add coupons\"'")}


def test_attribute_rework_is_unplanned_fixes_and_rollbacks():
    deployments = [
        dep("d1", 0, version="v1"),
        dep("d2", 1, version="v2"),
        dep("d3", 2, version="v1"),  # rollback of d2: rework
        dep("d4", 3, version="v4", fixes="d3", planned=False),  # unplanned fix: rework
        dep("d5", 4, version="v5", fixes="d4", planned=True),  # planned follow-up: not rework
    ]
    roles = a.attribute(deployments, []).deployments
    assert [roles[d].rework for d in ("d1", "d2", "d3", "d4", "d5")] == [
        False, False, True, True, False,
    ]  # fmt: skip
    assert [roles[d].fixed_by for d in ("d1", "d2", "d3", "d4", "d5")] == [
        (), ("d3",), ("d4",), ("d5",), (),
    ]  # fmt: skip


# --- incidents -------------------------------------------------------------------------------

TIMELINE = [
    a.DeploymentEvent("d1", hours(-30), service="checkout", version="aaaaaaa111"),
    a.DeploymentEvent("d2", hours(-5), service="checkout", version="bbbbbbb222"),
    a.DeploymentEvent("d3", hours(-2), service="checkout", environment="staging"),
    a.DeploymentEvent("d4", hours(-1), service="checkout", succeeded=False),
    a.DeploymentEvent("s1", hours(-1), service="search"),
]


def incident(**kw):
    return a.IncidentEvent(external_id="i1", started_at=T0, **kw)


def test_incident_explicit_link_wins():
    got = a.attribute_incident(
        incident(service="checkout", deployment_external_id="d1", description="root cause: d2"),
        TIMELINE,
        24,
    )
    assert (got.deployment_id, got.rule) == ("d1", a.EXPLICIT)


def test_incident_root_cause_line_by_short_sha():
    text = "Checkout returned 500s.\nRoot cause: aaaaaaa\nFixed by rollback."
    got = a.attribute_incident(incident(service="checkout", description=text), TIMELINE, 24)
    assert got == a.IncidentAttribution(
        "i1", "d1", a.ROOT_CAUSE, "'root cause: aaaaaaa' matches deployment 'd1'"
    )


def test_incident_root_cause_line_by_deployment_id():
    got = a.attribute_incident(incident(description="root cause: s1"), TIMELINE, 24)
    assert (got.deployment_id, got.rule) == ("s1", a.ROOT_CAUSE)


def test_incident_root_cause_line_matching_nothing_falls_back_to_the_window():
    got = a.attribute_incident(
        incident(service="checkout", description="root cause: zzzzzzz"), TIMELINE, 24
    )
    assert (got.deployment_id, got.rule) == ("d2", a.WINDOW)


def test_incident_window_takes_last_successful_production_deployment_of_the_service():
    # d4 failed and d3 went to staging; s1 is another service: d2 (5 h before) it is.
    got = a.attribute_incident(incident(service="checkout"), TIMELINE, 24)
    assert got == a.IncidentAttribution(
        "i1", "d2", a.WINDOW,
        "last production deployment of 'checkout' within 24 h before the incident started",
    )  # fmt: skip


def test_incident_other_service_in_window_not_attributed():
    got = a.attribute_incident(incident(service="cart"), TIMELINE, 24)
    assert got == a.IncidentAttribution(
        "i1", None, a.NONE, "no production deployment of 'cart' within 24 h before"
    )


def test_incident_outside_window_not_attributed():
    got = a.attribute_incident(incident(service="checkout"), TIMELINE, 4)
    assert (got.deployment_id, got.rule) == (None, a.NONE)
    got = a.attribute_incident(incident(service="checkout"), TIMELINE[:1], 30)
    assert (got.deployment_id, got.rule) == ("d1", a.WINDOW)


def test_incident_deployment_after_it_started_not_attributed():
    later = [a.DeploymentEvent("d9", hours(1), service="checkout")]
    got = a.attribute_incident(incident(service="checkout"), later, 24)
    assert (got.deployment_id, got.rule) == (None, a.NONE)


def test_incident_without_service_or_link_not_attributed():
    got = a.attribute_incident(incident(), TIMELINE, 24)
    assert got == a.IncidentAttribution(
        "i1", None, a.NONE, "the incident names no service and no deployment"
    )


# --- rates from stored events ----------------------------------------------------------------


def store_deployment(team, ext_id, at, **kw):
    return Deployment.objects.create(
        team=team, external_id=ext_id, service="checkout", finished_at=hours(at), **kw
    )


@pytest.mark.django_db
def test_event_metrics_failure_and_rework_from_fixes_and_rollbacks(world):
    team = world.team_a
    store_deployment(team, "d1", -48, version="v1")
    store_deployment(team, "d2", -40, version="v2")  # rolled back by d3: failed
    store_deployment(team, "d3", -39, version="v1")  # the rollback: rework
    store_deployment(team, "d4", -20, version="v4")  # fixed by d5: failed
    store_deployment(team, "d5", -19, version="v5", fixes="d4", planned=False)  # rework
    store_deployment(team, "d6", -10, version="v6")  # incident in the window: failed
    store_deployment(team, "d7", -5, version="v7", changes=[
        {"id": "c1", "first_commit_at": hours(-6).isoformat(), "title": 'Revert "v6 feature"'}
    ])  # fmt: skip
    Incident.objects.create(
        team=team, external_id="i1", service="checkout", started_at=hours(-8),
        resolved_at=hours(-7),
    )  # fmt: skip
    metrics = services.event_metrics(team, window_end=T0, window_days=7)
    # d7 reverts a title no deployment carried, so it rolls back the previous one, d6.
    assert metrics.deployments_count == 7
    assert metrics.failed_deployments_count == 3  # d2, d4, d6
    assert metrics.change_failure_rate == pytest.approx(100 * 3 / 7)
    assert metrics.rework_rate == pytest.approx(100 * 3 / 7)  # d3, d5, d7
    # Recovery from 2023 is measured from the attributed deployment (d6, 10 h before).
    assert metrics.time_to_restore == 3.0


@pytest.mark.django_db
def test_event_metrics_unattributed_incident_counts_for_recovery_not_failure(world):
    team = world.team_a
    store_deployment(team, "d1", -30)
    Incident.objects.create(
        team=team, external_id="i1", service="checkout", started_at=hours(-4),
        resolved_at=hours(-2),
    )  # fmt: skip
    metrics = services.event_metrics(team, window_end=T0, window_days=7)
    assert (metrics.change_failure_rate, metrics.time_to_restore) == (0.0, 2.0)
    AttributionSettings.objects.create(team=team, incident_window_hours=48)
    metrics = services.event_metrics(team, window_end=T0, window_days=7)
    assert (metrics.change_failure_rate, metrics.time_to_restore) == (100.0, 28.0)


# --- explanation -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_explain_measured_lists_the_events_and_rules(world):
    team = world.team_a
    store_deployment(team, "d1", -30, version="v1")
    store_deployment(team, "d2", -10, version="v2")
    store_deployment(team, "d3", -9, version="v1")  # rolls back d2
    Incident.objects.create(
        team=team, external_id="i1", service="checkout", started_at=hours(-9.5),
        resolved_at=hours(-9),
    )  # fmt: skip
    Incident.objects.create(
        team=team, external_id="i2", service="cart", started_at=hours(-3), resolved_at=hours(-2)
    )
    e = services.explain_measured(team, window_end=T0, window_days=7)
    cfr = e["metrics"]["change_failure_rate"]
    assert (cfr["count"], cfr["value"], cfr["missing"]) == (1, 100 / 3, None)
    assert cfr["events"] == [
        {"id": "d2", "at": hours(-10), "service": "checkout",
         "text": "fixed or rolled back by d3; caused incident i1"},
    ]  # fmt: skip
    rework = e["metrics"]["rework_rate"]
    assert rework["events"] == [
        {"id": "d3", "at": hours(-9), "service": "checkout",
         "text": "fixes d2 (redeploys version 'v1')"},
    ]  # fmt: skip
    assert e["metrics"]["lead_time"]["missing"] == (
        "No successful production deployment in the window names a change with its "
        "first-commit time."
    )
    assert [(i["id"], i["deployment"], i["rule"]) for i in e["incidents"]] == [
        ("i1", "d2", a.WINDOW),
        ("i2", None, a.NONE),
    ]
    assert e["unattributed"] == 1
    assert e["metrics"]["time_to_restore"]["count"] == 2


@pytest.mark.django_db
def test_explain_measured_says_why_metrics_are_missing(world):
    e = services.explain_measured(world.team_a, window_end=T0, window_days=7)
    assert {m: x["missing"] for m, x in e["metrics"].items()} == {
        "deployment_frequency": "No production deployment finished in the window.",
        "lead_time": "No successful production deployment in the window names a change "
        "with its first-commit time.",
        "change_failure_rate": "No production deployment finished in the window.",
        "time_to_restore": "No incident was resolved in the window.",
        "rework_rate": "No production deployment finished in the window.",
    }
    assert e["incidents"] == []


@pytest.mark.django_db
def test_team_dora_page_shows_the_explanation(world, client):
    team = world.team_a
    now = dt.datetime.now(dt.UTC)
    Deployment.objects.create(team=team, external_id="d-page", service="checkout",
                              finished_at=now - dt.timedelta(hours=3))  # fmt: skip
    Incident.objects.create(
        team=team, external_id="i-page", service="checkout",
        started_at=now - dt.timedelta(hours=2), resolved_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    services.refresh_event_snapshots(team)
    client.force_login(world.member_a)
    html = client.get(f"/teams/{team.id}/dora/").content.decode()
    assert 'data-metric="change_failure_rate"' in html
    assert "<code>d-page</code>" in html
    assert (
        "deployment <code>d-page</code> by last production deployment of the service in the "
        "window" in html
    )


# --- managing ownership ----------------------------------------------------------------------


@pytest.mark.django_db
def test_ownership_api_add_list_refuse_other_teams_and_delete(world, api_client):
    url = f"/api/v1/teams/{world.team_a.id}/ownership/"
    api_client.force_authenticate(world.lead_a)
    response = api_client.post(url, {"kind": "repository", "value": " Acme/Checkout "},
                               format="json")  # fmt: skip
    assert response.status_code == 201
    ownership_id = response.json()["id"]
    assert response.json() == {"id": ownership_id, "kind": "repository", "value": "acme/checkout"}
    again = api_client.post(url, {"kind": "repository", "value": "acme/checkout"}, format="json")
    assert again.status_code == 200
    assert api_client.get(url).json() == [
        {"id": ownership_id, "kind": "repository", "value": "acme/checkout"}
    ]
    api_client.force_authenticate(world.org_admin)
    other = f"/api/v1/teams/{world.team_b.id}/ownership/"
    refused = api_client.post(other, {"kind": "repository", "value": "acme/checkout"},
                              format="json")  # fmt: skip
    assert (refused.status_code, refused.json()["detail"]) == (
        400, "Team A already owns repository 'acme/checkout'.",
    )  # fmt: skip
    bad = api_client.post(other, {"kind": "repository", "value": "checkout"}, format="json")
    assert bad.json()["detail"] == "A repository is its full name, such as acme/checkout."
    assert api_client.delete(f"{url}{ownership_id}/").status_code == 204
    assert TeamOwnership.objects.count() == 0


@pytest.mark.django_db
def test_ownership_page_lead_adds_and_removes(world, client):
    client.force_login(world.lead_a)
    url = f"/teams/{world.team_a.id}/dora/ownership/"
    client.post(url, {"kind": "path", "value": "/services/payments/"})
    ownership = TeamOwnership.objects.get()
    assert (ownership.kind, ownership.value) == ("path", "services/payments")
    assert "<code>services/payments</code>" in client.get(url).content.decode()
    client.post(f"{url}{ownership.id}/delete/")
    assert TeamOwnership.objects.count() == 0


@pytest.mark.django_db
def test_record_unrouted_event_keeps_the_reason(world):
    team, reason = a.route_event(world.org, {"repository": "acme/unknown"})
    event = services.record_unrouted_event(world.org, "github", "push acme/unknown", reason)
    assert (team, event.reason) == (None, "no team owns repository 'acme/unknown'")


@pytest.mark.django_db
def test_ownership_page_lead_sets_the_incident_window(world, client):
    url = f"/teams/{world.team_a.id}/dora/ownership/"
    client.force_login(world.lead_a)
    client.post(url, {"incident_window_hours": "48"})
    assert services.incident_window_hours(world.team_a) == 48
    client.post(url, {"incident_window_hours": "0"})
    assert services.incident_window_hours(world.team_a) == 48
    client.force_login(world.member_a)
    assert client.post(url, {"incident_window_hours": "12"}).status_code == 403
    assert services.incident_window_hours(world.team_a) == 48


SEGMENTS = st.sampled_from(["services", "payments", "refunds", "api", "web"])


@given(
    prefixes=st.lists(st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join), unique=True,
                      max_size=6),
    path=st.lists(SEGMENTS, min_size=1, max_size=4).map("/".join),
)  # fmt: skip
def test_route_property_the_longest_matching_prefix_owns_the_path(prefixes, path):
    ownerships = [("path", prefix, f"team-{n}") for n, prefix in enumerate(prefixes)]
    team, _ = a.route(ownerships, {"paths": [path]})
    matching = [p for p in prefixes if path == p or path.startswith(p + "/")]
    expected = f"team-{prefixes.index(max(matching, key=len))}" if matching else None
    assert team == expected
