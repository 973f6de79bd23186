"""`manage.py restore /var/backups/lhs/lhs-backup-…`: into an empty database and media folder.

Every file is checked against the manifest first; afterwards every table's row count and every
file's checksum are compared with the backup, and any difference fails the command.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from lhs_assess.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into the configured database and media."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the lhs-backup-… folder")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a database and media folder that are not empty (their data is lost)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connections.close_all()  # a SQLite restore swaps the file under any open connection
        try:
            restored = backup_restore(folder=Path(options["folder"]), replace=options["replace"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if restored.problems:
            raise CommandError(
                "Restored, but it differs from the backup:\n" + "\n".join(restored.problems)
            )
        rows = sum(restored.tables.values())
        self.stdout.write(
            f"Restored {len(restored.tables)} tables ({rows:,} rows) and {restored.files:,} files; "
            "every row count and checksum matches the backup."
        )
