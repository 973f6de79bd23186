"""The assessment as a spreadsheet workbook to fill offline, and the filled-in workbook read back.

The workbook has an "About" sheet, one sheet per commitment (a row per criterion: its level
from a drop-down, the texts of the answer, the level descriptors beside) and a hidden "stamp"
sheet. The stamp is signed with the site's secret: it names the assessment, and for each
answer its version and a digest of its values when downloaded. Reading it back tells apart
what the person changed in the workbook (values unlike the digest), what changed on the site
meanwhile (a newer version) and both (a conflict, which the lead settles).

Uploads are untrusted: the file is checked as a zip of bounded size before openpyxl opens it
(read-only, values as stored: no formula is ever evaluated, and any formula is refused), and
openpyxl parses its XML through defusedxml.
"""

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from commitments.models import Commitment, Criterion, LevelDescriptor
from commitments.selectors import rubric_levels
from organizations.models import User
from organizations.services import audit_log

from .models import Answer, Assessment, WorkbookImport
from .services import AnswerInput, answers_save, validate_answer_input

STAMP_SHEET = "stamp"
ABOUT_SHEET = "About"
STAMP_SALT = "assessments.workbook"
FIRST_ROW = 4  # the first criterion's row, as Excel counts (rows 1-3: title, definition, header)
NA = "N/A"
# What a person may upload: a workbook of this size holds a full assessment many times over.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # a zip bomb stops here, before any XML is parsed
# The answer's values the workbook carries, in the order of its columns C to G.
FIELDS = ("level", "na_reason", "evidence", "notes", "confidence")
COLUMN = {"code": "A", "level": "C", "na_reason": "D", "evidence": "E", "notes": "F"} | {
    "confidence": "G"
}
FIELD_LABELS = {
    "level": "Level",
    "not_applicable": "Not applicable",
    "na_reason": "Why not applicable",
    "evidence": "Evidence",
    "notes": "Notes",
    "confidence": "Confidence",
}
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\']")


# --- The values of one answer, as the workbook holds them ---------------------------------------


def _lines(text: str) -> str:
    """Line ends as a workbook keeps them (browsers post CRLF, spreadsheets hold LF)."""
    return text.replace("\r\n", "\n")


def answer_values(answer: Answer) -> dict[str, Any]:
    """The fields of an answer the workbook carries, as plain JSON values."""
    return {
        "level": answer.level,
        "not_applicable": answer.not_applicable,
        "na_reason": _lines(answer.na_reason) if answer.not_applicable else "",
        "evidence": _lines(answer.evidence),
        "notes": _lines(answer.notes),
        "confidence": answer.confidence,
    }


def values_digest(values: Mapping[str, Any]) -> str:
    """A short digest of an answer's values: tells whether the workbook's row was edited."""
    text = json.dumps([values[k] for k in sorted(values)], ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [k for k in FIELD_LABELS if old.get(k) != new.get(k)]


# --- Writing ------------------------------------------------------------------------------------


def sheet_names(commitments: Sequence[Commitment]) -> list[str]:
    """A sheet name per commitment: Excel's rules (31 characters, no []:*?/\\'), unique."""
    taken = {ABOUT_SHEET.lower(), STAMP_SHEET.lower()}
    names = []
    for c in commitments:
        base = _SHEET_NAME_BAD.sub("", c.name).strip()[:31] or c.code[:31]
        name, n = base, 2
        while name.lower() in taken:
            suffix = f" {n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        taken.add(name.lower())
        names.append(name)
    return names


def _structure(assessment: Assessment) -> list[tuple[Commitment, list[Criterion]]]:
    commitments = list(
        Commitment.objects.filter(rubric_id=assessment.cycle.rubric_id).order_by("order")
    )
    criteria: dict[int, list[Criterion]] = {c.pk: [] for c in commitments}
    for criterion in Criterion.objects.filter(commitment__in=commitments).order_by(
        "commitment__order", "order"
    ):
        criteria[criterion.commitment_id].append(criterion)
    return [(c, criteria[c.pk]) for c in commitments]


def workbook_filename(assessment: Assessment) -> str:
    cycle = re.sub(r"[^A-Za-z0-9]+", "-", assessment.cycle.name).strip("-") or "cycle"
    return f"{assessment.organization.slug}-{cycle}-assessment.xlsx"


def workbook_build(*, assessment: Assessment) -> bytes:
    """The assessment as an XLSX workbook to fill offline and upload again."""
    import xlsxwriter

    structure = _structure(assessment)
    answers = {
        a.criterion_id: a
        for a in Answer.objects.filter(assessment=assessment).only(
            *("criterion_id", "level", "not_applicable", "na_reason", "evidence", "notes"),
            *("confidence", "version"),
        )
    }
    descriptors: dict[int, list[LevelDescriptor]] = {}
    for d in LevelDescriptor.objects.filter(
        criterion__commitment__rubric_id=assessment.cycle.rubric_id
    ).order_by("level"):
        descriptors.setdefault(d.criterion_id, []).append(d)
    level_names = {lv.level: lv.name for lv in rubric_levels(rubric=assessment.cycle.rubric)}
    names = sheet_names([c for c, _ in structure])

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    locked_wrap = book.add_format({"text_wrap": True, "valign": "top", "locked": True})
    answer_cell = book.add_format(
        {"text_wrap": True, "valign": "top", "locked": False, "bg_color": "#FFF9E6", "border": 1}
    )
    header = book.add_format({"bold": True, "bg_color": "#DDE3EA", "border": 1, "text_wrap": True})
    title = book.add_format({"bold": True, "font_size": 14})

    about = book.add_worksheet(ABOUT_SHEET)
    about.set_column("A:A", 110)
    lines = [
        (f"{assessment.cycle.name} assessment of {assessment.organization.name}", title),
        (f"Downloaded {timezone.localtime():%d %b %Y %H:%M}.", locked_wrap),
        ("", locked_wrap),
        ("Fill in the yellow cells of each commitment's sheet: the level (1 to 5 from the "
         "list, or N/A with a reason), evidence, notes and confidence. The other cells, the "
         "sheet names and the hidden stamp sheet must stay as they are.", locked_wrap),
        ("Then upload the workbook on the assessment's page: you will see every change before "
         "anything is saved. Answers changed on the site since this download are shown beside "
         "yours, and you choose which one to keep. Formulas are not accepted.", locked_wrap),
    ]  # fmt: skip
    for i, (text, fmt) in enumerate(lines):
        about.write_string(i, 0, text, fmt)
    about.protect()

    stamp_rows: dict[str, list[Any]] = {}
    for (commitment, criteria), name in zip(structure, names, strict=True):
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, f"{commitment.name}", title)
        sheet.write_string(1, 0, commitment.definition, locked_wrap)
        headers = ("Criterion", "Question", "Level (1 to 5, or N/A)", "Why not applicable",
                   "Evidence", "Notes", "Confidence", "What each level looks like")  # fmt: skip
        for col, text in enumerate(headers):
            sheet.write_string(FIRST_ROW - 2, col, text, header)
        for col, width in enumerate((11, 48, 12, 28, 40, 36, 12, 70)):
            sheet.set_column(col, col, width)
        for i, criterion in enumerate(criteria):
            row = FIRST_ROW - 1 + i
            a = answers[criterion.pk]
            values = answer_values(a)
            stamp_rows[criterion.code] = [a.version, values_digest(values)]
            sheet.write_string(row, 0, criterion.code.upper(), locked_wrap)
            sheet.write_string(row, 1, criterion.prompt, locked_wrap)
            if a.not_applicable:
                sheet.write_string(row, 2, NA, answer_cell)
            elif a.level is not None:
                sheet.write_number(row, 2, a.level, answer_cell)
            else:
                sheet.write_blank(row, 2, None, answer_cell)
            for col, name_ in ((3, "na_reason"), (4, "evidence"), (5, "notes")):
                sheet.write_string(row, col, values[name_], answer_cell)
            sheet.write_string(row, 6, a.confidence, answer_cell)
            guide = "\n".join(
                f"{d.level} {level_names.get(d.level, '')}: {d.text}"
                for d in descriptors.get(criterion.pk, [])
            )
            sheet.write_string(row, 7, guide, locked_wrap)
            sheet.set_row(row, 120)
        if criteria:
            last = FIRST_ROW - 1 + len(criteria) - 1
            sheet.data_validation(
                FIRST_ROW - 1, 2, last, 2,
                {
                    "validate": "list",
                    "source": ["1", "2", "3", "4", "5", NA],
                    "input_title": "Level",
                    "input_message": "Choose 1 to 5, or N/A with a reason.",
                    "error_title": "Not a level",
                    "error_message": "A level is 1 to 5, or N/A.",
                },
            )  # fmt: skip
            sheet.data_validation(
                FIRST_ROW - 1, 6, last, 6,
                {"validate": "list", "source": ["low", "medium", "high"],
                 "error_message": "Confidence is low, medium or high."},
            )  # fmt: skip
        sheet.freeze_panes(FIRST_ROW - 1, 1)
        sheet.protect("", {"format_columns": True, "format_rows": True})

    stamp = book.add_worksheet(STAMP_SHEET)
    payload = {
        "a": assessment.pk,
        "o": assessment.organization.name,
        "c": assessment.cycle.name,
        "s": names,
        "r": stamp_rows,
    }
    stamp.write_string(0, 0, signing.dumps(payload, salt=STAMP_SALT, compress=True))
    stamp.write_string(1, 0, "The version of each answer when downloaded. Do not change.")
    for i, (code, (version, _)) in enumerate(stamp_rows.items()):
        stamp.write_string(2 + i, 0, code.upper())
        stamp.write_number(2 + i, 1, version)
    stamp.very_hidden()
    stamp.protect()
    book.close()
    return out.getvalue()


# --- Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowRead:
    """One criterion's row as the workbook holds it, with its stamp from the download."""

    code: str
    sheet: str
    row: int
    version: int
    digest: str
    values: dict[str, Any]


@dataclass
class WorkbookRead:
    rows: list[RowRead] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class WorkbookRefused(Exception):
    """The file is no workbook of this assessment: one message, nothing else is read."""


def upload_error(data: bytes) -> str | None:
    """Why a file is not a workbook we read, or None: size, zip, and its unzipped size."""
    if len(data) > MAX_UPLOAD_BYTES:
        return f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
    if not data.startswith(b"PK\x03\x04"):
        return "This is not an Excel workbook (.xlsx). Upload the workbook you downloaded here."
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
            if "xl/workbook.xml" not in {m.filename for m in members}:
                return "This is not an Excel workbook (.xlsx)."
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                return "The workbook is too large once unpacked."
    except zipfile.BadZipFile:
        return "This file is damaged or not an Excel workbook (.xlsx)."
    return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _lines(str(value))


def _level(value: object, ref: str) -> tuple[int | None, bool, str | None]:
    """(level, not applicable, problem) from a level cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, False, None
    if isinstance(value, str) and value.strip().upper() in (NA, "NA"):
        return None, True, None
    number: float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None:
        return None, False, f"{ref}: “{_text(value)[:40]}” is not a level (1 to 5, or N/A)."
    if not number.is_integer() or not 1 <= number <= 5:
        shown = int(number) if number.is_integer() else number
        return None, False, f"{ref}: level {shown} is not one of 1 to 5 (or N/A)."
    return int(number), False, None


def _stamp(book: Any) -> dict[str, Any]:
    if STAMP_SHEET not in book.sheetnames:
        raise WorkbookRefused(
            "This workbook was not downloaded from this site (its hidden stamp sheet is "
            "missing). Download the assessment's workbook and fill that one in."
        )
    cells = book[STAMP_SHEET].iter_rows(min_row=1, max_row=1, max_col=1, values_only=True)
    first = next(cells, (None,))  # an emptied stamp sheet has no row at all
    try:
        payload: dict[str, Any] = signing.loads(str(first[0]), salt=STAMP_SALT)
    except (signing.BadSignature, TypeError, ValueError) as e:
        raise WorkbookRefused(
            "This workbook's hidden stamp was changed, so its answers cannot be matched with "
            "the site's. Download a fresh copy of the workbook."
        ) from e
    return payload


def workbook_read(*, assessment: Assessment, data: bytes) -> WorkbookRead:
    """Read a filled-in workbook of `assessment`: its rows, or every problem found (a cell
    is named as Sheet!C7). Raises WorkbookRefused when it is no workbook of this assessment."""
    from openpyxl import load_workbook

    error = upload_error(data)
    if error:
        raise WorkbookRefused(error)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        raise WorkbookRefused("This file is damaged or not an Excel workbook (.xlsx).") from e
    try:
        return _read(assessment, book)
    finally:
        book.close()


def _read(assessment: Assessment, book: Any) -> WorkbookRead:
    stamp = _stamp(book)
    if stamp.get("a") != assessment.pk:
        raise WorkbookRefused(
            f"This workbook is of another assessment ({stamp.get('c')} of {stamp.get('o')}). "
            f"Download this assessment's workbook and fill that one in."
        )
    structure = _structure(assessment)
    names: list[str] = stamp["s"]
    stamped: dict[str, list[Any]] = stamp["r"]
    if len(names) != len(structure) or set(stamped) != {
        cr.code for _, criteria in structure for cr in criteria
    }:
        raise WorkbookRefused(
            "The rubric of this assessment changed since the workbook was downloaded. "
            "Download a fresh copy."
        )
    result = WorkbookRead()
    missing = [n for n in names if n not in book.sheetnames]
    if missing:
        listed = ", ".join(f"“{n}”" for n in missing)
        result.problems.append(
            f"The sheet{'s' if len(missing) > 1 else ''} {listed} "
            f"{'are' if len(missing) > 1 else 'is'} missing or renamed: keep the sheets as "
            "downloaded (one per commitment, with the same names)."
        )
        return result
    for (_, criteria), name in zip(structure, names, strict=True):
        _read_sheet(book[name], name, criteria, stamped, result)
    return result


def _read_sheet(
    sheet: Any,
    name: str,
    criteria: Sequence[Criterion],
    stamped: Mapping[str, list[Any]],
    result: WorkbookRead,
) -> None:
    last = FIRST_ROW + len(criteria) + 20  # a little past the rows, for stray formulas
    rows = list(sheet.iter_rows(min_row=1, max_row=last, max_col=12))
    for cells in rows:
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                result.problems.append(
                    f"{name}!{cell.coordinate}: formulas are not accepted; type the value itself."
                )
    for i, criterion in enumerate(criteria):
        number = FIRST_ROW + i
        cells = rows[number - 1] if number <= len(rows) else ()

        def value(column: str, cells: Sequence[Any] = cells) -> object:
            index = ord(column) - ord("A")
            return cells[index].value if index < len(cells) else None

        def ref(column: str, number: int = number) -> str:
            return f"{name}!{column}{number}"

        if _text(value("A")).strip().lower() != criterion.code.lower():
            result.problems.append(
                f"{ref('A')}: criterion {criterion.code.upper()} belongs here; rows must not be "
                "moved, inserted or deleted."
            )
            continue
        if any(getattr(c, "data_type", None) == "f" for c in cells):
            continue  # already listed
        level, not_applicable, problem = _level(value("C"), ref("C"))
        if problem:
            result.problems.append(problem)
            continue
        values = {
            "level": level,
            "not_applicable": not_applicable,
            "na_reason": _text(value("D")) if not_applicable else "",
            "evidence": _text(value("E")),
            "notes": _text(value("F")),
            "confidence": _text(value("G")).strip().lower(),
        }
        problems = _value_problems(values, ref)
        if problems:
            result.problems.extend(problems)
            continue
        version, digest = stamped[criterion.code]
        result.rows.append(RowRead(criterion.code, name, number, version, digest, values))


def _as_input(
    values: Mapping[str, Any], links: Sequence[str] = (), reason: str = ""
) -> AnswerInput:
    return AnswerInput(
        level=values["level"],
        not_applicable=values["not_applicable"],
        na_reason=values["na_reason"],
        evidence=values["evidence"],
        evidence_links=list(links),
        notes=values["notes"],
        confidence=values["confidence"],
        change_reason=reason,
    )


def _value_problems(values: Mapping[str, Any], ref: Any) -> list[str]:
    """The answer service's own checks, each named by its cell."""
    errors = validate_answer_input(_as_input(values))
    problems = []
    for field_name, messages in errors.items():
        column = COLUMN.get(field_name, "C")
        for message in messages:
            problems.append(f"{ref(column)}: {message}")
    return problems


# --- Preview and confirmation -------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What confirming would change in one answer; a conflict needs the lead's choice."""

    code: str
    sheet: str
    row: int
    answer: int
    version: int
    conflict: bool
    old: dict[str, Any]
    new: dict[str, Any]

    @property
    def fields(self) -> list[str]:
        return changed_fields(self.old, self.new)

    @property
    def labelled(self) -> list[tuple[str, str, str]]:
        """(field, on the site, in the workbook) for each field that changes, as shown."""
        return [(FIELD_LABELS[f], _shown(self.old[f]), _shown(self.new[f])) for f in self.fields]


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "" if value is None else str(value)


@dataclass
class Compared:
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Criteria changed on the site since the download and left as they were in the workbook:
    # the site's answer stays, and the preview says so.
    site_only: list[str] = field(default_factory=list)


def workbook_changes(*, assessment: Assessment, read: WorkbookRead, may_write: Any) -> Compared:
    """Compare the workbook's rows with the answers stored now: the changes (conflicts where
    the site changed the answer since the download too), and problems (rows the person may not
    change). `may_write(commitment_id)` is the person's right on each commitment."""
    answers = {
        a.criterion.code: a
        for a in Answer.objects.filter(assessment=assessment).select_related("criterion")
    }
    result = Compared()
    for row in read.rows:
        answer = answers[row.code]
        now = answer_values(answer)
        edited = values_digest(row.values) != row.digest
        if not edited and answer.version != row.version:
            result.site_only.append(row.code)
        if not edited or row.values == now:
            continue  # untouched in the workbook, or already what the site holds
        if not may_write(answer.criterion.commitment_id):
            result.problems.append(
                f"{row.sheet}!C{row.row}: you may not change {row.code.upper()} "
                "(its commitment is not assigned to you)."
            )
            continue
        conflict = answer.version != row.version
        where = (row.code, row.sheet, row.row)
        result.changes.append(Change(*where, answer.pk, answer.version, conflict, now, row.values))
    return result


@transaction.atomic
def workbook_import_store(
    *,
    assessment: Assessment,
    by: User,
    file_name: str,
    changes: Iterable[Change],
    site_only: Sequence[str] = (),
) -> WorkbookImport:
    """Keep a checked workbook's changes for the person to confirm (replacing any earlier)."""
    WorkbookImport.objects.filter(assessment=assessment, user=by).delete()
    return WorkbookImport.objects.create(
        assessment=assessment,
        user=by,
        file_name=file_name[:200],
        changes=[c.__dict__ for c in changes],
        site_only=list(site_only),
    )


def pending_import(*, assessment: Assessment, by: User) -> WorkbookImport | None:
    """The person's workbook waiting for confirmation on this assessment, if any."""
    return WorkbookImport.objects.filter(assessment=assessment, user=by).first()


@transaction.atomic
def workbook_import_discard(*, pending: WorkbookImport) -> None:
    """Set aside a previewed workbook without applying it."""
    WorkbookImport.objects.filter(pk=pending.pk).delete()


def pending_changes(pending: WorkbookImport) -> list[Change]:
    return [Change(**c) for c in pending.changes]


WORKBOOK = "workbook"
SITE = "site"


@transaction.atomic
def workbook_import_apply(
    *, pending: WorkbookImport, by: User, choices: Mapping[str, str]
) -> list[Answer]:
    """Apply a previewed workbook in one transaction, through the answers' own save (history,
    audit, version check). `choices` settles each conflict: {criterion code: "workbook" or
    "site"}; one left unsettled refuses the whole. If an answer changed again since the
    preview, StaleAnswerError: nothing is applied and the person uploads again."""
    changes = pending_changes(pending)
    unsettled = [
        c.code.upper()
        for c in changes
        if c.conflict and choices.get(c.code) not in (WORKBOOK, SITE)
    ]
    if unsettled:
        raise ValidationError(
            f"Choose which answer to keep for {', '.join(unsettled)}: nothing was saved."
        )
    applied = [c for c in changes if not c.conflict or choices[c.code] == WORKBOOK]
    kept = {
        a.pk: a
        for a in Answer.objects.filter(
            assessment=pending.assessment, pk__in=[c.answer for c in applied]
        ).only("evidence_links", "change_reason")
    }
    payload = {
        c.answer: (
            c.version,
            _as_input(c.new, kept[c.answer].evidence_links, kept[c.answer].change_reason),
        )
        for c in applied
        if c.answer in kept
    }
    assessment = pending.assessment
    saved = answers_save(assessment=assessment, answers=payload, by=by) if payload else []
    audit_log(
        action="answer.workbook_import",
        actor=by,
        target=assessment,
        organization=assessment.organization,
        detail={
            "file": pending.file_name,
            "applied": [c.code for c in applied],
            "kept_site": [c.code for c in changes if c.conflict and choices[c.code] == SITE],
        },
    )
    pending.delete()
    return saved
