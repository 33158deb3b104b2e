from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from vsm_site.health import healthz, ping

urlpatterns = [
    path("", include("assessments.urls")),
    path("", include("reports.urls")),
    # Sign-in first: the email-first login page and single sign-on (assessments.people.sso).
    path("accounts/", include("assessments.people.sso.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("assessments.api_urls")),
    path("api/v1/", include("reports.api_urls")),
    # SCIM 2.0 provisioning by an organisation's identity provider (docs/scim.md).
    path("scim/v2/", include("assessments.people.scim.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's init script as its own request (?script=), so the page
    # runs under script-src 'self' without an inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
]

handler400 = "vsm_site.errors.bad_request"
handler403 = "vsm_site.errors.permission_denied"
handler404 = "vsm_site.errors.page_not_found"
handler500 = "vsm_site.errors.server_error"
