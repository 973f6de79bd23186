"""Writes for reports: ask for one (reusing a live one), send it, build it, fail it, retry it.

The Report row is the outbox: a request is committed as a queued row first and sent to the
broker after commit; if the broker is down the row stays queued and the periodic sweep sends
it again. Building is idempotent: it writes the same three files under the report's folder.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import Assessment, Cycle
from organizations.models import User

from .images import ChartImageError, figures_to_svg
from .models import Report
from .render import (
    PdfToolError,
    data_uri,
    maturity_charts,
    render_document,
    render_page_body,
    render_pdf,
    render_xlsx,
)
from .selectors import maturity_numbers

if TYPE_CHECKING:
    from assessments.staff_dashboard import DashboardFilters

logger = logging.getLogger(__name__)

# Bump when the report's content or layout changes, so old ready reports are not reused.
REPORT_FORMAT = 1


def maturity_fingerprint(*, assessment: Assessment) -> str:
    """What a maturity report depends on: the assessment as submitted and its peers' data."""
    peers = Assessment.objects.filter(
        cycle_id=assessment.cycle_id, status__in=Assessment.SUBMITTED_STATES
    ).aggregate(last=Max("submitted_at"))
    inputs = {
        "format": REPORT_FORMAT,
        "kind": Report.Kind.MATURITY,
        "assessment": assessment.pk,
        "submitted_at": assessment.submitted_at.isoformat() if assessment.submitted_at else None,
        "peers_last_submitted": peers["last"].isoformat() if peers["last"] else None,
        "peers_submitted": Assessment.objects.filter(
            cycle_id=assessment.cycle_id, status__in=Assessment.SUBMITTED_STATES
        ).count(),
        "min_group": int(settings.PEER_MIN_GROUP_SIZE),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def consortium_fingerprint(*, filters: "DashboardFilters") -> str:
    """What a consortium report depends on: the cycle, the filters and the submissions."""
    submitted = Assessment.objects.filter(
        cycle_id=filters.cycle.pk, status__in=Assessment.SUBMITTED_STATES
    )
    last = submitted.aggregate(last=Max("submitted_at"))["last"]
    inputs = {
        "format": REPORT_FORMAT,
        "kind": Report.Kind.CONSORTIUM,
        "cycle": filters.cycle.pk,
        "filters": _filter_values(filters),
        "submitted": submitted.count(),
        "last_submitted": last.isoformat() if last else None,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _filter_values(filters: "DashboardFilters") -> dict[str, str]:
    return {
        "type": filters.type,
        "region": filters.region,
        "size_band": filters.size_band,
        "status": filters.status,
    }


@transaction.atomic
def consortium_report_request(*, filters: "DashboardFilters", by: User) -> Report:
    """The consortium report for the dashboard's filters: a live one if it exists, else queued."""
    fingerprint = consortium_fingerprint(filters=filters)
    live = Report.objects.filter(fingerprint=fingerprint, status__in=Report.ACTIVE).first()
    if live is not None:
        return live
    report = Report.objects.create(
        kind=Report.Kind.CONSORTIUM,
        cycle=filters.cycle,
        fingerprint=fingerprint,
        params={"filters": _filter_values(filters)},
        requested_by=by,
        step="Waiting for a worker",
    )
    report_id = report.pk
    transaction.on_commit(lambda: report_send(report_id=report_id))
    return report


def report_send(*, report_id: int) -> bool:
    """Hand a queued report to the broker; False (and the row stays queued) if it is down."""
    from .tasks import build_report

    try:
        build_report.apply_async(args=(report_id,), retry=False)
    except Exception as exc:  # broker unreachable: the sweep sends it again later
        logger.warning(
            "Report %s could not be sent to the broker (%r); it stays queued.", report_id, exc
        )
        return False
    Report.objects.filter(pk=report_id, sent_at__isnull=True).update(sent_at=timezone.now())
    return True


@transaction.atomic
def report_request(*, assessment: Assessment, by: User) -> Report:
    """The maturity report for a submitted assessment: a live one if it exists, else queued."""
    if assessment.status not in Assessment.SUBMITTED_STATES:
        raise ValidationError("A maturity report is built once the assessment is submitted.")
    fingerprint = maturity_fingerprint(assessment=assessment)
    live = Report.objects.filter(fingerprint=fingerprint, status__in=Report.ACTIVE).first()
    if live is not None:
        return live
    report = Report.objects.create(
        kind=Report.Kind.MATURITY,
        assessment=assessment,
        fingerprint=fingerprint,
        requested_by=by,
        step="Waiting for a worker",
    )
    report_id = report.pk
    transaction.on_commit(lambda: report_send(report_id=report_id))
    return report


@transaction.atomic
def report_retry(*, report: Report, by: User) -> Report:
    """Queue a failed report again (a new row if its inputs changed meanwhile)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != Report.Status.FAILED:
        raise ValidationError("Only a failed report can be retried.")
    live = Report.objects.filter(fingerprint=report.fingerprint, status__in=Report.ACTIVE).first()
    if live is not None:  # the same inputs were asked for again meanwhile
        return live
    report.status = Report.Status.QUEUED
    report.progress = 0
    report.step = "Waiting for a worker"
    report.error = ""
    report.sent_at = None
    report.save(update_fields=["status", "progress", "step", "error", "sent_at"])
    report_id = report.pk
    transaction.on_commit(lambda: report_send(report_id=report_id))
    return report


def reports_resend_stale(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Send again every report still queued after `older_than` (the broker was down, or the
    message was lost); returns how many were sent."""
    cutoff = timezone.now() - older_than
    stale = Report.objects.filter(status=Report.Status.QUEUED, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    return sum(report_send(report_id=pk) for pk in stale)


def _progress(report_id: int, progress: int, step: str) -> None:
    Report.objects.filter(pk=report_id).update(progress=progress, step=step)


def _store(report: Report, name: str, content: bytes) -> str:
    """Write one file under the report's own folder, replacing an earlier build's."""
    path = f"reports/{report.pk}/{name}"
    if default_storage.exists(path):
        default_storage.delete(path)
    saved: str = default_storage.save(path, ContentFile(content))
    return saved


def report_build(*, report_id: int, timer: Callable[[], float] = time.perf_counter) -> Report:
    """Build a report's three files; a ready report is left as it is (idempotent)."""
    with transaction.atomic():
        # Row lock: two workers handed the same report (a redelivery) must not both start it.
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status == Report.Status.READY:
            return report
        report.status = Report.Status.RUNNING
        report.started_at = timezone.now()
        report.attempts += 1
        report.progress = 5
        report.step = "Loading the numbers"
        report.save(update_fields=["status", "started_at", "attempts", "progress", "step"])
    try:
        if report.kind == Report.Kind.CONSORTIUM:
            return _build_consortium(report, timer)
        return _build_maturity(report, timer)
    except (ChartImageError, PdfToolError) as exc:  # a missing tool: say which, do not retry
        return report_fail(report_id=report.pk, message=str(exc))
    except Exception as exc:
        logger.exception("Report %s failed", report.pk)
        report_fail(
            report_id=report.pk,
            message=(
                f"The report could not be built ({type(exc).__name__}). Try again; if it fails "
                "again, tell the consortium team, quoting report number "
                f"{report.pk}."
            ),
        )
        raise


def _build_maturity(report: Report, timer: Callable[[], float]) -> Report:
    if report.assessment_id is None:
        raise ValueError(f"Report {report.pk} has no assessment.")
    assessment = Assessment.objects.select_related("organization", "cycle__rubric").get(
        pk=report.assessment_id
    )
    timings: dict[str, float] = {}
    start = timer()
    numbers = maturity_numbers(assessment=assessment)
    timings["numbers"] = timer() - start
    _progress(report.pk, 20, "Drawing the charts")
    start = timer()
    charts = maturity_charts(numbers)
    svgs = figures_to_svg([c.figure for c in charts])
    timings["charts"] = timer() - start
    _progress(report.pk, 50, "Writing the HTML")
    start = timer()
    html = render_document(numbers, list(zip(charts, svgs, strict=True)))
    page_body = render_page_body(numbers, charts)
    timings["html"] = timer() - start
    _progress(report.pk, 60, "Writing the PDF")
    start = timer()
    pdf = render_pdf(html)
    timings["pdf"] = timer() - start
    _progress(report.pk, 85, "Writing the spreadsheet")
    start = timer()
    xlsx = render_xlsx(numbers)
    timings["xlsx"] = timer() - start
    base = f"maturity-report-{slugify(numbers.organization)}-{slugify(numbers.cycle)}"
    if settings.REPORTS_PAUSE_BEFORE_WRITE:
        _progress(report.pk, 90, "Saving the files")
        time.sleep(settings.REPORTS_PAUSE_BEFORE_WRITE)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.html_file.name = _store(report, f"{base}.html", html.encode())
        report.pdf_file.name = _store(report, f"{base}.pdf", pdf)
        report.xlsx_file.name = _store(report, f"{base}.xlsx", xlsx)
        report.status = Report.Status.READY
        report.progress = 100
        report.step = "Ready"
        report.error = ""
        report.finished_at = timezone.now()
        # The page's content is kept with the report, so showing it costs no recomputation.
        report.params = {
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "page_body": page_body,
        }
        report.save()
    return report


def _build_consortium(report: Report, timer: Callable[[], float]) -> Report:
    from assessments import staff_dashboard
    from assessments.staff_exports import xlsx_file

    from . import charts as chart_functions
    from .render import Chart

    if report.cycle_id is None:
        raise ValueError(f"Report {report.pk} has no cycle.")
    cycle = Cycle.objects.select_related("rubric").get(pk=report.cycle_id)
    filters = staff_dashboard.DashboardFilters(cycle=cycle, **report.params.get("filters", {}))
    timings: dict[str, float] = {}
    start = timer()
    counts = staff_dashboard.status_counts(filters)
    boxes = staff_dashboard.score_boxes(filters)
    trend = staff_dashboard.median_trend(filters, staff_dashboard.cycles())
    weakest = staff_dashboard.weakest(trend)
    improving = staff_dashboard.improving(trend)
    timings["numbers"] = timer() - start
    _progress(report.pk, 20, "Drawing the charts")
    start = timer()
    figures = [
        Chart("boxes", "Distribution of commitment scores", chart_functions.score_boxes(
            boxes=[(b.code, b.min, b.q1, b.median, b.q3, b.max) for b in boxes])),
    ]  # fmt: skip
    if len(trend.cycles) > 1:
        figures.append(
            Chart("trend", "Median score across cycles", chart_functions.median_trend(
                cycles=trend.cycles, series=trend.medians))
        )  # fmt: skip
    svgs = figures_to_svg([f.figure for f in figures])
    timings["charts"] = timer() - start
    _progress(report.pk, 50, "Writing the HTML")
    start = timer()
    html = render_to_string(
        "reports/consortium_document.html",
        {
            "cycle": cycle,
            "filters": report.params.get("filters", {}),
            "counts": counts,
            "boxes": boxes,
            "trend": trend,
            "weakest": weakest,
            "improving": improving,
            "charts": [
                {"chart": c, "src": data_uri(svg)} for c, svg in zip(figures, svgs, strict=True)
            ],
        },
    )
    timings["html"] = timer() - start
    _progress(report.pk, 60, "Writing the PDF")
    start = timer()
    pdf = render_pdf(html)
    timings["pdf"] = timer() - start
    _progress(report.pk, 85, "Writing the spreadsheet")
    start = timer()
    rows = staff_dashboard.score_export_rows(filters, staff_dashboard.cycle_commitments(cycle))
    with xlsx_file(rows, sheet="Scores") as spreadsheet:
        xlsx = spreadsheet.read()
    timings["xlsx"] = timer() - start
    base = f"consortium-report-{slugify(cycle.name)}"
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.html_file.name = _store(report, f"{base}.html", html.encode())
        report.pdf_file.name = _store(report, f"{base}.pdf", pdf)
        report.xlsx_file.name = _store(report, f"{base}.xlsx", xlsx)
        report.status = Report.Status.READY
        report.progress = 100
        report.step = "Ready"
        report.error = ""
        report.finished_at = timezone.now()
        report.params = {
            **report.params,
            "timings": {k: round(v, 3) for k, v in timings.items()},
        }
        report.save()
    return report


def report_fail(*, report_id: int, message: str) -> Report:
    """Record why a report failed, in words a person can act on."""
    Report.objects.filter(pk=report_id).update(
        status=Report.Status.FAILED, error=message, step="Failed", finished_at=timezone.now()
    )
    return Report.objects.get(pk=report_id)
