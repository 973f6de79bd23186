"""The report carries the evidence: text, links and file names in the spreadsheet, the file
names per criterion in the HTML and PDF (the files themselves stay behind the access check)."""

import io

import openpyxl
import pytest

from assessments.models import Answer, Assessment
from assessments.services import assessment_submit, evidence_file_remove
from assessments.tests.factories import answer_all, evidence, started
from organizations.tests.factories import organization_with_lead
from reports.render import render_page_body, render_xlsx
from reports.selectors import maturity_numbers

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_files() -> Assessment:
    organization, lead = organization_with_lead()
    a = started(organization=organization, by=lead)
    answer_all(
        assessment=a, by=lead, evidence="Board minutes, 2026.",
        evidence_links=["https://intranet.example.org/minutes"],
    )  # fmt: skip
    first = Answer.objects.get(assessment=a, criterion__code="c1-1")
    evidence(answer=first, by=lead, name="minutes-march.pdf")
    evidence(answer=first, by=lead, name="minutes-april.pdf")
    gone = evidence(answer=first, by=lead, name="draft.pdf")
    evidence_file_remove(stored=gone, by=lead)
    assessment_submit(assessment=a, by=lead)
    return a


def test_the_spreadsheet_lists_evidence_text_links_and_file_names(with_files: Assessment) -> None:
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(maturity_numbers(assessment=with_files))))
    rows = list(book["Answers"].iter_rows(values_only=True))
    header = rows[0]
    by_code = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_code["c1-1"]["Evidence"] == "Board minutes, 2026."
    assert by_code["c1-1"]["Evidence links"] == "https://intranet.example.org/minutes"
    assert by_code["c1-1"]["Evidence files"] == "minutes-march.pdf\nminutes-april.pdf"
    assert by_code["c1-2"]["Evidence files"] in (None, "")


def test_the_report_names_the_files_per_criterion_but_not_a_removed_one(
    with_files: Assessment,
) -> None:
    html = render_page_body(maturity_numbers(assessment=with_files), [])
    assert "<h2>Evidence files</h2>" in html
    assert "minutes-march.pdf, minutes-april.pdf" in html
    assert "draft.pdf" not in html
    assert "/files/" not in html  # names only: no link around the access check
