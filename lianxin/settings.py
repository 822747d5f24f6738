"""Django settings for Lianxin, read from the environment.

The embedded default (no variables set) is a development instance on SQLite in `var/`.
Production (DEBUG off) refuses to start without LIANXIN_SECRET_KEY and LIANXIN_DATA_KEY.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIANXIN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules or os.environ.get("LIANXIN_TESTING") == "1"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
# Production mode is fixed at start-up (the test runner flips DEBUG, not this).
PRODUCTION = not DEBUG


def _dev_secret(name: str, filename: str) -> str:
    """In development, keep a random secret in var/ so restarts keep sessions and encrypted data."""
    path = VAR_DIR / filename
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


MIN_SECRET_LENGTH = 32


def _required_secret(name: str, dev_file: str) -> str:
    value = os.environ.get(name, "").strip()
    if value and not DEBUG and len(value) < MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(
            f"{name} is too short ({len(value)} characters): production needs at least "
            f"{MIN_SECRET_LENGTH} random characters, e.g. from "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if value:
        return value
    if DEBUG:
        return _dev_secret(name, dev_file)
    raise ImproperlyConfigured(
        f"{name} is not set. Production mode (DEBUG off) needs it; set it in the environment."
    )


SECRET_KEY = _required_secret("LIANXIN_SECRET_KEY", "secret.key")
DATA_KEY = _required_secret("LIANXIN_DATA_KEY", "data.key")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "lianxin.core",
    "lianxin.accounts",
    "lianxin.org",
    "lianxin.demands",
    "lianxin.analysis",
    "lianxin.portal",
    "lianxin.contact",
    "lianxin.evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianxin.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lianxin.urls"
WSGI_APPLICATION = "lianxin.wsgi.application"
ASGI_APPLICATION = "lianxin.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lianxin.core.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "lianxin.sqlite3"),
            "OPTIONS": {
                # WAL + a busy timeout so the web server and the worker share the file safely.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background work ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if TESTING and REDIS_URL and _xdist_worker.startswith("gw"):
    # Parallel test workers each get their own Redis database: a test's cache.clear() (FLUSHDB) must
    # not empty the counters another worker's test is reading.
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)
    _db = 1 + int(_xdist_worker[2:]) % 15
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{_db}"))
if TESTING and not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Tests get a prefix per process, so parallel workers sharing one Redis never clear each other.
            "KEY_PREFIX": os.environ.get(
                "LIANXIN_CACHE_PREFIX", f"lianxin-test-{os.getpid()}" if TESTING else "lianxin"
            ),
        }
    }
else:
    # Shared by every process on this machine (web server and worker), unlike LocMemCache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

HUEY_IMMEDIATE = TESTING or env_bool("LIANXIN_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": os.environ.get("LIANXIN_QUEUE_NAME", f"lianxin-test-{os.getpid()}" if TESTING else "lianxin"),
        "immediate": HUEY_IMMEDIATE,
        "connection": {"url": REDIS_URL},
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "lianxin",
        "filename": (
            os.path.join(tempfile.gettempdir(), f"lianxin-huey-test-{os.getpid()}.sqlite3")
            if TESTING
            else str(VAR_DIR / "huey.sqlite3")
        ),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- Auth --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
# Failed logins allowed per username+address within the window before further tries are refused.
LOGIN_MAX_FAILURES = int(os.environ.get("LIANXIN_LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LIANXIN_LOGIN_FAILURE_WINDOW", "900"))
# Hours an API token works after it is issued (lianxin.accounts.authentication); then the client asks again.
LIANXIN_API_TOKEN_TTL = int(os.environ.get("LIANXIN_API_TOKEN_TTL", "72"))
if LIANXIN_API_TOKEN_TTL < 1:
    raise ImproperlyConfigured(
        f"LIANXIN_API_TOKEN_TTL is {LIANXIN_API_TOKEN_TTL}: API tokens need a lifetime of at least 1 hour."
    )

SESSION_COOKIE_HTTPONLY = True
# Flash messages live in the session (the database), not in a cookie: some carry a query code.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the meta tag, not the cookie
CSRF_FAILURE_VIEW = "lianxin.core.views.csrf_failure"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("LIANXIN_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- I18n --------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "lianxin" / "locale"]
FORMAT_MODULE_PATH = ["lianxin.core.formats"]
TIME_ZONE = os.environ.get("LIANXIN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("LIANXIN_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lianxin.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lianxin.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "lianxin.core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {
        "public_submit": os.environ.get("LIANXIN_RATE_PUBLIC_SUBMIT", "30/min"),
        "public_track": os.environ.get("LIANXIN_RATE_PUBLIC_TRACK", "60/min"),
        "public_similar": os.environ.get("LIANXIN_RATE_PUBLIC_SIMILAR", "60/min"),
        "login": os.environ.get("LIANXIN_RATE_LOGIN", "20/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # How many reverse proxies set X-Forwarded-For in front of the web nodes. 0 (the default) trusts only
    # the socket address, so a client cannot dodge the rate limits by sending its own header.
    "NUM_PROXIES": int(os.environ.get("LIANXIN_NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lianxin API",
    "DESCRIPTION": "连心 — demands (诉求), tracking, units and publishing for mass work (群众工作).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN: offline networks work.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Lianxin ------------------------------------------------------------------------------------
LIANXIN_SITE_NAME = os.environ.get("LIANXIN_SITE_NAME", "连心")
LIANXIN_DEMO_PASSWORD = os.environ.get("LIANXIN_DEMO_PASSWORD", "lianxin-demo")
# Notification senders by dotted path (see lianxin.core.notify); the in-app inbox is always on.
LIANXIN_NOTIFY_SENDERS = [
    s.strip()
    for s in os.environ.get(
        "LIANXIN_NOTIFY_SENDERS", "lianxin.core.notify.EmailSender,lianxin.core.notify.LogSmsSender"
    ).split(",")
    if s.strip()
]
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@lianxin.local")
# Demo loaders, in order; each is `module.function(context)` (see lianxin.core.demo).
LIANXIN_DEMO_LOADERS = [
    "lianxin.org.demo.load",
    "lianxin.accounts.demo.load",
    "lianxin.demands.demo.load",
    "lianxin.portal.demo.load",
    "lianxin.contact.demo.load",
    "lianxin.analysis.demo.load",
]
# Map tiles for Leaflet; empty means no tile layer (areas and points still show).
LIANXIN_MAP_TILES = os.environ.get("LIANXIN_MAP_TILES", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "pii": {"()": "lianxin.core.logging.PiiFilter"},
        "client_errors": {"()": "lianxin.core.logging.ClientErrorFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["pii"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIANXIN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_errors"]},  # 403/404: a line, not a traceback
        "jieba": {"level": "WARNING"},
        # Configured here so that the huey consumer does not add its own handler, which would print
        # every line twice and without the personal-data filter.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
