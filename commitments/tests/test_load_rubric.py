"""load_rubric and export_rubric: complete, idempotent, round-tripping, guarding structure."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from commitments.models import (
    Commitment,
    Criterion,
    CrosswalkLink,
    LevelDescriptor,
    MaturityLevel,
    Rubric,
)
from commitments.rubric_file import dump_rubric, read_rubric_file
from commitments.services import rubric_load

from .factories import rubric_spec
from .test_rubric_2026_2 import CROSSWALK
from .test_rubric_file import FIXTURE, FIXTURE_2026_2

pytestmark = pytest.mark.django_db

HISTORIES = [Rubric, MaturityLevel, Commitment, Criterion, LevelDescriptor]


def _history_rows() -> int:
    return sum(model.history.count() for model in HISTORIES)


def _export() -> str:
    out = io.StringIO()
    call_command("export_rubric", stdout=out)
    return out.getvalue()


def test_load_on_an_empty_database_gives_every_shipped_rubric_and_the_crosswalk() -> None:
    out = io.StringIO()
    call_command("load_rubric", "--publish", stdout=out)
    assert sorted(Rubric.objects.values_list("version", "status")) == [
        ("2026.1", "published"),
        ("2026.2", "published"),
    ]
    for rubric in Rubric.objects.all():
        assert rubric.commitments.count() == 10
        for commitment in rubric.commitments.all():
            assert 3 <= commitment.criteria.count() <= 5
        assert list(rubric.levels.values_list("level", flat=True)) == [1, 2, 3, 4, 5]
    assert Criterion.objects.filter(commitment__rubric__version="2026.1").count() == 41
    assert Criterion.objects.filter(commitment__rubric__version="2026.2").count() == 44
    assert LevelDescriptor.objects.count() == Criterion.objects.count() * 5
    # 44 links: a split and two merges connect 47 pairs.
    assert CrosswalkLink.objects.count() == 47
    assert "Crosswalk 2026.1 → 2026.2: 47 links loaded." in out.getvalue()


def test_the_2026_2_rubric_keeps_its_glossary_evidence_and_scoring_rule() -> None:
    call_command("load_rubric", "--publish", stdout=io.StringIO())
    rubric = Rubric.objects.get(version="2026.2")
    assert len(rubric.glossary) == 16
    assert "cumulative" in rubric.scoring
    assert all(level.evidence for level in rubric.levels.all())
    assert not Rubric.objects.get(version="2026.1").glossary  # 2026.1 stays as it was


def test_2026_2_exports_and_loads_back_to_the_same_file(tmp_path: Path) -> None:
    call_command("load_rubric", str(FIXTURE_2026_2), stdout=io.StringIO())
    first = tmp_path / "first.yaml"
    call_command("export_rubric", "--output", str(first), stderr=io.StringIO())
    Rubric.objects.all().delete()
    call_command("load_rubric", str(first), stdout=io.StringIO())
    assert _export() == first.read_text()


def test_a_crosswalk_naming_an_unknown_criterion_is_refused(tmp_path: Path) -> None:
    call_command("load_rubric", str(FIXTURE), str(FIXTURE_2026_2), stdout=io.StringIO())
    bad = tmp_path / "crosswalk.yaml"
    bad.write_text(CROSSWALK.read_text().replace("from: engaged-1\n", "from: engaged-9\n"))
    with pytest.raises(CommandError) as excinfo:
        call_command("load_rubric", str(bad), stdout=io.StringIO())
    message = str(excinfo.value)
    assert "'engaged-9' is not a criterion of 2026.1" in message
    assert "2026.1's 'engaged-1' is not mapped" in message
    assert CrosswalkLink.objects.count() == 0


def test_a_crosswalk_before_its_rubrics_is_refused_by_name() -> None:
    with pytest.raises(CommandError, match=r"Load LHS Shared Commitments 2026\.1 and 2026\.2"):
        call_command("load_rubric", str(CROSSWALK), stdout=io.StringIO())


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


def test_a_whole_rubric_is_created_in_a_few_queries_with_a_history_row_for_each_row(
    django_assert_max_num_queries: Any,
) -> None:
    """One insert per kind of row and one for their history rows, not two queries a row."""
    spec = read_rubric_file(FIXTURE_2026_2)
    rows = 1 + len(spec.levels) + len(spec.commitments)
    rows += sum(len(c.criteria) * (1 + 5) for c in spec.commitments)
    with django_assert_max_num_queries(14):
        rubric = rubric_load(spec=spec, by=None).rubric
    assert rows > 250
    assert _history_rows() == rows
    assert LevelDescriptor.objects.filter(criterion__commitment__rubric=rubric).count() == sum(
        len(cr.descriptors) for c in spec.commitments for cr in c.criteria
    )
