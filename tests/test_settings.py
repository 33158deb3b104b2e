import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Variables a production process would not have: set by make run, by pytest-django (the test
# settings module), or by the browser tests (Playwright's sync API next to the live server
# needs DJANGO_ALLOW_ASYNC_UNSAFE).
CLEARED = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Qm3Vt9sLk2Rp8Zw4Yn6Hb1Jc5Dg0Fa7Ue3Io9Pq2Ws8Ex4Rt6Yu1Ii5Oo7Pp3",
    "ALLOWED_HOSTS": "vsm.example.com",
    "DATABASE_URL": "sqlite:////tmp/vsm-check-deploy.sqlite3",
    "SITE_URL": "https://vsm.example.com",
}


def run_manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_with_default_secret_key():
    env = dict(PRODUCTION_ENV)
    del env["SECRET_KEY"]
    result = run_manage("check", "--deploy", env_extra=env)
    assert result.returncode != 0
    assert "vsm.E001" in result.stderr


def test_wsgi_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update({"DEBUG": "false", "ALLOWED_HOSTS": "vsm.example.com"})
    result = subprocess.run(
        [sys.executable, "-c", "import vsm_site.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_fails_without_site_url():
    env = dict(PRODUCTION_ENV)
    del env["SITE_URL"]
    result = run_manage("check", "--deploy", env_extra=env)
    assert result.returncode != 0
    assert "vsm.E002" in result.stderr


def test_wsgi_refuses_to_start_without_site_url():
    env = {k: v for k, v in os.environ.items() if k not in CLEARED | {"SITE_URL"}}
    env.update({k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"})
    result = subprocess.run(
        [sys.executable, "-c", "import vsm_site.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "SITE_URL is not set" in result.stderr


def test_site_url_with_a_path_fails_loudly():
    result = run_manage("check", env_extra={"SITE_URL": "vsm.example.com/app"})
    assert result.returncode != 0
    assert "SITE_URL='vsm.example.com/app' is not a site address" in result.stderr


def test_site_url_defaults_to_the_development_server_under_debug():
    env = {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "vsm_site.settings"}
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.SITE_URL)",
                        env_extra=env)  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8000", result.stderr


def test_bad_boolean_setting_fails_loudly():
    result = run_manage("check", env_extra={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def settings_of(module, names, env_extra, *, before=""):
    """``names`` of the settings ``module`` as a process with ``env_extra`` sees them, after
    running ``before``."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED | {"CACHE_URL"}}
    env.update(env_extra, DJANGO_SETTINGS_MODULE=module)
    code = (
        f"{before}import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_ignore_pytest_and_the_testing_variable():
    # pytest imported first, and the TESTING variable, once switched these: no longer.
    names = ["AXES_ENABLED", "PASSWORD_HASHERS", "EMAIL_BACKEND", "SECURE_SSL_REDIRECT",
             "WHITENOISE_USE_FINDERS", "STORAGES", "SITE_URL"]  # fmt: skip
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"} | {"TESTING": "true"}
    seen = settings_of("vsm_site.settings", names, env, before="import pytest; ")
    assert seen["AXES_ENABLED"] is True
    assert seen["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert seen["SECURE_SSL_REDIRECT"] is True
    assert seen["WHITENOISE_USE_FINDERS"] is False
    assert seen["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert seen["SITE_URL"] == ""


def test_test_settings_keep_the_environment_variables():
    env = {
        "DATABASE_URL": "postgres://vsm:secret@db.example:5432/vsm_ci",
        "CELERY_BROKER_URL": "redis://broker.example:6379/15",
        "CACHE_URL": "redis://cache.example:6379/14",
    }
    seen = settings_of(
        "vsm_site.settings_test",
        ["DATABASES", "CELERY_BROKER_URL", "CACHES", "PASSWORD_HASHERS", "AXES_ENABLED"],
        env,
    )
    database = seen["DATABASES"]["default"]
    assert (database["ENGINE"], database["HOST"], database["NAME"]) == (
        "django.db.backends.postgresql", "db.example", "vsm_ci",
    )  # fmt: skip
    assert seen["CELERY_BROKER_URL"] == "redis://broker.example:6379/15"
    cache = seen["CACHES"]["default"]
    assert cache["BACKEND"] == "vsm_site.settings_test.ProcessRedisCache"
    assert cache["LOCATION"] == "redis://cache.example:6379/14"
    assert cache["KEY_PREFIX"].startswith("test")
    assert seen["PASSWORD_HASHERS"] == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert seen["AXES_ENABLED"] is False


def test_cache_defaults_to_memory_of_each_process():
    seen = settings_of("vsm_site.settings", ["CACHES"], {})
    assert seen["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_cache_url_redis_with_key_prefix_and_timeout():
    env = {"CACHE_URL": "redis://cache.example:6379/1?key_prefix=vsm&timeout=120"}
    seen = settings_of("vsm_site.settings", ["CACHES"], env)
    assert seen["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.example:6379/1",
        "KEY_PREFIX": "vsm",
        "TIMEOUT": 120,
        "OPTIONS": {},
    }


def test_bad_cache_url_fails_loudly():
    result = run_manage("check", env_extra={"CACHE_URL": "memcached-please://x"})
    assert result.returncode != 0
    assert "CACHE_URL='memcached-please://x' is not a cache address" in result.stderr
