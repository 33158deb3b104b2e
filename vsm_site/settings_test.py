"""Settings of the test suite (pytest: ``[tool.pytest.ini_options]`` in pyproject.toml) and of
the Celery workers it starts. Everything else comes from ``vsm_site.settings`` and its
environment variables: CI runs the same suite on PostgreSQL, Redis and RabbitMQ by setting
DATABASE_URL, CELERY_BROKER_URL and CACHE_URL (.ci/run).

The suite runs with DEBUG off, as production does, but over plain HTTP, with a fast password
hasher, in-memory e-mail, static files served from the apps and login lockouts off.
"""

import os

from django.core.cache.backends.redis import RedisCache

from vsm_site.settings import *  # noqa: F403
from vsm_site.settings import CACHES, DATABASES, LOGGING, SITE_URL, STORAGES, VAR_DIR

if DATABASES["default"]["ENGINE"] == "vsm_site.sqlite_backend":
    # A file, not memory, so that a Celery worker process started by a test sees the data;
    # one per test run, so that two runs on one machine do not share it.
    DATABASES = {
        "default": {
            **DATABASES["default"],
            "TEST": {"NAME": str(VAR_DIR / f"test_db_{os.getpid()}.sqlite3")},
        }
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}

# The test client and the live server speak plain HTTP; static files come from the apps, so
# no collectstatic is needed. Links in e-mails are built on the development server's address.
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
SITE_URL = SITE_URL or "http://127.0.0.1:8000"

# As django-axes advises: the test client's login() calls authenticate() without a request,
# which axes refuses. tests/test_security.py turns it on for its tests.
AXES_ENABLED = False


class ProcessRedisCache(RedisCache):
    """Django's Redis cache whose ``clear()`` deletes this process's keys (its KEY_PREFIX)
    instead of emptying the whole Redis database: the suite clears the cache before every
    test, and the other test processes (pytest-xdist) use the same database at that moment."""

    def clear(self):
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        return True


# Each test process keys its own entries: the test databases of two processes hold the same
# ids and data versions, so one shared Redis database would otherwise serve one process's
# pages to the other. (The Celery workers a test starts render no cached page.)
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": f"test{os.getpid()}"}}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "vsm_site.settings_test.ProcessRedisCache"
