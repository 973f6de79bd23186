"""The JSON API, version 1: the pages' selectors, services and access checks, as JSON.

Every view asks organizations/access.py exactly as its page does, so another organization's
objects are 404 here too; writes go through the page's services.
"""

from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.selectors import PlanFilters, improvement_plan
from assessments.services import StaleAnswerError
from consortium import dashboard as figures
from consortium.forms import DashboardFilterForm
from organizations import access
from organizations.services import download_record
from reports.models import Report
from reports.selectors import report_for_user

from . import selectors, serializers
from .models import AccessToken
from .services import api_answer_save

FILES = {"html": "html_file", "pdf": "pdf_file", "xlsx": "xlsx_file"}
FILE_TYPES = {
    "html": "text/html",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(
        response={"type": "object", "properties": {"detail": {"type": "string"}}},
        description=description,
    )


REFUSALS: dict[int, OpenApiResponse] = {
    401: _error("No token, or a token that is unknown, revoked or expired."),
    404: _error("No such object, or not one this token's person may see."),
    429: _error("Too many requests for this token; retry after Retry-After seconds."),
}
WRITE_REFUSALS: dict[int, OpenApiResponse] = {
    **REFUSALS,
    400: OpenApiResponse(
        response=OpenApiTypes.OBJECT, description="Field errors, keyed by field name."
    ),
    403: _error("A read-only token, or a person who may not change this answer now."),
}


class Pages(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def _page_number(request: Request) -> None:
    """A page number that is not a positive integer is a 404 (not a 500), as on the pages."""
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 10**9:
        raise NotFound("No such page.")


# --- The rubric ----------------------------------------------------------------------------------


class RubricList(APIView):
    @extend_schema(
        operation_id="rubrics_list",
        summary="Published rubric versions",
        responses={200: serializers.RubricVersionSerializer(many=True), **REFUSALS},
    )
    def get(self, request: Request) -> Response:
        rubrics = selectors.published_rubrics()
        return Response(serializers.RubricVersionSerializer(rubrics, many=True).data)


class RubricDetail(APIView):
    @extend_schema(
        operation_id="rubric_get",
        summary="One published rubric: levels, commitments, criteria and level descriptors",
        responses={200: serializers.RubricSerializer, **REFUSALS},
    )
    def get(self, request: Request, version: str) -> Response:
        rubric = selectors.rubric_in_full(version=version)
        return Response(serializers.RubricSerializer(rubric).data)


# --- Assessments ---------------------------------------------------------------------------------


class AssessmentList(APIView):
    @extend_schema(
        operation_id="assessments_list",
        summary="The assessments this token's person may read",
        description="Members: their organizations' assessments. Staff: also every other "
        "organization's once submitted (never drafts), as on the pages.",
        parameters=[
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("page_size", int, description="At most 200; 50 by default."),
        ],
        responses={200: serializers.AssessmentPageSerializer, **REFUSALS},
    )
    def get(self, request: Request) -> Response:
        _page_number(request)
        assessments = access.visible_assessments(request.user).order_by(
            "-cycle__opens_on", "organization__name", "id"
        )
        pages = Pages()
        page = pages.paginate_queryset(assessments, request, view=self)
        data = serializers.AssessmentSerializer(page, many=True).data
        return pages.get_paginated_response(data)


class AssessmentDetail(APIView):
    @extend_schema(
        operation_id="assessment_get",
        summary="One assessment",
        responses={200: serializers.AssessmentSerializer, **REFUSALS},
    )
    def get(self, request: Request, pk: int) -> Response:
        acc = access.assessment_access(user=request.user, pk=pk)
        return Response(serializers.AssessmentSerializer(acc.assessment).data)


class AnswerList(APIView):
    @extend_schema(
        operation_id="answers_list",
        summary="Every answer of one assessment, in rubric order",
        responses={200: serializers.AnswerSerializer(many=True), **REFUSALS},
    )
    def get(self, request: Request, pk: int) -> Response:
        acc = access.assessment_access(user=request.user, pk=pk)
        answers = selectors.assessment_answers(assessment=acc.assessment)
        return Response(serializers.AnswerSerializer(answers, many=True).data)


class AnswerDetail(APIView):
    @extend_schema(
        operation_id="answer_get",
        summary="One answer",
        responses={200: serializers.AnswerSerializer, **REFUSALS},
    )
    def get(self, request: Request, pk: int, answer_pk: int) -> Response:
        acc = access.assessment_access(user=request.user, pk=pk)
        answer = selectors.assessment_answers(assessment=acc.assessment).filter(pk=answer_pk)
        found = answer.first()
        if found is None:
            raise NotFound
        return Response(serializers.AnswerSerializer(found).data)

    @extend_schema(
        operation_id="answer_update",
        summary="Change one answer (read-and-write token)",
        description="Send `version` as last read and only the fields to change. The same "
        "version check as the scoring page: if someone saved the answer since, nothing is "
        "saved and 409 answers with both versions and the answer as it is now.",
        request=serializers.AnswerChangeSerializer,
        responses={
            200: serializers.AnswerSerializer,
            409: serializers.ConflictSerializer,
            **WRITE_REFUSALS,
        },
    )
    def patch(self, request: Request, pk: int, answer_pk: int) -> Response:
        acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
        answer = acc.answer(answer_pk)
        acc.require_write(answer.criterion.commitment_id)
        change = serializers.AnswerChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(change.validated_data)
        version = fields.pop("version")
        token = request.auth
        if not isinstance(token, AccessToken):  # TokenScope lets only tokens write; never else
            raise PermissionDenied
        try:
            api_answer_save(
                assessment=acc.assessment,
                answer=answer,
                version=version,
                changes=fields,
                by=access.signed_in(request._request),
                token=token,
                request=request._request,
            )
        except StaleAnswerError as e:
            current = selectors.assessment_answers(assessment=acc.assessment).get(pk=answer.pk)
            body = {
                "detail": str(e),
                "your_version": version,
                "current_version": e.current.version,
                "current": current,
            }
            return Response(
                serializers.ConflictSerializer(body).data, status=status.HTTP_409_CONFLICT
            )
        except ValidationError as e:
            errors = e.message_dict if hasattr(e, "error_dict") else {"detail": e.messages}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        stored = selectors.assessment_answers(assessment=acc.assessment).get(pk=answer.pk)
        return Response(serializers.AnswerSerializer(stored).data)


class ActionItemList(APIView):
    @extend_schema(
        operation_id="action_items_list",
        summary="The assessment's improvement plan, every commitment's items",
        responses={200: serializers.ActionItemSerializer(many=True), **REFUSALS},
    )
    def get(self, request: Request, pk: int) -> Response:
        acc = access.assessment_access(user=request.user, pk=pk)
        items = improvement_plan(
            assessment=acc.assessment, filters=PlanFilters(), today=timezone.localdate()
        )
        return Response(serializers.ActionItemSerializer(items, many=True).data)


# --- Reports -------------------------------------------------------------------------------------


def _with_files(report: Report) -> Report:
    """The report with `api_files`: a link per file it has, once ready."""
    files = []
    if report.status == Report.Status.READY:
        for fmt, field in FILES.items():
            if getattr(report, field):
                url = reverse("api:report_file", kwargs={"pk": report.pk, "fmt": fmt})
                files.append({"format": fmt, "url": url})
    # Not a field of Report: ReportSerializer reads it (source="api_files"), hence the ignore.
    report.api_files = files  # type: ignore[attr-defined]
    return report


class AssessmentReports(APIView):
    @extend_schema(
        operation_id="assessment_reports_list",
        summary="The assessment's maturity reports, newest first, with status and file links",
        responses={200: serializers.ReportSerializer(many=True), **REFUSALS},
    )
    def get(self, request: Request, pk: int) -> Response:
        acc = access.assessment_access(user=request.user, pk=pk)
        reports = [_with_files(r) for r in selectors.assessment_reports(assessment=acc.assessment)]
        return Response(serializers.ReportSerializer(reports, many=True).data)


class ReportDetail(APIView):
    @extend_schema(
        operation_id="report_get",
        summary="One report's status and file links",
        responses={200: serializers.ReportSerializer, **REFUSALS},
    )
    def get(self, request: Request, pk: int) -> Response:
        report = report_for_user(user=request.user, pk=pk)
        return Response(serializers.ReportSerializer(_with_files(report)).data)


class ReportFile(APIView):
    @extend_schema(
        operation_id="report_file_get",
        summary="One file of a ready report (recorded in the audit log, as every download)",
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FILES))],
        responses={
            (200, media): OpenApiResponse(OpenApiTypes.BINARY) for media in FILE_TYPES.values()
        }
        | REFUSALS,
    )
    def get(self, request: Request, pk: int, fmt: str) -> FileResponse:
        report = report_for_user(user=request.user, pk=pk)
        field = FILES.get(fmt)
        if field is None or report.status != Report.Status.READY or not getattr(report, field):
            raise NotFound
        stored = getattr(report, field)
        name = stored.name.rsplit("/", 1)[-1]
        handle = stored.open("rb")
        download_record(
            by=access.signed_in(request._request),
            what="report",
            target=report,
            organization=report.assessment.organization if report.assessment else None,
            request=request._request,
            detail={"kind": report.kind, "format": fmt, "name": name, "via": "api"},
        )
        return FileResponse(handle, as_attachment=True, filename=name, content_type=FILE_TYPES[fmt])


# --- The consortium dashboard (staff) ------------------------------------------------------------


class Dashboard(APIView):
    @extend_schema(
        operation_id="dashboard_get",
        summary="Staff: the consortium dashboard's figures, with the page's filters",
        description="Status counts (with organizations not started), the distribution of each "
        "commitment's scores, the median trend and its highlights: the dashboard page's own "
        "figures (the same functions and cache). 404 for anyone but consortium staff.",
        parameters=[serializers.DashboardFilterSerializer],
        responses={200: serializers.DashboardSerializer, 400: OpenApiTypes.OBJECT, **REFUSALS},
    )
    def get(self, request: Request) -> Response:
        access.require(request.user, access.Right.DASHBOARD)
        given = serializers.DashboardFilterSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        form = DashboardFilterForm(
            {k: str(v) for k, v in given.validated_data.items()}, cycles=figures.cycles()
        )
        filters = form.filters()
        if filters is None:
            raise NotFound("No cycle yet.")
        if "cycle" in given.validated_data and filters.cycle.pk != given.validated_data["cycle"]:
            raise NotFound("No such cycle.")
        board = figures.aggregates(filters, form.cycles)
        not_started = figures.not_started_organizations(filters).count()
        trend = board.trend
        body = {
            "cycle": filters.cycle,
            "filters": {
                "type": filters.type,
                "region": filters.region,
                "size_band": filters.size_band,
                "status": filters.status,
            },
            "counts": {**board.counts, figures.NOT_STARTED: not_started},
            "boxes": [asdict(b) for b in board.boxes],
            "trend": {
                "cycles": trend.cycles,
                "series": [
                    {"code": code, "name": trend.names[code], "medians": series}
                    for code, series in trend.medians.items()
                ],
            },
            "weakest": [asdict(h) for h in figures.weakest(trend)],
            "improving": [asdict(h) for h in figures.improving(trend)],
        }
        return Response(serializers.DashboardSerializer(body).data)
