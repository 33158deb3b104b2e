"""Single sign-on in the browser (issue 21): the email-first login sends an address of a
configured domain to its organisation's OpenID Connect provider (oidc-provider-mock, run in
this process) and back in, and the provider's groups put the person in their team."""

import pytest
from playwright.sync_api import expect

from assessments.people.sso import configuration, mapping
from tests.assessments.people.sso.oidc_provider import running_provider
from tests.browser.helpers import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with running_provider() as running:
        yield running


def test_email_first_login_goes_to_the_provider_and_back_into_the_team(page, demo, provider):
    northwind = demo.organization
    checkout = northwind.teams.get(slug="checkout")
    configuration.configure_oidc(
        None, northwind, issuer=provider.issuer, client_id="vsm-assess",
        client_secret="secret", email_domains="northwind.example",
    )  # fmt: skip
    mapping.add_mapping(None, northwind, group="team-checkout", team=checkout)
    provider.set_user(
        "nora-42", email="nora@northwind.example", given_name="Nora", family_name="Quist",
        groups=["team-checkout", "everyone"],
    )  # fmt: skip

    page.goto("/accounts/login/")
    assert serious_violations(page) == []
    page.get_by_label("Work e-mail address").fill("nora@northwind.example")
    page.get_by_role("button", name="Continue").click()

    # The provider's own page (another origin): sign in as the subject.
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    assert page.url.startswith(provider.issuer)
    page.locator("input[name=sub]").fill("nora-42")
    page.get_by_role("button", name="Authorize").click()

    # Back in the product, signed in, and in the team the group maps to.
    expect(page.get_by_role("heading", name="My teams", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Checkout", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Nora Quist")).to_be_visible()


def test_unconfigured_domain_gets_the_password_form(page, demo, provider):
    northwind = demo.organization
    configuration.configure_oidc(
        None, northwind, issuer=provider.issuer, client_id="vsm-assess",
        client_secret="secret", email_domains="northwind.example",
    )  # fmt: skip

    page.goto("/accounts/login/")
    page.get_by_label("Work e-mail address").fill("checkout.lead@elsewhere.example")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_label("Username")).to_be_visible()
    page.get_by_label("Username").fill("checkout.lead")
    page.get_by_label("Password").fill("demo-pass-2026")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My teams", exact=True)).to_be_visible()
