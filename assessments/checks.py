from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key_set(app_configs, **kwargs):
    if settings.SECRET_KEY_IS_DEFAULT:
        return [
            Error(
                "SECRET_KEY is the development default.",
                hint="Set the SECRET_KEY environment variable to a long random value.",
                id="vsm.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_site_url_set(app_configs, **kwargs):
    # E-mails are sent by Celery workers, which have no request to take the host from.
    if not settings.DEBUG and not settings.SITE_URL:
        return [
            Error(
                "SITE_URL is not set: links in e-mails would have no site address.",
                hint="Set SITE_URL to the site's public address, e.g. https://vsm.example.com.",
                id="vsm.E002",
            )
        ]
    return []
