"""The webhooks API: the secret once, lists without it, revoke and rotate."""

import hashlib
import hmac

from assessments.models import Webhook
from tests.conftest import client_for


def test_create_team_webhook_201_secret_once(world, api_client):
    client = client_for(api_client, world.lead_a)
    response = client.post(
        f"/api/v1/teams/{world.team_a.id}/webhooks/",
        {"provider": "github", "deploy_workflow": "Deploy*"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    hook = Webhook.objects.get()
    assert set(body) == {"id", "provider", "url", "secret"}
    assert (body["id"], body["provider"]) == (hook.id, "github")
    assert body["url"] == f"http://testserver/hooks/{hook.public_id}/"
    assert hook.settings == {"deploy_workflow": "Deploy*"}
    listed = client.get(f"/api/v1/teams/{world.team_a.id}/webhooks/").json()
    assert [h["id"] for h in listed] == [hook.id]
    assert body["secret"] not in str(listed)
    assert "secret" not in listed[0]


def test_create_unknown_provider_400(world, api_client):
    client = client_for(api_client, world.lead_a)
    response = client.post(
        f"/api/v1/teams/{world.team_a.id}/webhooks/", {"provider": "jenkins"}, format="json"
    )
    assert response.status_code == 400
    assert Webhook.objects.count() == 0


def test_revoke_removes_from_list_and_url_stops(world, api_client):
    client = client_for(api_client, world.org_admin)
    created = client.post(
        f"/api/v1/organizations/{world.org.slug}/webhooks/", {"provider": "github"}, format="json"
    ).json()
    deleted = client.delete(f"/api/v1/organizations/{world.org.slug}/webhooks/{created['id']}/")
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/organizations/{world.org.slug}/webhooks/").json() == []
    body = b"{}"
    signature = "sha256=" + hmac.new(created["secret"].encode(), body, hashlib.sha256).hexdigest()
    response = api_client.post(
        created["url"].removeprefix("http://testserver"),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
        HTTP_X_GITHUB_EVENT="ping",
    )
    assert response.status_code == 404


def test_rotate_returns_new_secret_old_valid_for_grace(world, api_client):
    client = client_for(api_client, world.lead_a)
    created = client.post(
        f"/api/v1/teams/{world.team_a.id}/webhooks/", {"provider": "pagerduty"}, format="json"
    ).json()
    rotated = client.post(f"/api/v1/teams/{world.team_a.id}/webhooks/{created['id']}/rotate/")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    hook = Webhook.objects.get()
    assert new != created["secret"]
    assert hook.secrets_valid_at(hook.created_at) == [new, created["secret"]]
    assert hook.secrets_valid_at(hook.previous_secret_expires_at) == [new]


def test_other_teams_webhook_404(world, api_client):
    client = client_for(api_client, world.other_admin)
    created = client.post(
        f"/api/v1/teams/{world.other_team.id}/webhooks/", {"provider": "github"}, format="json"
    ).json()
    lead = client_for(api_client, world.lead_a)
    response = lead.delete(f"/api/v1/teams/{world.team_a.id}/webhooks/{created['id']}/")
    assert response.status_code == 404
