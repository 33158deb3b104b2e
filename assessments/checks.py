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
