"""Migrations that rename keep every row: an answer stored as a `Response` is the same `Answer`."""

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

pytestmark = pytest.mark.django_db(transaction=True)

# The rubric as it stood then too: the historical models these tests write through must
# match the tables, and later rubric migrations add columns those models do not know.
RUBRIC_THEN = ("commitments", "0001_initial")
BEFORE = [("assessments", "0001_initial"), RUBRIC_THEN]
AFTER = [("assessments", "0002_answer_was_response"), RUBRIC_THEN]


def _migrate(targets: list[tuple[str, str]]) -> StateApps:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_rename() -> Iterator[StateApps]:
    yield _migrate(BEFORE)
    _migrate(executor_leaves())


def executor_leaves() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_the_rename_keeps_answers_their_files_and_history(before_rename: StateApps) -> None:
    old = before_rename
    rubric = old.get_model("commitments", "Rubric").objects.create(
        name="R", version="1", status="draft"
    )
    commitment = old.get_model("commitments", "Commitment").objects.create(
        rubric=rubric, code="c1", order=1, name="C1", definition="d"
    )
    criterion = old.get_model("commitments", "Criterion").objects.create(
        commitment=commitment, code="c1-1", order=1, prompt="p"
    )
    organization = old.get_model("organizations", "Organization").objects.create(
        name="Alpha", slug="alpha"
    )
    cycle = old.get_model("assessments", "Cycle").objects.create(
        name="2026", rubric=rubric, opens_on="2026-01-01", closes_on="2026-12-31"
    )
    assessment = old.get_model("assessments", "Assessment").objects.create(
        organization=organization, cycle=cycle
    )
    response = old.get_model("assessments", "Response").objects.create(
        assessment=assessment, criterion=criterion, level=3, notes="Kept.", version=2
    )
    old.get_model("assessments", "HistoricalResponse").objects.create(
        id=response.pk,
        assessment_id=assessment.pk,
        criterion_id=criterion.pk,
        level=3,
        version=2,
        history_date="2026-02-01T00:00:00Z",
        history_type="+",
    )
    old.get_model("assessments", "EvidenceFile").objects.create(
        response=response, file="evidence/x/y/minutes.pdf", original_name="minutes.pdf",
        content_type="application/pdf", size=10,
    )  # fmt: skip

    new = _migrate(AFTER)

    answer = new.get_model("assessments", "Answer").objects.get()
    assert (answer.pk, answer.level, answer.notes, answer.version) == (response.pk, 3, "Kept.", 2)
    assert list(answer.files.values_list("original_name", flat=True)) == ["minutes.pdf"]
    assert new.get_model("assessments", "Assessment").objects.get().answers.get() == answer
    history = new.get_model("assessments", "HistoricalAnswer").objects.get()
    assert (history.id, history.level) == (response.pk, 3)


@pytest.fixture
def before_due_dates() -> Iterator[StateApps]:
    yield _migrate([("assessments", "0002_answer_was_response"), RUBRIC_THEN])
    _migrate(executor_leaves())


def test_existing_cycles_fall_due_on_their_closing_day(before_due_dates: StateApps) -> None:
    """So that nothing submitted before due dates existed turns late."""
    old = before_due_dates
    rubric = old.get_model("commitments", "Rubric").objects.create(
        name="R", version="1", status="draft"
    )
    Cycle = old.get_model("assessments", "Cycle")
    Cycle.objects.create(name="2025", rubric=rubric, opens_on="2025-03-01", closes_on="2025-10-31")
    Cycle.objects.create(name="2026", rubric=rubric, opens_on="2026-03-01", closes_on="2026-11-30")

    new = _migrate([("assessments", "0003_cycle_dates"), RUBRIC_THEN])

    dates = new.get_model("assessments", "Cycle").objects.order_by("name")
    assert [(c.name, str(c.due_on)) for c in dates] == [
        ("2025", "2025-10-31"),
        ("2026", "2026-11-30"),
    ]
