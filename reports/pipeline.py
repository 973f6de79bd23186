"""Building a report of any kind: one skeleton, and a small part per kind.

The skeleton owns what every report shares: claiming the row, progress a person can watch,
timing each step, drawing the charts, printing the PDF, storing the four files, marking the
report ready, and failing it in words a person can act on. A kind (`ReportKind`) only loads
its numbers and turns them into figures, a document, a spreadsheet and a file name. Kinds are
named in the `REPORT_KINDS` setting, so an app above `reports` adds a kind without `reports`
importing it.
"""

import errno
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .images import ChartImageError, figures_to_png, figures_to_svg
from .models import Report
from .render import Chart, render_pdf

logger = logging.getLogger(__name__)

N = TypeVar("N")


class ReportKind(Generic[N]):
    """The part of a report that differs by kind; `N` is the kind's numbers."""

    def numbers(self, report: Report) -> N:
        """Everything the report shows, loaded once (a fixed number of queries)."""
        raise NotImplementedError

    def charts(self, numbers: N) -> list[Chart]:
        """The report's figures, drawn from ready numbers."""
        raise NotImplementedError

    def document(self, numbers: N, drawn: list[tuple[Chart, str]]) -> str:
        """The whole report as one HTML document, charts as images: for the PDF and download."""
        raise NotImplementedError

    def spreadsheet(self, numbers: N) -> bytes:
        """The report's numbers as an XLSX workbook."""
        raise NotImplementedError

    def word(self, numbers: N, drawn: list[tuple[Chart, bytes]]) -> bytes:
        """The report as a DOCX document to edit, charts as PNG images."""
        raise NotImplementedError

    def file_base(self, numbers: N) -> str:
        """The files' common name, without extension."""
        raise NotImplementedError

    def kept(self, numbers: N, charts: list[Chart]) -> dict[str, Any]:
        """What to keep with the ready report for showing it later (nothing by default)."""
        return {}


@cache
def kind_of(name: str) -> ReportKind[Any]:
    """The builder of report kind `name`, from the REPORT_KINDS setting."""
    builder: ReportKind[Any] = import_string(settings.REPORT_KINDS[name])()
    return builder


@dataclass
class _Steps:
    """Progress and time of each step, as the person waiting sees it."""

    report_id: int
    timer: Callable[[], float]
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, key: str, progress: int, label: str) -> Iterator[None]:
        Report.objects.filter(pk=self.report_id).update(progress=progress, step=label)
        start = self.timer()
        yield
        self.timings[key] = round(self.timer() - start, 3)


def _claim(report_id: int) -> Report | None:
    """Mark the report running; None if it is ready already (a redelivered message)."""
    with transaction.atomic():
        # Row lock: two workers handed the same report (a redelivery) must not both start it.
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status == Report.Status.READY:
            return None
        report.status = Report.Status.RUNNING
        report.started_at = timezone.now()
        report.attempts += 1
        report.save(update_fields=["status", "started_at", "attempts"])
    return report


def _store(report: Report, name: str, content: bytes) -> str:
    """Write one file under the report's own folder, replacing an earlier build's."""
    path = f"reports/{report.pk}/{name}"
    if default_storage.exists(path):
        default_storage.delete(path)
    saved: str = default_storage.save(path, ContentFile(content))
    return saved


@dataclass(frozen=True)
class Files:
    base: str
    html: str
    pdf: bytes
    xlsx: bytes
    docx: bytes


@transaction.atomic
def report_store_ready(*, report_id: int, files: Files, params: dict[str, Any]) -> Report:
    """Store the four files and mark the report ready, in one step a reader sees whole."""
    report = Report.objects.select_for_update().get(pk=report_id)
    written: list[str] = []
    try:
        for field, name, content in (
            ("html_file", f"{files.base}.html", files.html.encode()),
            ("pdf_file", f"{files.base}.pdf", files.pdf),
            ("xlsx_file", f"{files.base}.xlsx", files.xlsx),
            ("docx_file", f"{files.base}.docx", files.docx),
        ):
            getattr(report, field).name = _store(report, name, content)
            written.append(getattr(report, field).name)
    except OSError:
        # A full disk after the HTML: no report of some of its files only.
        for name in written:
            default_storage.delete(name)
        raise
    report.status = Report.Status.READY
    report.progress = 100
    report.step = "Ready"
    report.error = ""
    report.finished_at = timezone.now()
    report.params = {**report.params, **params}
    report.save(
        update_fields=[
            "html_file", "pdf_file", "xlsx_file", "docx_file", "status", "progress", "step",
            "error", "finished_at", "params",
        ]
    )  # fmt: skip
    return report


def _build(report: Report, kind: ReportKind[Any], timer: Callable[[], float]) -> Report:
    steps = _Steps(report.pk, timer)
    with steps.step("numbers", 5, "Loading the numbers"):
        numbers = kind.numbers(report)
    with steps.step("charts", 20, "Drawing the charts"):
        charts = kind.charts(numbers)
        svgs = figures_to_svg([c.figure for c in charts])
    with steps.step("html", 50, "Writing the HTML"):
        drawn = list(zip(charts, svgs, strict=True))
        html = kind.document(numbers, drawn)
        kept = kind.kept(numbers, charts)
    with steps.step("pdf", 60, "Writing the PDF"):
        pdf = render_pdf(html)
    with steps.step("xlsx", 80, "Writing the spreadsheet"):
        xlsx = kind.spreadsheet(numbers)
    with steps.step("docx", 85, "Writing the Word document"):
        pngs = figures_to_png([c.figure for c in charts])
        docx = kind.word(numbers, list(zip(charts, pngs, strict=True)))
    Report.objects.filter(pk=report.pk).update(progress=90, step="Saving the files")
    files = Files(kind.file_base(numbers), html, pdf, xlsx, docx)
    return report_store_ready(
        report_id=report.pk, files=files, params={**kept, "timings": steps.timings}
    )


def report_build(*, report_id: int, timer: Callable[[], float] = time.perf_counter) -> Report:
    """Build a report's four files; a ready report is left as it is (idempotent)."""
    report = _claim(report_id)
    if report is None:
        return Report.objects.get(pk=report_id)
    try:
        return _build(report, kind_of(report.kind), timer)
    except ChartImageError as exc:  # a missing tool: say which, do not retry
        return report_fail(report_id=report.pk, message=str(exc))
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:  # retrying now cannot help
            logger.error("Report %s: the disk is full", report.pk)
            return report_fail(
                report_id=report.pk,
                message=(
                    "The server has no room left to store the report's files, so none were "
                    "kept. Retry once the consortium team has freed space."
                ),
            )
        logger.exception("Report %s failed", report.pk)
        report_fail(
            report_id=report.pk,
            message=(
                f"The report could not be built ({type(exc).__name__}). Try again; if it fails "
                f"again, tell the consortium team, quoting report number {report.pk}."
            ),
        )
        raise


def report_fail(*, report_id: int, message: str) -> Report:
    """Record why a report failed, in words a person can act on."""
    Report.objects.filter(pk=report_id).update(
        status=Report.Status.FAILED, error=message, step="Failed", finished_at=timezone.now()
    )
    return Report.objects.get(pk=report_id)


def report_mark_sent(*, report_id: int) -> None:
    """The broker took the report's message (the sweep leaves it alone from now on)."""
    Report.objects.filter(pk=report_id, sent_at__isnull=True).update(sent_at=timezone.now())
