"""The maturity report: one organization's submitted assessment against its peers."""

from typing import Any

from django.utils.text import slugify

from assessments.models import Assessment

from .models import Report
from .pipeline import ReportKind
from .render import Chart, maturity_charts, render_document, render_page_body, render_xlsx
from .selectors import MaturityNumbers, maturity_chart_numbers, maturity_numbers
from .word import maturity_docx


class MaturityReport(ReportKind[MaturityNumbers]):
    def numbers(self, report: Report) -> MaturityNumbers:
        if report.assessment_id is None:
            raise ValueError(f"Report {report.pk} has no assessment.")
        assessment = Assessment.objects.select_related("organization", "cycle__rubric").get(
            pk=report.assessment_id
        )
        return maturity_numbers(assessment=assessment)

    def charts(self, numbers: MaturityNumbers) -> list[Chart]:
        return maturity_charts(maturity_chart_numbers(numbers))

    def document(self, numbers: MaturityNumbers, drawn: list[tuple[Chart, str]]) -> str:
        return render_document(numbers, drawn)

    def spreadsheet(self, numbers: MaturityNumbers) -> bytes:
        return render_xlsx(numbers)

    def word(self, numbers: MaturityNumbers, drawn: list[tuple[Chart, bytes]]) -> bytes:
        return maturity_docx(numbers, drawn)

    def file_base(self, numbers: MaturityNumbers) -> str:
        return f"maturity-report-{slugify(numbers.organization)}-{slugify(numbers.cycle)}"

    def kept(self, numbers: MaturityNumbers, charts: list[Chart]) -> dict[str, Any]:
        # The page's content is kept with the report, so showing it costs no recomputation.
        return {"page_body": render_page_body(numbers, charts)}
