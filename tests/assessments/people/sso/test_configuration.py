"""An organisation's identity provider: one allauth SocialApp per organisation, written by
``manage.py sso_configure`` and the settings page through ``sso.configuration``."""

from io import StringIO

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.management import CommandError, call_command

from assessments.audit import trail
from assessments.models import SingleSignOn, SsoDomain
from assessments.people.sso import configuration, domains, mapping
from tests.factories import OrganizationFactory
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed, NotFound

ISSUER = "https://login.example.org/tenant-1/v2.0"


def configure(slug, *extra):
    out = StringIO()
    call_command(
        "sso_configure", slug, "--protocol", "oidc", "--issuer", ISSUER, "--client-id", "cid",
        "--client-secret", "secret", *extra, stdout=out,
    )  # fmt: skip
    return out.getvalue()


@pytest.fixture
def acme(db):
    return OrganizationFactory(name="Acme", slug="acme")


def test_command_configures_oidc_as_one_social_app(acme):
    out = configure(
        "acme", "--email-domains", "Acme.example, acme.com", "--groups-claim", "roles",
        "--default-role", "lead",
    )  # fmt: skip

    app = SocialApp.objects.get()
    assert (app.provider, app.provider_id, app.name, app.client_id, app.secret) == (
        "openid_connect", "org-acme", "Acme", "cid", "secret",
    )  # fmt: skip
    assert app.settings == {
        "server_url": ISSUER,
        "oauth_pkce_enabled": True,
        "openid_configuration_overrides": {"issuer": ISSUER},
    }
    sso = SingleSignOn.objects.get(organization=acme)
    assert (sso.protocol, sso.social_app, sso.groups_claim, sso.default_role) == (
        "oidc", app, "roles", "lead",
    )  # fmt: skip
    assert list(SsoDomain.objects.values_list("domain", flat=True)) == [
        "acme.com", "acme.example",
    ]  # fmt: skip
    assert out == (
        "Acme signs in through OpenID Connect (org-acme) for acme.com, acme.example.\n"
        "  Redirect URI: http://127.0.0.1:8000/accounts/oidc/org-acme/login/callback/\n"
    )


def test_command_again_updates_the_same_app_and_replaces_domains(acme):
    configure("acme", "--email-domains", "acme.example")
    configure("acme", "--email-domains", "acme.org")

    assert SocialApp.objects.count() == 1
    assert list(SsoDomain.objects.values_list("domain", flat=True)) == ["acme.org"]


def test_command_refuses_a_domain_of_another_organisation(acme):
    OrganizationFactory(slug="other")
    configure("other", "--email-domains", "shared.example")

    with pytest.raises(CommandError) as caught:
        configure("acme", "--email-domains", "shared.example")

    assert str(caught.value) == (
        "shared.example already signs in through another organisation's identity provider."
    )
    assert not SingleSignOn.objects.filter(organization=acme).exists()


def test_command_refuses_unknown_organisation_and_missing_options(db):
    with pytest.raises(CommandError, match="No organisation 'nope'"):
        configure("nope", "--email-domains", "x.example")
    OrganizationFactory(slug="acme")
    with pytest.raises(CommandError, match="OpenID Connect needs --issuer"):
        call_command("sso_configure", "acme", "--protocol", "oidc", "--email-domains", "a.example")


@pytest.mark.parametrize(
    "issuer", ["http://login.example.org", "ftp://login.example.org", "not a url", ""]
)
def test_issuer_must_be_https_except_on_this_machine(acme, issuer):
    with pytest.raises(Invalid, match="is not an https address"):
        configuration.configure_oidc(
            None, acme, issuer=issuer, client_id="c", client_secret="s", email_domains="a.example"
        )


@pytest.mark.parametrize("raw", ["example", "exa mple.org", "@", "-a.example", "a..example"])
def test_domains_must_be_domain_names(raw):
    with pytest.raises(Invalid):
        domains.parse_domains(raw)


def test_empty_secret_keeps_the_stored_one(acme):
    configure("acme", "--email-domains", "acme.example")

    configuration.configure_oidc(
        None, acme, issuer=ISSUER, client_id="cid2", client_secret="", email_domains="acme.example"
    )

    app = SocialApp.objects.get()
    assert (app.client_id, app.secret) == ("cid2", "secret")


def test_only_the_organisations_admins_configure(world):
    kwargs = {
        "issuer": ISSUER,
        "client_id": "c",
        "client_secret": "s",
        "email_domains": "acme.example",
    }
    with pytest.raises(NotAllowed):
        configuration.configure_oidc(world.analyst, world.org, **kwargs)
    with pytest.raises(NotFound):
        configuration.configure_oidc(world.other_admin, world.org, **kwargs)
    sso = configuration.configure_oidc(world.org_admin, world.org, **kwargs)
    assert sso.protocol == "oidc"


def test_sign_in_for_email_finds_the_domains_organisation(acme):
    configure("acme", "--email-domains", "acme.example")

    assert domains.sign_in_for_email("Ada@ACME.example").organization == acme
    assert domains.sign_in_for_email("ada@sub.acme.example") is None
    assert domains.sign_in_for_email("not-an-address") is None
    assert domains.sso_anywhere() is True


def test_disconnect_removes_the_app_and_domains(acme):
    configure("acme", "--email-domains", "acme.example")

    configuration.disconnect(None, acme)

    assert not SocialApp.objects.exists()
    assert not SsoDomain.objects.exists()
    assert domains.sso_anywhere() is False


def test_conflict_is_a_conflict(acme):
    OrganizationFactory(slug="other")
    configure("other", "--email-domains", "shared.example")
    with pytest.raises(Conflict):
        configuration.configure_oidc(
            None, acme, issuer=ISSUER, client_id="c", client_secret="s",
            email_domains="shared.example",
        )  # fmt: skip


def test_changes_to_sign_in_are_in_the_organisations_audit_trail(world):
    configuration.configure_oidc(
        world.org_admin, world.org, issuer=ISSUER, client_id="cid", client_secret="secret",
        email_domains="acme.example",
    )  # fmt: skip
    configuration.set_policy(world.org_admin, world.org, require_sso=True, require_mfa=True)
    row = mapping.add_mapping(world.org_admin, world.org, group="devs", team=world.team_a)
    mapping.remove_mapping(world.org_admin, world.org, row.id)
    configuration.disconnect(world.org_admin, world.org)

    rows = trail.describe(trail.entries_for(world.org_admin, model_key="signin"))

    assert [(r["team"], r["what"], dict(r["changes"])["Event"][1]) for r in rows] == [
        ("(organisation)", "Sign-in and single sign-on", event)
        for event in ("disconnected", "unmapped", "mapped", "rules", "connected")
    ]
    details = [dict(r["changes"])["Details"][1] for r in rows]
    assert details[1] == "devs -> Team A (default role)"
    assert details[3] == "require SSO yes; break-glass admin none; require MFA yes"
    assert details[4] == (
        f"OpenID Connect {ISSUER} (client cid); domains acme.example; groups claim groups; "
        "default role member"
    )
    assert "secret" not in str([r["changes"] for r in rows])
    assert trail.entries_for(world.other_admin, model_key="signin").count() == 0


def test_sign_in_page_shows_the_addresses_to_register_before_anything_is_configured(
    client, world, settings
):
    settings.SITE_URL = "https://vsm.example"
    client.force_login(world.org_admin)
    body = client.get(f"/organizations/{world.org.id}/sign-in/").content.decode()
    assert "https://vsm.example/accounts/oidc/org-acme/login/callback/" in body
    assert "https://vsm.example/accounts/saml/org-acme/acs/" in body
    assert "https://vsm.example/accounts/saml/org-acme/metadata/" in body
