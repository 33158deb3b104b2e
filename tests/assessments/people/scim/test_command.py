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
