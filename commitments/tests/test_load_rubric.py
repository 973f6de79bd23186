"""load_rubric and export_rubric: complete, idempotent, round-tripping, guarding structure."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from commitments.models import (
    Commitment,
    Criterion,
    LevelDescriptor,
    MaturityLevel,
    Rubric,
)
from commitments.rubric_file import dump_rubric

from .factories import rubric_spec
from .test_rubric_file import FIXTURE

pytestmark = pytest.mark.django_db

HISTORIES = [Rubric, MaturityLevel, Commitment, Criterion, LevelDescriptor]


def _history_rows() -> int:
    return sum(model.history.count() for model in HISTORIES)


def _export() -> str:
    out = io.StringIO()
    call_command("export_rubric", stdout=out)
    return out.getvalue()


def test_load_on_an_empty_database_gives_the_whole_rubric() -> None:
    call_command("load_rubric", "--publish", stdout=io.StringIO())
    rubric = Rubric.objects.get()
    assert rubric.status == Rubric.Status.PUBLISHED
    assert rubric.commitments.count() == 10
    for commitment in rubric.commitments.all():
        assert 3 <= commitment.criteria.count() <= 5
    assert list(rubric.levels.values_list("level", flat=True)) == [1, 2, 3, 4, 5]
    assert LevelDescriptor.objects.count() == Criterion.objects.count() * 5


def test_a_second_load_changes_nothing() -> None:
    call_command("load_rubric", "--publish", stdout=io.StringIO())
    before = (_history_rows(), _export())
    out = io.StringIO()
    call_command("load_rubric", "--publish", stdout=out)
    assert "unchanged" in out.getvalue()
    assert (_history_rows(), _export()) == before


def test_export_load_on_a_fresh_database_export_gives_identical_files(tmp_path: Path) -> None:
    call_command("load_rubric", str(FIXTURE), stdout=io.StringIO())
    first = tmp_path / "first.yaml"
    call_command("export_rubric", "--output", str(first), stderr=io.StringIO())
    Rubric.objects.all().delete()  # an empty database again
    assert Criterion.objects.count() == 0
    call_command("load_rubric", str(first), stdout=io.StringIO())
    assert _export() == first.read_text()


def test_a_text_change_to_a_published_rubric_is_loaded_and_kept_in_history(tmp_path: Path) -> None:
    call_command("load_rubric", str(FIXTURE), "--publish", stdout=io.StringIO())
    changed = tmp_path / "changed.yaml"
    changed.write_text(_export().replace("Engaged\n", "Engaged (reworded)\n", 1))
    call_command("load_rubric", str(changed), stdout=io.StringIO())
    commitment = Commitment.objects.get(code="engaged")
    assert commitment.name == "Engaged (reworded)"
    assert list(commitment.history.values_list("name", flat=True)) == [
        "Engaged (reworded)",
        "Engaged",
    ]


def test_a_structural_change_to_a_published_rubric_is_refused_and_nothing_changes(
    tmp_path: Path,
) -> None:
    call_command("load_rubric", str(FIXTURE), "--publish", stdout=io.StringIO())
    before = (_history_rows(), _export())
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        _export()
        .replace("weight: 1.5\n", "weight: 2.0\n", 1)
        .replace("Engaged\n", "Engaged (reworded)\n", 1)
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("load_rubric", str(changed), stdout=io.StringIO())
    message = str(excinfo.value)
    assert "its structure cannot change" in message
    assert "weight would change from 1.50 to 2.00" in message
    assert (_history_rows(), _export()) == before


def test_a_draft_loaded_again_with_a_new_criterion_takes_the_new_structure(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(dump_rubric(rubric_spec(criteria=3)))
    call_command("load_rubric", str(path), stdout=io.StringIO())
    path.write_text(dump_rubric(rubric_spec(criteria=4)))
    call_command("load_rubric", str(path), stdout=io.StringIO())
    assert Criterion.objects.filter(commitment__code="c1").count() == 4
    assert Rubric.objects.get().status == Rubric.Status.DRAFT
