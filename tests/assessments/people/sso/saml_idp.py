"""A SAML 2.0 identity provider made in the test: a key and self-signed certificate, its
metadata, and responses to the product's AuthnRequests, signed (or not, or late, or for
someone else) with python3-saml's own signing (xmlsec)."""

import base64
import datetime as dt
import uuid
import zlib
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

ENTITY_ID = "https://idp.acme.example/saml"
SSO_URL = "https://idp.acme.example/saml/sso"
HOST = "vsm.example.org"  # the product, as the tests' browser calls it
SP = f"http://{HOST}/accounts/saml/{{provider_id}}/"


def _key_and_cert(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def _stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Idp:
    def __init__(self):
        self.key, self.cert = _key_and_cert("Acme IdP")
        self.other_key, self.other_cert = _key_and_cert("Someone else")

    @property
    def cert_body(self):
        return "".join(line for line in self.cert.splitlines() if "-----" not in line)

    def metadata(self):
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{ENTITY_ID}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
      <ds:X509Data><ds:X509Certificate>{self.cert_body}</ds:X509Certificate></ds:X509Data>
    </ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
      Location="{SSO_URL}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""

    @staticmethod
    def request_id(redirect_url):
        """The ID of the AuthnRequest the product sent (HTTP-Redirect binding)."""
        assert redirect_url.startswith(SSO_URL + "?"), redirect_url
        raw = parse_qs(urlsplit(redirect_url).query)["SAMLRequest"][0]
        xml = zlib.decompress(base64.b64decode(raw), -15)
        return etree.fromstring(xml).get("ID")

    def response(
        self, provider_id, *, in_response_to, email, name_id=None, groups=(), sign=True,
        key=None, minutes_valid=5, audience=None, issuer=ENTITY_ID,
    ):  # fmt: skip
        """A Response with one Assertion (signed unless ``sign`` is False), base64-encoded as
        the HTTP-POST binding sends it."""
        sp = SP.format(provider_id=provider_id)
        acs, audience = sp + "acs/", audience or sp + "metadata/"
        now = dt.datetime.now(dt.UTC)
        issued, until = _stamp(now), _stamp(now + dt.timedelta(minutes=minutes_valid))
        before = _stamp(now - dt.timedelta(minutes=max(5, -minutes_valid + 5)))
        reply = f' InResponseTo="{in_response_to}"' if in_response_to else ""
        attributes = "".join(
            f'<saml:Attribute Name="{name}">'
            + "".join(f"<saml:AttributeValue>{v}</saml:AttributeValue>" for v in values)
            + "</saml:Attribute>"
            for name, values in (("email", [email]), ("groups", list(groups)))
            if values
        )
        assertion = f"""<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{issuer}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{name_id or email}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="{acs}"{reply}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{before}" NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{issued}" SessionIndex="_s{uuid.uuid4().hex}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion>"""  # noqa: E501
        if sign:
            signed = OneLogin_Saml2_Utils.add_sign(assertion, key or self.key, self.cert)
            assertion = signed.decode() if isinstance(signed, bytes) else signed
            assertion = assertion.split("?>", 1)[-1] if assertion.startswith("<?xml") else assertion
        response = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{issued}" Destination="{acs}"{reply}><saml:Issuer>{issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"""  # noqa: E501
        return base64.b64encode(response.encode()).decode()


def post_to_acs(client, provider_id, saml_response):
    """The browser's POST to the ACS, then the redirect allauth answers it with."""
    acs = client.post(
        f"/accounts/saml/{provider_id}/acs/", {"SAMLResponse": saml_response, "RelayState": ""}
    )
    assert acs.status_code == 302, acs.content
    return client.get(acs["Location"])
