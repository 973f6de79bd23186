"""Services added for the pages: a commitment saved at once, several assignments at once."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Answer
from assessments.services import assignments_set, commitment_answers_save
from assessments.tests.factories import answer, started
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_a_refused_file_undoes_the_answers_saved_with_it(cast: Cast) -> None:
    a = started(organization=cast.org_a, by=cast.staff)
    row = Answer.objects.filter(assessment=a).order_by("id").first()
    assert row is not None
    with pytest.raises(ValidationError, match="only csv"):
        commitment_answers_save(
            assessment=a,
            answers={row.pk: (0, answer(4))},
            uploads={row.pk: SimpleUploadedFile("run.exe", b"MZ")},
            by=cast.lead_a,
        )
    row.refresh_from_db()
    assert (row.level, row.version) == (None, 0)
    assert not row.files.exists()


def test_setting_assignments_changes_only_what_differs(cast: Cast) -> None:
    a = started(organization=cast.org_a, by=cast.staff)
    c1, c2 = a.cycle.rubric.commitments.order_by("order")
    first = assignments_set(
        assessment=a, choices={c1: cast.contributor_a_membership, c2: None}, by=cast.lead_a
    )
    again = assignments_set(
        assessment=a, choices={c1: cast.contributor_a_membership, c2: None}, by=cast.lead_a
    )
    assert (first, again) == (["c1"], [])


def test_saving_answers_locks_them_on_every_database(cast: Cast) -> None:
    """On PostgreSQL, FOR UPDATE over the nullable answered_by join used to fail."""
    from assessments.services import answers_save

    a = started(organization=cast.org_a, by=cast.staff)
    row = Answer.objects.filter(assessment=a).order_by("id").first()
    assert row is not None
    saved = answers_save(assessment=a, answers={row.pk: (0, answer(2))}, by=cast.lead_a)
    assert [r.level for r in saved] == [2]
