"""Load a rubric file: creates it, updates its text, or refuses a structural change."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments.rubric_file import RubricFileError, read_rubric_file
from commitments.services import rubric_load

DEFAULT_FILE = Path("fixtures/rubric/lhs-shared-commitments-2026.1.yaml")


class Command(BaseCommand):
    help = "Load a rubric from a YAML file (schema in fixtures/rubric/README.md). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_FILE)
        parser.add_argument(
            "--publish", action="store_true", help="Publish it if it is loaded as a draft."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            spec = read_rubric_file(path)
            result = rubric_load(spec=spec, publish=options["publish"])
        except RubricFileError as exc:
            raise CommandError(f"Nothing was loaded; the file has problems:\n{exc}") from None
        except ValidationError as exc:
            raise CommandError(f"Nothing was loaded: {' '.join(exc.messages)}") from None
        rubric = result.rubric
        if result.created:
            what = "created"
        elif result.texts_changed:
            what = f"updated ({result.texts_changed} text fields changed)"
        else:
            what = "unchanged"
        counts = (
            f"{rubric.commitments.count()} commitments, "
            f"{sum(c.criteria.count() for c in rubric.commitments.all())} criteria, "
            f"{rubric.levels.count()} levels"
        )
        self.stdout.write(f"{rubric}: {what}; {counts}.")
