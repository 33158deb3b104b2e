"""The organisation admin's provisioning page (issue 21): SCIM tokens created (the key shown
once) and revoked, SCIM groups mapped to a team, all through the functions the command and the
Django admin use; audit entries without secrets; other organisations' rows out of reach."""

import re

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assessments.models import ScimGroup, ScimGroupMember, ScimToken
from assessments.models.scim import hash_key
from assessments.people.scim import groups as scim_groups
from assessments.people.scim import tokens as scim_tokens
from tests.assessments.people.scim.conftest import GROUP_SCHEMA, ScimClient
from tests.assessments.people.scim.test_groups import group_body, team_members
from tests.factories import ScimGroupFactory

KEY = re.compile(r"vsms_[A-Za-z0-9_-]{20,}")


def page_url(org):
    return reverse("organization_provisioning", kwargs={"org_id": org.id})


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(world):
    return login(world.org_admin)


def create_token(client, org):
    """Create a token on the page; returns (redirect response, the page that shows the key)."""
    response = client.post(reverse("organization_scim_token_create", args=[org.id]))
    return response, client.get(page_url(org))


def shown_keys(page):
    return KEY.findall(page.content.decode())


def audit_text(entries):
    return " ".join(f"{e.changes} {e.additional_data} {e.serialized_data}" for e in entries)


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["member_a", "lead_a", "analyst"])
def test_provisioning_page_refused_to_others_of_the_organisation(world, username):
    client = login(getattr(world, username))
    assert client.get(page_url(world.org)).status_code == 403
    response = client.post(reverse("organization_scim_token_create", args=[world.org.id]))
    assert (response.status_code, ScimToken.objects.count()) == (403, 0)


def test_provisioning_page_of_another_organisation_404(world):
    client = login(world.other_admin)
    assert client.get(page_url(world.org)).status_code == 404
    response = client.post(reverse("organization_scim_token_create", args=[world.org.id]))
    assert (response.status_code, ScimToken.objects.count()) == (404, 0)


def test_provisioning_page_sends_anonymous_to_login(world, client):
    response = client.get(page_url(world.org))
    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (
        302,
        True,
    )


def test_settings_page_links_to_provisioning(world, admin):
    page = admin.get(reverse("organization_settings", args=[world.org.id])).content.decode()
    assert f'href="{page_url(world.org)}"' in page


# --- tokens -------------------------------------------------------------------------------


def test_provisioning_page_shows_base_url_and_empty_states(world, admin):
    page = admin.get(page_url(world.org)).content.decode()
    assert f'value="{settings.SITE_URL}/scim/v2/"' in page
    assert "No SCIM tokens yet" in page
    assert 'data-testid="no-groups"' in page


def test_created_token_key_shown_once(world, admin):
    response, page = create_token(admin, world.org)
    token = ScimToken.objects.get()
    keys = shown_keys(page)
    assert response.status_code == 302
    assert response["Location"] == page_url(world.org)  # the key never reaches a URL
    assert len(set(keys)) == 1
    assert (hash_key(keys[0]), token.prefix, token.created_by) == (
        token.key_hash,
        keys[0][5:13],
        world.org_admin,
    )
    assert "paste it into entra id or okta as the secret token" in page.content.decode().lower()
    again = admin.get(page_url(world.org))
    assert shown_keys(again) == []
    assert f"vsms_{token.prefix}…" in again.content.decode()


def test_created_token_works_on_scim(world, admin):
    _, page = create_token(admin, world.org)
    response = ScimClient(shown_keys(page)[0]).get("Users")
    assert response.status_code == 200


def test_token_list_shows_creator_last_use_and_revocation(world, admin):
    by_command, _ = scim_tokens.issue_token(world.org)
    create_token(admin, world.org)
    scim_tokens.revoke_token(world.org, by_command.prefix)
    page = admin.get(page_url(world.org)).content.decode()
    tokens_section = page.split('id="tokens-h"')[1].split('id="groups-h"')[0]
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\".*?</tr>", tokens_section, re.S)
    assert len(rows) == 2
    assert ("org_admin" in rows[0], "never" in rows[0], "working" in rows[0]) == (True,) * 3
    assert ("the command line" in rows[1], "revoked" in rows[1], "Revoke<" in rows[1]) == (
        True,
        True,
        False,
    )


def test_revoked_token_refused_on_scim_users(world, admin):
    _, page = create_token(admin, world.org)
    key = shown_keys(page)[0]
    token = ScimToken.objects.get()
    assert ScimClient(key).get("Users").status_code == 200
    response = admin.post(reverse("organization_scim_token_revoke", args=[world.org.id, token.id]))
    token.refresh_from_db()
    assert (response.status_code, token.revoked_at is not None) == (302, True)
    assert ScimClient(key).get("Users").status_code == 401


def test_revoke_page_shows_confirmation(world, admin):
    create_token(admin, world.org)
    page = admin.get(page_url(world.org)).content.decode()
    assert 'data-confirm-title="Revoke SCIM token vsms_' in page
    assert "js/confirm.js" in page


def test_revoke_token_of_another_organisation_404(world, admin):
    token, key = scim_tokens.issue_token(world.other)
    response = admin.post(reverse("organization_scim_token_revoke", args=[world.org.id, token.id]))
    token.refresh_from_db()
    assert (response.status_code, token.revoked_at) == (404, None)
    assert ScimClient(key).get("Users").status_code == 200


def test_other_organisations_tokens_never_listed(world, admin):
    token, _ = scim_tokens.issue_token(world.other)
    page = admin.get(page_url(world.org)).content.decode()
    assert token.prefix not in page


def test_token_audit_entries_hold_no_secret(world, admin):
    _, page = create_token(admin, world.org)
    key = shown_keys(page)[0]
    token = ScimToken.objects.get()
    admin.post(reverse("organization_scim_token_revoke", args=[world.org.id, token.id]))
    entries = list(LogEntry.objects.get_for_object(token).order_by("id"))
    assert [(e.action, e.changes_dict["event"][1], e.actor) for e in entries] == [
        (LogEntry.Action.CREATE, "created", world.org_admin),
        (LogEntry.Action.DELETE, "revoked", world.org_admin),
    ]
    text = audit_text(entries)
    assert (key in text, key[5:] in text, token.key_hash in text) == (False, False, False)
    audit_page = admin.get("/audit/", {"what": "scimtoken"}).content.decode()
    assert f"SCIM token {token.prefix}" in audit_page
    assert (key in audit_page, token.key_hash in audit_page) == (False, False)


def test_command_token_audited_without_actor(world):
    token, key = scim_tokens.issue_token(world.org)
    entry = LogEntry.objects.get_for_object(token).get()
    assert (entry.actor, entry.changes_dict["details"][1]) == (None, f"SCIM token {token.prefix}")
    assert key not in audit_text([entry])


# --- groups -------------------------------------------------------------------------------


def scim_group(world, name, *users, external_id=""):
    """A group as the identity provider pushes it (through the SCIM service)."""
    body = group_body(name, *users, external_id=external_id)
    return scim_groups.create_group(world.org, body)


def test_groups_listed_with_members_team_and_how_mapped(world, admin):
    scim_group(world, "Payments devs", world.member_b, external_id="team-a")
    remapped = scim_group(world, "Platform", world.member_a, world.member_b)
    scim_groups.map_to_team(remapped, world.team_b)
    scim_group(world, "Everyone")
    page = admin.get(page_url(world.org)).content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\".*?</tr>", page, re.S)
    assert [re.search(r">([^<]+)</th>", r).group(1) for r in rows] == [
        "Everyone",
        "Payments devs",
        "Platform",
    ]
    assert ("none" in rows[0], "Team A" in rows[1], "by externalId = slug" in rows[1]) == (
        True,
        True,
        True,
    )
    assert ("by an admin's choice" in rows[2], '<td class="text-end">2</td>' in rows[2]) == (
        True,
        True,
    )


def test_group_remap_moves_members_into_the_team(world, admin):
    group = scim_group(world, "Payments devs", world.member_b, external_id="team-a")
    assert team_members(world, world.team_a)["member_b"] == "member"
    response = admin.post(
        reverse("organization_scim_group_map", args=[world.org.id, group.id]),
        {"team": world.team_b.id},
    )
    group.refresh_from_db()
    assert (response.status_code, group.team) == (302, world.team_b)
    assert "member_b" not in team_members(world, world.team_a)
    assert team_members(world, world.team_b)["member_b"] == "member"


def test_group_remap_to_no_team_takes_members_out(world, admin):
    group = scim_group(world, "Payments devs", world.member_b, external_id="team-a")
    admin.post(reverse("organization_scim_group_map", args=[world.org.id, group.id]), {"team": ""})
    group.refresh_from_db()
    assert (group.team, "member_b" in team_members(world, world.team_a)) == (None, False)
    entry = LogEntry.objects.get_for_object(group).get()
    assert (entry.changes_dict["event"][1], entry.actor) == ("unmapped", world.org_admin)


def test_group_remap_to_another_organisations_team_refused(world, admin):
    group = scim_group(world, "Payments devs", world.member_b, external_id="team-a")
    admin.post(
        reverse("organization_scim_group_map", args=[world.org.id, group.id]),
        {"team": world.other_team.id},
    )
    group.refresh_from_db()
    assert group.team == world.team_a


def test_other_organisations_groups_never_listed_or_changed(world, admin):
    other_group = ScimGroupFactory(organization=world.other, display_name="Other devs")
    ScimGroupMember.objects.create(group=other_group, user=world.other_member)
    assert "Other devs" not in admin.get(page_url(world.org)).content.decode()
    response = admin.post(
        reverse("organization_scim_group_map", args=[world.org.id, other_group.id]),
        {"team": world.team_a.id},
    )
    other_group.refresh_from_db()
    assert (response.status_code, other_group.team) == (404, None)
    response = admin.post(
        reverse("organization_scim_group_map", args=[world.other.id, other_group.id]),
        {"team": ""},
    )
    assert response.status_code == 404


def test_groups_pushed_by_the_provider_appear(world, admin, acme):
    acme.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Tour Guides"})
    page = admin.get(page_url(world.org)).content.decode()
    assert ("Tour Guides" in page, 'data-testid="no-groups"' in page) == (True, False)
    assert ScimGroup.objects.get().organization == world.org
