"""The zero-setup default: SQLite file, a worker fed through files on disk, DEBUG on. For a
laptop only."""

import os

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    CELERY_BROKER_FOLDER,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    DATABASES,
    INSTALLED_APPS,
    REDIS_URL,
    SQLITE_PATH,
    STORAGES,
    env,
    filesystem_broker,
)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A fixed key is acceptable here only: local settings never serve real data.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="local-only-insecure-key-never-used-in-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)

# With DEBUG off (as `make demo` runs), static files are served as in production: collected
# into var/static, compressed, under hashed names cached for a year (WhiteNoise). With DEBUG on
# (a developer's runserver) they come straight from the source folders, never cached.
INSTALLED_APPS = ["whitenoise.runserver_nostatic", *INSTALLED_APPS]
STATIC_ROOT = BASE_DIR / "var" / "static"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if not DEBUG:
    STORAGES = STORAGES | {
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    }

# Without Redis the demo still runs a real worker (`make demo` starts it beside the web
# server): tasks go through files under var/broker, so a report request answers at once and
# its page shows progress, as in production. CELERY_TASK_ALWAYS_EAGER=1 runs tasks in-process.
if not REDIS_URL and "CELERY_BROKER_URL" not in os.environ:
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS | filesystem_broker(
        CELERY_BROKER_FOLDER
    )
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
