"""The bar 2026.2 was written to: one scoring logic an expert panel can apply.

Each level states what is present (absence wording only at level 1), every descriptor above
level 1 is a checklist of two observable elements, level 5 asks for results, every term of
art a descriptor uses is in the glossary, and the crosswalk from 2026.1 accounts for every
criterion of both versions."""

import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from commitments.crosswalk_file import parse_crosswalk
from commitments.rubric_file import CriterionSpec, RubricSpec, parse_rubric

from .test_rubric_file import FIXTURE, FIXTURE_2026_2, FIXTURES

CROSSWALK = FIXTURES / "crosswalk-2026.1-2026.2.yaml"

# Words that describe what is missing or partial. Above level 1 a descriptor says what is
# there; "an organization at level 4 fails level 2" is what these words caused in 2026.1.
ABSENCE_WORDS = (
    "no", "not", "none", "never", "without", "absent", "lack", "lacks", "lacking", "but",
    "only", "rarely", "seldom", "unclear", "informal", "inconsistent", "inconsistently",
    "partial", "partly", "some", "few", "yet", "missing", "ad hoc",
)  # fmt: skip
ABSENCE = re.compile(r"\b(" + "|".join(re.escape(w) for w in ABSENCE_WORDS) + r")\b", re.I)

# Terms of art: a descriptor that uses one must find it in the glossary, with its default
# threshold, so two assessors read it the same way.
TERMS_OF_ART = (
    "ad hoc", "documented", "named owner", "unit", "across the organization", "target",
    "set schedule", "timely", "partner", "learning cycle", "results sustained",
    "shared beyond the organization", "plain language", "stratified", "high-risk process",
    "validated safeguard",
)  # fmt: skip
# Words too vague to score against; none may appear in a 2026.2 descriptor.
VAGUE_WORDS = ("promptly", "regularly", "routinely", "appropriate", "adequate", "as needed")
NUMBER_OR_PERIOD = re.compile(
    r"\d|\b(each|every) (year|quarter|month|week)\b|\btwice a year\b|\bmonthly\b", re.I
)


@pytest.fixture(scope="module")
def spec() -> RubricSpec:
    return parse_rubric(FIXTURE_2026_2.read_text(), source=str(FIXTURE_2026_2))


def _criteria(spec: RubricSpec) -> list[CriterionSpec]:
    return [cr for c in spec.commitments for cr in c.criteria]


def _uses(text: str, term: str) -> bool:
    return re.search(r"\b" + re.escape(term) + r"(s|es)?\b", text, re.I) is not None


def _elements(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


def test_absence_wording_is_caught_by_the_word_list() -> None:
    assert ABSENCE.search("Roles are informal and links are unclear.")
    assert ABSENCE.search("Tracked, but not reviewed.")
    assert not ABSENCE.search("Notes are reviewed by a named owner; knowledge is shared.")


def test_no_descriptor_above_level_1_uses_absence_wording(spec: RubricSpec) -> None:
    found = [
        (cr.code, level, ABSENCE.findall(text))
        for cr in _criteria(spec)
        for level, text in cr.descriptors.items()
        if level > 1 and ABSENCE.search(text)
    ]
    assert found == []


def test_every_descriptor_above_level_1_is_a_checklist_of_two_elements(spec: RubricSpec) -> None:
    for cr in _criteria(spec):
        for level in (2, 3, 4, 5):
            text = cr.descriptors[level]
            assert len(_elements(text)) == 2, (cr.code, level)
            assert len(text.splitlines()) == 2, (cr.code, level)


def test_level_5_always_requires_results_and_sharing_beyond_the_organization(
    spec: RubricSpec,
) -> None:
    for cr in _criteria(spec):
        results, shared = _elements(cr.descriptors[5])
        assert results.startswith("Results sustained:"), cr.code
        assert "shared beyond the organization" in shared or "published beyond" in shared, cr.code


def test_every_term_of_art_a_descriptor_uses_is_in_the_glossary(spec: RubricSpec) -> None:
    defined = {g.term.lower() for g in spec.glossary}
    used = {
        term
        for cr in _criteria(spec)
        for text in cr.descriptors.values()
        for term in TERMS_OF_ART
        if _uses(text, term)
    }
    assert used - defined == set()
    assert all(g.definition.strip() for g in spec.glossary)


def test_every_glossary_term_is_used_by_some_descriptor(spec: RubricSpec) -> None:
    texts = [t for cr in _criteria(spec) for t in cr.descriptors.values()]
    unused = [g.term for g in spec.glossary if not any(_uses(t, g.term) for t in texts)]
    assert unused == []


def test_no_descriptor_uses_a_word_too_vague_to_score(spec: RubricSpec) -> None:
    for cr in _criteria(spec):
        for level, text in cr.descriptors.items():
            assert not [w for w in VAGUE_WORDS if _uses(text, w)], (cr.code, level)


def test_the_glossary_term_check_fails_on_an_undefined_term(spec: RubricSpec) -> None:
    defined = {g.term.lower() for g in spec.glossary} - {"set schedule"}
    text = "- Reviewed on a set schedule by the owner."
    assert {t for t in TERMS_OF_ART if _uses(text, t)} - defined == {"set schedule"}


def test_every_level_states_its_minimum_evidence_and_the_rubric_its_rules(
    spec: RubricSpec,
) -> None:
    assert all(lv.evidence.strip() for lv in spec.levels)
    assert "every one of its elements" in spec.scoring
    assert "cumulative" in spec.scoring
    assert spec.weighting.strip()


def test_weights_are_equal_as_the_weighting_note_says(spec: RubricSpec) -> None:
    assert {cr.weight for cr in _criteria(spec)} == {1}
    assert "Every criterion weighs 1" in spec.weighting


def test_no_two_descriptors_are_near_duplicates(spec: RubricSpec) -> None:
    texts = [t for cr in _criteria(spec) for t in cr.descriptors.values()]
    close = []
    # The pairs of combinations(texts, 2) (a before b in the list, as there), with one
    # matcher per b: SequenceMatcher indexes its second text once and reuses it for every a.
    # real_quick_ratio and quick_ratio are upper bounds of ratio, so a pair they rule out has
    # ratio <= 0.8 too; they only spare the ratio of pairs that cannot be near duplicates.
    for j, b in enumerate(texts):
        matcher = SequenceMatcher(None, b=b)
        for a in texts[:j]:
            matcher.set_seq1(a)
            if (
                matcher.real_quick_ratio() > 0.8
                and matcher.quick_ratio() > 0.8
                and matcher.ratio() > 0.8
            ):
                close.append((a[:40], b[:40]))
    assert close == []


def test_the_figures_quoted_for_2026_2(spec: RubricSpec) -> None:
    criteria = _criteria(spec)
    texts = [t for cr in criteria for t in cr.descriptors.values()]
    assert [len(c.criteria) for c in spec.commitments] == [5, 4, 5, 4, 4, 5, 4, 5, 4, 4]
    assert len(texts) == 220
    assert sum(bool(NUMBER_OR_PERIOD.search(t)) for t in texts) >= 60
    assert len(spec.glossary) == 16


def _codes(path: Path) -> set[str]:
    parsed = parse_rubric(path.read_text())
    return {cr.code for c in parsed.commitments for cr in c.criteria}


def test_the_crosswalk_accounts_for_every_criterion_of_both_versions() -> None:
    crosswalk = parse_crosswalk(CROSSWALK.read_text(), source=str(CROSSWALK))
    pairs = crosswalk.pairs()
    assert {old for _, old, _, _ in pairs} - {None} == _codes(FIXTURE)
    assert {new for _, _, new, _ in pairs} - {None} == _codes(FIXTURE_2026_2)
    kinds = [link.kind for link in crosswalk.links]
    assert {k: kinds.count(k) for k in set(kinds)} == {
        "same": 31, "reworded": 4, "split": 1, "merged": 2, "retired": 1, "new": 5,
    }  # fmt: skip
    assert all(link.note for link in crosswalk.links if link.kind not in ("same",))
