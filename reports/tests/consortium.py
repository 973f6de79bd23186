"""A small consortium whose figures were computed by hand, built through the real services."""

from assessments.models import Assessment, Cycle
from assessments.tests.factories import open_cycle, submitted
from commitments.models import Rubric
from commitments.tests.factories import make_rubric
from organizations.models import Organization
from organizations.tests.factories import UserFactory, organization_with_lead

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
    cycle = open_cycle(by=staff, rubric=rubric, name="2026")
    assessments = []
    for levels in LEVELS[:count]:
        organization, lead = organization_with_lead(
            type=Organization.Type.COMMUNITY_HOSPITAL,
            region=Organization.Region.MIDWEST,
            size_band=Organization.SizeBand.MEDIUM,
        )
        assessments.append(
            submitted(organization=organization, by=lead, cycle=cycle, levels=levels)
        )
    return rubric, cycle, assessments
