import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm_site.settings")

application = get_wsgi_application()

from vsm_site.startup import refuse_insecure_production  # noqa: E402

refuse_insecure_production()
