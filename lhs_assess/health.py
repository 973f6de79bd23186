"""Health of the two things the site cannot work without: the database and the broker."""

from dataclasses import dataclass

from django.db import connection

from .celery import app as celery_app


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def database_check() -> Check:
    """One round trip to the database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the type is reported, not raised
        return Check(ok=False, detail=type(exc).__name__)
    return Check(ok=True, detail=connection.vendor)


def broker_check(*, timeout: int = 2) -> Check:
    """Connect to the Celery broker, or say that tasks run in-process."""
    if celery_app.conf.task_always_eager:
        return Check(ok=True, detail="in-process (eager)")
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=timeout
            )
    except Exception as exc:  # refused, timed out, bad URL: all mean "down"
        return Check(ok=False, detail=type(exc).__name__)
    scheme = str(celery_app.conf.broker_url).split(":", 1)[0]  # never the password in the URL
    return Check(ok=True, detail=scheme)
