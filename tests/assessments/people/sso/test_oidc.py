"""Sign-in through an organisation's OpenID Connect provider (issue 21), against a real
provider running in this process (oidc_provider.py): the email-first start, the
authorisation code flow with PKCE, just-in-time provisioning into that organisation only, and
what is refused: another issuer or audience, an expired ID token, a replayed state, a
provider speaking for addresses its organisation does not own."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from assessments import permissions
from assessments.models import OrganizationMember
from assessments.people.sso import configuration
from tests.assessments.people.sso.oidc_provider import running_provider, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

User = get_user_model()

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")


def connect(organization, provider, domains="acme.example", client_id="vsm-client"):
    return configuration.configure_oidc(
        None,
        organization,
        issuer=provider.issuer,
        client_id=client_id,
        client_secret="s3cret",
        email_domains=domains,
    )


def assert_refused(response, caplog=None, reason=None):
    """allauth's authentication error, on this site's page; the operator's log names the
    check that refused it."""
    assert response.status_code == 401
    assert b"did not sign you in" in response.content
    if reason is not None:
        logged = [r.getMessage() for r in caplog.records if r.name == "assessments.sso"]
        assert len(logged) == 1
        assert reason in logged[0]


def session_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


@pytest.fixture
def acme(db):
    return OrganizationFactory(name="Acme", slug="acme")


def test_sign_in_first_time_creates_the_person_in_the_organisation(client, acme, provider):
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example", given_name="Ada", family_name="L")

    response, _ = sign_in(client, provider, "ada@acme.example", "sub-1")

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = session_user(client)
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "ada@acme.example", "ada@acme.example", "Ada", "L",
    )  # fmt: skip
    assert not user.has_usable_password()
    assert list(OrganizationMember.objects.filter(user=user).values_list("organization__slug",
        "source")) == [("acme", "sso")]  # fmt: skip
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("org-acme", "sub-1")


def test_sign_in_again_uses_the_same_account(client, acme, provider):
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example")
    sign_in(client, provider, "ada@acme.example", "sub-1")
    first = session_user(client)
    client.logout()

    response, _ = sign_in(client, provider, "ada@acme.example", "sub-1")

    assert response.status_code == 302
    assert session_user(client) == first
    assert User.objects.filter(email="ada@acme.example").count() == 1


def test_sign_in_uses_pkce_with_s256(client, acme, provider):
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example")

    start = client.get("/accounts/sso/start/", {"email": "ada@acme.example"})
    sign_in(client, provider, "ada@acme.example", "sub-1")

    assert "code_challenge_method=S256" in start["Location"]
    assert "login_hint=ada%40acme.example" in start["Location"]
    assert [bool(r.get("code_verifier")) for r in provider.front.token_requests] == [True]


def test_sign_in_returns_to_the_page_asked_for(client, acme, provider):
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example")

    response, _ = sign_in(client, provider, "ada@acme.example", "sub-1", next_url="/audit/")

    assert response["Location"] == "/audit/"


def test_start_sends_an_unconfigured_domain_to_the_password_form(client, acme, provider):
    connect(acme, provider)

    response = client.get("/accounts/sso/start/", {"email": "bob@elsewhere.example"})

    assert response.status_code == 302
    assert response["Location"] == ("/accounts/login/?email=bob%40elsewhere.example&password=1")
    page = client.get(response["Location"])
    assert b'name="password"' in page.content
    assert b"bob@elsewhere.example does not sign in through an identity provider" in (page.content)


def test_login_page_asks_for_the_email_first_only_when_sso_is_configured(client, acme, provider):
    page = client.get("/accounts/login/")
    assert b'name="password"' in page.content
    assert b'action="/accounts/sso/start/"' not in page.content

    connect(acme, provider)

    page = client.get("/accounts/login/")
    assert b'action="/accounts/sso/start/"' in page.content
    assert b'name="password"' not in page.content
    assert b'name="password"' in client.get("/accounts/login/?password=1").content


def test_wrong_issuer_is_refused(client, acme, provider, caplog):
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example")
    provider.front.wrong_issuer = True

    response, _ = sign_in(client, provider, "ada@acme.example", "sub-1")

    assert_refused(response, caplog, "InvalidIssuerError")
    assert session_user(client) is None
    assert not User.objects.filter(email="ada@acme.example").exists()


def test_wrong_audience_is_refused(client, acme, provider, caplog):
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example")
    provider.front.wrong_audience = True

    response, _ = sign_in(client, provider, "ada@acme.example", "sub-1")

    assert_refused(response, caplog, "InvalidAudienceError")
    assert session_user(client) is None


def test_expired_id_token_is_refused(client, acme, monkeypatch, caplog):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with running_provider(access_token_max_age=timedelta(seconds=-60)) as expired:
        sso = connect(acme, expired)
        # Without the userinfo call (whose expired access token is refused first), the ID
        # token alone decides.
        sso.social_app.settings["fetch_userinfo"] = False
        sso.social_app.save()
        expired.set_user("sub-1", email="ada@acme.example")

        response, _ = sign_in(client, expired, "ada@acme.example", "sub-1")

    assert_refused(response, caplog, "ExpiredSignatureError")
    assert session_user(client) is None


def test_expired_access_token_is_refused_by_the_provider(client, acme, monkeypatch, caplog):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with running_provider(access_token_max_age=timedelta(seconds=-60)) as expired:
        connect(acme, expired)
        expired.set_user("sub-1", email="ada@acme.example")

        response, _ = sign_in(client, expired, "ada@acme.example", "sub-1")

    assert_refused(response, caplog, "401 Client Error")
    assert session_user(client) is None


def test_replayed_state_is_refused(client, acme, provider):
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example")
    first, back = sign_in(client, provider, "ada@acme.example", "sub-1")
    assert first.status_code == 302
    client.logout()

    parts = urlsplit(back)
    replay = client.get(parts.path, parse_qs(parts.query))

    assert_refused(replay)
    assert session_user(client) is None


def test_pkce_verifier_is_required_by_the_provider(client, acme, provider):
    """The front really checks: a token request with another verifier is refused."""
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example")
    start = client.get("/accounts/sso/start/", {"email": "ada@acme.example"})
    back = provider.authorize(start["Location"], "sub-1")
    code = back.split("code=")[1].split("&")[0]

    response = httpx.post(
        f"{provider.issuer}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "code_verifier": "x" * 50,
              "client_id": "vsm-client", "client_secret": "s3cret",
              "redirect_uri": "http://testserver/accounts/oidc/org-acme/login/callback/"},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# --- one organisation's provider never reaches another organisation --------------------------


def test_provider_cannot_sign_in_another_organisations_address(client, acme, provider):
    """A provider asserting an address of a domain its organisation does not own is refused,
    and the account of that address elsewhere is untouched."""
    other = OrganizationFactory(name="Other", slug="other")
    victim = MembershipFactory(team__organization=other, user__email="eve@other.example").user
    connect(acme, provider)
    provider.set_user("sub-evil", email="eve@other.example")

    start = client.get("/accounts/sso/start/", {"email": "ada@acme.example"})
    back = provider.authorize(start["Location"], "sub-evil")
    parts = urlsplit(back)
    response = client.get(parts.path, parse_qs(parts.query))

    assert response.status_code == 403
    assert b"is not an address of Acme" in response.content
    assert session_user(client) is None
    assert not SocialAccount.objects.exists()
    assert victim.has_usable_password()


def test_same_subject_and_email_at_two_providers_are_two_people(
    client, acme, provider, second_provider
):
    other = OrganizationFactory(name="Other", slug="other")
    connect(acme, provider, domains="acme.example")
    connect(other, second_provider, domains="other.example")
    provider.set_user("alice", email="alice@acme.example")
    second_provider.set_user("alice", email="alice@other.example")

    sign_in(client, provider, "alice@acme.example", "alice")
    at_acme = session_user(client)
    client.logout()
    sign_in(client, second_provider, "alice@other.example", "alice")
    at_other = session_user(client)

    assert at_acme != at_other
    assert permissions.member_organization_ids(at_acme) == frozenset()
    assert set(OrganizationMember.objects.filter(user=at_acme).values_list(
        "organization__slug", flat=True)) == {"acme"}  # fmt: skip
    assert set(OrganizationMember.objects.filter(user=at_other).values_list(
        "organization__slug", flat=True)) == {"other"}  # fmt: skip


def test_existing_account_of_two_organisations_is_not_taken_over(client, acme, provider):
    """An account that is also another organisation's person is never signed in by this
    organisation's provider, even with its exact address: a new account is made instead."""
    other = OrganizationFactory(name="Other", slug="other")
    shared = MembershipFactory(team__organization=other, user__email="sam@acme.example").user
    OrganizationMember.objects.create(organization=acme, user=shared)
    connect(acme, provider)
    provider.set_user("sam", email="sam@acme.example")

    sign_in(client, provider, "sam@acme.example", "sam")

    signed_in = session_user(client)
    assert signed_in != shared
    assert permissions.member_organization_ids(signed_in) == frozenset()
    assert list(OrganizationMember.objects.filter(user=signed_in).values_list(
        "organization__slug", flat=True)) == ["acme"]  # fmt: skip


def test_existing_account_of_this_organisation_only_is_taken_over(client, acme, provider):
    """People who had a password before SSO keep their account (and its history)."""
    ada = MembershipFactory(team__organization=acme, user__email="ada@acme.example").user
    connect(acme, provider)
    provider.set_user("sub-1", email="Ada@acme.example")

    sign_in(client, provider, "ada@acme.example", "sub-1")

    assert session_user(client) == ada


def test_superuser_is_never_taken_over(client, acme, provider):
    root = UserFactory(username="root", email="root@acme.example", is_superuser=True)
    OrganizationMember.objects.create(organization=acme, user=root)
    connect(acme, provider)
    provider.set_user("root", email="root@acme.example")

    sign_in(client, provider, "root@acme.example", "root")

    assert session_user(client) != root
    assert session_user(client).is_superuser is False


def test_callback_of_one_provider_cannot_be_replayed_at_another(
    client, acme, provider, second_provider
):
    other = OrganizationFactory(name="Other", slug="other")
    connect(acme, provider, domains="acme.example")
    connect(other, second_provider, domains="other.example")
    provider.set_user("alice", email="alice@acme.example")
    start = client.get("/accounts/sso/start/", {"email": "alice@acme.example"})
    back = provider.authorize(start["Location"], "alice")
    query = parse_qs(urlsplit(back).query)
    response = client.get("/accounts/oidc/org-other/login/callback/", query)

    assert_refused(response)
    assert session_user(client) is None


def test_inactive_account_is_refused(client, acme, provider):
    connect(acme, provider)
    provider.set_user("sub-1", email="ada@acme.example")
    sign_in(client, provider, "ada@acme.example", "sub-1")
    user = session_user(client)
    client.logout()
    User.objects.filter(pk=user.pk).update(is_active=False)

    response, _ = sign_in(client, provider, "ada@acme.example", "sub-1")

    assert response.status_code == 403
    assert session_user(client) is None


def test_start_from_the_login_form_answers_with_a_page_that_moves_on(client, acme, provider):
    """The login page's CSP (form-action 'self') would stop a form's redirect to another
    origin: the form's request gets a page that refreshes to the provider instead."""
    connect(acme, provider)

    response = client.get("/accounts/sso/start/", {"email": "ada@acme.example", "via": "form"})

    assert response.status_code == 200
    location = response.content.decode().split('content="0;url=')[1].split('"')[0]
    assert location.replace("&amp;", "&").startswith(f"{provider.issuer}/oauth2/authorize?")


@pytest.mark.parametrize(
    ("endpoint", "status"),
    [("ftp://idp.example/authorize", 502), ("javascript:alert(1)//", 400)],  # 400: Django's own
)
def test_start_refuses_a_provider_address_that_is_not_a_web_address(
    client, acme, provider, endpoint, status
):
    sso = connect(acme, provider)
    sso.social_app.settings["openid_configuration_overrides"]["authorization_endpoint"] = endpoint
    sso.social_app.save()

    response = client.get("/accounts/sso/start/", {"email": "ada@acme.example", "via": "form"})

    assert response.status_code == status
    assert endpoint.encode() not in response.content
