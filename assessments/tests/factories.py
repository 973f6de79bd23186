"""Cycles and assessments for tests, made through the same services the pages use."""

import itertools
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

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
from consortium.services import cycle_create, cycle_set_status
from organizations.models import Organization, User

_names = itertools.count(1)


def open_cycle(*, by: User, rubric: Rubric | None = None, criteria: int = 3) -> Cycle:
    """A new open cycle on a fresh published test rubric (two commitments c1, c2)."""
    n = next(_names)
    rubric = rubric or make_rubric(criteria=criteria, version=f"t{n}", name=f"Rubric {n}")
    cycle = cycle_create(
        name=f"Cycle {n}",
        rubric=rubric,
        opens_on=date(2026, 1, 1),
        closes_on=date(2026, 12, 31),
        by=by,
    )
    return cycle_set_status(cycle=cycle, status=Cycle.Status.OPEN, by=by)


def started(
    *, organization: Organization, by: User, cycle: Cycle | None = None, criteria: int = 3
) -> Assessment:
    """A draft assessment of an open cycle."""
    cycle = cycle or open_cycle(by=by, criteria=criteria)
    return assessment_start(organization=organization, cycle=cycle, by=by)


def answer(level: int | None = 3, **kwargs: object) -> AnswerInput:
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


def answer_all(*, assessment: Assessment, by: User, level: int = 3) -> None:
    rows = Answer.objects.filter(assessment=assessment)
    answers_save(
        assessment=assessment, answers={r.pk: (r.version, answer(level)) for r in rows}, by=by
    )


def submitted(*, organization: Organization, by: User, cycle: Cycle | None = None) -> Assessment:
    """A complete assessment, submitted."""
    assessment = started(organization=organization, by=by, cycle=cycle)
    answer_all(assessment=assessment, by=by)
    return assessment_submit(assessment=assessment, by=by)


def evidence(*, answer: Answer, by: User, name: str = "minutes.pdf") -> EvidenceFile:
    upload = SimpleUploadedFile(name, b"%PDF-1.4 minutes", content_type="application/pdf")
    return evidence_file_add(answer=answer, upload=upload, by=by)
