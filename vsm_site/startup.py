from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_insecure_production():
    """A server started with DEBUG off must have its own SECRET_KEY: sessions, password reset
    links and API tokens would otherwise be forgeable by anyone who has read this repository."""
    if not settings.DEBUG and settings.SECRET_KEY_IS_DEFAULT:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))') or DEBUG=true "
            "for local development."
        )
    if not settings.DEBUG and not settings.SITE_URL:
        raise ImproperlyConfigured(
            "SITE_URL is not set. Set SITE_URL to the site's public address "
            "(e.g. https://vsm.example.com): links in e-mails are built on it."
        )
