"""Load rubric and crosswalk files: creates, updates text, or refuses a structural change."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments.crosswalk_file import SCHEMA as CROSSWALK_SCHEMA
from commitments.crosswalk_file import file_schema, read_crosswalk_file
from commitments.rubric_file import RubricFileError, read_rubric_file
from commitments.services import crosswalk_load, rubric_load

FIXTURES = Path("fixtures/rubric")


def shipped_files() -> list[Path]:
    """Every rubric the product ships, oldest version first, then the crosswalks between them
    (a crosswalk needs both of its versions loaded)."""
    rubrics = sorted(FIXTURES.glob("lhs-shared-commitments-*.yaml"), key=_version_key)
    return [*rubrics, *sorted(FIXTURES.glob("crosswalk-*.yaml"))]


def _version_key(path: Path) -> tuple[int, ...]:
    version = path.stem.rpartition("-")[2]
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


class Command(BaseCommand):
    help = (
        "Load rubric and crosswalk files (schemas in fixtures/rubric/README.md); without a "
        "path, every file in fixtures/rubric/. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path)
        parser.add_argument(
            "--publish", action="store_true", help="Publish each rubric loaded as a draft."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["paths"] or shipped_files():
            try:
                if file_schema(path) == CROSSWALK_SCHEMA:
                    self._crosswalk(path)
                else:
                    self._rubric(path, publish=options["publish"])
            except RubricFileError as exc:
                raise CommandError(f"Nothing was loaded; the file has problems:\n{exc}") from None
            except ValidationError as exc:
                raise CommandError(
                    f"Nothing was loaded from {path}: {' '.join(exc.messages)}"
                ) from None

    def _rubric(self, path: Path, *, publish: bool) -> None:
        result = rubric_load(spec=read_rubric_file(path), publish=publish)
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

    def _crosswalk(self, path: Path) -> None:
        result = crosswalk_load(spec=read_crosswalk_file(path))
        what = "unchanged" if result.unchanged else f"{result.created} links loaded"
        self.stdout.write(f"Crosswalk {result.source.version} → {result.target.version}: {what}.")
