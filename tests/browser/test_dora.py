"""Journey 2: a lead enters DORA figures and uploads deployment and incident events as CSV;
the tiers on the page are those the benchmark gives (computed here with ``assessments.dora.rules``).

The team is a new one in the demo organisation: the page details the newest period that has
both survey answers and measured figures, so on a demo team with surveyed history the new
figures would only show as overall tiers in the trend table."""

import csv
import datetime as dt
import io
import random

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.dora import rules as dora
from assessments.models import Membership, Team, TeamGroup
from assessments.periods import current_period, shift_period
from reports.demo import DEMO_PASSWORD
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

BENCHMARK = dora.get_benchmark("2024")  # the demo organisation's default set


@pytest.fixture
def gateway(demo):
    from django.contrib.auth import get_user_model

    group = TeamGroup.objects.get(organization=demo.organization, name="Payments")
    team = Team.objects.create(
        organization=demo.organization, group=group, name="Payment Gateway", slug="gateway"
    )
    lead = get_user_model().objects.create_user("gateway.lead", password=DEMO_PASSWORD)
    Membership.objects.create(team=team, user=lead, role=Membership.LEAD)
    return team


def expected(values):
    tiers = {m: dora.classify(m, values[m], BENCHMARK) for m in dora.METRICS}
    return tiers, dora.overall_tier(tiers.values())


def expect_tiers(card, tiers, overall):
    """Each metric row of the card shows its tier, as a badge with words (not colour only)."""
    for metric, tier in tiers.items():
        row = card.locator("tbody tr").filter(has_text=dora.metric_label(metric, BENCHMARK.year))
        badge = row.locator(".tier")
        expect(badge).to_have_class(f"tier tier-{tier}")
        expect(badge).to_contain_text(dora.TIER_LABELS[tier])
    overall_line = card.locator("p", has_text="Overall tier:")
    expect(overall_line.locator(".tier")).to_have_class(f"tier tier-{overall}")
    expect(overall_line.locator(".tier")).to_contain_text(dora.TIER_LABELS[overall])


def generate_events(now, seed=7):
    """60 days of deployments (some failed, with incidents) as CSV texts and as the pure
    ``dora`` objects the expected metrics are computed from."""
    rng = random.Random(seed)
    now = now.replace(microsecond=0)
    deployments, incidents = [], []
    for n in range(80):
        finished = now - dt.timedelta(days=60) + dt.timedelta(hours=18 * n + rng.randint(0, 6))
        commits = tuple(
            finished - dt.timedelta(hours=rng.uniform(2, 40), seconds=0) for _ in range(1 + n % 3)
        )
        commits = tuple(c.replace(microsecond=0) for c in commits)
        deployments.append(
            dora.Deployment(
                external_id=f"gw-d{n:03d}",
                finished_at=finished,
                succeeded=n % 17 != 5,
                environment="staging" if n % 13 == 4 else "production",
                service="gateway-api",
                change_first_commit_times=commits,
                rolled_back=n % 9 == 3,
            )
        )
        if n % 9 == 3:
            started = finished + dt.timedelta(minutes=rng.randint(5, 50))
            resolved = started + dt.timedelta(minutes=rng.randint(30, 600))
            incidents.append(
                dora.Incident(
                    f"gw-i{n:03d}", started, resolved, deployment_external_id=f"gw-d{n:03d}"
                )
            )

    def iso(t):
        return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["external_id", "finished_at", "service", "environment", "succeeded",
                     "rolled_back", "change_ids", "change_first_commit_times"])  # fmt: skip
    for d in deployments:
        writer.writerow([
            d.external_id, iso(d.finished_at), d.service, d.environment,
            "true" if d.succeeded else "false", "yes" if d.rolled_back else "no",
            ";".join(f"{d.external_id}-c{i}" for i in range(len(d.change_first_commit_times))),
            ";".join(iso(t) for t in d.change_first_commit_times),
        ])  # fmt: skip
    deployments_csv = out.getvalue()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["external_id", "started_at", "resolved_at", "deployment_external_id"])
    for i in incidents:
        writer.writerow([i.external_id, iso(i.started_at), iso(i.resolved_at),
                         i.deployment_external_id])  # fmt: skip
    return deployments_csv, out.getvalue(), deployments, incidents


def upload(page, kind, name, text):
    page.get_by_label("Kind").select_option(kind)
    page.get_by_label("File").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Upload").click()


def test_lead_enters_figures_and_uploads_events(page, gateway):
    log_in(page, "gateway.lead")
    page.get_by_role("link", name="Payment Gateway", exact=True).click()
    page.get_by_role("link", name="Delivery performance (DORA)").click()
    expect(page.locator(".empty-state")).to_contain_text("No DORA figures yet")
    # The demo organisation opens with the 2025 comparison; the tiers are one click away, and
    # the page stays on them through the saves and uploads below.
    page.get_by_role("link", name="Tiers (2024 report)").click()

    # Figures by hand for the previous quarter, in the units a lead has at hand.
    previous = shift_period(current_period(), -1)
    page.get_by_label("Period").fill(previous)
    page.get_by_label("Deployment frequency").fill("2")
    page.locator("#id_deployment_frequency_unit").select_option("week")
    page.get_by_label("Lead time for changes").fill("3")
    page.locator("#id_lead_time_unit").select_option("days")
    page.get_by_label("Time to restore service").fill("30")
    page.locator("#id_time_to_restore_unit").select_option("hours")
    page.get_by_label("Change failure rate (%)").fill("12")
    page.get_by_label("Deployment rework rate (%)").fill("4")
    page.get_by_role("button", name="Save figures").click()
    expect(
        page.get_by_role("alert").filter(has_text=f"Metrics for {previous} saved.")
    ).to_be_visible()
    entry_tiers, entry_overall = expected(
        {
            "deployment_frequency": 2 / 7,
            "lead_time": 72.0,
            "time_to_restore": 30.0,
            "change_failure_rate": 12.0,
        }  # fmt: skip
    )
    measured = page.locator(".card", has=page.get_by_role("heading", name="Measured"))
    expect(measured.get_by_role("heading")).to_have_text("Measured (entered by hand)")
    expect(page.get_by_role("heading", name=f"Latest period: {previous}")).to_be_visible()
    expect_tiers(measured, entry_tiers, entry_overall)

    # Then the team's deployment and incident events, as CSV files.
    deployments_csv, incidents_csv, deployments, incidents = generate_events(timezone.now())
    upload(page, "deployments", "deployments.csv", deployments_csv)
    expect(page.get_by_role("alert").filter(has_text="Deployments: 80 created")).to_be_visible()
    upload(page, "incidents", "incidents.csv", incidents_csv)
    expect(
        page.get_by_role("alert").filter(has_text=f"Incidents: {len(incidents)} created")
    ).to_be_visible()
    metrics = dora.compute_metrics(deployments, incidents, timezone.now(), 90, BENCHMARK.year)
    event_tiers, event_overall = expected(metrics.values())
    assert len(set(event_tiers.values()) | set(entry_tiers.values())) >= 2  # a telling mix
    now = current_period()
    expect(page.get_by_role("heading", name=f"Latest period: {now}")).to_be_visible()
    expect(measured.get_by_role("heading")).to_have_text("Measured from events")
    expect(measured).to_contain_text(
        f"From {metrics.deployments_count} production deployments, {metrics.changes_count} "
        f"changes and {metrics.incidents_count} resolved incidents over 90 days"
    )
    expect_tiers(measured, event_tiers, event_overall)

    # The trend table keeps both: entered figures last quarter, events this quarter.
    trend = page.locator("section[aria-labelledby=trend-h] tbody")
    now_row, previous_row = trend.locator("tr").nth(0), trend.locator("tr").nth(1)
    expect(now_row.locator("th")).to_have_text(now)
    expect(now_row.locator("td").nth(0).locator(".tier")).to_have_class(
        f"tier tier-{event_overall}"
    )
    expect(previous_row.locator("th")).to_have_text(previous)
    expect(previous_row.locator("td").nth(1).locator(".tier")).to_have_class(
        f"tier tier-{entry_overall}"
    )
