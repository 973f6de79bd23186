"""Tests: fast hashing, local email; PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
SECRET_KEY = "test-only-key-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mail stays in memory; a real worker in a mail test is given an SMTP server instead.
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so a real Celery worker in another process sees the same data.
    (BASE_DIR / "var").mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}

# Figures computed on every request; the dashboard's cache has tests of its own.
DASHBOARD_CACHE_SECONDS = 0

# Unit tests run tasks in-process; tests that need a real worker switch this off themselves.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="lhs-test")

STORAGES = {
    "default": {"BACKEND": "lhs_assess.storage.CleanFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"

# WhiteNoise serves straight from the app and package folders: no collectstatic step here.
# It looks each static address up when asked (autorefresh) instead of listing every file when
# its middleware starts: each test's new client starts the middleware again, and that listing
# (about 230 files) was a quarter of a view test's time.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
