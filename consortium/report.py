"""The consortium report: the dashboard's figures for one set of filters, as a document.

This is the consortium's part of the reports pipeline (`reports.pipeline.ReportKind`); it is
named in the REPORT_KINDS setting, so `reports` builds it without importing this app.
"""

from dataclasses import asdict, dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.text import slugify

from assessments.models import Cycle
from commitments.selectors import commitments_of
from reports import charts
from reports.models import Report
from reports.pipeline import ReportKind
from reports.render import Chart, images
from reports.services import fingerprint_of, submissions_of
from reports.word import chart, heading, new_document, table, to_bytes

from . import dashboard
from .exports import xlsx_bytes


def filter_values(filters: dashboard.DashboardFilters) -> dict[str, str]:
    """The filters as stored with the report: everything but the cycle, which is its own field."""
    values = asdict(filters)
    del values["cycle"]
    return values


# The consortium's reports are printed on US Letter unless staff choose A4.
PAPER_SIZES = ("letter", "A4")


def consortium_fingerprint(
    *, filters: dashboard.DashboardFilters, paper_size: str = "letter"
) -> str:
    """What a consortium report depends on: the cycle, the filters, the submissions, and the
    paper (a Letter report is not an A4 one)."""
    return fingerprint_of(
        {
            "kind": Report.Kind.CONSORTIUM,
            "cycle": filters.cycle.pk,
            "filters": filter_values(filters),
            "submissions": submissions_of(cycle_id=filters.cycle.pk),
            "paper_size": paper_size,
        }
    )


@dataclass(frozen=True)
class ConsortiumNumbers:
    cycle: Cycle
    filters: dashboard.DashboardFilters
    counts: dict[str, int]
    boxes: list[charts.Box]
    trend: dashboard.Trend
    weakest: list[dashboard.Highlight]
    improving: list[dashboard.Highlight]
    paper_size: str = "letter"


class ConsortiumReport(ReportKind[ConsortiumNumbers]):
    def numbers(self, report: Report) -> ConsortiumNumbers:
        if report.cycle_id is None:
            raise ValueError(f"Report {report.pk} has no cycle.")
        cycle = Cycle.objects.select_related("rubric").get(pk=report.cycle_id)
        filters = dashboard.DashboardFilters(cycle=cycle, **report.params.get("filters", {}))
        trend = dashboard.median_trend(filters, dashboard.cycles())
        return ConsortiumNumbers(
            cycle=cycle,
            filters=filters,
            counts=dashboard.status_counts(filters),
            boxes=dashboard.score_boxes(filters),
            trend=trend,
            weakest=dashboard.weakest(trend),
            improving=dashboard.improving(trend),
            paper_size=report.params.get("paper_size", "letter"),
        )

    def charts(self, numbers: ConsortiumNumbers) -> list[Chart]:
        figures = [
            Chart("boxes", "Distribution of commitment scores", charts.score_boxes(
                boxes=numbers.boxes)),
        ]  # fmt: skip
        if len(numbers.trend.cycles) > 1:
            figures.append(
                Chart("trend", "Median score across cycles", charts.median_trend(
                    cycles=numbers.trend.cycles, series=numbers.trend.by_name))
            )  # fmt: skip
        return figures

    def document(self, numbers: ConsortiumNumbers, drawn: list[tuple[Chart, str]]) -> str:
        return render_to_string(
            "reports/consortium_document.html",
            {
                "cycle": numbers.cycle,
                "filters": filter_values(numbers.filters),
                "counts": numbers.counts,
                "boxes": numbers.boxes,
                "trend": numbers.trend,
                "weakest": numbers.weakest,
                "improving": numbers.improving,
                "charts": images(drawn),
                "paper_size": numbers.paper_size,
            },
        )

    def spreadsheet(self, numbers: ConsortiumNumbers) -> bytes:
        columns = commitments_of(rubric_id=numbers.cycle.rubric_id)
        return xlsx_bytes(dashboard.score_export_rows(numbers.filters, columns), sheet="Scores")

    def word(self, numbers: ConsortiumNumbers, drawn: list[tuple[Chart, bytes]]) -> bytes:
        return consortium_docx(numbers, drawn)

    def file_base(self, numbers: ConsortiumNumbers) -> str:
        return f"consortium-report-{slugify(numbers.cycle.name)}"

    def kept(self, numbers: ConsortiumNumbers, charts: list[Chart]) -> dict[str, Any]:
        return {}


def consortium_docx(numbers: ConsortiumNumbers, drawn: list[tuple[Chart, bytes]]) -> bytes:
    """The consortium report as a DOCX: the sections of its PDF, charts as images."""
    filters = ", ".join(f"{k} {v}" for k, v in filter_values(numbers.filters).items() if v)
    doc = new_document(
        title=f"Consortium report: {numbers.cycle.name}",
        lines=[
            f"Filters: {filters or 'none'} · Figures from submitted and accepted assessments; "
            "no organization is named."
        ],
        paper_size=numbers.paper_size,
    )
    heading(doc, "Participation")
    table(doc, ["Status", "Organizations"], [[k, v] for k, v in numbers.counts.items()])
    heading(doc, "Distribution of commitment scores")
    table(
        doc,
        ["Commitment", "Organizations", "Lowest", "25th", "Median", "75th", "Highest"],
        [[b.name, b.count, *(f"{v:.2f}" for v in (b.min, b.q1, b.median, b.q3, b.max))]
         for b in numbers.boxes],
    )  # fmt: skip
    for item, png in drawn:
        chart(doc, item, png)
    heading(doc, "Where the field is weakest, and improving fastest")
    table(
        doc,
        ["Weakest (median)", "Improving fastest (rise in median)"],
        [[
            "\n".join(f"{h.name} {h.median:.2f}" for h in numbers.weakest) or "No scores yet.",
            "\n".join(f"{h.name} +{h.change or 0:.2f}" for h in numbers.improving)
            or "No commitment rose since the previous cycle.",
        ]],
    )  # fmt: skip
    doc.add_paragraph("Every organization's scores are in the spreadsheet (XLSX) of this report.")
    return to_bytes(doc)
