"""The consortium staff's pages: cycles, the review queue, and reviewing one assessment.

Staff read an organization's answers here but never change them: the only writes are the
cycle services and accepting or returning an assessment.
"""

import functools
import json
from collections.abc import Iterator
from typing import Any

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.forms import CommentForm
from assessments.models import Assessment, Cycle, day
from commitments.selectors import commitment_page, commitments_of
from lhs_assess.forms import form_add_errors
from organizations import access
from organizations.models import User
from organizations.selectors import reviewers
from organizations.services import download_record
from reports import charts
from reports.models import Report
from reports.selectors import report_for_user

from . import dashboard as figures
from . import exports, selectors, services
from .forms import (
    CycleDatesForm,
    CycleForm,
    CycleStatusForm,
    DashboardFilterForm,
    ExtensionForm,
    QueueFilterForm,
    ReturnForm,
    ReviewerForm,
)

QUEUE_PAGE_SIZE = 50


# --- Cycles --------------------------------------------------------------------------------------


@login_required
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Right.MANAGE_CYCLES)
    return _cycle_list(request)


def _cycle_list(
    request: HttpRequest, status_error: tuple[int, str, str] | None = None, status: int = 200
) -> HttpResponse:
    context = {"cycles": selectors.cycles_with_counts(), "status_error": status_error}
    return render(request, "consortium/cycle_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Right.MANAGE_CYCLES)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(by=access.signed_in(request), **form.cleaned_data)
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(request, f"Cycle {cycle.name} created. Open it when it should start.")
            return redirect("consortium:cycles")
    status = 400 if form.is_bound else 200
    return render(request, "consortium/cycle_form.html", {"form": form}, status=status)


def _cycle_page(
    request: HttpRequest, cycle: Cycle, form: ExtensionForm | None = None, status: int = 200
) -> HttpResponse:
    if form is None:
        form = ExtensionForm(organizations=selectors.organizations_to_extend(cycle=cycle))
    context = {
        "cycle": selectors.cycle_with_counts(pk=cycle.pk),
        "extensions": selectors.cycle_extensions(cycle=cycle),
        "form": form,
    }
    return render(request, "consortium/cycle_detail.html", context, status=status)


@login_required
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _cycle_page(request, access.cycle_access(user=request.user, pk=pk))


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access.cycle_access(user=request.user, pk=pk)
    initial = {f: getattr(cycle, f) for f in services.CYCLE_FIELDS}
    form = CycleDatesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_update(
                cycle=cycle, by=access.signed_in(request), **form.cleaned_data
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(request, f"Cycle {cycle.name} saved.")
            return redirect("consortium:cycle", pk=cycle.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "cycle": cycle}
    return render(request, "consortium/cycle_form.html", context, status=status)


@login_required
@require_POST
def extension_grant(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access.cycle_access(user=request.user, pk=pk)
    form = ExtensionForm(request.POST, organizations=selectors.organizations_to_extend(cycle=cycle))
    if form.is_valid():
        try:
            extension = services.extension_grant(
                cycle=cycle, by=access.signed_in(request), **form.cleaned_data
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(
                request,
                f"{extension.organization.name} may change its {cycle.name} assessment "
                f"until {day(extension.until)}.",
            )
            return redirect("consortium:cycle", pk=cycle.pk)
    return _cycle_page(request, cycle, form=form, status=400)


@login_required
@require_POST
def cycle_status(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access.cycle_access(user=request.user, pk=pk)
    form = CycleStatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        cycle = services.cycle_set_status(
            cycle=cycle, status=form.cleaned_data["status"], by=access.signed_in(request)
        )
    except ValidationError as e:
        return _cycle_list(
            request,
            status_error=(cycle.pk, " ".join(e.messages), f"Cycle {cycle.name}"),
            status=400,
        )
    messages.success(request, f"Cycle {cycle.name} is now {cycle.get_status_display()}.")
    return redirect("consortium:cycles")


# --- Review --------------------------------------------------------------------------------------


def _queue(request: HttpRequest, *, closed: bool) -> HttpResponse:
    access.require(request.user, access.Right.REVIEW)
    form = QueueFilterForm(request.GET or None, cycles=list(selectors.queue_cycles()))
    filters = form.filters(closed=closed)
    queue = selectors.review_queue(
        filters=filters, user=access.signed_in(request), today=timezone.localdate()
    )
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "closed": closed,
        "now": timezone.now(),
    }
    return render(request, "consortium/review_queue.html", context)


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, closed=False)


@login_required
@require_GET
def review_queue_closed(request: HttpRequest) -> HttpResponse:
    """Submissions of cycles that have closed: out of the way of the current work."""
    return _queue(request, closed=True)


def _review_page(
    request: HttpRequest,
    assessment: Assessment,
    form: ReturnForm | None = None,
    status: int = 200,
    reviewer_form: ReviewerForm | None = None,
) -> HttpResponse:
    summary = selectors.review_summary(assessment=assessment)
    context = {
        "assessment": assessment,
        "summary": summary,
        "form": form or ReturnForm(),
        "reviewer_form": reviewer_form
        or ReviewerForm(initial={"reviewer": assessment.reviewer_id}, reviewers=reviewers()),
        "comment_form": CommentForm(),
        "may_decide": assessment.status == Assessment.Status.SUBMITTED,
        "may_discuss": True,
        "back": request.path,
    }
    return render(request, "consortium/review.html", context, status=status)


@login_required
@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access.review_access(user=request.user, pk=pk)
    return _review_page(request, assessment)


@login_required
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access.review_access(user=request.user, pk=pk)
    try:
        services.assessment_accept(assessment=assessment, by=access.signed_in(request))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("consortium:review", pk=pk)
    messages.success(request, f"Accepted the assessment of {assessment.organization.name}.")
    return redirect("consortium:review_queue")


@login_required
@require_POST
def review_return(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access.review_access(user=request.user, pk=pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_return(
                assessment=assessment,
                by=access.signed_in(request),
                message=form.cleaned_data["message"],
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(
                request,
                f"Returned the assessment of {assessment.organization.name}; its open threads "
                "say what to change.",
            )
            return redirect("consortium:review_queue")
    messages.error(request, "Not returned yet: see the message box under Decision.")
    return _review_page(request, assessment, form=form, status=400)


@login_required
@require_POST
def reviewer_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the submission to a reviewer, or (take=1) to oneself."""
    assessment = access.review_access(user=request.user, pk=pk)
    me = access.signed_in(request)
    form = ReviewerForm(request.POST, reviewers=reviewers())
    try:
        if request.POST.get("take"):
            reviewer: User | None = me
        elif form.is_valid():
            reviewer = form.cleaned_data["reviewer"]
        else:
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        services.reviewer_assign(assessment=assessment, reviewer=reviewer, by=me)
    except ValidationError as e:
        form = ReviewerForm(request.POST, reviewers=reviewers())
        form.full_clean()
        form.errors["reviewer"] = form.error_class(e.messages)
        form.fields["reviewer"].widget.attrs.update(
            {"class": "form-select is-invalid", "aria-describedby": "id_reviewer_error"}
        )
        return _review_page(request, assessment, status=400, reviewer_form=form)
    who = "you" if reviewer == me else (reviewer.email if reviewer else "nobody yet")
    messages.success(request, f"Reviewer of {assessment.organization.name}: {who}.")
    if request.POST.get("next", "") == "queue":
        return redirect("consortium:review_queue")
    return redirect("consortium:review", pk=pk)


@login_required
@require_POST
def commitment_accept(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = access.review_access(user=request.user, pk=pk)
    commitment = commitment_page(rubric=assessment.cycle.rubric, code=code)
    accepted = request.POST.get("accepted") != "0"
    try:
        services.commitment_accept(
            assessment=assessment,
            commitment=commitment,
            by=access.signed_in(request),
            accepted=accepted,
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request,
            f"{commitment.name}: " + ("marked reviewed." if accepted else "back to be reviewed."),
        )
    url = reverse("consortium:review", args=[pk])
    return redirect(f"{url}#commitment-{code}")


# --- Dashboard and exports -----------------------------------------------------------------------


def _dashboard_filters(
    request: HttpRequest, data: QueryDict | None = None
) -> tuple[DashboardFilterForm, figures.DashboardFilters]:
    """Staff only (404 for others); the filters from the query string (or `data`), or 404
    with no cycle."""
    access.require(request.user, access.Right.DASHBOARD)
    given = request.GET if data is None else data
    form = DashboardFilterForm(given or None, cycles=figures.cycles())
    filters = form.filters()
    if filters is None:
        raise Http404("No cycle yet.")
    return form, filters


# The dashboard's two charts depend only on figures that stay the same until the data changes,
# while building a Plotly figure (which validates every property) took a third of the page's
# time: each process keeps the last few as JSON, keyed by the numbers drawn.
@functools.lru_cache(maxsize=32)
def _boxes_json(boxes: tuple[charts.Box, ...]) -> str:
    return str(charts.score_boxes(boxes=boxes).to_json())


@functools.lru_cache(maxsize=32)
def _trend_json(
    cycles: tuple[str, ...], series: tuple[tuple[str, tuple[float | None, ...]], ...]
) -> str:
    return str(charts.median_trend(cycles=cycles, series=dict(series)).to_json())


@csp_update({"style-src": ["'unsafe-inline'"]})  # Plotly sets inline styles
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, filters = _dashboard_filters(request)
    sort = request.GET.get("sort", "name")
    board = figures.dashboard(
        filters=filters,
        cycles=form.cycles,
        sort=sort if sort in figures.SORTS else "name",
        page=request.GET.get("page"),
        not_started_page=request.GET.get("np"),
    )
    context = {
        "form": form,
        "board": board,
        "sort": sort,
        "box_figure": json.loads(_boxes_json(tuple(board.boxes))),
        "trend_figure": json.loads(
            _trend_json(
                tuple(board.trend.cycles),
                tuple((name, tuple(v)) for name, v in board.trend.by_name.items()),
            )
        ),
    }
    return render(request, "consortium/dashboard.html", context)


@login_required
@require_GET
def export_scores(request: HttpRequest) -> HttpResponseBase:
    _, filters = _dashboard_filters(request)
    if request.GET.get("cycles") == "all":  # every cycle, for trend work in a spreadsheet
        rows = figures.score_export_rows_all_cycles(filters)
        return _export(request, rows, kind="scores-all-cycles", cycle=filters.cycle)
    commitments = commitments_of(rubric_id=filters.cycle.rubric_id)
    rows = figures.score_export_rows(filters, commitments)
    return _export(request, rows, kind="scores", cycle=filters.cycle)


@login_required
@require_GET
def export_levels(request: HttpRequest) -> HttpResponseBase:
    _, filters = _dashboard_filters(request)
    rows = figures.level_export_rows(filters)
    return _export(request, rows, kind="levels", cycle=filters.cycle)


_EXPORT_FILTERS = ("cycle", "cycles", "type", "region", "size_band", "status")


def _export(
    request: HttpRequest, rows: Iterator[list[Any]], *, kind: str, cycle: Cycle
) -> HttpResponseBase:
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    filters = {k: v[:40] for k, v in request.GET.items() if k in _EXPORT_FILTERS and v}
    download_record(
        by=access.signed_in(request),
        what="export",
        target=cycle,
        organization=None,
        request=request,
        detail={"kind": kind, "format": fmt, "filters": filters},
    )
    if fmt == "xlsx":
        name = exports.filename(kind=kind, cycle=cycle, extension="xlsx")
        return FileResponse(
            exports.xlsx_file(rows, sheet=kind.capitalize()),
            as_attachment=True,
            filename=name,
            content_type=exports.XLSX_TYPE,
        )
    name = exports.filename(kind=kind, cycle=cycle, extension="csv")
    response = StreamingHttpResponse(exports.csv_lines(rows), content_type=exports.CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def consortium_report_request(request: HttpRequest) -> HttpResponse:
    """Build (or reuse) the consortium report for the filters the dashboard shows."""
    _, filters = _dashboard_filters(request, request.POST)
    report = services.consortium_report_request(
        filters=filters,
        by=access.signed_in(request),
        paper_size=request.POST.get("paper_size", "letter"),
    )
    return redirect("consortium:report", pk=report.pk)


@login_required
@require_GET
def consortium_report(request: HttpRequest, pk: int) -> HttpResponse:
    # Members find only maturity reports (which have no cycle), so they get the same 404.
    report = report_for_user(user=request.user, pk=pk)
    if report.kind != Report.Kind.CONSORTIUM:
        raise Http404
    return render(request, "consortium/report.html", {"report": report})


@login_required
@require_http_methods(["GET", "POST"])
def organization_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """An administrator deletes an inactive organization's data after its retention period."""
    organization = access.organization_deletion_access(user=request.user, slug=slug)
    problem = ""
    if request.method == "POST":
        try:
            counts = services.organization_delete(
                organization=organization, by=access.signed_in(request), request=request
            )
        except ValidationError as e:
            problem = " ".join(e.messages)
        else:
            messages.success(
                request,
                f"{organization.name} and its {counts['assessments']} assessments were deleted; "
                "the audit log and the consortium reports keep what was published.",
            )
            return redirect("organizations:staff_list")
    context = {
        "organization": organization,
        "deletable_from": services.organization_deletable_from(organization),
        "counts": services.organization_data_counts(organization),
        "problem": problem,
        "today": timezone.localdate(),
    }
    return render(
        request, "consortium/organization_delete.html", context, status=400 if problem else 200
    )
