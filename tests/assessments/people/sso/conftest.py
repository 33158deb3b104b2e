import pytest

from tests.assessments.people.sso.oidc_provider import running_provider


@pytest.fixture
def provider(monkeypatch):
    # The mock refuses plain HTTP unless told otherwise; the product allows http only for
    # localhost issuers (assessments.people.sso.configuration).
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with running_provider() as running:
        yield running


@pytest.fixture
def second_provider(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with running_provider() as running:
        yield running
