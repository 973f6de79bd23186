"""The consortium report through the reports pipeline: the field's figures, no one named."""

import io

import openpyxl
import pytest
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
