"""Team API tokens with a scope and an expiry (issue 20): the model keeps only the hash and
refuses expired and revoked keys; the API answers each scope only where it belongs; the tokens
page lists them with their last use, shows a new key exactly once, revokes after confirmation,
and writes audit entries that hold neither key nor hash; the command takes a scope and an
expiry."""

import datetime as dt
import json
from html import unescape
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.audit import trail as audit
from assessments.dora import token_services
from assessments.models import Deployment, TeamApiToken

EVENTS, METRICS = TeamApiToken.EVENTS, TeamApiToken.METRICS


def dora_url(team):
    return f"/api/v1/teams/{team.id}/dora/"


def deployments_url(team):
    return f"/api/v1/teams/{team.id}/deployments/"


def page_url(team):
    return reverse("team_tokens", args=[team.id])


def revoke_url(team, token):
    return reverse("team_token_revoke", args=[team.id, token.id])


def bearer(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api_client


def send_deployment(client, team):
    row = {"external_id": "d-1", "finished_at": "2026-11-02T10:00:00Z"}
    return client.post(deployments_url(team), [row], format="json")


@pytest.fixture
def lead(client, world):
    client.force_login(world.lead_a)
    return client


def html(response):
    return response.content.decode()


# --- the model ----------------------------------------------------------------------------


def test_issue_stores_scope_expiry_and_only_the_hash(world):
    expires = timezone.now() + dt.timedelta(days=30)
    token, key = TeamApiToken.issue(world.team_a, "Dashboard", scope=METRICS, expires_at=expires)
    token.refresh_from_db()
    assert (token.scope, token.expires_at, token.prefix) == (METRICS, expires, key[5:13])
    assert key not in token.key_hash and len(token.key_hash) == 64
    assert TeamApiToken.find(key) == token


def test_existing_tokens_send_events_and_never_expire(world):
    token, _ = TeamApiToken.issue(world.team_a, "CI")
    assert (token.scope, token.expires_at) == (EVENTS, None)


def test_find_refuses_expired_and_revoked_tokens(world):
    expired, expired_key = TeamApiToken.issue(
        world.team_a, "old", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    TeamApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    revoked, revoked_key = TeamApiToken.issue(world.team_a, "gone")
    TeamApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    assert (TeamApiToken.find(expired_key), TeamApiToken.find(revoked_key)) == (None, None)
    assert TeamApiToken.matching(expired_key) == expired  # still there, to say why


def test_scope_is_checked_by_the_database_and_by_issue(world):
    token, _ = TeamApiToken.issue(world.team_a, "CI")
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamApiToken.objects.filter(pk=token.pk).update(scope="admin")
    with pytest.raises(ValueError):
        TeamApiToken.issue(world.team_a, "CI", scope="admin")


# --- the API: each scope where it belongs -------------------------------------------------


def test_metrics_token_reads_its_teams_metrics_and_records_the_use(world, api_client):
    token, key = TeamApiToken.issue(world.team_a, "Dashboard", scope=METRICS)
    response = bearer(api_client, key).get(dora_url(world.team_a), {"window_days": 30})
    assert (response.status_code, response.json()["team"]) == (200, world.team_a.id)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_metrics_token_sees_no_other_team(world, api_client):
    _, key = TeamApiToken.issue(world.team_a, "Dashboard", scope=METRICS)
    client = bearer(api_client, key)
    for team in (world.team_b, world.other_team):
        response = client.get(dora_url(team))
        assert (response.status_code, response.json()) == (404, {"detail": "No such team."})


def test_metrics_token_may_not_send_events(world, api_client):
    _, key = TeamApiToken.issue(world.team_a, "Dashboard", scope=METRICS)
    response = send_deployment(bearer(api_client, key), world.team_a)
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This team token has the scope 'metrics': it may only read the team's DORA metrics "
        "(GET /api/v1/teams/{id}/dora/). This endpoint needs a token with the scope 'events'."
    )
    assert Deployment.objects.count() == 0


def test_events_token_may_not_read_metrics(world, api_client):
    _, key = TeamApiToken.issue(world.team_a, "CI")
    response = bearer(api_client, key).get(dora_url(world.team_a))
    assert response.status_code == 403
    assert response.json()["detail"].startswith(
        "This team token has the scope 'events': it may only send the team's deployment and "
        "incident events"
    )
    assert response.json()["detail"].endswith("needs a token with the scope 'metrics'.")


def test_metrics_token_writes_nothing_and_opens_nothing_else(world, api_client):
    _, key = TeamApiToken.issue(world.team_a, "Dashboard", scope=METRICS)
    client = bearer(api_client, key)
    entry = client.put(
        f"/api/v1/teams/{world.team_a.id}/dora/entries/2026-Q4/", {"lead_time": 3}, format="json"
    )
    assert entry.status_code == 401  # the entry endpoint does not take team tokens at all
    for url in ("/api/v1/teams/", f"/api/v1/teams/{world.team_a.id}/members/",
                "/api/v1/dora/benchmarks/"):  # fmt: skip
        assert client.get(url).status_code == 401, url


def test_metrics_token_is_read_only_even_where_accepted(world, rf):
    """The scope rule itself: a write with a metrics token is refused on a metrics view."""
    from rest_framework.exceptions import PermissionDenied

    from assessments.dora import token_auth

    token, _ = TeamApiToken.issue(world.team_a, "Dashboard", scope=METRICS)
    request = rf.post("/")
    request.user = token_auth.TeamTokenPrincipal(token)
    view = type("View", (), {"token_scope": METRICS})()
    with pytest.raises(PermissionDenied, match="read-only"):
        token_auth.TeamTokenScope().has_permission(request, view)
    request = rf.get("/")
    request.user = token_auth.TeamTokenPrincipal(token)
    assert token_auth.TeamTokenScope().has_permission(request, view) is True


@pytest.mark.parametrize("scope", [EVENTS, METRICS])
def test_expired_token_gets_401_saying_when(world, api_client, scope, settings):
    settings.TIME_ZONE = "UTC"
    token, key = TeamApiToken.issue(
        world.team_a, "CI", scope=scope, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    moment = dt.datetime(2026, 11, 30, 8, 15, tzinfo=dt.UTC)
    TeamApiToken.objects.filter(pk=token.pk).update(expires_at=moment)
    client = bearer(api_client, key)
    response = (
        client.get(dora_url(world.team_a))
        if scope == METRICS
        else send_deployment(client, world.team_a)
    )
    assert (response.status_code, response.json()) == (
        401,
        {
            "detail": "This team token expired at 2026-11-30 08:15 UTC; ask the team's lead "
            "for a new one."
        },
    )
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    token.refresh_from_db()
    assert token.last_used_at is None


def test_revoked_token_gets_401(world, api_client):
    token, key = TeamApiToken.issue(world.team_a, "Dashboard", scope=METRICS)
    token_services.revoke_token(world.lead_a, world.team_a, token.id)
    response = bearer(api_client, key).get(dora_url(world.team_a))
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Invalid or revoked team token."},
    )


def test_users_read_metrics_as_before(world, api_client):
    api_client.force_authenticate(world.member_a)
    assert api_client.get(dora_url(world.team_a)).status_code == 200
    assert api_client.get(dora_url(world.other_team)).status_code == 404


def test_schema_names_the_scope_of_each_endpoint(world, api_client):
    api_client.force_authenticate(world.member_a)
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["teamToken"]
    assert "scope `events`" in scheme["description"]
    assert "scope `metrics`" in scheme["description"]
    scoped = {
        (path, method): operation.get("x-team-token-scope")
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if {"teamToken": []} in operation.get("security", [])
    }
    assert scoped == {
        ("/api/v1/teams/{team_id}/dora/", "get"): METRICS,
        ("/api/v1/teams/{team_id}/deployments/", "post"): EVENTS,
        ("/api/v1/teams/{team_id}/incidents/", "post"): EVENTS,
    }


# --- the page -------------------------------------------------------------------------------


def test_lead_creates_a_token_and_sees_the_key_once(lead, world):
    response = lead.post(
        page_url(world.team_a), {"name": "Dashboard", "scope": METRICS, "expires_in_days": "30"}
    )
    assert (response.status_code, response["Location"]) == (302, page_url(world.team_a))
    token = TeamApiToken.objects.get()
    assert (token.name, token.scope, token.created_by) == ("Dashboard", METRICS, world.lead_a)
    assert (token.expires_at - timezone.now()).days in (29, 30)
    shown = unescape(html(lead.get(page_url(world.team_a))))
    key = shown.split('id="new-key" type="text" readonly value="')[1].split('"')[0]
    assert TeamApiToken.find(key) == token
    assert f'curl -H "Authorization: Bearer {key}" http://testserver{dora_url(world.team_a)}' in (
        shown
    )
    again = html(lead.get(page_url(world.team_a)))
    assert key not in again and "new-key" not in again
    assert f"vsmt_{token.prefix}…" in again


def test_the_example_of_an_events_token_sends_deployments(lead, world):
    lead.post(page_url(world.team_a), {"name": "CI", "scope": EVENTS})
    shown = html(lead.get(page_url(world.team_a)))
    assert "--data-binary @deployments.csv http://testserver" + deployments_url(world.team_a) in (
        shown
    )
    assert TeamApiToken.objects.get().expires_at is None


def test_the_key_is_not_shown_on_another_teams_page(client, world):
    client.force_login(world.org_admin)
    client.post(page_url(world.team_a), {"name": "CI", "scope": EVENTS})
    assert "new-key" not in html(client.get(page_url(world.team_b)))
    assert "new-key" not in html(client.get(page_url(world.team_a)))  # gone, not kept


def test_list_shows_scope_expiry_and_last_use(lead, world):
    used, _ = TeamApiToken.issue(world.team_a, "Pipeline", created_by=world.lead_a)
    TeamApiToken.objects.filter(pk=used.pk).update(
        last_used_at=timezone.make_aware(dt.datetime(2026, 11, 20, 14, 5))
    )
    TeamApiToken.issue(world.team_a, "Fresh", scope=METRICS,
                       expires_at=timezone.make_aware(dt.datetime(2027, 1, 5)))  # fmt: skip
    old, _ = TeamApiToken.issue(world.team_a, "Old", expires_at=timezone.now() + dt.timedelta(1))
    TeamApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    TeamApiToken.issue(world.team_b, "Team B's")
    page = html(lead.get(page_url(world.team_a)))
    assert "2026-11-20 14:05" in page and "never used" in page
    assert "2027-01-05 00:00" in page and "Read DORA metrics" in page
    assert "never" in page and "expired" in page
    assert "Team B&#x27;s" not in page
    # Working tokens first: the expired one comes last.
    assert page.index("Fresh") < page.index("Pipeline") < page.index(">Old")


def test_member_sees_the_list_but_cannot_create_or_revoke(client, world):
    token, key = TeamApiToken.issue(world.team_a, "CI")
    client.force_login(world.member_a)
    page = html(client.get(page_url(world.team_a)))
    assert "CI" in page and f"vsmt_{token.prefix}" in page and key not in page
    assert "Create a token" not in page and "Revoke" not in page
    refused = client.post(page_url(world.team_a), {"name": "Mine", "scope": EVENTS})
    assert refused.status_code == 403
    assert client.post(revoke_url(world.team_a, token)).status_code == 403
    token.refresh_from_db()
    assert (TeamApiToken.objects.count(), token.revoked_at) == (1, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"scope": "admin"}, "Select a valid choice."),
        ({"expires_in_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"expires_in_days": "366"}, "Ensure this value is less than or equal to 365."),
        ({"expires_on": "2020-01-01"}, "The expiry date must be after today."),
        ({"expires_on": "today"}, "Enter a valid date."),
        ({"expires_on": "+366"}, "The expiry date is at most 365 days from today."),
        ({"expires_in_days": "5", "expires_on": "+5"}, "not both"),
    ],
)
def test_create_form_refuses_bad_input(lead, world, fields, message):
    today = timezone.localdate()
    for name, value in fields.items():
        if value == "today":
            fields[name] = "not a date"
        elif value.startswith("+"):
            fields[name] = (today + dt.timedelta(days=int(value[1:]))).isoformat()
    response = lead.post(page_url(world.team_a), {"name": "CI", "scope": EVENTS, **fields})
    assert response.status_code == 400
    assert message in html(response)
    assert TeamApiToken.objects.count() == 0


def test_a_date_expiry_starts_that_day(lead, world):
    on = timezone.localdate() + dt.timedelta(days=365)
    lead.post(page_url(world.team_a), {"name": "CI", "scope": EVENTS, "expires_on": on})
    expires = timezone.localtime(TeamApiToken.objects.get().expires_at)
    assert (expires.date(), expires.time()) == (on, dt.time.min)


def test_revoke_asks_first_and_then_stops_the_token(lead, world, api_client):
    token, key = TeamApiToken.issue(world.team_a, "CI")
    page = html(lead.get(page_url(world.team_a)))
    assert 'data-confirm-title="Revoke CI?"' in page and "js/confirm.js" in page
    response = lead.post(revoke_url(world.team_a, token))
    assert (response.status_code, response["Location"]) == (302, page_url(world.team_a))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert send_deployment(bearer(api_client, key), world.team_a).status_code == 401
    page = html(lead.get(page_url(world.team_a)))
    assert "revoked" in page and 'data-confirm-title="Revoke CI?"' not in page


def test_admin_of_the_organisation_manages_tokens(client, world):
    client.force_login(world.org_admin)
    client.post(page_url(world.team_a), {"name": "CI", "scope": EVENTS})
    token = TeamApiToken.objects.get()
    assert client.post(revoke_url(world.team_a, token)).status_code == 302


@pytest.mark.parametrize("role", ["member_a", "lead_a", "org_admin"])
def test_other_organisation_is_404(client, world, role):
    token, _ = TeamApiToken.issue(world.other_team, "CI")
    client.force_login(getattr(world, role))
    assert client.get(page_url(world.other_team)).status_code == 404
    assert client.post(page_url(world.other_team), {"name": "x", "scope": EVENTS}).status_code == (
        404
    )
    assert client.post(revoke_url(world.other_team, token)).status_code == 404
    # Another team's token through one's own team's address: no such token there.
    if role != "member_a":
        assert client.post(revoke_url(world.team_a, token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_outsider_gets_404_and_anonymous_the_login(client, world):
    assert client.get(page_url(world.team_a)).status_code == 302
    client.force_login(world.outsider)
    assert client.get(page_url(world.team_a)).status_code == 404


def test_team_dora_page_links_to_the_tokens(client, world):
    client.force_login(world.member_a)
    page = html(client.get(reverse("team_dora", args=[world.team_a.id])))
    assert f'href="{page_url(world.team_a)}"' in page


# --- audit ----------------------------------------------------------------------------------


def test_audit_entries_for_create_and_revoke_hold_neither_key_nor_hash(lead, world):
    lead.post(page_url(world.team_a), {"name": "CI", "scope": METRICS, "expires_in_days": "7"})
    token = TeamApiToken.objects.get()
    page = html(lead.get(page_url(world.team_a)))
    key = page.split('id="new-key" type="text" readonly value="')[1].split('"')[0]
    lead.post(revoke_url(world.team_a, token))
    entries = list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(TeamApiToken), object_id=token.id
        ).order_by("timestamp", "id")
    )
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert {e.actor for e in entries} == {world.lead_a}
    assert entries[0].changes_dict["scope"] == ["None", METRICS]
    assert set(entries[1].changes_dict) == {"revoked_at"}
    dumped = json.dumps(
        [[e.changes, e.additional_data, e.serialized_data, e.object_repr] for e in entries],
        default=str,
    )
    assert key not in dumped and token.key_hash not in dumped and "key_hash" not in dumped


def test_audit_page_lists_token_entries_under_the_team(world):
    TeamApiToken.issue(world.team_a, "CI", created_by=world.lead_a)
    TeamApiToken.issue(world.other_team, "Theirs")
    rows = audit.describe(audit.entries_for(world.org_admin, model_key="teamapitoken"))
    assert [(r["team"], r["what"]) for r in rows] == [("Team A", "API tokens")]


def test_using_a_token_writes_no_audit_entry(world, api_client):
    token, key = TeamApiToken.issue(world.team_a, "Dashboard", scope=METRICS)
    before = LogEntry.objects.count()
    bearer(api_client, key).get(dora_url(world.team_a))
    token.refresh_from_db()
    assert (token.last_used_at is not None, LogEntry.objects.count()) == (True, before)


# --- the command ----------------------------------------------------------------------------


def test_command_issues_a_metrics_token_that_expires(world, api_client):
    out, err = StringIO(), StringIO()
    call_command(
        "issue_team_token", "team-a", "Dashboard", "--org", "acme", "--scope", "metrics",
        "--expires-days", "30", stdout=out, stderr=err,
    )  # fmt: skip
    key = out.getvalue().strip()
    token = TeamApiToken.find(key)
    assert (token.scope, (token.expires_at - timezone.now()).days) == (METRICS, 29)
    assert "metrics, expires" in err.getvalue()
    assert bearer(api_client, key).get(dora_url(world.team_a)).status_code == 200


@pytest.mark.parametrize("days", ["0", "366"])
def test_command_refuses_an_expiry_out_of_range(world, days):
    with pytest.raises(CommandError, match="1 to 365 days"):
        call_command("issue_team_token", "team-a", "CI", "--org", "acme", "--expires-days", days,
                     stdout=StringIO(), stderr=StringIO())  # fmt: skip
    assert TeamApiToken.objects.count() == 0


def test_command_refuses_an_unknown_scope(world):
    with pytest.raises(CommandError):
        call_command("issue_team_token", "team-a", "CI", "--org", "acme", "--scope", "admin",
                     stdout=StringIO(), stderr=StringIO())  # fmt: skip


# --- transfer -------------------------------------------------------------------------------


def test_an_organisation_export_carries_no_token(world):
    """Tokens are credentials of this site: the target site issues new ones."""
    from reports.transfer.organization import NOT_CARRIED, export_organization

    token, key = TeamApiToken.issue(world.team_a, "Dashboard ci-marker", scope=METRICS)
    dumped = json.dumps(export_organization(world.org), default=str)
    assert NOT_CARRIED[TeamApiToken] == "credentials: issue new ones"
    assert [s for s in (key, token.key_hash, token.prefix, "ci-marker") if s in dumped] == []
