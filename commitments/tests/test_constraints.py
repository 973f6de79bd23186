"""Every invariant of the rubric is held by the database itself."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments.models import Commitment, Criterion, LevelDescriptor, MaturityLevel, Rubric

from .factories import make_rubric

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft() -> Rubric:
    return make_rubric(publish=False)


def _refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_rubric_name_and_version_are_unique(draft: Rubric) -> None:
    _refused(lambda: Rubric.objects.create(name=draft.name, version=draft.version))


def test_a_published_rubric_has_a_publication_date() -> None:
    _refused(lambda: Rubric.objects.create(name="R", version="1", status="published"))
    Rubric.objects.create(name="R", version="1", status="published", published_at=timezone.now())


@pytest.mark.parametrize("level", [0, 6])
def test_maturity_levels_are_1_to_5(level: int) -> None:
    rubric = Rubric.objects.create(name="R", version="1")
    _refused(lambda: MaturityLevel.objects.create(rubric=rubric, level=level, name="x"))


def test_a_level_appears_once_per_rubric(draft: Rubric) -> None:
    _refused(lambda: MaturityLevel.objects.create(rubric=draft, level=3, name="again"))


def test_commitment_codes_and_orders_are_unique_within_a_rubric(draft: Rubric) -> None:
    _refused(lambda: Commitment.objects.create(rubric=draft, code="c1", order=9, name="x"))
    _refused(lambda: Commitment.objects.create(rubric=draft, code="new", order=1, name="x"))
    other = Rubric.objects.create(name="Other", version="1")
    Commitment.objects.create(rubric=other, code="c1", order=1, name="same code elsewhere")


def test_commitment_order_starts_at_1(draft: Rubric) -> None:
    _refused(lambda: Commitment.objects.create(rubric=draft, code="z", order=0, name="x"))


def test_criterion_codes_and_orders_are_unique_within_a_commitment(draft: Rubric) -> None:
    c1 = draft.commitments.get(code="c1")
    _refused(lambda: Criterion.objects.create(commitment=c1, code="c1-1", order=9, prompt="p"))
    _refused(lambda: Criterion.objects.create(commitment=c1, code="c1-9", order=1, prompt="p"))
    _refused(lambda: Criterion.objects.create(commitment=c1, code="c1-9", order=0, prompt="p"))


@pytest.mark.parametrize("weight", [Decimal("0"), Decimal("-1")])
def test_criterion_weight_is_positive(draft: Rubric, weight: Decimal) -> None:
    c1 = draft.commitments.get(code="c1")
    _refused(
        lambda: Criterion.objects.create(
            commitment=c1, code="c1-9", order=9, prompt="p", weight=weight
        )
    )


def test_one_descriptor_per_criterion_and_level(draft: Rubric) -> None:
    criterion = Criterion.objects.get(code="c1-1")
    _refused(lambda: LevelDescriptor.objects.create(criterion=criterion, level=2, text="again"))


@pytest.mark.parametrize("level", [0, 6])
def test_descriptor_levels_are_1_to_5(draft: Rubric, level: int) -> None:
    criterion = Criterion.objects.get(code="c1-1")
    criterion.descriptors.filter(level=5).delete()
    _refused(lambda: LevelDescriptor.objects.create(criterion=criterion, level=level, text="x"))
