"""A backup restores into an empty database and media folder with every row and every file.

On SQLite in the default suite; on PostgreSQL (pg_dump / pg_restore) when DATABASE_URL is one.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from assessments.tests.factories import answer_all, evidence, open_cycle, started, submitted
from lhs_assess.backup import BackupError, backup_create, backup_restore, database_tables, sha256_of
from reports.models import Report
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def data(cast: Cast, media: Path) -> None:
    """Answers with history, evidence files, a built report: rows in most tables, real files."""
    draft = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=draft, by=cast.lead_a)
    for answer in draft.answers.order_by("id")[:3]:
        evidence(answer=answer, by=cast.lead_a, name=f"minutes-{answer.pk}.pdf")
    done = submitted(organization=cast.org_b, cycle=open_cycle(by=cast.staff, name="2027"),
                     by=cast.lead_b)  # fmt: skip
    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=done, fingerprint="backup", status="ready"
    )
    report.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4 report"), save=True)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A database like the test one, with nothing in it, dropped afterwards."""
    source = connection.settings_dict
    if source["ENGINE"] != "django.db.backends.postgresql":
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"{source['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**source, "NAME": name}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _checksums(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256_of(p) for p in root.rglob("*") if p.is_file()}


def test_a_backup_restores_every_row_of_every_table_and_every_file(
    data: None, media: Path, tmp_path: Path, empty_database: dict[str, Any]
) -> None:
    before = database_tables(connection.settings_dict)
    files_before = _checksums(media)
    assert len(files_before) == 4  # three evidence files and the report
    assert before["assessments_answer"] > 0
    assert before["organizations_auditevent"] > 0

    folder = backup_create(to=tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"] == before

    restored_media = tmp_path / "restored-media"
    restored = backup_restore(folder=folder, database=empty_database, media_root=restored_media)

    assert restored.problems == []
    assert restored.tables == before  # every table, every row count
    assert _checksums(restored_media) == files_before  # every file, byte for byte
    assert restored.files == 4


def test_a_damaged_backup_is_refused_before_anything_is_written(
    data: None, media: Path, tmp_path: Path, empty_database: dict[str, Any]
) -> None:
    folder = backup_create(to=tmp_path / "backups")
    damaged = next((folder / "media").rglob("*.pdf"))
    damaged.write_bytes(b"%PDF-1.4 changed")
    restored_media = tmp_path / "restored-media"
    with pytest.raises(BackupError, match="differs from its checksum"):
        backup_restore(folder=folder, database=empty_database, media_root=restored_media)
    assert not restored_media.exists()
    assert database_tables(empty_database) == {}
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(folder))


def test_a_restore_into_a_database_that_is_not_empty_is_refused(
    data: None, media: Path, tmp_path: Path
) -> None:
    folder = backup_create(to=tmp_path / "backups")
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(folder=folder, media_root=tmp_path / "elsewhere")


def test_the_command_says_what_it_backed_up(
    data: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("backup", to=str(tmp_path / "backups"))
    out = capsys.readouterr().out
    assert "Backed up" in out
    assert "and 4 files to" in out
    (folder,) = (tmp_path / "backups").iterdir()
    assert folder.name.startswith("lhs-backup-")
