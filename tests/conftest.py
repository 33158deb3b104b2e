from types import SimpleNamespace

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import build_world


@pytest.fixture
def world(db):
    """Two organisations and every role the permission rules distinguish (see build_world)."""
    return build_world()


@pytest.fixture
def api_client():
    return APIClient()


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on the configured broker (filesystem transport by
    default, Redis or RabbitMQ in CI) and the test database, consuming a queue private to this
    test session so that no other worker on the same broker steals the tasks. Tests that let
    it read data must commit it (``transaction=True``) and use ``worker_media`` for files."""
    import os
    import subprocess
    import sys
    import uuid

    from django.conf import settings
    from django.db import connection

    queue = f"test-{uuid.uuid4().hex[:12]}"
    media = tmp_path_factory.mktemp("worker-media")
    with django_db_blocker.unblock():
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            database_url = f"sqlite:///{db['NAME']}"
        else:
            database_url = (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE,  # the suite's: vsm_site.settings_test
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media),
    )
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "vsm_site", "worker",
            "--queues", queue, "--pool", "solo", "--loglevel", "warning",
            "--without-heartbeat", "--without-mingle", "--without-gossip",
            "--hostname", f"{queue}@%h",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    try:
        yield SimpleNamespace(queue=queue, process=proc, media=media)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def mini(db):
    """The published 'mini' questionnaire: flow (weight 2: flow-wip, flow-wait) and quality
    (quality-tests, quality-review)."""
    from tests.factories import load_mini_questionnaire

    return load_mini_questionnaire()


@pytest.fixture
def open_assessment(world, mini):
    from assessments.maturity import services

    return services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")


ALL_LEVELS = {"flow-wip": 3, "flow-wait": 4, "quality-tests": 2, "quality-review": None}


@pytest.fixture(autouse=True)
def _fresh_comparison_cache():
    """Each test starts with an empty CoE comparison cache (rolled-back ids repeat)."""
    from django.core.cache import cache

    from reports.coe import comparison

    comparison._cache.clear()
    comparison._trend_cache.clear()
    cache.clear()  # pages kept per data version: ids and versions repeat after a rollback
    yield


@pytest.fixture(scope="module")
def _web():
    # One client for a module of many requests: a new one loads the middleware again, and
    # WhiteNoise then scans every static file, a fifth of a second a test.
    return Client()


@pytest.fixture
def web(_web, db):
    """The module's client, logged out (tests that read many routes)."""
    _web.logout()
    return _web
