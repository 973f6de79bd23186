"""The maturity report page, its live status, its files, and a retry."""

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commitments.selectors import published_rubric
from organizations.access import assessment_access, signed_in
from organizations.services import download_record

from .images import ChartImageError
from .models import Report
from .questionnaire import questionnaire_for, questionnaire_pdf, questionnaire_xlsx
from .render import interactive_charts, maturity_charts
from .selectors import latest_report, maturity_chart_numbers, maturity_numbers, report_for_user
from .services import report_request, report_retry

FILES = {"html": "html_file", "pdf": "pdf_file", "xlsx": "xlsx_file", "docx": "docx_file"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The HTML report is our own document (no script, images inline): it opens in the browser.
INLINE = {"html": "text/html; charset=utf-8"}
INLINE_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "sandbox": [""],
}


# Plotly.js sets inline styles as it draws; scripts stay 'self' only.
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # stub: request-only views
@login_required
@require_http_methods(["GET", "POST"])
def for_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_access(user=request.user, pk=pk).assessment
    if request.method == "POST":
        try:
            report_request(assessment=assessment, by=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("reports:for_assessment", pk=pk)
    report = latest_report(assessment=assessment)
    context: dict[str, object] = {"assessment": assessment, "report": report}
    if report is not None and report.status == Report.Status.READY:
        stored = report.params.get("page_body")
        if stored:
            # Rendered by our own template, escaped, when the report was built.
            context["page_body"] = mark_safe(stored)  # noqa: S308
        else:  # a report built before bodies were kept
            numbers = maturity_numbers(assessment=assessment)
            context |= {
                "n": numbers,
                "interactive": True,
                "charts": interactive_charts(maturity_charts(maturity_chart_numbers(numbers))),
            }
    return render(request, "reports/for_assessment.html", context)


def _page_of(report: Report) -> str:
    """Where a person reads this report: its assessment's page, or the consortium's."""
    if report.kind == Report.Kind.CONSORTIUM:
        return reverse("consortium:report", args=[report.pk])
    return reverse("reports:for_assessment", args=[report.assessment_id])


@login_required
@require_GET
@never_cache
def status(request: HttpRequest, pk: int) -> JsonResponse:
    report = report_for_user(user=request.user, pk=pk)
    return JsonResponse(
        {
            "status": report.status,
            "label": report.get_status_display(),
            "progress": report.progress,
            "step": report.step,
            "error": report.error,
            "page": _page_of(report),
        }
    )


@login_required
@require_GET
def download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    report = report_for_user(user=request.user, pk=pk)
    field = FILES.get(fmt)
    if field is None or report.status != Report.Status.READY:
        raise Http404
    stored = getattr(report, field)
    if not stored:
        raise Http404
    name = stored.name.rsplit("/", 1)[-1]
    handle = stored.open("rb")
    download_record(
        by=signed_in(request),
        what="report",
        target=report,
        organization=report.assessment.organization if report.assessment else None,
        request=request,
        detail={"kind": report.kind, "format": fmt, "name": name},
    )
    if fmt in INLINE:
        response = FileResponse(
            handle, as_attachment=False, filename=name, content_type=INLINE[fmt]
        )
        # Shown by the browser: its own inline styles and data: images, nothing else, and no
        # script at all (the document has none; the sandbox holds it to that).
        response._csp_replace = INLINE_POLICY  # type: ignore[attr-defined]  # read by django-csp
        return response
    content_type = DOCX if fmt == "docx" else None
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for_user(user=request.user, pk=pk)
    try:
        report_retry(report=report, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_page_of(report))


QUESTIONNAIRE_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@require_GET
def questionnaire(request: HttpRequest, version: str, fmt: str) -> HttpResponse:
    """A published rubric version as a printable questionnaire; no organization's data."""
    rubric = published_rubric(version=version)
    if rubric is None or fmt not in QUESTIONNAIRE_TYPES:
        raise Http404("No published rubric of that version, or no such format.")
    q = questionnaire_for(rubric=rubric)
    try:
        body = questionnaire_pdf(q) if fmt == "pdf" else questionnaire_xlsx(q)
    except ChartImageError as exc:  # no Chromium on this machine: say so
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type=QUESTIONNAIRE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{q.file_base}.{fmt}"'
    return response
