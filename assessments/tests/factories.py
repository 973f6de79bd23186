"""The one builder of cycles and assessments for tests, made through the services the pages use.

Organizations and people come from organizations/tests/factories.py, rubrics from
commitments/tests/factories.py; everything here goes through the real services, so a test's
data has the versions, history and audit rows that real use would leave.
"""

import itertools
from collections.abc import Mapping
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.models import Answer, Assessment, Cycle, EvidenceFile
from assessments.services import (
    AnswerInput,
    answers_save,
    assessment_start,
    assessment_submit,
    evidence_file_add,
)
from commitments.models import Rubric
from commitments.tests.factories import make_rubric
from consortium.services import cycle_create, cycle_set_status, cycle_update
from organizations.models import Organization, User

_names = itertools.count(1)

NA_REASON = "Not offered."


def days_from_today(days: int) -> date:
    """A day relative to today in settings.TIME_ZONE, as the pages count days."""
    return timezone.localdate() + timedelta(days=days)


def open_cycle(
    *,
    by: User,
    rubric: Rubric | None = None,
    name: str | None = None,
    criteria: int = 3,
    opened: bool = True,
    opens_in: int = -30,
    due_in: int = 14,
    closes_in: int = 30,
) -> Cycle:
    """A cycle opened by `by` unless `opened=False` (then a draft, not yet open).

    Its dates are counted from today: by default it opened 30 days ago, is due in 14 days and
    closes in 30 (give `opens_in`, `due_in`, `closes_in` in days, negative for the past).
    Without `rubric`, a fresh published rubric of two commitments (c1, c2) with `criteria`
    criteria each; without `name`, a unique one ("Cycle 7")."""
    n = next(_names)
    rubric = rubric or make_rubric(criteria=criteria, version=f"t{n}", name=f"Rubric {n}")
    cycle = cycle_create(
        name=name or f"Cycle {n}",
        rubric=rubric,
        opens_on=days_from_today(opens_in),
        due_on=days_from_today(due_in),
        closes_on=days_from_today(closes_in),
        by=by,
    )
    if opened:
        cycle = cycle_set_status(cycle=cycle, status=Cycle.Status.OPEN, by=by)
    return cycle


def move_dates(
    cycle: Cycle, *, by: User, due_in: int | None = None, closes_in: int | None = None
) -> Cycle:
    """Move a cycle's due and closing days (days from today) as staff would on its edit page;
    its opening moves back as far as needed to stay first. `closes_in=-1` closed it yesterday."""
    closes_on = days_from_today(closes_in) if closes_in is not None else cycle.closes_on
    due_on = days_from_today(due_in) if due_in is not None else min(cycle.due_on, closes_on)
    return cycle_update(
        cycle=cycle,
        name=cycle.name,
        opens_on=min(cycle.opens_on, due_on),
        due_on=due_on,
        closes_on=closes_on,
        by=by,
    )


def started(
    *, organization: Organization, by: User, cycle: Cycle | None = None, criteria: int = 3
) -> Assessment:
    """A draft assessment of an open cycle (a fresh one unless given)."""
    cycle = cycle or open_cycle(by=by, criteria=criteria)
    return assessment_start(organization=organization, cycle=cycle, by=by)


def answer(level: int | None = 3, **kwargs: object) -> AnswerInput:
    """One answer as a form would post it: `level`, every other field empty unless given."""
    values: dict[str, object] = {
        "level": level,
        "not_applicable": False,
        "na_reason": "",
        "evidence": "",
        "evidence_links": [],
        "notes": "",
        "confidence": "",
    }
    values.update(kwargs)
    return AnswerInput(**values)


def answer_all(
    *,
    assessment: Assessment,
    by: User,
    level: int = 3,
    levels: Mapping[str, int | None] | None = None,
    na_reason: str = NA_REASON,
    **fields: object,
) -> None:
    """Answer every criterion at `level`, or only the criteria named in `levels` (criterion
    code -> level, None meaning not applicable for `na_reason`). `fields` (evidence, notes,
    confidence, ...) go into every answer."""
    rows = {r.criterion.code: r for r in assessment.answers.select_related("criterion")}
    chosen: Mapping[str, int | None] = levels if levels is not None else dict.fromkeys(rows, level)
    payload = {}
    for code, value in chosen.items():
        row = rows[code]
        data = (
            answer(value, **fields)
            if value is not None
            else answer(None, not_applicable=True, na_reason=na_reason, **fields)
        )
        payload[row.pk] = (row.version, data)
    answers_save(assessment=assessment, answers=payload, by=by)


def submitted(
    *,
    organization: Organization,
    by: User,
    cycle: Cycle | None = None,
    level: int = 3,
    levels: Mapping[str, int | None] | None = None,
    criteria: int = 3,
    **fields: object,
) -> Assessment:
    """A complete assessment submitted by `by`: every criterion at `level`, or as `levels`
    says (see answer_all, which also takes evidence, notes and the other fields)."""
    assessment = started(organization=organization, by=by, cycle=cycle, criteria=criteria)
    answer_all(assessment=assessment, by=by, level=level, levels=levels, **fields)
    return assessment_submit(assessment=assessment, by=by)


def evidence(*, answer: Answer, by: User, name: str = "minutes.pdf") -> EvidenceFile:
    """A small PDF kept as evidence of `answer`."""
    upload = SimpleUploadedFile(name, b"%PDF-1.4 minutes", content_type="application/pdf")
    return evidence_file_add(answer=answer, upload=upload, by=by)
