"""The maturity report pipeline, in-process: request, build, files, failure, retry, outbox."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import CommitmentScore
from assessments.services import assessment_submit
from assessments.tests.factories import answer_all, open_cycle, started
from commitments.models import Rubric
from commitments.tests.factories import make_rubric
from organizations.tests.factories import organization_with_lead
from reports import pipeline
from reports.images import ChartImageError
from reports.models import Report
from reports.pipeline import report_build
from reports.services import report_request, report_retry
from reports.tasks import reports_resend_stale

from . import consortium

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def submitted(django_capture_on_commit_callbacks):
    _, _, assessments = consortium.build()
    return assessments[4]


def _request(assessment, callbacks):
    with callbacks(execute=True):  # eager: the on-commit send runs the build in-process
        return report_request(assessment=assessment, by=assessment.created_by)


def test_a_request_is_built_with_all_four_files(
    submitted, django_capture_on_commit_callbacks, chromium: None
) -> None:
    report = _request(submitted, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    assert (report.status, report.progress, report.error) == (Report.Status.READY, 100, "")
    for f in (report.html_file, report.pdf_file, report.xlsx_file, report.docx_file):
        assert f.name.startswith(f"reports/{report.pk}/")
        assert f.size > 0
    assert set(report.params["timings"]) == {"numbers", "charts", "html", "pdf", "xlsx", "docx"}
    assert 'id="figure-radar" type="application/json"' in report.params["page_body"]


def test_the_pdf_holds_the_organization_and_every_commitment_score(
    submitted, django_capture_on_commit_callbacks, chromium: None
) -> None:
    report = _request(submitted, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    text = " ".join(page.extract_text() for page in PdfReader(report.pdf_file.path).pages)
    assert submitted.organization.name in text
    for score in CommitmentScore.objects.filter(assessment=submitted):
        assert f"{score.commitment.name}" in text
        assert f"{score.score:.2f}" in text  # 4.14 and 1.80
    assert "2.97" in text  # overall
    assert PdfReader(report.pdf_file.path).trailer["/Root"]["/MarkInfo"]["/Marked"]  # tagged


def test_the_spreadsheet_numbers_equal_the_database(
    submitted, django_capture_on_commit_callbacks, chromium: None
) -> None:
    report = _request(submitted, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    book = openpyxl.load_workbook(io.BytesIO(report.xlsx_file.read()), read_only=True)
    rows = list(book["Scores"].iter_rows(min_row=2, values_only=True))
    stored = {
        s.commitment.code: s.score
        for s in CommitmentScore.objects.filter(assessment=submitted).select_related("commitment")
    }
    sheet = {r[2]: r[4] for r in rows}
    assert {k: Decimal(str(v)) for k, v in sheet.items() if k != "overall"} == stored
    assert Decimal(str(sheet["overall"])) == submitted.overall_score
    answers = list(book["Answers"].iter_rows(min_row=2, values_only=True))
    assert len(answers) == submitted.answers.count()


def test_asking_again_for_the_same_inputs_reuses_the_live_report(
    submitted, django_capture_on_commit_callbacks, chromium: None
) -> None:
    first = _request(submitted, django_capture_on_commit_callbacks)
    again = _request(submitted, django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    assert Report.objects.count() == 1


def test_building_twice_is_idempotent(
    submitted, django_capture_on_commit_callbacks, chromium: None
) -> None:
    report = _request(submitted, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    fields = ("html_file", "pdf_file", "xlsx_file", "docx_file")
    names = tuple(getattr(report, f).name for f in fields)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING)  # a redelivery
    rebuilt = report_build(report_id=report.pk)
    assert tuple(getattr(rebuilt, f).name for f in fields) == names
    assert len(list(Path(report.pdf_file.path).parent.iterdir())) == 4


def test_a_draft_has_no_report(django_capture_on_commit_callbacks) -> None:
    organization, lead = organization_with_lead()
    cycle = open_cycle(by=lead, rubric=make_rubric(), name="2026")
    draft = started(organization=organization, by=lead, cycle=cycle)
    with pytest.raises(ValidationError, match="once the assessment is submitted"):
        report_request(assessment=draft, by=lead)


def test_a_failure_is_recorded_with_its_message_and_a_retry_succeeds(
    submitted, django_capture_on_commit_callbacks, monkeypatch, chromium: None
) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise ChartImageError("Chart images need Chromium on the machine.")

    monkeypatch.setattr(pipeline, "figures_to_svg", broken)
    report = _request(submitted, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == "Chart images need Chromium on the machine."
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        report_retry(report=report, by=submitted.created_by)
    report.refresh_from_db()
    assert (report.status, report.attempts) == (Report.Status.READY, 2)


def test_a_request_made_while_the_broker_is_down_stays_queued_and_is_sent_later(
    submitted, django_capture_on_commit_callbacks, monkeypatch, chromium: None
) -> None:
    from reports import tasks

    def refused(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.build_report, "apply_async", refused)
    report = _request(submitted, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    assert (report.status, report.sent_at) == (Report.Status.QUEUED, None)
    monkeypatch.undo()
    assert reports_resend_stale() == 0  # younger than a minute: left alone
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert reports_resend_stale() == 1
    report.refresh_from_db()
    assert report.status == Report.Status.READY


def test_the_real_rubric_report_holds_all_ten_commitment_scores(
    django_capture_on_commit_callbacks, chromium: None
) -> None:
    call_command("load_rubric", "--publish", stdout=io.StringIO())
    rubric = Rubric.objects.get(version="2026.2")
    organization, lead = organization_with_lead(name="Tenfold Health")
    cycle = open_cycle(by=lead, rubric=rubric, name="2026")
    assessment = started(organization=organization, by=lead, cycle=cycle)
    rows = list(assessment.answers.select_related("criterion__commitment"))
    # Every criterion of the n-th commitment at level (n mod 5) + 1: scores 1, 2, 3, 4, 5, 1...
    orders = {r.criterion.commitment.order for r in rows}
    assert len(orders) == 10
    levels = {r.criterion.code: (r.criterion.commitment.order - 1) % 5 + 1 for r in rows}
    answer_all(assessment=assessment, by=lead, levels=levels)
    assessment = assessment_submit(assessment=assessment, by=lead)
    report = _request(assessment, django_capture_on_commit_callbacks)
    report.refresh_from_db()
    text = " ".join(page.extract_text() for page in PdfReader(report.pdf_file.path).pages)
    assert "Tenfold Health" in text
    for commitment in rubric.commitments.all():
        assert commitment.name in text
    rows = {
        s.commitment.name: s.score
        for s in CommitmentScore.objects.filter(assessment=assessment).select_related("commitment")
    }
    assert len(rows) == 10
    assert sorted({f"{v:.2f}" for v in rows.values()}) == ["1.00", "2.00", "3.00", "4.00", "5.00"]
    for value in ("1.00", "2.00", "3.00", "4.00", "5.00"):
        assert value in text
