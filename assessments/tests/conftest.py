"""Fixtures shared by the assessment tests."""

import pytest

from assessments.models import Assessment
from assessments.services import assignment_set
from assessments.tests.factories import started
from tests.cast import Cast


@pytest.fixture
def draft(cast: Cast) -> Assessment:
    """A's draft, commitment c1 assigned to its contributor."""
    a = started(organization=cast.org_a, by=cast.staff)
    assignment_set(
        assessment=a,
        commitment=a.cycle.rubric.commitments.get(code="c1"),
        membership=cast.contributor_a_membership,
        by=cast.lead_a,
    )
    return a
