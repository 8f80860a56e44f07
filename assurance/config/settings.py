"""Settings come from environment variables only (see README, "Configuration").

Embedded defaults (SQLite, a filesystem Celery broker, console email) let one command
run the whole product on a laptop; DATABASE_URL / REDIS_URL switch the same code to
PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from assurance.config.embedded import embedded_site_url
from assurance.config.observability import init_sentry
from assurance.config.storage import s3_backend

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))
# The embedded set-up keeps its SQLite file, broker queue and uploads here.
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development only."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails. Unset, it follows HOST and PORT (what scripts/run.sh serves on).
SITE_URL = env.str(
    "SITE_URL",
    default=embedded_site_url(env.str("HOST", default=""), env.str("PORT", default="")),
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "assurance",
    "domains",
    "evidence",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "assurance.common.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CsrfViewMiddleware: refuses an oversized upload before anything reads its body.
    "assurance.common.middleware.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "assurance.common.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "assurance.config.urls"
WSGI_APPLICATION = "assurance.config.wsgi.application"

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
                "assurance.reviews.context_processors.notifications",
            ],
        },
    },
]

# An empty DATABASE_URL means the embedded default too.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file in the embedded set-up: wait for locks
    # rather than failing, and take the write lock up front to avoid upgrade deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: the pages' queries are short, and PostgreSQL compiles any whose estimated cost
    # passes jit_above_cost (a list filtered by correlated subqueries, as "judgements to
    # confirm" is, at a few thousand rows): 200-350 ms of compiling for a 20 ms query.
    # A DATABASE_URL with its own ?options= keeps them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "organisations:home"
LOGOUT_REDIRECT_URL = "login"

# History: change reasons (e.g. "Withdrawn: <the reason>") are kept whole in a text column.
# Reasons themselves are limited in forms, models and services (assurance/common/reasons.py).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Login throttling (django-axes): lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none, the app is
# reached directly). Login throttling then keys on the client's address, not the proxy's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or a positive number of proxies.")
AXES_CLIENT_IP_CALLABLE = "assurance.config.proxies.client_ip"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media-not-served-directly/"  # uploads go out only through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Evidence files and archived reports: this server's disk (MEDIA_ROOT) by default; with a
# bucket, an S3-compatible object store that every web and worker process shares.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = s3_backend(
        bucket=AWS_STORAGE_BUCKET_NAME,
        endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
        access_key=env.str("AWS_ACCESS_KEY_ID", default=""),
        secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=""),
        region=env.str("AWS_S3_REGION_NAME", default=""),
        addressing_style=env.str("AWS_S3_ADDRESSING_STYLE", default=""),
        location=env.str("AWS_LOCATION", default=""),
    )

# Email: EMAIL_URL=smtp+tls://user:password@host:587 for SMTP. Unset (the embedded set-up),
# each message is written whole to a file in EMAIL_FILE_PATH and logged as one line.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "assurance.common.mail.LoggedFileEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Care assurance <assurance@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))

# Security: strict unless explicitly relaxed (the embedded set-up runs with DEBUG=1).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp) on every response: scripts, styles and images only
# from this site (htmx and Pico are vendored under static/; Pico's icons are data: URIs), no
# inline script or style anywhere in the templates, no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features no page here uses (assurance/common/middleware.py sends the header).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

# Uploads. EVIDENCE_MAX_UPLOAD_MB is the largest evidence upload (its files together); a
# request declaring more is refused with 413 before its body is read
# (assurance.common.middleware.UploadLimitMiddleware). Form fields other than files may carry
# up to DATA_UPLOAD_MAX_MEMORY_SIZE (text forms need far less); Django refuses more with 400.
# The request body itself is capped by the reverse proxy (README, "Production").
EVIDENCE_MAX_UPLOAD_MB = env.int("EVIDENCE_MAX_UPLOAD_MB", default=20)
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Readiness thresholds (the judgement aid). JSON merged over the defaults in
# assurance/judgement/readiness.py, e.g. {"window_days": 120, "significant": {"spread": 0.6}};
# a provider can override them again in the admin.
READINESS_THRESHOLDS = env.json("READINESS_THRESHOLDS", default={})

# Days until an automatically raised escalation is due.
ESCALATION_DUE_DAYS = env.int("ESCALATION_DUE_DAYS", default=14)

# Celery: Redis when REDIS_URL / CELERY_BROKER_URL is set, otherwise kombu's filesystem
# transport in DATA_DIR, which needs no server.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Without this kombu writes its control exchange to ./control in the working dir.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # The transport needs its folders to exist before a worker or beat first connects.
    for _folder in ("queue", "processed"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        # An unacknowledged task (its worker died) is handed out again after this long.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # How often a worker looks for such tasks: every interval x throttle seconds.
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")

# Review cadence: monthly reviews per open case, quarterly per provider
# (see assurance/reviews/cadence.py).
# A due day past the month's end means its last day (31 = always the month end).
REVIEW_MONTHLY_EVERY_MONTHS = env.int("REVIEW_MONTHLY_EVERY_MONTHS", default=1)
REVIEW_MONTHLY_DUE_DAY = env.int("REVIEW_MONTHLY_DUE_DAY", default=28)
REVIEW_QUARTERLY_EVERY_MONTHS = env.int("REVIEW_QUARTERLY_EVERY_MONTHS", default=3)
REVIEW_QUARTERLY_DUE_DAYS = env.int("REVIEW_QUARTERLY_DUE_DAYS", default=14)

# Reminders: the sweep runs on beat every REMINDER_SWEEP_SECONDS (it is a few set-based
# queries) and once when a worker starts. Failed emails are retried with exponential backoff.
REMINDER_SWEEP_SECONDS = env.int("REMINDER_SWEEP_SECONDS", default=60)
REMINDER_SWEEP_ON_WORKER_START = env.bool("REMINDER_SWEEP_ON_WORKER_START", default=True)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
REMINDER_RETRY_BACKOFF_SECONDS = env.int("REMINDER_RETRY_BACKOFF_SECONDS", default=60)
REMINDER_SENDING_LEASE_SECONDS = env.int("REMINDER_SENDING_LEASE_SECONDS", default=900)
# Tests only: a pause in each digest, so a worker can be killed there: before_claim (in the
# middle of a batch), before_send (rows claimed, nothing sent) or after_accept (the mail server
# accepted it, the rows are not yet marked sent).
REMINDER_TEST_DELAY_SECONDS = env.float("REMINDER_TEST_DELAY_SECONDS", default=0)
REMINDER_TEST_DELAY_AT = env.str("REMINDER_TEST_DELAY_AT", default="before_claim")

# Report renders: a worker records a heartbeat at each stage and every
# REPORT_HEARTBEAT_SECONDS while rendering. A run silent for REPORT_STALE_AFTER_SECONDS lost
# its worker: the sweep (every REPORT_SWEEP_SECONDS) marks it failed and retryable, and its
# task, redelivered, renders it again (at most REPORT_MAX_ATTEMPTS times in all).
REPORT_HEARTBEAT_SECONDS = env.float("REPORT_HEARTBEAT_SECONDS", default=15)
REPORT_STALE_AFTER_SECONDS = env.float("REPORT_STALE_AFTER_SECONDS", default=300)
REPORT_SWEEP_SECONDS = env.int("REPORT_SWEEP_SECONDS", default=60)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
# Tests only: a pause while the PDF renders, so a worker can be killed in the middle of it.
REPORT_TEST_DELAY_SECONDS = env.float("REPORT_TEST_DELAY_SECONDS", default=0)

CELERY_BEAT_SCHEDULE: dict = {
    "reminders-sweep": {
        "task": "assurance.tasks.reminders_sweep",
        "schedule": REMINDER_SWEEP_SECONDS,
    },
    "reports-mark-abandoned": {
        "task": "reports.tasks.reports_mark_abandoned",
        "schedule": REPORT_SWEEP_SECONDS,
    },
}

# Logs go to stderr: plain text, or one JSON object per line with LOG_FORMAT=json.
LOG_FORMAT = env.str("LOG_FORMAT", default="text").lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
# The read-only API (api/): personal access tokens, scoped by the user's current roles.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        # Signed-in users can try the API from the docs page.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.HoldsACurrentRole",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPages",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "PAGE_SIZE": 50,
}
# Requests per token (or per signed-in user, from the docs page): "<n>/second|minute|hour|day".
# Counted in Django's cache, which is per process unless a shared cache is configured.
API_TOKEN_RATE = env.str("API_TOKEN_RATE", default="600/minute")
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=366)
SPECTACULAR_SETTINGS = {
    "TITLE": "Care assurance API",
    "DESCRIPTION": (
        "Read-only access to what you can see in care assurance: providers, locations, "
        "teams, improvement cases, evidence, escalations, reviews and report runs. "
        "Authenticate with a personal access token (`Authorization: Bearer <token>`), "
        "created on your API tokens page. Every request is scoped by your current roles."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from drf-spectacular-sidecar, served as static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "assurance.config.observability.JsonFormatter"}},
    "filters": {"quiet_refusals": {"()": "assurance.config.embedded.QuietRefusals"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["quiet_refusals"]},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if LOG_FORMAT == "json":
    # Celery workers keep this configuration instead of installing their own text handler.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error reports (web requests and Celery tasks) to Sentry when SENTRY_DSN is set; never
# personal data (see assurance/config/observability.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_sentry(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default=""),
        traces=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
