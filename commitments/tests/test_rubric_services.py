"""Versions: clone, edit, publish; structure locked once published; text as of any moment."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commitments.models import Criterion, LevelDescriptor, Rubric
from commitments.selectors import rubric_spec, rubric_text_as_of
from commitments.services import rubric_clone, rubric_publish, rubric_retire

from .factories import make_rubric

pytestmark = pytest.mark.django_db


def test_publishing_a_complete_draft_sets_status_and_date() -> None:
    rubric = rubric_publish(rubric=make_rubric(publish=False))
    assert rubric.status == Rubric.Status.PUBLISHED
    assert rubric.published_at is not None


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (2, "Commitment 'c1' has 2 criteria; it needs 3 to 5."),
        (6, "Commitment 'c1' has 6 criteria; it needs 3 to 5."),
    ],
)
def test_publish_refuses_a_draft_with_too_few_or_too_many_criteria(
    criteria: int, message: str
) -> None:
    draft = make_rubric(publish=False, criteria=criteria)
    with pytest.raises(ValidationError) as excinfo:
        rubric_publish(rubric=draft)
    assert message in excinfo.value.messages
    draft.refresh_from_db()
    assert draft.status == Rubric.Status.DRAFT


def test_publish_refuses_a_draft_missing_a_descriptor_or_a_level() -> None:
    draft = make_rubric(publish=False)
    LevelDescriptor.objects.filter(criterion__code="c2-3", level=4).delete()
    draft.levels.filter(level=5).delete()
    with pytest.raises(ValidationError) as excinfo:
        rubric_publish(rubric=draft)
    assert excinfo.value.messages == [
        "The rubric needs exactly five maturity levels, numbered 1 to 5.",
        "Criterion 'c2-3' has no descriptor for level 4.",
    ]


def test_structural_edits_of_a_published_rubric_are_refused_with_a_clear_message() -> None:
    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    criterion.weight = Decimal("3.00")
    with pytest.raises(ValidationError) as excinfo:
        criterion.full_clean()
    assert "only text can be edited, not weight" in excinfo.value.messages[0]
    assert "Clone the rubric into a new draft version" in excinfo.value.messages[0]


def test_adding_a_criterion_to_a_published_rubric_is_refused() -> None:
    make_rubric()
    commitment = Criterion.objects.get(code="c1-1").commitment
    new = Criterion(commitment=commitment, code="c1-9", order=9, prompt="New")
    with pytest.raises(ValidationError, match="nothing can be added to it"):
        new.full_clean()


def test_text_edits_of_a_published_rubric_are_allowed() -> None:
    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    criterion.prompt = "Reworded prompt."
    criterion.full_clean()  # no error
    criterion.save()


def test_structural_edits_of_a_draft_are_allowed() -> None:
    make_rubric(publish=False)
    criterion = Criterion.objects.get(code="c1-1")
    criterion.weight = Decimal("3.00")
    criterion.full_clean()


def test_clone_edit_publish_gives_a_new_version_and_leaves_the_old_one_as_it_was() -> None:
    old = make_rubric()
    draft = rubric_clone(rubric=old)
    assert (draft.version, draft.status) == ("2026.2", Rubric.Status.DRAFT)
    assert rubric_spec(rubric=draft).commitments == rubric_spec(rubric=old).commitments
    changed = Criterion.objects.get(commitment__rubric=draft, code="c1-1")
    changed.weight = Decimal("2.00")
    changed.full_clean()
    changed.save()
    published = rubric_publish(rubric=draft)
    old.refresh_from_db()
    assert old.status == Rubric.Status.PUBLISHED  # publishing retires nothing by itself
    assert published.status == Rubric.Status.PUBLISHED
    assert Criterion.objects.get(commitment__rubric=old, code="c1-1").weight == Decimal("1.50")


def test_clone_refuses_a_version_that_exists() -> None:
    old = make_rubric()
    with pytest.raises(ValidationError, match="already exists"):
        rubric_clone(rubric=old, version=old.version)


def test_retire_only_a_published_rubric() -> None:
    rubric = make_rubric()
    assert rubric_retire(rubric=rubric).status == Rubric.Status.RETIRED
    with pytest.raises(ValidationError):
        rubric_retire(rubric=rubric)


def test_text_as_of_a_moment_is_the_text_then() -> None:
    rubric = make_rubric()
    criterion = Criterion.objects.get(code="c1-2")
    descriptor = criterion.descriptors.get(level=3)
    before = timezone.now()
    criterion.prompt = "Second wording."
    criterion.save()
    descriptor.text = "Level 3, reworded."
    descriptor.save()
    middle = timezone.now()
    criterion.prompt = "Third wording."
    criterion.save()

    def c1_2(at):
        spec = rubric_text_as_of(rubric=rubric, at=at)
        return next(cr for c in spec.commitments for cr in c.criteria if cr.code == "c1-2")

    assert c1_2(before).prompt == "Practice 1.2 is in place."
    assert c1_2(before).descriptors[3] == "c1-2 at level 3"
    assert c1_2(middle).prompt == "Second wording."
    assert c1_2(middle).descriptors[3] == "Level 3, reworded."
    assert c1_2(timezone.now()).prompt == "Third wording."
    # Before publication, the text is read as published (past cycles imported later).
    assert c1_2(before - timedelta(days=400)).prompt == "Practice 1.2 is in place."


def test_text_of_a_draft_before_it_existed_is_an_error() -> None:
    draft = make_rubric(publish=False)
    with pytest.raises(Rubric.DoesNotExist):
        rubric_text_as_of(rubric=draft, at=timezone.now() - timedelta(days=1))
