"""The webhook pages: a team's (its leads and the organisation's admins) and an
organisation's (its admins): create with the URL and the secret shown once, the list with the
last deliveries and the refused count, rotate, revoke, every delivery of one webhook, and the
audit entries (which never hold a secret)."""

import hashlib
import hmac
import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from assessments.audit import trail as audit
from assessments.dora import webhook_pages, webhook_services
from assessments.models import Webhook, WebhookDelivery
from assessments.models.webhooks import unseal


def team_url(world, suffix=""):
    return f"/teams/{world.team_a.id}/dora/webhooks/{suffix}"


def org_url(world, suffix=""):
    return f"/organizations/{world.org.slug}/webhooks/{suffix}"


def html(response):
    return response.content.decode()


def create(client, url, **fields):
    return client.post(url, {"provider": "github", **fields})


@pytest.fixture
def lead(client, world):
    client.force_login(world.lead_a)
    return client


def test_team_page_lists_nothing_and_explains_webhooks(lead, world):
    response = lead.get(team_url(world))
    assert response.status_code == 200
    assert "No webhooks yet." in html(response)
    assert "Create a webhook" in html(response)


@pytest.mark.parametrize(
    ("role", "status"),
    [("member_a", 403), ("analyst", 403), ("member_b", 404), ("other_admin", 404),
     ("lead_a", 200), ("org_admin", 200)],
)  # fmt: skip
def test_team_page_who_may_open_it(client, world, role, status):
    client.force_login(getattr(world, role))
    assert client.get(team_url(world)).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [("member_a", 403), ("lead_a", 403), ("analyst", 403), ("org_admin", 200),
     ("other_admin", 404), ("outsider", 404)],
)  # fmt: skip
def test_organization_page_who_may_open_it(client, world, role, status):
    client.force_login(getattr(world, role))
    assert client.get(org_url(world)).status_code == status


def test_create_shows_url_and_secret_once(lead, world):
    response = create(lead, team_url(world), environment="production")
    hook = Webhook.objects.get()
    assert response.status_code == 302
    assert response["Location"] == team_url(world) + "#revealed"
    assert "secret" not in response["Location"]
    assert (hook.team, hook.provider, hook.settings) == (
        world.team_a,
        "github",
        {"environment": "production"},
    )
    assert hook.created_by == world.lead_a
    secret = unseal(hook.secret_sealed)
    first = html(lead.get(team_url(world)))
    assert f'value="{secret}"' in first
    assert f'value="http://testserver/hooks/{hook.public_id}/"' in first
    assert "application/json" in first  # GitHub's instructions
    assert webhook_pages.REVEAL_KEY not in lead.session
    second = html(lead.get(team_url(world)))
    assert secret not in second
    assert f"http://testserver/hooks/{hook.public_id}/" in second  # the URL stays listed


def test_secret_is_not_shown_on_another_scope(lead, world, client):
    create(lead, team_url(world))
    secret = unseal(Webhook.objects.get().secret_sealed)
    client.force_login(world.org_admin)
    assert secret not in html(client.get(org_url(world)))


def test_create_gitlab_secret_is_a_signing_token(lead, world):
    create(lead, team_url(world), provider="gitlab", deploy_workflow="Deploy*")
    secret = unseal(Webhook.objects.get().secret_sealed)
    assert secret.startswith("whsec_")
    page = html(lead.get(team_url(world)))
    assert "Secret token" in page and "Pipeline events" in page


def test_create_opsgenie_names_its_header(lead, world):
    create(lead, team_url(world), provider="opsgenie", secret_header="X-Our-Secret")
    assert "<code>X-Our-Secret</code>" in html(lead.get(team_url(world)))


def test_create_unknown_provider_is_a_form_error(lead, world):
    response = create(lead, team_url(world), provider="jenkins")
    assert response.status_code == 400
    assert "Select a valid choice" in html(response)
    assert Webhook.objects.count() == 0


def test_create_too_long_setting_is_a_form_error(lead, world):
    response = create(lead, team_url(world), environment="x" * 201)
    assert response.status_code == 400
    assert Webhook.objects.count() == 0


def test_member_cannot_create(client, world):
    client.force_login(world.member_a)
    assert create(client, team_url(world)).status_code == 403
    assert Webhook.objects.count() == 0


def test_organization_page_creates_organization_webhook(client, world):
    client.force_login(world.org_admin)
    response = create(client, org_url(world), provider="pagerduty")
    hook = Webhook.objects.get()
    assert response.status_code == 302
    assert (hook.organization, hook.team) == (world.org, None)
    assert client.session[webhook_pages.REVEAL_KEY]["secret"] == ""
    page = html(client.get(org_url(world)))
    assert f'value="http://testserver/hooks/{hook.public_id}/"' in page
    assert "incident.triggered" in page
    # PagerDuty makes its own signing secret: ours is neither shown nor kept in the session.
    assert unseal(hook.secret_sealed) not in page
    assert "PagerDuty's signing secret" in page


def test_list_shows_last_deliveries_and_link_to_all(lead, world):
    hook, _ = webhook_services.create_webhook(provider="github", team=world.team_a)
    for n in range(12):
        WebhookDelivery.objects.create(
            webhook=hook, delivery_id=f"d{n}", event_type=f"event{n}", body=b"{}",
            status="ignored", reason=f"reason {n}",
        )  # fmt: skip
    page = html(lead.get(team_url(world)))
    shown = [n for n in range(12) if f"<code>event{n}</code>" in page]
    assert shown == list(range(2, 12))  # the last ten
    assert "reason 11" in page
    assert "All deliveries" in page
    assert f'href="{team_url(world, f"{hook.id}/deliveries/")}"' in page


def test_deliveries_page_lists_every_delivery(lead, world):
    hook, _ = webhook_services.create_webhook(provider="github", team=world.team_a)
    for n in range(12):
        WebhookDelivery.objects.create(
            webhook=hook, delivery_id=f"d{n}", event_type=f"event{n}", body=b"{}",
            status="processed",
        )  # fmt: skip
    response = lead.get(team_url(world, f"{hook.id}/deliveries/"))
    assert response.status_code == 200
    assert all(f"<code>event{n}</code>" in html(response) for n in range(12))


def test_deliveries_page_of_another_teams_webhook_404(lead, world):
    hook, _ = webhook_services.create_webhook(provider="github", team=world.team_b)
    assert lead.get(team_url(world, f"{hook.id}/deliveries/")).status_code == 404


def test_refused_deliveries_are_counted_for_the_admin(client, world):
    hook, secret = webhook_services.create_webhook(provider="github", organization=world.org)
    body = b'{"zen": "x"}'
    bad = client.post(
        f"/hooks/{hook.public_id}/", data=body, content_type="application/json",
        HTTP_X_GITHUB_EVENT="ping", HTTP_X_HUB_SIGNATURE_256="sha256=" + "0" * 64,
    )  # fmt: skip
    missing = client.post(
        f"/hooks/{hook.public_id}/", data=body, content_type="application/json",
        HTTP_X_GITHUB_EVENT="ping",
    )  # fmt: skip
    assert (bad.status_code, missing.status_code) == (401, 401)
    assert WebhookDelivery.objects.count() == 0
    client.force_login(world.org_admin)
    page = html(client.get(org_url(world)))
    hook.refresh_from_db()
    stamp = hook.last_bad_signature_at.strftime("%Y-%m-%d %H:%M")
    assert '<span class="text-danger-emphasis fw-semibold">2</span> with a bad or missing' in page
    assert stamp in page


def test_rotate_shows_new_secret_once_and_grace(lead, world):
    hook, old = webhook_services.create_webhook(provider="github", team=world.team_a)
    response = lead.post(team_url(world, f"{hook.id}/rotate/"))
    assert response.status_code == 302
    hook.refresh_from_db()
    new = unseal(hook.secret_sealed)
    assert hook.secrets_valid_at(hook.created_at) == [new, old]
    page = html(lead.get(team_url(world)))
    assert f'value="{new}"' in page
    assert old not in page
    until = hook.previous_secret_expires_at.strftime("%Y-%m-%d %H:%M")
    assert "The previous secret stays valid until" in page
    assert "Rotating until <time" in page and until in page
    assert new not in html(lead.get(team_url(world)))


def test_revoke_marks_revoked_and_url_stops(lead, world, client):
    hook, secret = webhook_services.create_webhook(provider="github", team=world.team_a)
    page = html(lead.get(team_url(world)))
    assert 'data-confirm-title="Revoke this GitHub webhook?"' in page
    response = lead.post(team_url(world, f"{hook.id}/revoke/"))
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.revoked_at is not None
    page = html(lead.get(team_url(world)))
    assert "Revoked <time" in page
    assert f'action="{team_url(world, f"{hook.id}/rotate/")}"' not in page
    body = b"{}"
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    received = client.post(
        f"/hooks/{hook.public_id}/", data=body, content_type="application/json",
        HTTP_X_GITHUB_EVENT="ping", HTTP_X_HUB_SIGNATURE_256=signature,
    )  # fmt: skip
    assert received.status_code == 404
    assert lead.post(team_url(world, f"{hook.id}/revoke/")).status_code == 404
    assert lead.post(team_url(world, f"{hook.id}/rotate/")).status_code == 404


def test_rotate_and_revoke_refused_to_a_member(client, world):
    hook, _ = webhook_services.create_webhook(provider="github", team=world.team_a)
    before = Webhook.objects.values_list("secret_sealed", "revoked_at").get()
    client.force_login(world.member_a)
    assert client.post(team_url(world, f"{hook.id}/rotate/")).status_code == 403
    assert client.post(team_url(world, f"{hook.id}/revoke/")).status_code == 403
    assert Webhook.objects.values_list("secret_sealed", "revoked_at").get() == before


def test_nothing_of_another_organisation_is_visible(client, world):
    theirs, their_secret = webhook_services.create_webhook(
        provider="github", organization=world.other
    )
    their_team, _ = webhook_services.create_webhook(provider="gitlab", team=world.other_team)
    client.force_login(world.org_admin)
    page = html(client.get(org_url(world)))
    assert theirs.public_id not in page and their_team.public_id not in page
    other_org = f"/organizations/{world.other.slug}/webhooks/"
    assert client.get(other_org).status_code == 404
    assert client.post(f"{other_org}{theirs.id}/rotate/").status_code == 404
    assert client.post(org_url(world, f"{theirs.id}/revoke/")).status_code == 404
    other_team = f"/teams/{world.other_team.id}/dora/webhooks/"
    assert client.get(other_team).status_code == 404
    assert client.get(f"{other_team}{their_team.id}/deliveries/").status_code == 404
    assert Webhook.objects.filter(revoked_at__isnull=False).count() == 0


def test_audit_entries_for_create_rotate_revoke_hold_no_secret(lead, world):
    create(lead, team_url(world), environment="production")
    hook = Webhook.objects.get()
    secrets_seen = [unseal(hook.secret_sealed), hook.secret_sealed]
    lead.get(team_url(world))  # shows (and forgets) the secret
    lead.post(team_url(world, f"{hook.id}/rotate/"))
    hook.refresh_from_db()
    secrets_seen += [unseal(hook.secret_sealed), hook.secret_sealed, hook.previous_secret_sealed]
    lead.post(team_url(world, f"{hook.id}/revoke/"))
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Webhook), object_id=hook.id
    ).order_by("timestamp", "id")
    assert [e.changes_dict["event"][1] for e in entries] == ["created", "rotated", "revoked"]
    assert {e.actor for e in entries} == {world.lead_a}
    assert entries[0].changes_dict["settings"] == [None, "environment=production"]
    dumped = json.dumps(
        [[e.changes, e.additional_data, e.serialized_data, e.object_repr] for e in entries],
        default=str,
    )
    assert "secret_sealed" not in dumped
    assert [s for s in secrets_seen if s and s in dumped] == []


def test_audit_page_lists_webhook_entries_to_the_admin(client, world):
    webhook_services.create_webhook(provider="github", team=world.team_a, created_by=world.lead_a)
    webhook_services.create_webhook(provider="opsgenie", organization=world.org)
    webhook_services.create_webhook(provider="github", organization=world.other)
    rows = audit.describe(audit.entries_for(world.org_admin, model_key="webhook"))
    assert sorted((r["team"], r["entry"].object_repr) for r in rows) == [
        ("(organisation)", "Opsgenie webhook of Acme"),
        ("Team A", "GitHub webhook of Team A"),
    ]
    only_a = audit.entries_for(world.org_admin, team_ids=[world.team_a.id], model_key="webhook")
    assert [e.object_repr for e in only_a] == ["GitHub webhook of Team A"]
    client.force_login(world.org_admin)
    assert client.get("/audit/?model=webhook").status_code == 200


def test_team_dora_page_links_the_lead_to_webhooks(lead, world, client):
    link = f'href="{team_url(world)}"'
    assert link in html(lead.get(f"/teams/{world.team_a.id}/dora/"))
    client.force_login(world.member_a)
    assert link not in html(client.get(f"/teams/{world.team_a.id}/dora/"))


def test_organization_settings_links_to_webhooks(client, world):
    client.force_login(world.org_admin)
    page = html(client.get(f"/organizations/{world.org.id}/settings/"))
    assert f'href="{org_url(world)}"' in page


def sign_pagerduty(secret, body):
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_pagerduty_takes_the_secret_pagerduty_made(client, world):
    hook, ours = webhook_services.create_webhook(provider="pagerduty", organization=world.org)
    client.force_login(world.org_admin)
    page = html(client.get(org_url(world)))
    assert f'action="{org_url(world, f"{hook.id}/rotate/")}"' not in page
    assert f'action="{org_url(world, f"{hook.id}/secret/")}"' in page
    theirs = "pd-made-" + "x" * 40
    response = client.post(org_url(world, f"{hook.id}/secret/"), {"secret": f" {theirs} "})
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.secrets_valid_at(hook.created_at) == [theirs, ours]
    body = b'{"event": {"id": "01ABC", "event_type": "pagey.ping"}}'
    received = client.post(
        f"/hooks/{hook.public_id}/", data=body, content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=sign_pagerduty(theirs, body),
    )  # fmt: skip
    assert received.status_code == 202
    entry = LogEntry.objects.filter(object_id=hook.id).latest("id")
    assert entry.changes_dict["event"] == [None, "secret from provider"]
    assert theirs not in json.dumps([entry.changes, entry.additional_data], default=str)


def test_provider_secret_refused_for_github_and_when_empty(lead, world):
    hook, secret = webhook_services.create_webhook(provider="github", team=world.team_a)
    response = lead.post(team_url(world, f"{hook.id}/secret/"), {"secret": "abc"}, follow=True)
    assert "GitHub is given this webhook&#x27;s secret" in html(response)
    pager, ours = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    response = lead.post(team_url(world, f"{pager.id}/secret/"), {"secret": "  "}, follow=True)
    assert "Paste the signing secret PagerDuty showed" in html(response)
    hook.refresh_from_db()
    pager.refresh_from_db()
    assert (unseal(hook.secret_sealed), unseal(pager.secret_sealed)) == (secret, ours)


def test_api_takes_the_provider_secret(api_client, world):
    from tests.conftest import client_for

    hook, ours = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    client = client_for(api_client, world.lead_a)
    url = f"/api/v1/teams/{world.team_a.id}/webhooks/{hook.id}/secret/"
    response = client.put(url, {"secret": "from-pagerduty"}, format="json")
    assert response.status_code == 200
    hook.refresh_from_db()
    assert response.json() == {
        "id": hook.id,
        "previous_secret_expires_at": hook.previous_secret_expires_at.isoformat().replace(
            "+00:00", "Z"
        ),
    }
    assert hook.secrets_valid_at(hook.created_at) == ["from-pagerduty", ours]
    github, _ = webhook_services.create_webhook(provider="github", team=world.team_a)
    refused = client.put(
        f"/api/v1/teams/{world.team_a.id}/webhooks/{github.id}/secret/",
        {"secret": "x"},
        format="json",
    )
    assert refused.status_code == 400
