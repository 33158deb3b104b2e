"""allauth's SAML return addresses (saml/<provider_id>/acs/ and the rest), with the same names,
paths and CSRF rules as ``allauth.socialaccount.providers.saml.urls``, but importing allauth's
SAML views (python3-saml: lxml and xmlsec) only when one of them is first called.

Including allauth's own URL module imported those libraries into every process that resolves
a URL: each web worker and each Celery worker rendering a roadmap carried them (about 20 ms of
start-up and tens of MB), though only organisations signing in with SAML ever use them."""

from importlib import import_module

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt


def _lazy(name, exempt=False):
    def view(request, *args, **kwargs):
        real = getattr(import_module("allauth.socialaccount.providers.saml.views"), name)
        return real(request, *args, **kwargs)

    view.__name__ = view.__qualname__ = f"saml_{name}"
    # allauth marks all five as not needing a login (its login-required middleware reads this).
    view.login_required = False
    return csrf_exempt(view) if exempt else view


urlpatterns = [
    re_path(
        r"^saml/(?P<organization_slug>[^/]+)/",
        include(
            [
                path("acs/", _lazy("acs", exempt=True), name="saml_acs"),
                path("acs/finish/", _lazy("finish_acs"), name="saml_finish_acs"),
                path("sls/", _lazy("sls", exempt=True), name="saml_sls"),
                path("metadata/", _lazy("metadata"), name="saml_metadata"),
                path("login/", _lazy("login"), name="saml_login"),
            ]
        ),
    )
]
