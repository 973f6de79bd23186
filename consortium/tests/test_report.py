"""The consortium report through the reports pipeline: the field's figures, no one named."""

import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from consortium.dashboard import DashboardFilters
from consortium.services import consortium_report_request
from organizations.tests.factories import UserFactory, staff_user
from reports.models import Report
from reports.tests import consortium

pytestmark = pytest.mark.django_db


def test_a_consortium_report_is_built_with_the_field_s_figures_and_names_no_one(
    django_capture_on_commit_callbacks, chromium: None, client
) -> None:
    _, cycle, assessments = consortium.build()
    staff = staff_user(email="staff@consortium.test")
    filters = DashboardFilters(cycle=cycle, region="midwest")
    with django_capture_on_commit_callbacks(execute=True):
        report = consortium_report_request(filters=filters, by=staff)
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.error
    text = " ".join(page.extract_text() for page in PdfReader(report.pdf_file.path).pages)
    assert "Consortium report: cycle 2026" in text
    # c1 over the five: 1.00, 2.00, 3.00, 4.00, 4.14 -> median 3.00, lowest 1.00, highest 4.14
    assert "4.14" in text
    assert "3.00" in text
    for a in assessments:
        assert a.organization.name not in text  # the PDF names no organization
    book = openpyxl.load_workbook(io.BytesIO(report.xlsx_file.read()), read_only=True)
    assert len(list(book.active.iter_rows(min_row=2))) == 5  # staff's spreadsheet lists them
    with django_capture_on_commit_callbacks(execute=True):
        assert consortium_report_request(filters=filters, by=staff).pk == report.pk  # reused
    member = UserFactory()
    client.force_login(member)
    assert client.get(f"/reports/{report.pk}/pdf/").status_code == 404


def _sizes(report: Report) -> set[tuple[int, int]]:
    pages = PdfReader(report.pdf_file.path).pages
    return {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages}


@pytest.mark.parametrize(
    ("chosen", "points", "inches"),
    [(None, (612, 792), (8.5, 11.0)), ("A4", (595, 842), (8.27, 11.69))],
    ids=["letter-by-default", "a4-chosen"],
)
def test_the_consortium_report_is_on_letter_pages_unless_a4_is_chosen(
    django_capture_on_commit_callbacks, chromium: None, client, chosen, points, inches
) -> None:
    from docx import Document

    _, cycle, _ = consortium.build()
    staff = staff_user(email="staff@consortium.test")
    client.force_login(staff)
    data = {"cycle": cycle.pk} | ({"paper_size": chosen} if chosen else {})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("consortium:report_request"), data)
    assert response.status_code == 302
    report = Report.objects.get(kind=Report.Kind.CONSORTIUM)
    assert report.status == Report.Status.READY, report.error
    assert _sizes(report) == {points}
    document = Document(io.BytesIO(report.docx_file.read()))
    section = document.sections[0]
    assert (round(section.page_width.inches, 2), round(section.page_height.inches, 2)) == inches
    assert document.paragraphs[0].text == f"Consortium report: {cycle.name}"
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][:2] == [
        "Participation",
        "Distribution of commitment scores",
    ]
    assert len(document.inline_shapes) >= 1  # the distribution chart, as an image
