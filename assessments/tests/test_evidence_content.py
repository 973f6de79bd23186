"""Evidence files are kept for what they contain, not for what they are called."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.evidence import evidence_upload_error
from assessments.models import EvidenceFile
from assessments.services import evidence_file_add
from assessments.tests.factories import started
from tests.cast import Cast

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4e30000000049454e44ae426082"
)


def _office(folder: str) -> bytes:
    """A zip with an Office file's parts, not in Office's usual order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("payload.js", "alert(1)")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("minutes.pdf", b"%PDF-1.4 minutes"),
        ("chart.png", PNG),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"),
        ("notes.txt", "Überprüfung: the board met twice.\n".encode()),
        ("levels.csv", b"criterion,level\nc1-1,3\n"),
        ("policy.docx", _office("word/")),
        ("budget.xlsx", _office("xl/")),
        ("slides.pptx", _office("ppt/")),
    ],
)
def test_files_whose_content_matches_their_name_are_kept(name: str, content: bytes) -> None:
    assert evidence_upload_error(SimpleUploadedFile(name, content)) is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("minutes.pdf", b"MZ\x90\x00\x03\x00\x00\x00 a renamed program"),
        ("minutes.pdf", b"<html><script>alert(1)</script></html>"),
        ("notes.txt", b"<!DOCTYPE html><html><body>hi</body></html>"),
        ("chart.png", b"%PDF-1.4 not an image"),
        ("policy.docx", _zip()),
        ("policy.docx", _office("xl/")),
        ("photo.jpg", PNG),
    ],
)
def test_files_whose_content_is_of_another_kind_are_refused(name: str, content: bytes) -> None:
    error = evidence_upload_error(SimpleUploadedFile(name, content))
    assert error is not None
    assert "inside, whatever its name says" in error


@pytest.mark.django_db
def test_a_long_name_is_shortened_to_the_column_keeping_its_extension(cast: Cast) -> None:
    answer = started(organization=cast.org_a, by=cast.lead_a).answers.first()
    name = "board-minutes-" + "x" * 250 + ".pdf"
    stored = evidence_file_add(
        answer=answer, upload=SimpleUploadedFile(name, b"%PDF-1.4 minutes"), by=cast.lead_a
    )
    assert len(stored.original_name) == 200
    assert stored.original_name.startswith("board-minutes-xxx")
    assert stored.original_name.endswith(".pdf")
    assert stored.file.name.endswith(".pdf")
    assert stored.content_type == "application/pdf"


@pytest.mark.django_db
def test_the_service_refuses_a_renamed_program_even_without_a_form(cast: Cast) -> None:
    answer = started(organization=cast.org_a, by=cast.lead_a).answers.first()
    with pytest.raises(ValidationError, match="not a PDF file inside"):
        evidence_file_add(
            answer=answer, upload=SimpleUploadedFile("run.pdf", b"MZ\x90\x00"), by=cast.lead_a
        )
    assert not EvidenceFile.objects.exists()


@pytest.mark.django_db
def test_the_upload_endpoint_answers_400_with_the_reason(client: Client, cast: Cast) -> None:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    answer = assessment.answers.order_by("id").first()
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("assessments:evidence_upload", args=[assessment.pk, answer.pk]),
        {"file": SimpleUploadedFile("minutes.pdf", b"<html>phish</html>", "application/pdf")},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 400
    assert "not a PDF file inside" in response.content.decode()
    assert not EvidenceFile.objects.exists()
