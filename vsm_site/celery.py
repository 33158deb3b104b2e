"""The Celery application. Tasks live in each app's ``tasks.py`` and are thin: they take ids
and call a service function (see reports/tasks.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm_site.settings")

app = Celery("vsm_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="vsm.ping")
def task_ping(payload="ping"):
    """A round trip through the broker and a worker; used by tests and operators."""
    return {"pong": payload}
