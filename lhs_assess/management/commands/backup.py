"""`manage.py backup --to /var/backups/lhs`: the database and the uploaded files, with a manifest.

See lhs_assess/backup.py for what the folder holds, and the README for a schedule.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lhs_assess.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump, or a SQLite copy) and MEDIA_ROOT with checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, type=Path, help="folder to write into")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = backup_create(to=Path(options["to"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        data = json.loads((folder / "manifest.json").read_text())
        rows = sum(data["tables"].values())
        media = sum(1 for name in data["files"] if name.startswith("media/"))
        tables = len(data["tables"])
        self.stdout.write(
            f"Backed up {tables} tables ({rows:,} rows) and {media:,} files to {folder}"
        )
