"""allauth's SAML views (python3-saml, lxml, xmlsec) load only when a SAML address is called."""

import subprocess
import sys

from django.urls import resolve, reverse

PROBE = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "vsm_site.settings"
import django
django.setup()
from django.urls import resolve, reverse
resolve("/ping")
resolve("/accounts/login/")
reverse("saml_acs", kwargs={"organization_slug": "acme"})
import reports.tasks  # what a Celery worker loads
print(sorted(m for m in ("onelogin", "lxml", "xmlsec") if m in sys.modules))
"""


def test_resolving_urls_does_not_load_the_saml_libraries():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_saml_addresses_keep_allauths_names_paths_and_csrf_rules():
    paths = {
        name: reverse(name, kwargs={"organization_slug": "acme"})
        for name in ("saml_acs", "saml_finish_acs", "saml_sls", "saml_metadata", "saml_login")
    }
    assert paths == {
        "saml_acs": "/accounts/saml/acme/acs/",
        "saml_finish_acs": "/accounts/saml/acme/acs/finish/",
        "saml_sls": "/accounts/saml/acme/sls/",
        "saml_metadata": "/accounts/saml/acme/metadata/",
        "saml_login": "/accounts/saml/acme/login/",
    }
    exempt = {name for name, p in paths.items() if getattr(resolve(p).func, "csrf_exempt", False)}
    # The identity provider POSTs to these two without a CSRF token, as in allauth's own URLs.
    assert exempt == {"saml_acs", "saml_sls"}
    assert all(resolve(p).func.login_required is False for p in paths.values())
