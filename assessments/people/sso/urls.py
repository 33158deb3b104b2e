"""Sign-in URLs under /accounts/ (included before django.contrib.auth's): the login page, the
start of a provider sign-in, and the providers' own return addresses (allauth's views:
OpenID Connect at oidc/<provider_id>/login/callback/, SAML at saml/<provider_id>/acs/)."""

from allauth.socialaccount import views as social_views
from django.urls import include, path

from assessments.people.sso import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("mfa/", views.mfa_setup, name="mfa_setup"),
    path("sso/start/", views.sso_start, name="sso_start"),
    path("", include("allauth.socialaccount.providers.openid_connect.urls")),
    path("", include("assessments.people.sso.saml_urls")),
    path("sso/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
    path("sso/error/", social_views.login_error, name="socialaccount_login_error"),
]
