"""The zero-setup default: SQLite file, tasks in-process, DEBUG on. For a laptop only."""

from .base import *  # noqa: F403
from .base import DATABASES, SQLITE_PATH, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A fixed key is acceptable here only: local settings never serve real data.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="local-only-insecure-key-never-used-in-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)

# WhiteNoise serves straight from the app and package folders: no collectstatic step here.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
