"""The Celery app: settings from Django (CELERY_*), JSON only, tasks found in every app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lhs_assess.settings.local")

app = Celery("lhs_assess")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


PING_KEY = "celery-ping:{token}"


@app.task(name="lhs_assess.ping")
def ping(token: str) -> str:
    """Leave the token in the cache: proves a worker received and ran a task."""
    from django.core.cache import cache

    cache.set(PING_KEY.format(token=token), token, timeout=300)
    return token
