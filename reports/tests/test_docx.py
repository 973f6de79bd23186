"""The maturity report as a Word document to edit, and the HTML report shown in the browser."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from docx import Document
from docx.shared import Inches

from assessments.models import CommitmentScore
from assessments.services import assessment_submit
from assessments.tests.factories import answer_all, open_cycle, started
from commitments.models import Rubric
from organizations.models import AuditEvent
from organizations.tests.factories import organization_with_lead
from reports.models import Report
from reports.services import report_request

from . import consortium

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _text(document: Any) -> str:
    """Every paragraph and table cell of a document, as one text."""
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_the_docx_holds_the_organization_its_ten_scores_headings_and_charts(
    django_capture_on_commit_callbacks, chromium: None
) -> None:
    call_command("load_rubric", "--publish", stdout=io.StringIO())
    rubric = Rubric.objects.get(version="2026.2")
    organization, lead = organization_with_lead(name="Tenfold Health")
    organization.paper_size = "A4"
    organization.save(update_fields=["paper_size"])
    cycle = open_cycle(by=lead, rubric=rubric, name="2026")
    assessment = started(organization=organization, by=lead, cycle=cycle)
    rows = list(assessment.answers.select_related("criterion__commitment"))
    levels = {r.criterion.code: (r.criterion.commitment.order - 1) % 5 + 1 for r in rows}
    answer_all(assessment=assessment, by=lead, levels=levels, evidence="Board minutes, May.")
    assessment = assessment_submit(assessment=assessment, by=lead)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=assessment, by=lead)
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.error
    assert report.docx_file.name.endswith(".docx")

    document = Document(io.BytesIO(report.docx_file.read()))
    text = _text(document)
    assert document.paragraphs[0].style.name == "Title"
    assert "Maturity report: Tenfold Health" in document.paragraphs[0].text
    scores = {
        s.commitment.name: f"{s.score:.2f}"
        for s in CommitmentScore.objects.filter(assessment=assessment).select_related("commitment")
    }
    assert len(scores) == 10
    score_table = document.tables[0]
    shown = {row.cells[0].text: row.cells[1].text for row in score_table.rows[1:]}
    assert {name: shown[name] for name in scores} == scores
    assert "Board minutes, May." in text
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["Scores", "Peer comparison"]
    assert "Answers" in headings
    assert {p.text for p in document.paragraphs if p.style.name == "Heading 2"} >= set(scores)
    # The three charts of a first cycle (radar, bars, heatmap), as PNG images with alt text.
    assert len(document.inline_shapes) == 3
    for shape in document.inline_shapes:
        assert shape._inline.docPr.get("descr").endswith("in the tables of this report.")
    images = [r for r in document.part.rels.values() if "image" in r.reltype]
    assert all(r.target_part.content_type == "image/png" for r in images)
    section = document.sections[0]
    # Word keeps sizes in twentieths of a point: compare to the millimetre.
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_the_docx_is_on_letter_pages_for_a_letter_organization(
    django_capture_on_commit_callbacks, chromium: None
) -> None:
    _, _, assessments = consortium.build()
    assert assessments[4].organization.paper_size == "letter"
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=assessments[4], by=assessments[4].created_by)
    report.refresh_from_db()
    section = Document(io.BytesIO(report.docx_file.read())).sections[0]
    assert (section.page_width, section.page_height) == (Inches(8.5), Inches(11))


def _ready(assessment) -> Report:
    from django.core.files.base import ContentFile

    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=assessment, fingerprint="docx", status="ready"
    )
    report.html_file.save("report.html", ContentFile(b"<!DOCTYPE html><h1>R</h1>"), save=False)
    report.docx_file.save("report.docx", ContentFile(b"PK docx"), save=True)
    return report


def test_the_docx_is_offered_beside_the_pdf_and_its_download_is_recorded(client: Client) -> None:
    _, _, assessments = consortium.build()
    report = _ready(assessments[4])
    lead = assessments[4].created_by
    client.force_login(lead)
    page = client.get(reverse("reports:for_assessment", args=[assessments[4].pk]))
    assert reverse("reports:download", args=[report.pk, "docx"]) in page.content.decode()
    response = client.get(reverse("reports:download", args=[report.pk, "docx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment;")
    event = AuditEvent.objects.get(action="download.report")
    assert event.detail["format"] == "docx"


def test_the_html_report_opens_in_the_browser_with_nothing_but_its_own_styles(
    client: Client,
) -> None:
    _, _, assessments = consortium.build()
    report = _ready(assessments[4])
    client.force_login(assessments[4].created_by)
    response = client.get(reverse("reports:download", args=[report.pk, "html"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline;")
    policy = response["Content-Security-Policy"]
    assert "script-src 'none'" in policy
    assert "sandbox" in policy
    assert "style-src 'unsafe-inline'" in policy
    assert "no-store" in response["Cache-Control"]
