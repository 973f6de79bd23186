"""The rubric file: the real one is valid; a malformed one is refused naming the place."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from commitments.models import Criterion, Rubric
from commitments.rubric_file import RubricFileError, dump_rubric, parse_rubric

from .factories import rubric_spec

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures/rubric"
FIXTURE = FIXTURES / "lhs-shared-commitments-2026.1.yaml"
FIXTURE_2026_2 = FIXTURES / "lhs-shared-commitments-2026.2.yaml"
SHIPPED = [FIXTURE, FIXTURE_2026_2]
NAM = [
    ("engaged", "Engaged", "Understanding and acting on people’s goals"),
    ("safe", "Safe", "Using validated safeguards to prevent harm"),
    ("effective", "Effective", "Applying continuously updated evidence"),
    ("efficient", "Efficient", "Delivering optimal outcomes for resources available"),
    ("fair", "Fair", "Advancing parity in people’s opportunities to reach full health potential"),
    ("accessible", "Accessible", "Offering timely, convenient, interoperable, and affordable services"),
    ("accountable", "Accountable", "Measuring what matters, with clear responsibility and feedback"),
    ("transparent", "Transparent", "Open sharing of activities, decision-making processes, and results"),
    ("secure", "Secure", "Using protected data sharing and digital/AI responsibly to speed progress"),
    ("adaptive", "Adaptive", "Centering continuous learning and improvement in organizational priorities"),
]  # fmt: skip


@pytest.mark.parametrize("fixture", SHIPPED, ids=lambda p: p.stem)
def test_the_shipped_rubric_has_the_nam_commitments_in_order_with_exact_definitions(
    fixture: Path,
) -> None:
    spec = parse_rubric(fixture.read_text(), source=str(fixture))
    assert [(c.code, c.name, c.definition) for c in spec.commitments] == NAM
    assert [lv.level for lv in spec.levels] == [1, 2, 3, 4, 5]
    assert "National Academy of Medicine" in spec.attribution


@pytest.mark.parametrize("fixture", SHIPPED, ids=lambda p: p.stem)
def test_the_shipped_rubric_has_3_to_5_distinct_progressive_descriptors_per_criterion(
    fixture: Path,
) -> None:
    spec = parse_rubric(fixture.read_text())
    assert all(3 <= len(c.criteria) <= 5 for c in spec.commitments)
    assert 35 <= sum(len(c.criteria) for c in spec.commitments) <= 50
    for c in spec.commitments:
        for cr in c.criteria:
            texts = [cr.descriptors[n] for n in range(1, 6)]
            assert len(set(texts)) == 5, cr.code
            assert cr.prompt.strip(), cr.code
            assert cr.evidence_hint.strip(), cr.code
            assert cr.guidance.strip(), cr.code


def test_dump_then_parse_gives_the_same_rubric() -> None:
    spec = rubric_spec()
    assert parse_rubric(dump_rubric(spec)) == spec


def _file_with(change) -> str:
    data = yaml.safe_load(dump_rubric(rubric_spec()))
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(RubricFileError) as excinfo:
        parse_rubric(text, source="bad.yaml")
    return excinfo.value.problems


def test_a_missing_level_is_named() -> None:
    text = _file_with(lambda d: d["levels"].pop(3))
    assert ("levels", "level 4 is missing (a rubric has exactly levels 1-5)") in _problems(text)


def test_a_missing_descriptor_is_named_with_its_path() -> None:
    text = _file_with(lambda d: d["commitments"][1]["criteria"][2]["descriptors"].pop(5))
    assert ("commitments[1].criteria[2].descriptors", "level 5 is missing") in _problems(text)


def test_an_unknown_key_is_named_with_its_path() -> None:
    text = _file_with(lambda d: d["commitments"][0]["criteria"][0].update(wieght=2))
    assert ("commitments[0].criteria[0]", "unknown key 'wieght'") in _problems(text)


def test_a_duplicate_criterion_code_is_named_with_both_places() -> None:
    def dup(d: dict) -> None:
        d["commitments"][1]["criteria"][0]["code"] = "c1-2"

    problems = _problems(_file_with(dup))
    assert (
        "commitments[1].criteria[0].code",
        "duplicate criterion code 'c1-2' (also at commitments[0].criteria[1])",
    ) in problems


def test_a_duplicate_commitment_code_is_named() -> None:
    text = _file_with(lambda d: d["commitments"][1].update(code="c1"))
    assert ("commitments[1].code", "duplicate commitment code 'c1'") in _problems(text)


def test_a_key_given_twice_is_refused_rather_than_silently_taking_the_last() -> None:
    text = dump_rubric(rubric_spec()).replace("  name: Test rubric\n", "  name: A\n  name: B\n")
    (where, message), *_ = _problems(text)
    assert where.startswith("line ")
    assert "'name' appears twice" in message


@pytest.mark.parametrize("weight", [0, -1, "heavy", 1.234, 1000])
def test_a_bad_weight_is_refused(weight: object) -> None:
    text = _file_with(lambda d: d["commitments"][0]["criteria"][0].update(weight=weight))
    assert [p for p, _ in _problems(text)] == ["commitments[0].criteria[0].weight"]


def test_every_problem_is_reported_at_once() -> None:
    def many(d: dict) -> None:
        d["schema"] = "other/9"
        d["commitments"][0]["criteria"][0]["descriptors"].pop(1)
        d["commitments"][1]["name"] = ""

    paths = {p for p, _ in _problems(_file_with(many))}
    assert paths == {"schema", "commitments[0].criteria[0].descriptors", "commitments[1].name"}


def test_load_rubric_refuses_a_malformed_file_naming_file_and_place_and_loads_nothing(
    tmp_path: Path, db: None
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(_file_with(lambda d: d["commitments"][0]["criteria"][0].update(colour="red")))
    with pytest.raises(CommandError) as excinfo:
        call_command("load_rubric", str(bad))
    assert f"{bad}: commitments[0].criteria[0]: unknown key 'colour'" in str(excinfo.value)
    assert Rubric.objects.count() == 0
    assert Criterion.objects.count() == 0


def test_load_rubric_names_a_file_that_is_not_yaml(tmp_path: Path, db: None) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: [unclosed\n")
    with pytest.raises(CommandError) as excinfo:
        call_command("load_rubric", str(bad))
    assert f"{bad}: line " in str(excinfo.value)
    assert Rubric.objects.count() == 0
