"""A full disk fails the one action that met it, says so, and leaves no partial file.

Two ways: a file whose writing breaks off half way (any machine), and a real full file system:
a 256 KiB tmpfs mounted as MEDIA_ROOT (needs root and mount; skips, or fails under
REQUIRE_SERVICES, where it cannot mount).
"""

import errno
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import EvidenceFile
from assessments.services import evidence_file_add
from assessments.tests.factories import open_cycle, started, submitted
from conftest import _unavailable
from reports import pipeline
from reports.models import Report
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class BreaksOffHalfWay(SimpleUploadedFile):
    """An upload whose second chunk never arrives on disk: the disk filled up meanwhile."""

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield self.read(4096)
        raise OSError(errno.ENOSPC, "No space left on device")


def _upload(client: Client, cast: Cast, upload: Any) -> tuple[Any, Any]:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    answer = assessment.answers.order_by("id").first()
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("assessments:evidence_upload", args=[assessment.pk, answer.pk]),
        {"file": upload},
        headers={"accept": "application/json"},
    )
    return response, answer


def test_an_upload_that_breaks_off_is_refused_in_words_and_leaves_nothing(
    cast: Cast, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    answer = started(organization=cast.org_a, by=cast.lead_a).answers.order_by("id").first()
    upload = BreaksOffHalfWay("minutes.pdf", b"%PDF-1.4 " + b"x" * 20_000, "application/pdf")
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(answer=answer, upload=upload, by=cast.lead_a)
    assert "no room left to store files" in refused.value.message_dict["file"][0]
    assert not EvidenceFile.objects.exists()
    assert _files(settings.MEDIA_ROOT) == []  # Django's storage alone would leave 4 KiB here
    # The next action works.
    ok = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 small", "application/pdf")
    assert evidence_file_add(answer=answer, upload=ok, by=cast.lead_a).pk


def _report(cast: Cast) -> Report:
    assessment = submitted(organization=cast.org_a, cycle=open_cycle(by=cast.staff), by=cast.lead_a)
    return Report.objects.create(kind="maturity", assessment=assessment, fingerprint="disk")


def _stored_then_full(report: Report, timer: Any) -> Report:
    """The build itself, with its second file meeting a full disk."""
    files = pipeline.Files(
        "report", "<html>" + "x" * 10_000, b"%PDF" * 4000, b"PK" * 2000, b"PK docx" * 1000
    )
    return pipeline.report_store_ready(report_id=report.pk, files=files, params={})


def test_a_report_whose_second_file_meets_a_full_disk_fails_saying_why_and_keeps_no_file(
    cast: Cast, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    report = _report(cast)
    real_store = pipeline._store
    calls = []

    def store(report: Report, name: str, content: bytes) -> str:
        calls.append(name)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_store(report, name, content)

    with (
        mock.patch.object(pipeline, "_store", store),
        mock.patch.object(pipeline, "_build", lambda r, k, t: _stored_then_full(r, t)),
    ):
        failed = pipeline.report_build(report_id=report.pk)
    assert failed.status == Report.Status.FAILED
    assert "no room left to store the report's files" in failed.error
    assert _files(settings.MEDIA_ROOT) == []  # the HTML written first went too


# --- A real full file system ---------------------------------------------------------------------


@pytest.fixture
def tiny_media(settings: Any) -> Iterator[Path]:
    """A 256 KiB file system as MEDIA_ROOT, filled to within 16 KiB."""
    if shutil.which("mount") is None:
        _unavailable("no mount command: cannot make a small file system")
    root = Path(tempfile.mkdtemp(prefix="lhs-tiny-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(root)],
        capture_output=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        filler = root / "filler"
        filler.write_bytes(b"\0" * (240 * 1024))
        settings.MEDIA_ROOT = root / "media"
        yield settings.MEDIA_ROOT
    finally:
        subprocess.run(["umount", str(root)], check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.services
def test_an_upload_to_a_full_disk_is_refused_and_leaves_no_partial_file(
    client: Client, cast: Cast, tiny_media: Path
) -> None:
    upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 " + b"x" * 100_000, "application/pdf")
    response, _ = _upload(client, cast, upload)
    assert response.status_code == 400
    assert "no room left to store files" in response.json()["error"]
    assert not EvidenceFile.objects.exists()
    assert _files(tiny_media) == []


@pytest.mark.services
def test_a_report_written_to_a_full_disk_fails_saying_why_and_leaves_no_file(
    cast: Cast, tiny_media: Path
) -> None:
    report = _report(cast)
    with mock.patch.object(pipeline, "_build", lambda r, k, t: _stored_then_full(r, t)):
        failed = pipeline.report_build(report_id=report.pk)
    assert failed.status == Report.Status.FAILED
    assert "no room left" in failed.error
    assert _files(tiny_media) == []
