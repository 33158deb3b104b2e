"""manage.py scim_token: a new key printed once, its hash kept; --revoke."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessments.models import ScimToken
from assessments.models.scim import hash_key


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("scim_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_scim_token_prints_a_key_stored_as_its_hash(world):
    key, note = run("acme")
    token = ScimToken.objects.get()
    assert key.startswith("vsms_")
    assert (token.organization, token.key_hash, token.prefix) == (
        world.org,
        hash_key(key),
        key[5:13],
    )
    assert key not in note


def test_scim_token_revoke(world, client):
    key, _ = run("acme")
    run("acme", "--revoke", key[5:13])
    assert ScimToken.objects.get().revoked_at is not None
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_scim_token_revoke_of_another_organisation_refused(world):
    key, _ = run("acme")
    with pytest.raises(CommandError):
        run("other", "--revoke", key[5:13])
    assert ScimToken.objects.get().revoked_at is None


def test_scim_token_unknown_organisation(world):
    with pytest.raises(CommandError):
        run("nobody")


def test_admin_lists_and_revokes_tokens(world, client):
    token, key = ScimToken.issue(world.org)
    client.force_login(world.superuser)
    listing = client.get("/admin/assessments/scimtoken/")
    assert (listing.status_code, token.prefix in listing.content.decode()) == (200, True)
    assert key not in listing.content.decode()
    response = client.post(
        "/admin/assessments/scimtoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert (response.status_code, token.revoked_at is not None) == (302, True)
    assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_admin_group_page_offers_only_its_organisations_teams(world, client):
    from tests.factories import ScimGroupFactory

    group = ScimGroupFactory(organization=world.org)
    client.force_login(world.superuser)
    url = f"/admin/assessments/scimgroup/{group.pk}/change/"
    page = client.get(url).content.decode()
    assert ("Team A" in page, "Other Team" in page) == (True, False)
    response = client.post(url, {"team": world.other_team.pk})
    group.refresh_from_db()
    assert (response.status_code, group.team) == (200, None)  # the form's error, nothing saved
