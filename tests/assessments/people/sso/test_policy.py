"""Password sign-in under an organisation's rules (issue 21): SSO required (a break-glass
admin excepted, always with MFA; API tokens keep working), MFA required, and MFA (TOTP and
recovery codes) that anyone with a password may set up."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp_auth
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from assessments.people.sso import configuration
from tests.assessments.people.sso.oidc_provider import sign_in
from tests.factories import PASSWORD
from vsm_site.domain_errors import Invalid

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")

ISSUER = "https://idp.acme.example/v2.0"
SSO_REFUSAL = b"Acme signs in through its identity provider"


def code_for(secret, offset=0):
    counter = int(time.time()) // 30 + offset
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))


def enrol(user):
    """TOTP and recovery codes, as the setup page makes them; returns (secret, codes)."""
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user)
    return secret, codes.get_unused_codes()


def password_login(client, user, **extra):
    return client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD, **extra}
    )


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def acme_sso(world):
    configuration.configure_oidc(
        None, world.org, issuer=ISSUER, client_id="c", client_secret="s",
        email_domains="acme.example",
    )  # fmt: skip
    return world


# --- SSO required ----------------------------------------------------------------------------


def test_require_sso_refuses_passwords_of_the_organisations_people(client, acme_sso):
    configuration.set_policy(None, acme_sso.org, require_sso=True, require_mfa=False)

    response = password_login(client, acme_sso.member_a)

    assert response.status_code == 200
    assert SSO_REFUSAL in response.content
    assert not signed_in(client)


def test_require_sso_leaves_other_organisations_alone(client, acme_sso):
    configuration.set_policy(None, acme_sso.org, require_sso=True, require_mfa=False)

    response = password_login(client, acme_sso.other_member)

    assert response.status_code == 302
    assert signed_in(client)


def test_require_sso_keeps_api_tokens_working(client, acme_sso):
    configuration.set_policy(None, acme_sso.org, require_sso=True, require_mfa=False)
    token = Token.objects.create(user=acme_sso.member_a)

    response = client.get("/api/v1/teams/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


def test_require_sso_needs_a_provider(world):
    with pytest.raises(Invalid, match="Connect an identity provider"):
        configuration.set_policy(None, world.org, require_sso=True, require_mfa=False)


def test_break_glass_admin_signs_in_with_password_and_code(client, acme_sso):
    admin = acme_sso.org_admin
    secret, _ = enrol(admin)
    configuration.set_policy(
        None, acme_sso.org, require_sso=True, break_glass_username="org_admin", require_mfa=False
    )

    response = password_login(client, admin)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/"
    assert not signed_in(client)
    wrong = client.post("/accounts/login/code/", {"code": "000000"})
    assert wrong.status_code == 200
    assert not signed_in(client)

    response = client.post("/accounts/login/code/", {"code": code_for(secret)})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(admin.pk)


def test_break_glass_admin_must_have_mfa(client, acme_sso):
    with pytest.raises(Invalid, match="org_admin has no MFA yet"):
        configuration.set_policy(
            None, acme_sso.org, require_sso=True, break_glass_username="org_admin",
            require_mfa=False,
        )  # fmt: skip
    enrol(acme_sso.org_admin)
    configuration.set_policy(
        None, acme_sso.org, require_sso=True, break_glass_username="org_admin", require_mfa=False
    )
    Authenticator.objects.filter(user=acme_sso.org_admin).delete()  # lost since

    response = password_login(client, acme_sso.org_admin)

    assert b"A break-glass sign-in needs MFA" in response.content
    assert not signed_in(client)


def test_break_glass_must_be_an_organisation_admin(acme_sso):
    with pytest.raises(Invalid, match="has no organisation admin named 'member_a'"):
        configuration.set_policy(
            None, acme_sso.org, require_sso=True, break_glass_username="member_a",
            require_mfa=False,
        )  # fmt: skip


# --- MFA -------------------------------------------------------------------------------------


def test_require_mfa_sends_people_without_it_to_set_it_up(client, world):
    configuration.set_policy(None, world.org, require_sso=False, require_mfa=True)

    response = password_login(client, world.member_a)

    assert response["Location"] == "/accounts/mfa/"
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"] == "/accounts/mfa/"
    assert client.get("/api/v1/teams/")["Location"] == "/accounts/mfa/"
    assert client.get("/ping").content == b"pong"  # the health probe shows no one's data
    page = client.get("/accounts/mfa/")
    assert b"Your organisation requires two-factor authentication" in page.content
    secret = client.session[totp_auth.SECRET_SESSION_KEY]

    done = client.post("/accounts/mfa/", {"code": code_for(secret), "password": PASSWORD})

    assert done.status_code == 200
    assert b"Your recovery codes" in done.content
    assert client.get("/").status_code == 200  # free to go on
    assert Authenticator.objects.filter(user=world.member_a).count() == 2


def test_mfa_setup_needs_the_password_and_a_right_code(client, world):
    client.force_login(world.member_a)
    client.get("/accounts/mfa/")
    secret = client.session[totp_auth.SECRET_SESSION_KEY]

    assert client.post("/accounts/mfa/", {"code": code_for(secret)}).status_code == 400
    assert (
        client.post("/accounts/mfa/", {"code": "123456", "password": PASSWORD}).status_code == 400
    )
    assert not Authenticator.objects.filter(user=world.member_a).exists()


def test_mfa_is_asked_at_password_sign_in_once_set_up(client, world):
    _, codes = enrol(world.member_a)

    response = password_login(client, world.member_a)

    assert response["Location"] == "/accounts/login/code/"
    assert not signed_in(client)
    assert client.get("/").status_code == 302


def test_recovery_code_signs_in_once(client, world):
    _, codes = enrol(world.member_a)

    password_login(client, world.member_a)
    client.post("/accounts/login/code/", {"code": codes[0]})
    assert signed_in(client)
    client.logout()

    password_login(client, world.member_a)
    client.post("/accounts/login/code/", {"code": codes[0]})
    assert not signed_in(client)


def test_code_step_without_a_password_step_goes_back_to_login(client, world):
    response = client.post("/accounts/login/code/", {"code": "123456"})
    assert response["Location"] == "/accounts/login/"


def test_required_mfa_cannot_be_turned_off(client, world):
    enrol(world.member_a)
    configuration.set_policy(None, world.org, require_sso=False, require_mfa=True)
    client.force_login(world.member_a)

    client.post("/accounts/mfa/", {"action": "deactivate", "password": PASSWORD})

    assert Authenticator.objects.filter(user=world.member_a, type="totp").exists()


def test_optional_mfa_is_turned_off_with_the_password(client, world):
    enrol(world.member_a)
    client.force_login(world.member_a)

    client.post("/accounts/mfa/", {"action": "deactivate", "password": "wrong"})
    assert Authenticator.objects.filter(user=world.member_a, type="totp").exists()
    client.post("/accounts/mfa/", {"action": "deactivate", "password": PASSWORD})
    assert not Authenticator.objects.filter(user=world.member_a, type="totp").exists()


def test_sso_sign_in_is_not_asked_for_a_code(client, world, provider):
    """The provider enforces its own MFA; allauth's code step is not in the way."""
    configuration.configure_oidc(
        None, world.org, issuer=provider.issuer, client_id="c", client_secret="s",
        email_domains="acme.example",
    )  # fmt: skip
    provider.set_user("kim", email="kim@acme.example")
    sign_in(client, provider, "kim@acme.example", "kim")
    kim_id = client.session["_auth_user_id"]
    client.logout()
    enrol(get_user_model().objects.get(pk=kim_id))

    response, _ = sign_in(client, provider, "kim@acme.example", "kim")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == kim_id
