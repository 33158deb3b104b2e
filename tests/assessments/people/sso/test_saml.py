"""Sign-in through an organisation's SAML 2.0 identity provider (issue 21), with responses
signed in the test by a test key (saml_idp.py): the email-first start, just-in-time
provisioning with the groups attribute, and what is refused: an unsigned or expired
assertion, another key, another audience, a replayed response, an unsolicited one."""

import http.server
import threading
from io import StringIO

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from assessments.models import Membership, OrganizationMember
from assessments.people.sso import configuration, mapping
from tests.assessments.people.sso.saml_idp import ENTITY_ID, HOST, SSO_URL, Idp, post_to_acs
from tests.assessments.people.sso.test_oidc import session_user
from vsm_site.domain_errors import Invalid

PROVIDER_ID = "org-acme"


@pytest.fixture
def client(settings):
    # A browser always sends Host; python3-saml reads it (Django's test client sends none)
    # and wants a dotted host name in the service provider's addresses.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def idp():
    return Idp()


@pytest.fixture
def saml_acme(world, idp, tmp_path):
    metadata = tmp_path / "idp.xml"
    metadata.write_text(idp.metadata())
    call_command(
        "sso_configure", "acme", "--protocol", "saml", "--metadata-file", str(metadata),
        "--email-domains", "acme.example", stdout=StringIO(),
    )  # fmt: skip
    mapping.add_mapping(None, world.org, group="payments", team=world.team_a)
    return world


def start(client, email="ada@acme.example"):
    response = client.get("/accounts/sso/start/", {"email": email})
    assert response.status_code == 302
    return Idp.request_id(response["Location"])


def assert_refused(response, caplog=None, reason=None):
    """allauth's authentication error on this site's page; python3-saml's reason logged."""
    assert response.status_code == 401
    assert b"did not sign you in" in response.content
    if reason is not None:
        logged = [r.getMessage() for r in caplog.records if r.name == "assessments.sso"]
        assert len(logged) == 1
        assert reason in logged[0]


def test_configure_from_metadata_file(saml_acme, idp):
    app = SocialApp.objects.get()
    assert (app.provider, app.provider_id, app.client_id) == ("saml", PROVIDER_ID, PROVIDER_ID)
    assert app.settings["idp"] == {
        "entity_id": ENTITY_ID, "sso_url": SSO_URL, "x509cert": idp.cert_body,
    }  # fmt: skip
    assert app.settings["advanced"]["want_assertion_signed"] is True
    assert app.settings["advanced"]["reject_idp_initiated_sso"] is True


def test_signed_response_signs_in_and_maps_groups(client, saml_acme, idp):
    request_id = start(client)

    response = post_to_acs(client, PROVIDER_ID, idp.response(
        PROVIDER_ID, in_response_to=request_id, email="ada@acme.example", groups=["payments"],
    ))  # fmt: skip

    assert response.status_code == 302
    assert response["Location"] == "/"
    ada = session_user(client)
    assert ada.email == "ada@acme.example"
    assert list(OrganizationMember.objects.filter(user=ada).values_list(
        "organization__slug", flat=True)) == ["acme"]  # fmt: skip
    assert list(Membership.objects.filter(user=ada).values_list("team__slug", "role")) == [
        ("team-a", "member")
    ]
    assert SocialAccount.objects.get(user=ada).provider == PROVIDER_ID


def test_unsigned_assertion_is_refused(client, saml_acme, idp, caplog):
    request_id = start(client)

    response = post_to_acs(client, PROVIDER_ID, idp.response(
        PROVIDER_ID, in_response_to=request_id, email="ada@acme.example", sign=False,
    ))  # fmt: skip

    assert_refused(response, caplog, "The Assertion of the Response is not signed")
    assert session_user(client) is None


def test_assertion_signed_with_another_key_is_refused(client, saml_acme, idp, caplog):
    request_id = start(client)

    response = post_to_acs(client, PROVIDER_ID, idp.response(
        PROVIDER_ID, in_response_to=request_id, email="ada@acme.example", key=idp.other_key,
    ))  # fmt: skip

    assert_refused(response, caplog, "Signature validation failed")
    assert session_user(client) is None


def test_expired_assertion_is_refused(client, saml_acme, idp, caplog):
    request_id = start(client)

    response = post_to_acs(client, PROVIDER_ID, idp.response(
        PROVIDER_ID, in_response_to=request_id, email="ada@acme.example", minutes_valid=-10,
    ))  # fmt: skip

    assert_refused(response, caplog, "Could not validate timestamp: expired")
    assert session_user(client) is None


def test_assertion_for_another_audience_is_refused(client, saml_acme, idp, caplog):
    request_id = start(client)

    response = post_to_acs(client, PROVIDER_ID, idp.response(
        PROVIDER_ID, in_response_to=request_id, email="ada@acme.example",
        audience="https://another-service.example/saml",
    ))  # fmt: skip

    assert_refused(response, caplog, "is not a valid audience")


def test_replayed_response_is_refused(client, saml_acme, idp):
    request_id = start(client)
    saml_response = idp.response(PROVIDER_ID, in_response_to=request_id, email="ada@acme.example")
    assert post_to_acs(client, PROVIDER_ID, saml_response).status_code == 302
    client.logout()

    response = post_to_acs(client, PROVIDER_ID, saml_response)

    assert response.status_code == 403  # its request's state was used up
    assert session_user(client) is None


def test_unsolicited_response_is_refused(client, saml_acme, idp):
    response = post_to_acs(client, PROVIDER_ID, idp.response(
        PROVIDER_ID, in_response_to=None, email="ada@acme.example",
    ))  # fmt: skip

    assert_refused(response)
    assert session_user(client) is None


def test_response_for_another_domain_is_refused(client, saml_acme, idp):
    """The IdP of Acme cannot sign in an address of another organisation's domain."""
    request_id = start(client)

    response = post_to_acs(client, PROVIDER_ID, idp.response(
        PROVIDER_ID, in_response_to=request_id, email="eve@other.example",
    ))  # fmt: skip

    assert response.status_code == 403
    assert session_user(client) is None


def test_response_sent_to_another_organisations_acs_is_refused(client, saml_acme, idp, caplog):
    other_idp = Idp()
    configuration.configure_saml(
        None, saml_acme.other, metadata_xml=other_idp.metadata().replace(
            ENTITY_ID, "https://idp.other.example/saml"),
        email_domains="other.example",
    )  # fmt: skip
    request_id = start(client)

    response = post_to_acs(client, "org-other", idp.response(
        "org-other", in_response_to=request_id, email="ada@acme.example",
    ))  # fmt: skip

    assert_refused(response, caplog, "Invalid issuer in the Assertion/Response")
    assert session_user(client) is None


def test_admin_uploads_idp_metadata_on_the_page(world, idp):
    web = Client()
    web.force_login(world.org_admin)
    upload = SimpleUploadedFile("idp.xml", idp.metadata().encode(), "application/xml")

    response = web.post(
        f"/organizations/{world.org.id}/sign-in/",
        {"protocol": "saml", "metadata_file": upload, "email_domains": "acme.example",
         "groups_claim": "groups", "default_role": "member"},
    )  # fmt: skip

    assert response.status_code == 302
    page = web.get(f"/organizations/{world.org.id}/sign-in/")
    assert b"/accounts/saml/org-acme/acs/" in page.content
    assert SocialApp.objects.get().settings["idp"]["entity_id"] == ENTITY_ID


def test_metadata_without_a_certificate_is_refused(world, idp):
    broken = idp.metadata().replace(idp.cert_body, "")
    with pytest.raises(Invalid):
        configuration.configure_saml(
            None, world.org, metadata_xml=broken, email_domains="acme.example"
        )
    assert not SocialApp.objects.exists()


@pytest.fixture
def metadata_server(idp):
    """The IdP's metadata served over HTTP on localhost, as IdPs publish it."""
    body = idp.metadata().encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/metadata"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_metadata_url_is_read_for_the_entity_id_and_at_sign_in(client, world, idp, metadata_server):
    out = StringIO()
    call_command(
        "sso_configure", "acme", "--protocol", "saml", "--metadata-url", metadata_server,
        "--email-domains", "acme.example", stdout=out,
    )  # fmt: skip
    assert SocialApp.objects.get().settings["idp"] == {
        "entity_id": ENTITY_ID, "metadata_url": metadata_server,
    }  # fmt: skip
    assert "ACS URL: http://127.0.0.1:8000/accounts/saml/org-acme/acs/" in out.getvalue()

    request_id = start(client)
    response = post_to_acs(client, PROVIDER_ID, idp.response(
        PROVIDER_ID, in_response_to=request_id, email="ada@acme.example",
    ))  # fmt: skip

    assert response.status_code == 302
    assert session_user(client).email == "ada@acme.example"
