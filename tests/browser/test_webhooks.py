"""Journey: a lead connects GitHub. They create a webhook on the team's webhooks page, read
the URL and the secret from it (shown once), GitHub then delivers a signed
``deployment_status``, and the DORA page shows the deployment with its explanation.

The delivery is GitHub's published example (tests/assessments/dora/payloads, read at test
time), with its times moved to an hour ago so that it falls in the measured window; it is
signed as GitHub signs: HMAC-SHA256 of the raw body in ``X-Hub-Signature-256``. The broker is
replaced by running the processing task at once in the live server's thread, as a worker
would right after the delivery is committed."""

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from assessments.dora import webhook_services
from assessments.models import Deployment, Membership, Team, TeamGroup
from reports.demo import DEMO_PASSWORD
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser

PAYLOAD = (
    Path(__file__).resolve().parent.parent
    / "assessments/dora/payloads/github_deployment_status.json"
)


@pytest.fixture
def loyalty(demo):
    """A new team of the demo organisation with its lead: its DORA page has nothing else to
    show than what the webhook brings."""
    group = TeamGroup.objects.filter(organization=demo.organization).first()
    team = Team.objects.create(
        organization=demo.organization, group=group, name="Loyalty", slug="loyalty"
    )
    lead = get_user_model().objects.create_user("loyalty.lead", password=DEMO_PASSWORD)
    Membership.objects.create(team=team, user=lead, role=Membership.LEAD)
    return team


@pytest.fixture
def processed_at_once(monkeypatch):
    def apply_async(args, **kwargs):
        webhook_services.process_delivery(args[0])

    monkeypatch.setattr(webhook_services.task_process_delivery, "apply_async", apply_async)


def deployment_delivery(finished):
    """GitHub's example ``deployment_status`` (success, production), finished at
    ``finished``, as the bytes GitHub would send."""
    payload = json.loads(PAYLOAD.read_text())
    stamp = finished.strftime("%Y-%m-%dT%H:%M:%SZ")
    payload["deployment_status"]["created_at"] = stamp
    payload["deployment_status"]["updated_at"] = stamp
    payload["deployment"]["environment"] = "production"
    payload["repository"]["full_name"] = "northwind/loyalty"
    return json.dumps(payload).encode(), payload


def post_signed(url, secret, body, event):
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/test",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": "sha256="
            + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_lead_connects_github_and_sees_the_deployment(page, loyalty, processed_at_once):
    log_in(page, "loyalty.lead")
    page.goto(f"/teams/{loyalty.id}/dora/")
    page.get_by_role("link", name="Webhooks", exact=True).click()
    expect(page.get_by_role("heading", name="Loyalty: webhooks")).to_be_visible()
    expect(page.get_by_text("No webhooks yet.")).to_be_visible()

    page.get_by_label("Provider").select_option("github")
    page.get_by_label("Environment").fill("production")
    page.get_by_role("button", name="Create webhook").click()
    revealed = page.locator("#revealed")
    expect(revealed.get_by_role("heading", name="Your new GitHub webhook")).to_be_visible()
    expect(revealed).to_contain_text("application/json")
    url = revealed.get_by_label("URL").input_value()
    secret = revealed.get_by_label("Secret").input_value()
    assert url.startswith(page.url.split("/teams/")[0] + "/hooks/")
    assert len(secret) >= 40
    assert serious_violations(page) == []

    # Shown once: the next visit lists the webhook, not its secret.
    page.reload()
    expect(page.locator("#revealed")).to_have_count(0)
    assert secret not in page.content()
    expect(page.get_by_text("No delivery yet.")).to_be_visible()

    # A delivery with a wrong signature is refused and counted; the signed one is taken.
    finished = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    body, payload = deployment_delivery(finished)
    assert post_signed(url, "not-the-secret", body, "deployment_status") == 401
    assert post_signed(url, secret, body, "deployment_status") == 202
    deployment = Deployment.objects.get(team=loyalty)
    external_id = f"github:deployment:{payload['deployment']['id']}"
    assert (deployment.external_id, deployment.service) == (external_id, "northwind/loyalty")

    page.reload()
    hook_card = page.locator("section.card", has=page.get_by_role("heading", name="GitHub"))
    expect(hook_card.get_by_role("cell", name="deployment_status")).to_be_visible()
    expect(hook_card.get_by_text("Processed")).to_be_visible()
    expect(hook_card).to_contain_text("1 with a bad or missing signature")

    page.get_by_role("link", name="Delivery performance").click()
    explanation = page.locator(".dora-explanation")
    expect(explanation).to_be_visible()
    frequency = explanation.locator('details[data-metric="deployment_frequency"]')
    expect(frequency.locator("summary")).to_contain_text("1 event")
    frequency.locator("summary").click()
    expect(frequency.locator("code", has_text=external_id)).to_be_visible()
    expect(frequency).to_contain_text("northwind/loyalty")
    expect(frequency).to_contain_text(finished.strftime("%Y-%m-%d"))
