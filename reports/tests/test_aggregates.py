"""Percentiles computed by the database agree with the definition, on SQLite and PostgreSQL."""

from decimal import Decimal

import pytest
from django.db.models import Count

from assessments.models import CommitmentScore
from reports.aggregates import Percentile, percentile_cont

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),  # between the two middle values
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0.5, 3.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0.25, 2.0),
        ([2.0, 4.0, 4.5, 5.0], 0.25, 3.5),  # position 0.75 between 2 and 4
        ([2.0, 4.0, 4.5, 5.0], 0.75, 4.625),  # position 2.25 between 4.5 and 5
        ([3.0], 0.75, 3.0),
        ([], 0.5, None),
    ],
)
def test_percentile_cont_by_hand(
    values: list[float], fraction: float, expected: float | None
) -> None:
    assert percentile_cont(values, fraction) == expected


def test_the_database_percentile_equals_the_hand_computed_one(scores_for_percentiles: None) -> None:
    rows = (
        CommitmentScore.objects.values("commitment__code")
        .annotate(
            n=Count("id"),
            q1=Percentile("score", 0.25),
            q2=Percentile("score", 0.5),
            q3=Percentile("score", 0.75),
        )
        .order_by("commitment__code")
    )
    got = {r["commitment__code"]: (r["n"], r["q1"], r["q2"], r["q3"]) for r in rows}
    # c1 scores 2.00, 4.00, 4.50, 5.00 and one NULL (not counted in the percentiles)
    assert got["c1"][1:] == pytest.approx((3.5, 4.25, 4.625))
    # c2 scores 1.00, 3.00, 3.00
    assert got["c2"][1:] == pytest.approx((2.0, 3.0, 3.0))


@pytest.fixture
def scores_for_percentiles() -> None:
    from assessments.models import Assessment
    from assessments.tests.factories import open_cycle
    from commitments.models import Commitment
    from commitments.tests.factories import make_rubric
    from organizations.tests.factories import OrganizationFactory, UserFactory

    rubric = make_rubric()
    cycle = open_cycle(by=UserFactory(), rubric=rubric, name="2026")
    c1 = Commitment.objects.get(rubric=rubric, code="c1")
    c2 = Commitment.objects.get(rubric=rubric, code="c2")
    c1_scores = ["2.00", "4.00", "4.50", "5.00", None]
    c2_scores = ["1.00", "3.00", "3.00", None, None]
    for s1, s2 in zip(c1_scores, c2_scores, strict=True):
        a = Assessment.objects.create(organization=OrganizationFactory(), cycle=cycle)
        CommitmentScore.objects.create(
            assessment=a, commitment=c1, score=Decimal(s1) if s1 else None
        )
        CommitmentScore.objects.create(
            assessment=a, commitment=c2, score=Decimal(s2) if s2 else None
        )
