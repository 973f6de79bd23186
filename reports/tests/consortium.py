"""A small consortium whose figures were computed by hand, built through the real services."""

import datetime

from assessments.models import Assessment, Cycle
from assessments.services import AnswerInput, answers_save, assessment_start, assessment_submit
from commitments.models import Rubric
from commitments.tests.factories import make_rubric
from consortium.services import cycle_create, cycle_set_status
from organizations.models import Membership, Organization, User
from organizations.tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def open_cycle(rubric: Rubric, name: str, by: User) -> Cycle:
    cycle = cycle_create(
        name=name,
        rubric=rubric,
        opens_on=datetime.date(2026, 1, 1),
        closes_on=datetime.date(2026, 12, 31),
        by=by,
    )
    return cycle_set_status(cycle=cycle, status=Cycle.Status.OPEN, by=by)


def submit_levels(
    organization: Organization, cycle: Cycle, lead: User, levels: dict[str, int | None]
) -> Assessment:
    """Start, answer every criterion with `levels` (None = N/A) and submit."""
    assessment = assessment_start(organization=organization, cycle=cycle, by=lead)
    rows = {r.criterion.code: r for r in assessment.answers.select_related("criterion")}
    payload = {}
    for code, level in levels.items():
        na = level is None
        payload[rows[code].pk] = (
            rows[code].version,
            AnswerInput(
                level=level, not_applicable=na, na_reason="Not offered." if na else "",
                evidence="", evidence_links=[], notes=f"note {code}", confidence="",
            ),
        )  # fmt: skip
    answers_save(assessment=assessment, answers=payload, by=lead)
    return assessment_submit(assessment=assessment, by=lead)


def organization_with_lead(**kwargs: object) -> tuple[Organization, User]:
    organization = OrganizationFactory(**kwargs)
    lead = UserFactory()
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    return organization, lead


# Five community hospitals in the Midwest; c1's criteria weigh 1.5, 1, 1 and c2's the same.
# Organization scores (computed by hand):
#   c1: (1.5*a + b + c) / 3.5     c2: same with its three levels
LEVELS = [
    {"c1-1": 1, "c1-2": 1, "c1-3": 1, "c2-1": 2, "c2-2": 2, "c2-3": 2},  # c1 1.00  c2 2.00
    {"c1-1": 2, "c1-2": 2, "c1-3": 2, "c2-1": 3, "c2-2": 3, "c2-3": 3},  # c1 2.00  c2 3.00
    {"c1-1": 3, "c1-2": 3, "c1-3": 3, "c2-1": 4, "c2-2": 4, "c2-3": 4},  # c1 3.00  c2 4.00
    {"c1-1": 4, "c1-2": 4, "c1-3": 4, "c2-1": 5, "c2-2": 5, "c2-3": 5},  # c1 4.00  c2 5.00
    {"c1-1": 5, "c1-2": 3, "c1-3": 4, "c2-1": 1, "c2-2": None, "c2-3": 3},  # c1 4.14  c2 1.80
]
# c1 over the five: 1.00, 2.00, 3.00, 4.00, 4.14 -> q1 2.00, median 3.00, q3 4.00
# c2 over the five: 1.80, 2.00, 3.00, 4.00, 5.00 -> q1 2.00, median 3.00, q3 4.00


def build(count: int = 5) -> tuple[Rubric, Cycle, list[Assessment]]:
    rubric = make_rubric()
    staff = UserFactory()
    cycle = open_cycle(rubric, "2026", staff)
    assessments = []
    for levels in LEVELS[:count]:
        organization, lead = organization_with_lead(
            type=Organization.Type.COMMUNITY_HOSPITAL,
            region=Organization.Region.MIDWEST,
            size_band=Organization.SizeBand.MEDIUM,
        )
        assessments.append(submit_levels(organization, cycle, lead, levels))
    return rubric, cycle, assessments
