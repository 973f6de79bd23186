"""Write a rubric back to its file format, to standard output or a file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments.models import Rubric
from commitments.rubric_file import dump_rubric
from commitments.selectors import rubric_spec


class Command(BaseCommand):
    help = "Export a rubric as YAML (the format load_rubric reads)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="LHS Shared Commitments")
        parser.add_argument("--rubric-version", help="Default: the newest.")
        parser.add_argument(
            "--output", type=Path, help="A file to write; standard output if absent."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        qs = Rubric.objects.filter(name=options["name"]).order_by("-created_at", "-id")
        if options["rubric_version"]:
            qs = qs.filter(version=options["rubric_version"])
        rubric = qs.first()
        if rubric is None:
            raise CommandError("No such rubric.")
        text = dump_rubric(rubric_spec(rubric=rubric))
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {rubric} to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
