"""Backups an operator can restore: the database and the uploaded files, with a manifest.

A backup is one folder:

    lhs-backup-20261204T021500Z/
        manifest.json      what is inside: every table's row count, every file's SHA-256
        database.dump      PostgreSQL: pg_dump's custom format (pg_restore reads it)
        database.sqlite3   SQLite (the zero-setup default): a consistent copy of the file
        media/...          evidence files and built reports, as under MEDIA_ROOT

The row counts are taken in the same snapshot as the dump (PostgreSQL's exported snapshot; on
SQLite they are counted in the copy), so a restore can prove it brought back every row.
`manage.py backup` and `manage.py restore` are thin commands over these functions.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
POSTGRESQL = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass
class Restored:
    """What a restore brought back, checked against the manifest."""

    tables: dict[str, int]
    files: int
    problems: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_under(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count_tables(cursor: Any, tables: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - names from the catalogue
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _pg_env(database: Mapping[str, Any]) -> dict[str, str]:
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if database.get(key):
            env[var] = str(database[key])
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


def _run(command: list[str], *, env: Mapping[str, str] | None = None) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - pg_dump/pg_restore with our own argument list, no shell
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (apt-get install postgresql-client)."
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


# --- Backup --------------------------------------------------------------------------------------


def _pg_dump(target: Path) -> dict[str, int]:
    """Dump the database and count its rows in one snapshot."""
    database = connection.settings_dict
    connection.ensure_connection()
    with connection.cursor() as cursor:
        # The snapshot lives as long as this transaction: pg_dump reads exactly what we count.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count_tables(cursor, connection.introspection.table_names(cursor))
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", f"--file={target}", str(database["NAME"])],
                env=_pg_env(database),
            )  # fmt: skip
        finally:
            cursor.execute("ROLLBACK")
    return counts


def _sqlite_copy(target: Path) -> dict[str, int]:
    """Copy the database with SQLite's online backup (consistent while people write)."""
    connection.ensure_connection()
    source = connection.connection
    with sqlite3.connect(target) as copy:
        source.backup(copy)
        counts = _count_tables(
            copy.cursor(),
            [
                row[0]
                for row in copy.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ],
        )
    copy.close()
    return counts


def backup_create(*, to: Path, media_root: Path | None = None) -> Path:
    """Write a backup folder under `to`; returns its path. Refuses an engine it cannot dump."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    engine = connection.settings_dict["ENGINE"]
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    folder = Path(to) / f"lhs-backup-{stamp}"
    if folder.exists():
        raise BackupError(f"{folder} exists already; wait a second or choose another folder.")
    Path(to).mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=to))
    try:
        if engine == POSTGRESQL:
            database_file = PG_DUMP
            tables = _pg_dump(partial / PG_DUMP)
        elif engine == SQLITE:
            database_file = SQLITE_COPY
            tables = _sqlite_copy(partial / SQLITE_COPY)
        else:
            raise BackupError(f"No backup for the database engine {engine}.")
        for path in _files_under(media_root):
            copy = partial / MEDIA / path.relative_to(media_root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        files = {
            str(p.relative_to(partial)): {"size": p.stat().st_size, "sha256": sha256_of(p)}
            for p in _files_under(partial)
        }
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "engine": "postgresql" if engine == POSTGRESQL else "sqlite",
            "database_file": database_file,
            "tables": tables,
            "files": files,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        # Only a complete backup gets its name: a crash leaves a .partial- folder, never a
        # folder that looks whole.
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


# --- Restore -------------------------------------------------------------------------------------


def manifest_of(folder: Path) -> dict[str, Any]:
    """The manifest, after checking every file it names against its checksum."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} has no {MANIFEST}: not a backup folder.")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    bad = []
    for name, meta in manifest["files"].items():
        file = Path(folder) / name
        if not file.is_file():
            bad.append(f"{name} is missing")
        elif file.stat().st_size != meta["size"] or sha256_of(file) != meta["sha256"]:
            bad.append(f"{name} differs from its checksum")
    if bad:
        raise BackupError("The backup is damaged: " + "; ".join(bad) + ". Nothing was restored.")
    return manifest


def _pg_tables(database: Mapping[str, Any]) -> dict[str, int]:
    import psycopg

    with (
        psycopg.connect(
            dbname=str(database["NAME"]),
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        names = [r[0] for r in cursor.fetchall()]
        return _count_tables(cursor, names)


def _sqlite_tables(path: Path) -> dict[str, int]:
    if not path.exists():
        return {}
    with sqlite3.connect(path) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = _count_tables(conn.cursor(), names)
    conn.close()
    return counts


def database_tables(database: Mapping[str, Any]) -> dict[str, int]:
    """Every table of `database` (a DATABASES entry) with its row count."""
    if database["ENGINE"] == POSTGRESQL:
        return _pg_tables(database)
    return _sqlite_tables(Path(database["NAME"]))


def backup_restore(
    *,
    folder: Path,
    database: Mapping[str, Any] | None = None,
    media_root: Path | None = None,
    replace: bool = False,
) -> Restored:
    """Restore a backup into `database` (default: the configured one) and `media_root`.

    Both must be empty unless `replace`; every file is checked against the manifest before
    anything is written, and every table's row count and every file's checksum after."""
    folder = Path(folder)
    database = database or connection.settings_dict
    media_root = Path(media_root or settings.MEDIA_ROOT)
    manifest = manifest_of(folder)
    engine = POSTGRESQL if manifest["engine"] == "postgresql" else SQLITE
    if database["ENGINE"] != engine:
        raise BackupError(
            f"This is a {manifest['engine']} backup; the target database is {database['ENGINE']}."
        )
    if not replace:
        if database_tables(database):  # any table, even empty: the restore would collide
            raise BackupError(
                "The target database is not empty. Restore into an empty one, or pass --replace."
            )
        if _files_under(media_root):
            raise BackupError(
                f"{media_root} is not empty. Restore into an empty folder, or pass --replace."
            )

    source = folder / manifest["database_file"]
    if engine == POSTGRESQL:
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                   f"--dbname={database['NAME']}"]  # fmt: skip
        if replace:
            command[1:1] = ["--clean", "--if-exists"]
        _run([*command, str(source)], env=_pg_env(database))
    else:
        target = Path(database["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + ".restoring")
        shutil.copy2(source, staged)
        for stale in (
            target.with_name(target.name + "-wal"),
            target.with_name(target.name + "-shm"),
        ):
            stale.unlink(missing_ok=True)
        os.replace(staged, target)

    if replace and media_root.exists():
        shutil.rmtree(media_root)
    prefix = MEDIA + "/"
    media = {n: m for n, m in manifest["files"].items() if n.startswith(prefix)}
    for name in media:
        copy = media_root / name[len(prefix) :]
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / name, copy)

    restored = Restored(tables=database_tables(database), files=len(media))
    for table, count in manifest["tables"].items():
        if restored.tables.get(table) != count:
            restored.problems.append(
                f"table {table}: {restored.tables.get(table)} rows, the backup has {count}"
            )
    for name, meta in media.items():
        if sha256_of(media_root / name[len(prefix) :]) != meta["sha256"]:
            restored.problems.append(f"{name} differs from the backup")
    return restored
