"""Cycles and submitted assessments for the consortium staff's tests, made through services."""

from datetime import date

from assessments.models import Answer, Assessment, Cycle
from assessments.services import assessment_start, assessment_submit
from commitments.models import Rubric
from commitments.tests.factories import make_rubric
from consortium.services import cycle_create, cycle_set_status
from organizations.models import Organization, User


def a_cycle(
    *, by: User, name: str = "2026", rubric: Rubric | None = None, open_: bool = True
) -> Cycle:
    """A cycle on a small published rubric, opened unless asked otherwise."""
    cycle = cycle_create(
        name=name,
        rubric=rubric or make_rubric(),
        opens_on=date(2026, 1, 1),
        closes_on=date(2026, 12, 31),
        by=by,
    )
    if open_:
        cycle = cycle_set_status(cycle=cycle, status=Cycle.Status.OPEN, by=by)
    return cycle


def a_submitted_assessment(
    *, organization: Organization, cycle: Cycle, by: User, level: int = 3
) -> Assessment:
    """The organization's assessment of `cycle`, every criterion at `level`, submitted by `by`."""
    assessment = assessment_start(organization=organization, cycle=cycle, by=by)
    Answer.objects.filter(assessment=assessment).update(
        level=level, evidence="Quarterly minutes.", notes="Checked by the board."
    )
    return assessment_submit(assessment=assessment, by=by)
