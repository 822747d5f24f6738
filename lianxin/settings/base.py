"""Settings every environment shares, read from the environment.

`development`, `production` and `test` import everything from here and set what differs: DEBUG, the
secrets, the cache and queue of the tests, cookies and static storage. Nothing here touches the disk:
the folders of `var/` are made by the environment that keeps its state there (see `ensure_var_dir`).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Where the embedded database, queue, cache, media and development keys live.
VAR_DIR = Path(os.environ.get("LIANXIN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated variable as a list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def ensure_var_dir() -> Path:
    """Make `VAR_DIR` (and the static folder WhiteNoise serves from) for an environment keeping state there."""
    (VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
    return VAR_DIR


# Overridden by each environment. PRODUCTION is fixed when the settings load (the test runner flips
# DEBUG, not this); TESTING is true only under lianxin.settings.test.
DEBUG = False
PRODUCTION = False
TESTING = False

# Secrets are set by the environment modules: development keeps random ones in var/, production
# requires them, tests use fixed ones.
MIN_SECRET_LENGTH = 32

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
# What development and the tests allow when ALLOWED_HOSTS is unset.
LOCAL_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
    "lianxin.projects",
    "lianxin.participation",
    "lianxin.mediation",
    "lianxin.assistance",
    "lianxin.interconnect",
    "lianxin.notices",
    "lianxin.evaluation",
    "lianxin.imports",
]

MIDDLEWARE = [
    # First: times every request and answers /metrics (lianxin.core.metrics).
    "lianxin.core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy nonce and header of every response (lianxin.core.csp).
    "lianxin.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An anonymous read of a cached article page, answered here with its read counted (lianxin.portal.fastpath).
    "lianxin.portal.fastpath.ArticleFastPathMiddleware",
    # JSON size and depth limits and control characters dropped from forms, before anything reads the body.
    "lianxin.core.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianxin.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Page views raising lianxin.core.errors get the error page of their status, with their message.
    "lianxin.core.middleware.ApplicationErrorMiddleware",
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
# Run tasks in the calling process instead of queueing them (the tests always do).
HUEY_IMMEDIATE = env_bool("LIANXIN_HUEY_IMMEDIATE", False)


def redis_cache(url: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }


def huey_settings(*, redis_url: str, name: str, filename: str, immediate: bool) -> dict:
    """Huey on Redis when there is one (the queue `name`), else on the SQLite file `filename`."""
    consumer = {"workers": 2, "worker_type": "thread"}
    if redis_url:
        return {
            "huey_class": "huey.PriorityRedisHuey",
            "name": name,
            "immediate": immediate,
            "connection": {"url": redis_url},
            "consumer": consumer,
        }
    return {
        "huey_class": "huey.SqliteHuey",
        "name": "lianxin",
        "filename": filename,
        "immediate": immediate,
        "consumer": consumer,
    }


if REDIS_URL:
    # Shared by every node: login throttling, view counters.
    CACHES = redis_cache(REDIS_URL, os.environ.get("LIANXIN_CACHE_PREFIX", "lianxin"))
else:
    # Shared by every process on this machine (web server and worker), unlike LocMemCache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
HUEY = huey_settings(
    redis_url=REDIS_URL,
    name=os.environ.get("LIANXIN_QUEUE_NAME", "lianxin"),
    filename=str(VAR_DIR / "huey.sqlite3"),
    immediate=HUEY_IMMEDIATE,
)

# --- Auth --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
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
MEDIA_URL = "/media/"
# Private files (see docs/architecture.md): never serve this folder from the web server.
MEDIA_ROOT = Path(os.environ.get("LIANXIN_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, compressed files from `collectstatic` instead.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
# The largest body that is not a file (a JSON document, the fields of a form); JSON bodies also have a
# depth limit, checked before they are parsed (lianxin.core.limits).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("LIANXIN_DATA_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
LIANXIN_JSON_MAX_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
# Pillow's decompression-bomb limit: images with more pixels are refused (lianxin.core.files).
LIANXIN_IMAGE_MAX_PIXELS = int(os.environ.get("LIANXIN_IMAGE_MAX_PIXELS", "40000000"))
LIANXIN_JSON_MAX_DEPTH = int(os.environ.get("LIANXIN_JSON_MAX_DEPTH", "32"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lianxin.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's parsers with the body size and depth limits and control characters dropped (lianxin.core.limits).
    "DEFAULT_PARSER_CLASSES": [
        "lianxin.core.limits.JSONParser",
        "lianxin.core.limits.FormParser",
        "lianxin.core.limits.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "lianxin.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "lianxin.core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {
        "public_submit": os.environ.get("LIANXIN_RATE_PUBLIC_SUBMIT", "30/min"),
        "public_track": os.environ.get("LIANXIN_RATE_PUBLIC_TRACK", "60/min"),
        "public_similar": os.environ.get("LIANXIN_RATE_PUBLIC_SIMILAR", "60/min"),
        "login": os.environ.get("LIANXIN_RATE_LOGIN", "20/min"),
        "staff_search": os.environ.get("LIANXIN_RATE_STAFF_SEARCH", "120/min"),
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
    # Every choice set of every app under its own name (AppClassEnum): fields named status, kind, level,
    # type or outcome in different apps never collide (generated from the apps' Choices classes).
    "ENUM_NAME_OVERRIDES": {
        "AccountsRoleEnum": "lianxin.accounts.models.Role",
        "AnalysisModelSourceEnum": "lianxin.analysis.models.ModelSource",
        "AnalysisModelStateEnum": "lianxin.analysis.models.ModelState",
        "AnalysisRunStateEnum": "lianxin.analysis.models.RunState",
        "AssistanceFollowUpKindEnum": "lianxin.assistance.models.FollowUpKind",
        "AssistanceMeasureKindEnum": "lianxin.assistance.models.MeasureKind",
        "AssistanceMeasureStatusEnum": "lianxin.assistance.models.MeasureStatus",
        "AssistanceOutcomeEnum": "lianxin.assistance.models.Outcome",
        "AssistancePlanActionEnum": "lianxin.assistance.models.PlanAction",
        "AssistancePlanStatusEnum": "lianxin.assistance.models.PlanStatus",
        "ContactCoverageTargetEnum": "lianxin.contact.models.CoverageTarget",
        "ContactHouseholdTagEnum": "lianxin.contact.models.HouseholdTag",
        "ContactPointKindEnum": "lianxin.contact.models.PointKind",
        "ContactVisitKindEnum": "lianxin.contact.models.VisitKind",
        "CoreOutboxStatusEnum": "lianxin.core.models.OutboxStatus",
        "CoreSmsStatusEnum": "lianxin.core.models.SmsStatus",
        "DemandsActionEnum": "lianxin.demands.choices.Action",
        "DemandsAppealReasonEnum": "lianxin.demands.choices.AppealReason",
        "DemandsAppealStatusEnum": "lianxin.demands.choices.AppealStatus",
        "DemandsChannelEnum": "lianxin.demands.choices.Channel",
        "DemandsClosureEnum": "lianxin.demands.choices.Closure",
        "DemandsContactMethodEnum": "lianxin.demands.choices.ContactMethod",
        "DemandTypeEnum": "lianxin.demands.choices.DemandType",
        "DemandsOutcomeEnum": "lianxin.demands.choices.Outcome",
        "DemandsSatisfactionEnum": "lianxin.demands.choices.Satisfaction",
        "DemandsStageEnum": "lianxin.demands.choices.Stage",
        "DemandsStatusEnum": "lianxin.demands.choices.Status",
        "DemandsUrgencyEnum": "lianxin.demands.choices.Urgency",
        "DemandsWarningLevelEnum": "lianxin.demands.choices.WarningLevel",
        "DemandsJudgementKindEnum": "lianxin.demands.models.JudgementKind",
        "EvaluationBatchStatusEnum": "lianxin.evaluation.models.BatchStatus",
        "EvaluationMeasureEnum": "lianxin.evaluation.models.Measure",
        "EvaluationReportStatusEnum": "lianxin.evaluation.models.ReportStatus",
        "InterconnectDatatypeEnum": "lianxin.interconnect.models.Datatype",
        "InterconnectDeliveryStatusEnum": "lianxin.interconnect.models.DeliveryStatus",
        "InterconnectWebhookEventEnum": "lianxin.interconnect.models.WebhookEvent",
        "MediationActionEnum": "lianxin.mediation.choices.Action",
        "MediationDisputeTypeEnum": "lianxin.mediation.choices.DisputeType",
        "MediationLevelEnum": "lianxin.mediation.choices.Level",
        "MediationPartyKindEnum": "lianxin.mediation.choices.PartyKind",
        "MediationPartyRoleEnum": "lianxin.mediation.choices.PartyRole",
        "MediationPerformanceEnum": "lianxin.mediation.choices.Performance",
        "MediationReferralToEnum": "lianxin.mediation.choices.ReferralTo",
        "MediationRiskEnum": "lianxin.mediation.choices.Risk",
        "MediationSourceEnum": "lianxin.mediation.choices.Source",
        "MediationStatusEnum": "lianxin.mediation.choices.Status",
        "OrgAreaLevelEnum": "lianxin.org.models.AreaLevel",
        "OrgUnitKindEnum": "lianxin.org.models.UnitKind",
        "ParticipationCommentStatusEnum": "lianxin.participation.models.CommentStatus",
        "ParticipationConsultationKindEnum": "lianxin.participation.models.ConsultationKind",
        "ParticipationConsultationStatusEnum": "lianxin.participation.models.ConsultationStatus",
        "ParticipationDimensionEnum": "lianxin.participation.models.Dimension",
        "ParticipationDistributionEnum": "lianxin.participation.models.Distribution",
        "ParticipationElectorateEnum": "lianxin.participation.models.Electorate",
        "ParticipationEventKindEnum": "lianxin.participation.models.EventKind",
        "ParticipationEventStatusEnum": "lianxin.participation.models.EventStatus",
        "ParticipationOutcomeEnum": "lianxin.participation.models.Outcome",
        "ParticipationPollStatusEnum": "lianxin.participation.models.PollStatus",
        "ParticipationQuestionKindEnum": "lianxin.participation.models.QuestionKind",
        "ParticipationSignUpStatusEnum": "lianxin.participation.models.SignUpStatus",
        "ParticipationSubjectEnum": "lianxin.participation.models.Subject",
        "ParticipationSurveyStatusEnum": "lianxin.participation.models.SurveyStatus",
        "PortalArticleKindEnum": "lianxin.portal.models.ArticleKind",
        "PortalArticleStateEnum": "lianxin.portal.models.ArticleState",
        "PortalRevisionActionEnum": "lianxin.portal.models.RevisionAction",
        "ProjectsActionEnum": "lianxin.projects.models.Action",
        "ProjectsCommentStatusEnum": "lianxin.projects.models.CommentStatus",
        "ProjectsSourceEnum": "lianxin.projects.models.Source",
        "ProjectsStatusEnum": "lianxin.projects.models.Status",
    },
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN: offline networks work.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents its 401 and 403 answers where its view did not (lianxin.core.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lianxin.core.schema.document_auth_errors",
    ],
}

# --- Lianxin ------------------------------------------------------------------------------------
LIANXIN_SITE_NAME = os.environ.get("LIANXIN_SITE_NAME", "连心")
LIANXIN_DEMO_PASSWORD = os.environ.get("LIANXIN_DEMO_PASSWORD", "lianxin-demo")
# Notification senders by dotted path (see lianxin.core.notify); the in-app inbox is always on.
LIANXIN_NOTIFY_SENDERS = env_list(
    "LIANXIN_NOTIFY_SENDERS", "lianxin.core.notify.EmailSender,lianxin.core.notify.LogSmsSender"
)
# Background work through the outbox (lianxin.core.outbox): seconds a worker holds a row before the
# reconciler takes it back, attempts before a row is given up, and the first retry's delay (doubled each time).
LIANXIN_OUTBOX_TIMEOUT = int(os.environ.get("LIANXIN_OUTBOX_TIMEOUT", "300"))
LIANXIN_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("LIANXIN_OUTBOX_MAX_ATTEMPTS", "10"))
LIANXIN_OUTBOX_BACKOFF = int(os.environ.get("LIANXIN_OUTBOX_BACKOFF", "15"))
# Text messages (lianxin.core.sms): the sender by dotted path; the HTTP gateway's address and token.
LIANXIN_SMS_BACKEND = os.environ.get("LIANXIN_SMS_BACKEND", "lianxin.core.sms.ConsoleBackend")
LIANXIN_SMS_GATEWAY_URL = os.environ.get("LIANXIN_SMS_GATEWAY_URL", "")
LIANXIN_SMS_GATEWAY_TOKEN = os.environ.get("LIANXIN_SMS_GATEWAY_TOKEN", "")
LIANXIN_SMS_GATEWAY_TIMEOUT = float(os.environ.get("LIANXIN_SMS_GATEWAY_TIMEOUT", "10"))
LIANXIN_SMS_FILE = os.environ.get("LIANXIN_SMS_FILE", "")
# SMS to callers (lianxin.notices): the gateway callbacks' shared token (empty: the doors refuse), the
# notices one number may get a day, and the site address the tracking link in a reply notice starts with.
LIANXIN_SMS_INBOUND_TOKEN = os.environ.get("LIANXIN_SMS_INBOUND_TOKEN", "")
LIANXIN_SMS_DAILY_LIMIT = int(os.environ.get("LIANXIN_SMS_DAILY_LIMIT", "10"))
LIANXIN_SMS_LINK_BASE = os.environ.get("LIANXIN_SMS_LINK_BASE", "")
# Phone verification codes: seconds a code is valid, seconds between two sends, sends an hour.
LIANXIN_PHONE_CODE_TTL = int(os.environ.get("LIANXIN_PHONE_CODE_TTL", "600"))
LIANXIN_PHONE_CODE_INTERVAL = int(os.environ.get("LIANXIN_PHONE_CODE_INTERVAL", "60"))
LIANXIN_PHONE_CODE_HOURLY = int(os.environ.get("LIANXIN_PHONE_CODE_HOURLY", "5"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@lianxin.local")
# Demo loaders, in order; each is `module.function(context)` (see lianxin.core.demo).
LIANXIN_DEMO_LOADERS = [
    "lianxin.org.demo.load",
    "lianxin.accounts.demo.load",
    "lianxin.demands.demo.load",
    "lianxin.portal.demo.load",
    "lianxin.contact.demo.load",
    "lianxin.analysis.demo.load",
    "lianxin.projects.demo.load",
    "lianxin.participation.demo.load",
    "lianxin.mediation.demo.load",
    "lianxin.assistance.demo.load",
    "lianxin.interconnect.demo.load",
]
# /metrics (lianxin.core.metrics): the addresses (or networks) that may read it, and a bearer token that
# may read it from anywhere (empty: none).
LIANXIN_METRICS_ALLOWED_IPS = env_list("LIANXIN_METRICS_ALLOWED_IPS", "127.0.0.1,::1")
LIANXIN_METRICS_TOKEN = os.environ.get("LIANXIN_METRICS_TOKEN", "")
# Map tiles for Leaflet; empty means no tile layer (areas and points still show).
LIANXIN_MAP_TILES = os.environ.get("LIANXIN_MAP_TILES", "")

# Encryption at rest (lianxin.core.crypto, docs/security.md): the cipher new values are written with,
# old data keys still read during a rotation, the blind-index key (pin to the old data key when
# rotating) and its hash.
LIANXIN_CIPHER = os.environ.get("LIANXIN_CIPHER", "fernet")
LIANXIN_DATA_KEYS_OLD = os.environ.get("LIANXIN_DATA_KEYS_OLD", "")
LIANXIN_INDEX_KEY = os.environ.get("LIANXIN_INDEX_KEY", "")
LIANXIN_INDEX_HASH = os.environ.get("LIANXIN_INDEX_HASH", "sha256")
# Mediation (docs/mediation.md): 人民调解法's 30 days unless the parties agree otherwise.
LIANXIN_MEDIATION_DAYS = int(os.environ.get("LIANXIN_MEDIATION_DAYS", "30"))
LIANXIN_MEDIATION_DUE_SOON_DAYS = 7
LIANXIN_MEDIATION_SCAN_MAX_BYTES = 20 * 1024 * 1024
# Demands: 先行联系 within these hours of a dispatch (响应率); appeals (考核申诉) about a month's steps are
# filed and decided until this many days after the month (docs/demands.md).
LIANXIN_FIRST_CONTACT_HOURS = int(os.environ.get("LIANXIN_FIRST_CONTACT_HOURS", "24"))
LIANXIN_ASSIST_OPINION_WORKDAYS = int(os.environ.get("LIANXIN_ASSIST_OPINION_WORKDAYS", "3"))  # 协办意见 due
LIANXIN_APPEAL_WINDOW_DAYS = int(os.environ.get("LIANXIN_APPEAL_WINDOW_DAYS", "10"))
# 群众申请重办: days after the latest reply in which the caller may ask for it (by default the appeal window).
LIANXIN_CITIZEN_REOPEN_DAYS = int(
    os.environ.get("LIANXIN_CITIZEN_REOPEN_DAYS", str(LIANXIN_APPEAL_WINDOW_DAYS))
)
# 答复审核: whether a reply sent back by the review stops counting (the next reply is judged against the
# original due time) — true — or stays the judged reply, the handler getting a fresh due time — false.
LIANXIN_REVIEW_RETURN_COUNTS_ONTIME = env_bool("LIANXIN_REVIEW_RETURN_COUNTS_ONTIME", True)
# 重复来电: the operator's intake shows an earlier demand of the same caller about the same problem as a
# repeat call within this many days.
LIANXIN_REPEAT_CALL_DAYS = int(os.environ.get("LIANXIN_REPEAT_CALL_DAYS", "30"))

# Demands (docs/demands.md). The deadline policy: a DeadlinePolicyResolver subclass by dotted path,
# where a city's limits differ from the default table.
LIANXIN_DEADLINE_POLICY = os.environ.get(
    "LIANXIN_DEADLINE_POLICY", "lianxin.demands.deadlines.DeadlinePolicyResolver"
)
# Yellow card when this share of a stage's time has passed.
LIANXIN_DEMANDS_WARN_FRACTION = float(os.environ.get("LIANXIN_DEMANDS_WARN_FRACTION", "0.75"))
# Most working days one extension may add.
LIANXIN_DEMANDS_MAX_EXTENSION_DAYS = int(os.environ.get("LIANXIN_DEMANDS_MAX_EXTENSION_DAYS", "15"))
# Days after closing during which the requester may reopen a demand.
LIANXIN_DEMANDS_REOPEN_DAYS = int(os.environ.get("LIANXIN_DEMANDS_REOPEN_DAYS", "30"))
# A reply marked 已解决 must say what was done: at least this many characters (not "已处理").
LIANXIN_REPLY_RESOLVED_MIN_CHARS = int(os.environ.get("LIANXIN_REPLY_RESOLVED_MIN_CHARS", "10"))
# League tables rank a unit or cadre only from this many counted records of a rate (below: 样本不足).
LIANXIN_RANK_MIN_SAMPLE = int(os.environ.get("LIANXIN_RANK_MIN_SAMPLE", "10"))
# Code of the unit proposed when no routing rule matches; empty: no proposal.
LIANXIN_DEMANDS_FALLBACK_UNIT = os.environ.get("LIANXIN_DEMANDS_FALLBACK_UNIT", "")
# Largest attachment accepted on a demand, in bytes.
LIANXIN_DEMANDS_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("LIANXIN_DEMANDS_MAX_ATTACHMENT_BYTES", str(5 * 1024 * 1024))
)
# Most files the lead unit may attach to one reply (答复附件).
LIANXIN_DEMANDS_MAX_REPLY_FILES = int(os.environ.get("LIANXIN_DEMANDS_MAX_REPLY_FILES", "5"))
# Weight of each satisfaction answer in the satisfaction score (a 不满意 counts 0). A published figure's
# definition, so it is set in a settings module, not by an environment variable.
LIANXIN_SATISFACTION_WEIGHTS = {"satisfied": 1.0, "basically_satisfied": 0.6}

# Publishing site (docs/portal.md).
# Name of the site until an editor saves one in its settings page.
LIANXIN_PORTAL_SITE_NAME = os.environ.get("LIANXIN_PORTAL_SITE_NAME", f"{LIANXIN_SITE_NAME}宣传网")
# Seconds within which repeated views of an article by one visitor count once.
LIANXIN_PORTAL_VIEW_WINDOW = int(os.environ.get("LIANXIN_PORTAL_VIEW_WINDOW", str(30 * 60)))
# Longest article body, in characters, and largest image, in bytes.
LIANXIN_PORTAL_MAX_BODY_CHARS = int(os.environ.get("LIANXIN_PORTAL_MAX_BODY_CHARS", "200000"))
LIANXIN_PORTAL_MAX_IMAGE_BYTES = int(os.environ.get("LIANXIN_PORTAL_MAX_IMAGE_BYTES", str(2 * 1024 * 1024)))
# Seconds a public page stays in the page cache (editing anything publishes at once regardless).
LIANXIN_PORTAL_PAGE_CACHE_SECONDS = int(os.environ.get("LIANXIN_PORTAL_PAGE_CACHE_SECONDS", "600"))

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
