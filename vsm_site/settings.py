"""All settings, driven by environment variables (see README "Configuration" and .env.example).

The embedded default needs no server: SQLite and a filesystem Celery transport under ``var/``.
Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis or RabbitMQ), SECRET_KEY
and ALLOWED_HOSTS. Values are parsed strictly: a malformed value stops start-up with its name.
The test suite runs on ``vsm_site.settings_test``, which starts from these.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()


def _bool(name, default):
    """Strict boolean: anything but the usual spellings of true/false is an error."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def _int(name, default):
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def _positive_int(name, default):
    value = _int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name}={value} must be at least 1")
    return value


DEBUG = _bool("DEBUG", False)

# A development key is allowed so that `make run`, tests and management commands work out of
# the box; wsgi.py/asgi.py refuse to serve with it when DEBUG is off, and `check --deploy`
# reports it.
INSECURE_SECRET_KEY = "django-insecure-development-only-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_SECRET_KEY)
SECRET_KEY_IS_DEFAULT = SECRET_KEY == INSECURE_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "auditlog",
    # Single sign-on (OpenID Connect, SAML 2.0) and MFA (TOTP, recovery codes) for each
    # organisation: django-allauth. Password sign-in stays Django's own login view (README:
    # Single sign-on); assessments.people.sso holds the rules and the adapters.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "assessments",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files keep their caching), before everything that may answer
    # early (CommonMiddleware's redirects): no response to a logged-in user is cached.
    "vsm_site.http.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets the actor of audit entries; a subclass of auditlog's that also sees API token users.
    "assessments.audit.trail.AuditActorMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Someone who must use MFA and has none yet sets it up before anything else.
    "assessments.people.sso.middleware.mfa_enrolment_required",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vsm_site.urls"
WSGI_APPLICATION = "vsm_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "assessments.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = _int("CONN_MAX_AGE", 60)
# A connection that died (PostgreSQL restarted) is replaced before the next request uses it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, with a health check that can see a closed handle.
    DATABASES["default"]["ENGINE"] = "vsm_site.sqlite_backend"
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


def _cache_url(name, default):
    """A cache address as Django's CACHES entry. redis:// and rediss:// always mean Django's own
    Redis backend (django-environ would pick django-redis whenever it happens to be installed),
    and ``?key_prefix=...`` / ``?timeout=...`` are honoured (django-environ passes them in lower
    case for that backend, which reads upper case)."""
    raw = env.str(name, default=default)
    scheme = raw.partition("://")[0]
    if scheme not in environ.Env.CACHE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a cache address (use locmemcache:// or redis://host:6379/1)"
        )
    redis = scheme in {"redis", "rediss"}
    config = environ.Env.cache_url_config(
        raw, backend="django.core.cache.backends.redis.RedisCache" if redis else None
    )
    for option in ("TIMEOUT", "KEY_PREFIX", "VERSION"):
        if option.lower() in config:
            config[option] = config.pop(option.lower())
    return config


# One cache for the site; vsm_site/caching.py says what is kept in it, under which keys, and
# why nothing needs deleting. Memory of each process by default; in production, Redis
# (CACHE_URL=redis://host:6379/1) lets every gunicorn worker use what another rendered.
CACHES = {"default": _cache_url("CACHE_URL", "locmemcache://")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: it refuses a locked-out username+address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# `make run` serves static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = _bool("WHITENOISE_USE_FINDERS", DEBUG)
WHITENOISE_AUTOREFRESH = DEBUG

# Email: console by default; EMAIL_URL (e.g. smtp+tls://user:pass@host:587) in production.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# filemail:///abs/path (one file per connection in that folder; `make scale-check` counts them).
if _email.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = "/" + _email["EMAIL_FILE_PATH"].lstrip("/")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="VSM Assess <vsm@localhost>")

# The site's public address (scheme and host, no path): every link in an e-mail is built on it,
# because a Celery worker sending the e-mail has no request to take a host from. Required when
# DEBUG is off (wsgi.py/asgi.py refuse to serve without it; `check --deploy` reports it);
# `make run` defaults to the development server's address.
SITE_URL = env.str("SITE_URL", default="").strip().rstrip("/")
if not SITE_URL and DEBUG:
    SITE_URL = "http://127.0.0.1:8000"
if SITE_URL:
    from urllib.parse import urlsplit

    _site = urlsplit(SITE_URL)
    if _site.scheme not in {"http", "https"} or not _site.hostname or _site.path or _site.query:
        raise ImproperlyConfigured(
            f"SITE_URL={SITE_URL!r} is not a site address (use e.g. https://vsm.example.com)"
        )
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: secure cookies and HSTS whenever DEBUG is off (production serves over HTTPS).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not DEBUG)
# Django's database sessions; vsm_site/sessions.py reads them with SQL written once.
SESSION_ENGINE = "vsm_site.sessions"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Request size limits. DATA_UPLOAD_MAX_MEMORY_SIZE caps a request body that is not a file upload
# (forms, and the JSON batches of the events API, which are parsed whole in memory): larger
# bodies get a 400 (413 from the events API). Large event batches go as CSV, which is streamed.
# FILE_UPLOAD_MAX_MEMORY_SIZE is not a cap: an uploaded file larger than this is spooled to a
# temporary file instead of memory. DATA_UPLOAD_MAX_NUMBER_FIELDS caps the number of form/query
# fields (Django's default, set explicitly: the largest form, the answering page, posts one
# question at a time; a hash-collision flood of parameters is refused with a 400).
DATA_UPLOAD_MAX_MEMORY_SIZE = _int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = _int("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = _int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)

# /healthz answers anonymous callers (load balancers) with its status only; staff users, and
# monitoring presenting this token (`Authorization: Bearer ...` or `X-Health-Token: ...`), also
# get which component is down and why (host names, ports, driver errors). Unset: staff only.
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="").strip()
if HEALTHZ_TOKEN and len(HEALTHZ_TOKEN) < 16:
    raise ImproperlyConfigured("HEALTHZ_TOKEN must be at least 16 characters (or unset)")

# Content Security Policy (django-csp 4). Scripts only from our own origin: no inline <script>,
# no on...= handlers, no eval (htmx works from hx-* attributes; Swagger UI loads its init script
# as a separate request, see vsm_site/urls.py). Styles allow 'unsafe-inline' because Bootstrap
# components and the server-rendered SVG charts set inline style attributes; an injected style
# cannot run code. frame-ancestors 'none' is the CSP twin of X_FRAME_OPTIONS = "DENY".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Brute-force protection on the login form (django-axes). After AXES_FAILURE_LIMIT wrong
# passwords for one username from one address, that pair is refused (HTTP 429, the lockout
# page) for AXES_COOLOFF_MINUTES after the last attempt, even with the right password; a
# successful login clears the count. Keyed on the pair, so an attacker cannot lock a colleague
# out from elsewhere, and one office address behind NAT does not lock out everyone. API tokens
# are not a login form and are not counted. Locks are lifted early in the Django admin (Axes >
# Access attempts) or with `manage.py axes_reset_username USERNAME`.
AXES_FAILURE_LIMIT = _int("AXES_FAILURE_LIMIT", 5)
_cooloff_minutes = _int("AXES_COOLOFF_MINUTES", 30)
if AXES_FAILURE_LIMIT < 1 or _cooloff_minutes < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be positive")
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy every request comes from the proxy's address, so all users would share
# one lock per username. AXES_BEHIND_PROXY=true takes the client address from X-Forwarded-For
# instead: its right-most entry, the one our proxy appended (entries to its left are whatever
# the client sent and can be forged). Only set it when a proxy that appends to X-Forwarded-For
# is the sole way in; otherwise a client could pick any address it likes.
AXES_BEHIND_PROXY = _bool("AXES_BEHIND_PROXY", False)


def _forwarded_client_ip(request):
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or request.META.get("REMOTE_ADDR")


if AXES_BEHIND_PROXY:
    AXES_CLIENT_IP_CALLABLE = _forwarded_client_ip

# Single sign-on and MFA (django-allauth). Each organisation's identity provider is one
# SocialApp row written by `manage.py sso_configure` or its settings page, never settings here.
# Sign-up is closed except for just-in-time provisioning by an organisation's own provider
# (assessments.people.sso.adapters); identities are never joined to accounts by e-mail address,
# so one organisation's provider cannot reach another organisation's people.
ACCOUNT_ADAPTER = "assessments.people.sso.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "assessments.people.sso.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
# Calls to identity providers (discovery, keys, tokens, SAML metadata) give up after this.
SOCIALACCOUNT_REQUESTS_TIMEOUT = _positive_int("SSO_REQUESTS_TIMEOUT", 10)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="VSM Assess")
MFA_RECOVERY_CODE_COUNT = 10
# Turning MFA on or off asks for the password again on this site's own page (sso.views), not
# through allauth's reauthentication pages, which are not routed here.
MFA_REAUTHENTICATION_REQUIRED = False

# Audit trail (django-auditlog): who changed what, shown to organisation admins at /audit/.
# Writes that bypass model signals (bulk_create, bulk_update, QuerySet.update) are recorded
# explicitly with assessments.audit.record. Results are frozen: their creation (the close) and
# review marks are logged, not the score data; memberships keep their team in serialized_data so
# that a removal stays visible to the team's organisation after the row is gone.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    # Links that never change (answer -> response, result -> team, ...) are left out: the page
    # shows the team and the object's name instead.
    {"model": "assessments.Answer", "exclude_fields": ["updated_at", "response", "question"]},
    {"model": "assessments.Response", "include_fields": ["status", "submitted_at"]},
    {
        "model": "assessments.Result",
        "exclude_fields": [
            "data", "dimension_scores", "created_at", "assessment", "team", "questionnaire",
        ],
    },
    {
        "model": "assessments.Membership",
        "exclude_fields": ["created_at", "team"],
        "serialize_data": True,
        "serialize_kwargs": {"fields": ["team", "user", "role"]},
    },
    # Kept with the team and period, so a deleted entry stays listed under its team.
    {
        "model": "assessments.DoraEntry",
        "exclude_fields": ["updated_at", "team"],
        "serialize_data": True,
        "serialize_kwargs": {"fields": ["team", "period"]},
    },
    {
        "model": "assessments.EventBatch",
        "include_fields": ["filename", "kind", "rows"],
        "serialize_data": True,
        "serialize_kwargs": {"fields": ["team", "kind", "filename", "rows"]},
    },
    # Team API tokens: created and revoked, never the key's hash (nor last use, written by an
    # UPDATE); kept with the team, so an entry stays listed under it.
    {
        "model": "assessments.TeamApiToken",
        "include_fields": ["name", "prefix", "scope", "expires_at", "revoked_at"],
        "serialize_data": True,
        "serialize_kwargs": {"fields": ["team", "name", "prefix", "scope"]},
    },
    {
        "model": "assessments.Organization",
        "include_fields": [
            "name", "default_benchmark", "low_confidence_threshold", "industry", "org_size",
            "dora_segment", "dora_view",
        ],
    },
    {
        "model": "reports.RoadmapItem",
        "exclude_fields": [
            "updated_at", "roadmap", "position", "priority", "why", "focus_areas", "steps",
            "factors",
        ],
    },
)  # fmt: skip
# Entries record the client address as axes resolves it (AXES_BEHIND_PROXY above), not
# auditlog's own guess from the left-most X-Forwarded-For entry, which the client controls.

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "vsm_site.api.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "vsm_site.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VSM Assess API",
    "DESCRIPTION": "Teams, maturity assessments, DORA metrics and improvement roadmaps.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the guide's value stream stages wherever a field takes one of them.
    "ENUM_NAME_OVERRIDES": {"GuideStageEnum": "assessments.valuestream.rules.DEFAULT_STAGE_KEYS"},
}

# Celery. The embedded default is kombu's filesystem transport under var/ (a real worker
# process, no broker server) and SQLite through SQLAlchemy for task results.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_celery_dir = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (_celery_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
        # An idle worker looks into the folder this often (kombu's default is every second,
        # which a roadmap waited on average half of): a directory listing, nothing more.
        "polling_interval": 0.1,
    }
    _default_result_backend = f"db+sqlite:///{_celery_dir / 'results.sqlite'}"
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    _default_result_backend = CELERY_BROKER_URL
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
    _default_result_backend = "rpc://"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_default_result_backend)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = _int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = _int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Reports queued or rendering for longer than this are sent again by the sweeper.
REPORT_STUCK_AFTER_SECONDS = _int("REPORT_STUCK_AFTER_SECONDS", 600)
# Renders in flight (queued or rendering, portfolio PDFs included) one person, and everyone of
# one organisation together, may have: a request beyond either is refused with 429 and a
# Retry-After, so that nobody can fill the shared workers (issue 15). A repeated request of a
# PDF whose content has not changed is answered with the existing report and costs nothing.
REPORT_MAX_QUEUED_PER_USER = _positive_int("REPORT_MAX_QUEUED_PER_USER", 3)
REPORT_MAX_QUEUED_PER_ORGANIZATION = _positive_int("REPORT_MAX_QUEUED_PER_ORGANIZATION", 10)
# PDFs older than this are deleted (rows and files) by a nightly task, except the newest ready
# one of every result and of every portfolio scope.
REPORT_RETENTION_DAYS = _positive_int("REPORT_RETENTION_DAYS", 90)
# Stored webhook deliveries (raw bodies) older than this are deleted (issue 20).
WEBHOOK_DELIVERY_RETENTION_DAYS = _positive_int("WEBHOOK_DELIVERY_RETENTION_DAYS", 30)
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-reports": {
        "task": "reports.task_sweep_stuck_reports",
        "schedule": _int("REPORT_SWEEP_INTERVAL_SECONDS", 120),
    },
    "prune-old-reports": {
        "task": "reports.task_prune_old_reports",
        "schedule": crontab(hour=3, minute=30),
    },
    # Daily at 08:00; REMINDER_INTERVAL_SECONDS (for `make scale-check`) runs it every so many
    # seconds instead: safe, each person is reminded at most once a day (ReminderLog).
    "send-campaign-reminders": {
        "task": "reports.task_send_reminders",
        "schedule": (
            _positive_int("REMINDER_INTERVAL_SECONDS", 1)
            if env.str("REMINDER_INTERVAL_SECONDS", default="").strip()
            else crontab(hour=8, minute=0)
        ),
    },
    "notify-due-tomorrow": {
        "task": "reports.task_notify_due_tomorrow",
        "schedule": crontab(hour=8, minute=5),
    },
    # Webhook deliveries stored while the broker was down, and the retention of raw bodies.
    "sweep-webhook-deliveries": {
        "task": "assessments.task_sweep_deliveries",
        "schedule": _int("WEBHOOK_SWEEP_INTERVAL_SECONDS", 120),
    },
    "prune-webhook-deliveries": {
        "task": "assessments.task_prune_deliveries",
        "schedule": crontab(hour=3, minute=45),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs every layout step at INFO; keep its warnings (missing resources).
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
