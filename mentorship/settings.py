"""Settings, read only from the environment.

Every value has a safe development default so `make run` works on a fresh machine; bad values fail
loudly at start-up (ImproperlyConfigured) instead of misbehaving later.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool_setting(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), got {raw!r}")


TESTING = "pytest" in sys.modules or _bool_setting("MENTORSHIP_TESTING", False)


def _int_setting(name: str, default: int, minimum: int = 0) -> int:
    try:
        value = env.int(name, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


DEBUG = _bool_setting("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    # Tools that import settings without serving anything (type checking) may use the dev key.
    if not (
        DEBUG or TESTING or "mypy" in sys.modules or _bool_setting("MENTORSHIP_DEV_DEFAULTS", False)
    ):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "oauth2_provider",
    "mentorship",
    "competencies",
    "assessments",
    "matching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mentorship.middleware.CommonMiddleware",
    "mentorship.middleware.ControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "mentorship.middleware.TenantMiddleware",
]

ROOT_URLCONF = "mentorship.urls"
WSGI_APPLICATION = "mentorship.wsgi.application"
AUTH_USER_MODEL = "mentorship.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                "mentorship.context_processors.tenant",
            ],
        },
    }
]

# --- Database: SQLite under var/ by default, PostgreSQL from DATABASE_URL -------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'mentorship.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the web server, worker and beat share the file; transactions take the write lock
    # when they begin (waiting up to `timeout` seconds for it), so two writers queue instead of
    # one failing with "database is locked" when it upgrades a read lock.
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = _int_setting("CONN_MAX_AGE", 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery: Redis from REDIS_URL, else kombu's file-system broker under var/ ---------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, got {REDIS_URL!r}")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
else:
    _broker_dir = VAR_DIR / "celery" / "broker"
    _results_dir = VAR_DIR / "celery" / "results"
    for _d in (
        _broker_dir / "out",
        _broker_dir / "processed",
        _broker_dir / "control",
        _results_dir,
    ):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_results_dir}"
CELERY_TASK_ALWAYS_EAGER = _bool_setting("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "assessment-reminders": {
        "task": "assessments.tasks.send_assessment_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "matching-recompute-due": {
        "task": "matching.tasks.recompute_due_organizations",
        "schedule": crontab(),  # every minute; each organisation at its own interval
    },
    "pairings-daily": {
        "task": "matching.tasks.pairings_daily_all",
        "schedule": crontab(hour=6, minute=30),  # expiry, end dates and reminders
    },
}

# --- Password validation, i18n ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (vendored front-end assets live in static/vendor) ------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- E-mail: console by default, SMTP from EMAIL_URL ----------------------------------------------
_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Mentoring <no-reply@mentoring.local>")

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _bool_setting("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- API credentials: OAuth2 client credentials bound to one organisation ---------------------
# The application model is swapped before oauth2_provider's first migration runs (see
# mentorship/migrations/0002_apiclient.py, which runs before it).
OAUTH2_PROVIDER_APPLICATION_MODEL = "mentorship.ApiClient"
API_TOKEN_SECONDS = _int_setting("API_TOKEN_SECONDS", 3600, minimum=60)


_RATE_PERIODS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def _rate_setting(name: str, default: str) -> str:
    """A DRF throttle rate such as "600/min"."""
    raw = env.str(name, default=default).strip()
    count, _, period = raw.partition("/")
    if not (count.isdigit() and int(count) > 0 and period in _RATE_PERIODS):
        raise ImproperlyConfigured(
            f"{name} must look like 600/min (a positive number per s, min, hour or day), "
            f"got {raw!r}"
        )
    return raw


API_RATE = _rate_setting("API_RATE", "600/min")
# The largest request body, in bytes: it fits the largest documented request (a 5,000-row bulk,
# pretty-printed, is about 3 MB); larger bodies get 413 in the API's error format.
DATA_UPLOAD_MAX_MEMORY_SIZE = _int_setting(
    "DATA_UPLOAD_MAX_MEMORY_SIZE", 12_000_000, minimum=1_000_000
)

OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": API_TOKEN_SECONDS,
    "SCOPES": {
        "read": "Read the organisation's people, departments and competency model",
        "write": "Create and change people, departments and roles",
    },
    "DEFAULT_SCOPES": ["read"],
    # A client gets the scopes HR granted it, whatever it asks for.
    "SCOPES_BACKEND_CLASS": "mentorship.oauth.ApiClientScopes",
    "PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Only the client credentials grant is used; follow RFC 9700 everywhere (tokens are stored
    # as checksums only, never in the query string, no implicit or password grants).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mentorship.oauth.ApiClientAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # API clients are limited per client (API_RATE); people signed in to the web app are not.
    "DEFAULT_THROTTLE_CLASSES": ["mentorship.oauth.ApiClientRateThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "mentorship.api_base.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mentorship.api_base.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mentoring platform API",
    "DESCRIPTION": (
        "REST API for HRIS integration and automation.\n\n"
        "**Authentication.** HR systems use OAuth2 client credentials: an HR admin creates an "
        "API client for the organisation (Settings → API clients, scopes `read`, `write` or "
        "both) and gets its id and secret once; `POST /api/oauth/token/` with "
        "`grant_type=client_credentials` (HTTP Basic with the id and secret) returns a bearer "
        "token that expires (`expires_in`, one hour by default). Send `Authorization: Bearer "
        "<token>`. A client always acts in its own organisation. An unknown, expired or revoked "
        "token answers 401; a revoked client gets no new token. Each client may send `API_RATE` "
        "requests (600 a minute by default); beyond that, 429 with `Retry-After`.\n\n"
        "People can also use the web app's session cookie (sign in at /accounts/login/; writes "
        "need the `X-CSRFToken` header); a request with no credential answers 403. A session "
        "acts in one organisation: the `X-Organization: <slug>` header if given (404 unless you "
        "are a member there), else the organisation last opened in the web app, else your first "
        "membership. Ids of another organisation answer 404, in URLs and request bodies alike.\n\n"
        "**Permissions.** Every member reads the organisation's people and competency model; HR "
        "admins write them. API clients read people, departments and the competency model with "
        "`read`, and with `write` change people, departments and roles (and nothing else). "
        "Assessments, skill profiles, gaps and goals follow the same rules as the app: your own, "
        "your reporting line's (managers) or everyone's (HR); API clients do not reach them.\n\n"
        "**HR system keys.** People are upserted by their HR id "
        "(`PUT /api/v1/employees/by-external-id/{external_id}/`), departments and roles by code "
        "(`PUT .../by-code/{code}/`); the answer says `created`, `updated` or `unchanged`. "
        "`POST /api/v1/employees/bulk/` and `/departments/bulk/` take up to 5,000 rows, all or "
        "nothing, with `dry_run` to preview the counts.\n\n"
        "**Pagination.** Lists take `?page=` and `?page_size=` (default 50, at most 500) and "
        "answer `{count, next, previous, results}`; `?search=` and the listed filters narrow "
        "them, `?ordering=` sorts them; a page past the last one answers 404.\n\n"
        "**Errors** share one format (the `Error` schema): "
        '`{"detail": "summary", "errors": {"field": ["message"]}}`, with `errors` for '
        'validation errors only and errors about the whole request under "non_field_errors". '
        "A bulk request's invalid rows are listed under the payload's name, each with its "
        "`index`, key and field errors. The token endpoint answers in the OAuth2 format "
        '(`{"error": "invalid_client"}`).'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mentorship.api_base.schema_add_tenant_conventions",
    ],
}

# --- Product defaults -------------------------------------------------------------------------
DEMO_PASSWORD = "mentoring-demo"
# A burst of rating, requirement or availability changes yields one recompute this long after the
# first change (the issue allows 60 s).
MATCHING_DEBOUNCE_SECONDS = _int_setting("MATCHING_DEBOUNCE_SECONDS", 30, minimum=0)

# Shared cache (API rate limits must count across web processes): Redis when configured.
if REDIS_URL and not TESTING:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mentorship",
        }
    }

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # In memory; with EMAIL_FILE_PATH (given to a worker process a test starts), as files in that
    # directory, which the test reads.
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default="")
    EMAIL_BACKEND = (
        "django.core.mail.backends.filebased.EmailBackend"
        if EMAIL_FILE_PATH
        else "django.core.mail.backends.locmem.EmailBackend"
    )
    CELERY_TASK_ALWAYS_EAGER = _bool_setting("CELERY_TASK_ALWAYS_EAGER", True)
