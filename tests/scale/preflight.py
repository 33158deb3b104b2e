"""The services of the scale-out check, before Django is set up: which PostgreSQL server and
Redis the environment names, the check's own database and Redis databases on them, and a
clear refusal when either is missing or down. No Django import here: the settings are read
once, from the environment this module prepares."""

import contextlib
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from tests.bench import BenchError

DATABASE = "vsm_scale"
BROKER_DB = 12
CACHE_DB = 13
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")
REDIS_SCHEMES = ("redis", "rediss")

START_POSTGRES = (
    "Start PostgreSQL (as .ci/run does): pg_ctlcluster --skip-systemctl-redirect "
    '"$(ls /etc/postgresql)" main start'
)
START_REDIS = (
    "Start Redis (as .ci/run does): redis-server --daemonize yes --bind 127.0.0.1 --port 6379 "
    '--save "" --appendonly no'
)
NEEDS = (
    "make scale-check needs PostgreSQL and Redis: DATABASE_URL=postgres://USER@HOST:5432/DB, "
    "CELERY_BROKER_URL=redis://HOST:6379/N and CACHE_URL=redis://HOST:6379/N (`make scale-check` "
    "passes postgres://postgres@127.0.0.1:5432/postgres and redis://127.0.0.1:6379; change them "
    "with SCALE_DATABASE_URL and SCALE_REDIS_URL). Only the servers are taken from them: the check "
    f"runs on a database of its own ({DATABASE}) and Redis databases {BROKER_DB} and {CACHE_DB}."
)


@dataclass(frozen=True)
class Services:
    database_url: str  # the check's own database
    admin_url: str  # the server's maintenance database, to drop and create it
    database: str
    broker_url: str
    cache_url: str


def plan_services(environ, database=DATABASE, broker_db=BROKER_DB, cache_db=CACHE_DB):
    """The check's services from ``environ`` (pure): the servers of DATABASE_URL,
    CELERY_BROKER_URL and CACHE_URL with the check's own database name and Redis database
    numbers. Raises BenchError naming what is missing."""
    if "scale" not in database:
        raise BenchError(f"Refusing database {database!r}: the check drops it; name it *scale*.")
    db_url = environ.get("DATABASE_URL", "")
    broker = environ.get("CELERY_BROKER_URL", "")
    cache = environ.get("CACHE_URL", "")
    problems = []
    if urlsplit(db_url).scheme not in POSTGRES_SCHEMES:
        problems.append(f"DATABASE_URL is {_shown(db_url)}, not PostgreSQL")
    if urlsplit(broker).scheme not in REDIS_SCHEMES:
        problems.append(f"CELERY_BROKER_URL is {_shown(broker)}, not Redis")
    if urlsplit(cache).scheme not in REDIS_SCHEMES:
        problems.append(f"CACHE_URL is {_shown(cache)}, not Redis")
    if problems:
        raise BenchError("; ".join(problems) + ".\n" + NEEDS)
    return Services(
        database_url=_with_path(db_url, f"/{database}"),
        admin_url=_with_path(db_url, "/postgres"),
        database=database,
        broker_url=_with_path(broker, f"/{broker_db}"),
        cache_url=_with_path(cache, f"/{cache_db}"),
    )


def _shown(url):
    if not url:
        return "not set"
    parts = urlsplit(url)
    return f"{parts.scheme}://..." if parts.password else repr(url)


def _with_path(url, path):
    """``url`` with its path (the database name or number) replaced and no query."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def prepare(services):
    """Check that both servers answer, drop and create the check's database and empty its
    Redis databases. Raises BenchError with how to start a server that does not answer."""
    import psycopg
    import redis

    admin = _psycopg_url(services.admin_url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{services.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{services.database}"')
    except psycopg.OperationalError as exc:
        host = urlsplit(services.admin_url).netloc.rpartition("@")[2]
        raise BenchError(
            f"PostgreSQL does not answer at {host}: {str(exc).strip()}\n{START_POSTGRES}"
        ) from None
    for url in (services.broker_url, services.cache_url):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()
        except redis.RedisError as exc:
            host = urlsplit(url).netloc.rpartition("@")[2]
            raise BenchError(f"Redis does not answer at {host}: {exc}\n{START_REDIS}") from None


def empty_redis(services):
    import redis

    for url in (services.broker_url, services.cache_url):
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()


def drop_database(services):
    import psycopg

    try:
        with psycopg.connect(_psycopg_url(services.admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{services.database}" WITH (FORCE)')
    except psycopg.Error:
        pass


def _psycopg_url(url):
    """libpq takes postgresql:// (and postgres://), not Django's other spellings."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme in POSTGRES_SCHEMES else url
