"""The dashboard's exports as files: CSV streamed row by row, XLSX in constant-memory mode.

Every text cell goes through `safe_cell`, so a name such as `=HYPERLINK(...)` is text in any
spreadsheet.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

import xlsxwriter
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import Cycle
from reports.render import safe_cell, write_rows

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(*, kind: str, cycle: Cycle, extension: str) -> str:
    """For example `scores-2026-2026-11-22.csv`: what, which cycle, and when."""
    return f"{kind}-{slugify(cycle.name)}-{timezone.localdate().isoformat()}.{extension}"


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """Each row as one CSV line, text cells neutralised; memory stays flat."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(["" if v is None else safe_cell(v) for v in row])


def xlsx_file(rows: Iterable[list[Any]], *, sheet: str) -> IO[bytes]:
    """A workbook written row by row (constant_memory), returned as an open temporary file."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    write_rows(book.add_worksheet(sheet), rows, header_format=book.add_format({"bold": True}))
    book.close()
    out.seek(0)
    return out


def xlsx_bytes(rows: Iterable[list[Any]], *, sheet: str) -> bytes:
    """The same workbook as bytes, for a report's stored file."""
    with xlsx_file(rows, sheet=sheet) as out:
        return out.read()
