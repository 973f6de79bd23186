"""Celery tasks for reports: thin; they take an id and call a service."""

import contextlib

from celery import Task, shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError

from .services import report_build, reports_resend_stale


@shared_task(
    bind=True,
    acks_late=True,  # a killed worker's report is delivered again (the build is idempotent)
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=180,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def build_report(self: Task, report_id: int) -> None:
    report_build(report_id=report_id)


@shared_task(ignore_result=True)
def resend_queued_reports() -> int:
    """Periodic: send again the reports that stayed queued (the broker was down)."""
    return reports_resend_stale()


@worker_process_init.connect
def _start_chart_browser(**kwargs: object) -> None:
    """Start the chart browser with the worker process, not on its first report."""
    from .images import ChartImageError, warm_up

    # Without Chromium, reports fail with the reason, which the report page shows.
    with contextlib.suppress(ChartImageError):
        warm_up()
