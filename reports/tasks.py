"""Celery tasks for reports, and how a report is handed to them: thin; ids in, services out."""

import contextlib
import logging
from datetime import timedelta

from celery import Task, shared_task
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError

from .images import ChartImageError, warm_up
from .pipeline import report_build, report_mark_sent
from .selectors import reports_left_queued

logger = logging.getLogger(__name__)


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


def report_send(*, report_id: int) -> bool:
    """Hand a queued report to the broker; False (and the row stays queued) if it is down."""
    try:
        build_report.apply_async(args=(report_id,), retry=False)
    except Exception as exc:  # broker unreachable: the sweep sends it again later
        logger.warning(
            "Report %s could not be sent to the broker (%r); it stays queued.", report_id, exc
        )
        return False
    report_mark_sent(report_id=report_id)
    return True


def reports_resend_stale(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Send again every report still queued after `older_than` (the broker was down, or the
    message was lost); returns how many were sent."""
    return sum(report_send(report_id=pk) for pk in reports_left_queued(older_than=older_than))


@shared_task(ignore_result=True)
def resend_queued_reports() -> int:
    """Periodic: send again the reports that stayed queued (the broker was down)."""
    return reports_resend_stale()


@worker_process_init.connect
def _start_chart_browser(**kwargs: object) -> None:
    """Start the chart browser with the worker process, not on its first report."""
    # Without Chromium, reports fail with the reason, which the report page shows.
    with contextlib.suppress(ChartImageError):
        warm_up()
