"""Settings shared by every environment; the environment is read here and only here."""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file is optional and only for local convenience; real deployments use the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",  # single sign-on: one OpenID Connect provider per organization
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",  # knows each person's sessions, so deactivation can end them all
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our static files (no CDN)
    "lhs_assess",
    "organizations",
    "commitments",
    "assessments",
    "reports",
    "consortium",
    "notifications",
    "ratings",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lhs_assess.middleware.NoStoreMiddleware",
    # Pages compressed (static files come compressed from WhiteNoise); Django's GZip pads its
    # output against BREACH, and CSRF tokens are masked per response besides.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "organizations.middleware.SessionLifetimeMiddleware",
    "organizations.middleware.RequireTwoFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "lhs_assess.urls"
WSGI_APPLICATION = "lhs_assess.wsgi.application"

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
                "lhs_assess.context_processors.navigation",
                "organizations.context_processors.current_organization",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# DATABASE_URL wins everywhere; each settings module says what happens without it.
SQLITE_PATH = BASE_DIR / "var" / "db.sqlite3"
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The zero-setup default still serves several people at once: WAL lets readers go on
    # while one writes, and IMMEDIATE transactions wait for the write lock instead of
    # failing with "database is locked" when a read turns into a write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DB_POOL: int = env.int("DJANGO_DB_POOL", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DB_POOL:
        # psycopg's pool: each web process keeps up to DB_POOL connections and shares them
        # among its threads (with many processes, size it so their sum fits max_connections).
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL,
            # While PostgreSQL is down a request waits this long for a connection, then is
            # answered "not saved" (503): with 10 s, requests queued behind it past the client's
            # patience and some saves failed without a word (outage test, 7 December 2026).
            "timeout": 3,
            # Give up a reconnection after 5 s of backoff (1, 2, 4 s...) instead of 5 minutes:
            # the next request then starts a fresh attempt at once, so the site recovers as soon
            # as PostgreSQL is back instead of at the end of a long backoff delay.
            "reconnect_timeout": 5,
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The dashboard's figures over every assessment stay in the cache until the data changes, and
# at most this long (0: computed on every request, as the tests do).
DASHBOARD_CACHE_SECONDS: int = env.int("DASHBOARD_CACHE_SECONDS", default=300)

# --- Redis: Celery broker and cache ---------------------------------------------------------
REDIS_URL: str = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lhs",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without Redis, tasks can travel through files on the local disk (kombu's filesystem
# transport, CELERY_BROKER_URL=filesystem://): a real worker with nothing else to install, as
# the zero-setup demo runs it. CELERY_BROKER_FOLDER holds the queues.
CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_BROKER_FOLDER: Path = Path(
    env.str("CELERY_BROKER_FOLDER", default=str(BASE_DIR / "var" / "broker"))
)
CELERY_RESULT_BACKEND = None  # results live in our own tables (Report rows), not the broker
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="lhs")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Longer than the longest task, so a slow task is not handed to a second worker while running.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}


def filesystem_broker(folder: Path) -> dict[str, object]:
    """Transport options of the filesystem broker in `folder` (its folders made here)."""
    for name in ("queue", "control", "processed"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "processed_folder": str(folder / "processed"),
        "polling_interval": 0.25,  # a report's progress page should not wait a second more
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS |= filesystem_broker(CELERY_BROKER_FOLDER)
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_TIMEZONE = "UTC"
# The Report row is the outbox: reports left queued (broker down when asked) are sent again.
CELERY_BEAT_SCHEDULE = {
    "resend-queued-reports": {"task": "reports.tasks.resend_queued_reports", "schedule": 60.0},
    # Mail left in the outbox (broker or SMTP down) is sent again; reminders are keyed, so
    # running them more often than needed sends nothing twice.
    "send-waiting-mail": {"task": "notifications.tasks.send_waiting_mail", "schedule": 60.0},
    "send-reminders": {"task": "consortium.tasks.send_reminders", "schedule": 3600.0},
    "send-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "organizations.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "organizations.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# At most 5 failed sign-ins per account per 5 minutes, and 10 a minute from one address.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Behind N proxies that append to X-Forwarded-For, the client is the N-th address from the
# right; without this every sign-in would seem to come from the proxy (one shared rate limit).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Changing email or two-factor asks for the password again unless given in the last 5 minutes
# (changing the password always asks for the current one).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300

# --- Sessions: a new one at every sign-in (Django), 30 idle minutes, 12 hours at most --------
# Idle limit: organizations.middleware.SessionLifetimeMiddleware saves the session (moving its
# expiry forward) at most once a minute, rather than writing it on every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_ACTIVITY_SAVE_INTERVAL = 60
SESSION_ABSOLUTE_MAX_SECONDS = 12 * 60 * 60  # checked by the same middleware
MFA_TOTP_ISSUER = "LHS Shared Commitments"

# --- Single sign-on (OpenID Connect, one provider per organization; organizations.sso) --------
# Providers are rows of organizations.IdentityProvider, handed to allauth as SocialApps built in
# memory (organizations.sso.SocialAccountAdapter.list_apps): no client secret in allauth's table.
SOCIALACCOUNT_ADAPTER = "organizations.sso.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
SOCIALACCOUNT_STORE_TOKENS = False  # we only sign people in; no provider tokens kept
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # linking by email is decided by organizations.sso
# Client secrets are encrypted with Fernet. Keys (urlsafe base64, 32 bytes; the first encrypts,
# all decrypt, so a key can be rotated) come from the environment and never from the database,
# so a database dump alone reveals no secret. Without keys, one is derived from SECRET_KEY.
SSO_SECRET_KEYS: list[str] = env.list("DJANGO_SSO_SECRET_KEYS", default=[])

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
# static/vendor/plotly holds plotly.js cut down to the traces we draw (built by `make plotly`
# from lhs_assess/assets/plotly, the same plotly.js version as the plotly package's).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "lhs_assess.storage.CleanFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded evidence and built reports: outside the web root, served only by access-checked views.
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media-not-served/"

# History is a record, not an undo button: no "revert to this version" in the admin, which
# would bypass the services' rules (a rubric's locked structure, an assessment's state).
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers, from the first page on ----------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws form-control icons as data: SVGs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="lhs-assess@localhost")
# SMTP in one setting where a host gives one (smtp+tls://user:password@host:587), else in
# parts; production.py sends through SMTP, the zero-setup default prints mail to the console.
_email = env.email_url("DJANGO_EMAIL_URL", default="smtp://localhost:25")
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default=_email["EMAIL_HOST"])
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=_email["EMAIL_PORT"])
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default=_email["EMAIL_HOST_USER"])
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default=_email["EMAIL_HOST_PASSWORD"])
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=bool(_email.get("EMAIL_USE_TLS")))
EMAIL_USE_SSL = env.bool("DJANGO_EMAIL_USE_SSL", default=bool(_email.get("EMAIL_USE_SSL")))
EMAIL_TIMEOUT = 10
# Links in mail are absolute: the address people reach the site at.
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000")
# A submission waiting longer than this for review is mailed to its reviewer (or all staff).
REVIEW_WAITING_DAYS = env.int("REVIEW_WAITING_DAYS", default=7)

# Report kinds and their builders (reports.pipeline.ReportKind): an app above `reports` adds
# its kind here, so the pipeline builds it without importing that app.
REPORT_KINDS = {
    "maturity": "reports.maturity.MaturityReport",
    "consortium": "consortium.report.ConsortiumReport",
}

# --- The JSON API (/api/v1/) -----------------------------------------------------------------
# Personal access tokens only (no session cookie, hence no CSRF to think about); JSON in and out
# (no browsable API, whose pages would need their own CSP exceptions).
API_RATE_LIMIT: str = env.str("API_RATE_LIMIT", default="120/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.authentication.TokenScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.authentication.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_RATE_LIMIT},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LHS Shared Commitments API",
    "DESCRIPTION": (
        "Read the rubric, your organization's assessments, answers, improvement plans and "
        "reports; change answers with the scoring page's version check. Staff also read the "
        "consortium dashboard's figures. Sign in with a personal access token (Security page)."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # A PATCH of an answer requires `version` (the conflict check); the other fields are
    # optional in the serializer itself, so no "Patched" copy with everything optional.
    "COMPONENT_SPLIT_PATCH": False,
}

# Peer figures are shown only for groups of at least this many organizations.
PEER_MIN_GROUP_SIZE = env.int("PEER_MIN_GROUP_SIZE", default=5)
# An organization made inactive may have its data deleted by an administrator this many days
# later (its audit trail and the consortium reports already built are kept).
ORGANIZATION_RETENTION_DAYS = env.int("ORGANIZATION_RETENTION_DAYS", default=365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
