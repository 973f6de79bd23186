"""The rubric's file format (YAML, schema `lhs-rubric/1`): parse and validate, or write.

Parsing never touches the database: it returns a `RubricSpec` or raises `RubricFileError`
listing every problem with the file, the path inside it and what is wrong. The schema is
documented in fixtures/rubric/README.md.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

SCHEMA = "lhs-rubric/1"
CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_WEIGHT = Decimal("99.99")
LEVEL_NUMBERS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class LevelSpec:
    level: int
    name: str
    description: str
    evidence: str = ""  # the minimum evidence that counts for this level


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    definition: str


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    prompt: str
    guidance: str
    evidence_hint: str
    weight: Decimal
    descriptors: Mapping[int, str]


@dataclass(frozen=True)
class CommitmentSpec:
    code: str
    name: str
    definition: str
    guidance: str
    criteria: tuple[CriterionSpec, ...]


@dataclass(frozen=True)
class RubricSpec:
    name: str
    version: str
    description: str
    attribution: str
    levels: tuple[LevelSpec, ...]
    commitments: tuple[CommitmentSpec, ...]
    scoring: str = ""  # how a level is decided, in the rubric's own words
    weighting: str = ""  # why the weights are what they are
    glossary: tuple[GlossaryEntry, ...] = ()


@dataclass
class RubricFileError(Exception):
    """Every problem found in one file, each as (path inside the file, message)."""

    source: str
    problems: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.source}: {path or '(top)'}: {message}" for path, message in self.problems]
        return "\n".join(lines)


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping instead of keeping the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


class _Checker:
    def __init__(self, source: str) -> None:
        self.error = RubricFileError(source)

    def problem(self, path: str, message: str) -> None:
        self.error.problems.append((path, message))

    def mapping(
        self, value: Any, path: str, *, required: set[str], optional: frozenset[str] = frozenset()
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping, found {type(value).__name__}")
            return None
        keys = {str(k) for k in value}
        for key in sorted(required - keys):
            self.problem(path, f"'{key}' is missing")
        for key in sorted(keys - required - optional):
            self.problem(path, f"unknown key '{key}'")
        return value

    def text(self, value: Any, path: str, *, allow_empty: bool = False) -> str:
        if value is None and allow_empty:
            return ""
        if not isinstance(value, str):
            self.problem(path, f"expected text, found {type(value).__name__}")
            return ""
        if not value.strip() and not allow_empty:
            self.problem(path, "must not be empty")
        return value

    def code(self, value: Any, path: str) -> str:
        code = self.text(value, path)
        if code and not CODE_RE.match(code):
            self.problem(path, f"code '{code}' must be lowercase letters, digits and hyphens")
        return code

    def sequence(self, value: Any, path: str) -> Sequence[Any]:
        if not isinstance(value, list):
            self.problem(path, f"expected a list, found {type(value).__name__}")
            return []
        return value


def parse_rubric(text: str, *, source: str = "<rubric>") -> RubricSpec:
    """Parse and validate a rubric file's text; raise RubricFileError naming every problem."""
    check = _Checker(source)
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        check.problem(where, f"not valid YAML: {problem}")
        raise check.error from None

    top = check.mapping(
        data,
        "",
        required={"schema", "rubric", "levels", "commitments"},
        optional=frozenset({"glossary"}),
    )
    if top is None:
        raise check.error
    if top.get("schema") != SCHEMA:
        check.problem("schema", f"must be '{SCHEMA}', found {top.get('schema')!r}")

    head = check.mapping(
        top.get("rubric"),
        "rubric",
        required={"name", "version"},
        optional=frozenset({"description", "attribution", "scoring", "weighting"}),
    )
    head = head or {}
    name = check.text(head.get("name"), "rubric.name")
    version = check.text(head.get("version"), "rubric.version")
    description = check.text(head.get("description"), "rubric.description", allow_empty=True)
    attribution = check.text(head.get("attribution"), "rubric.attribution", allow_empty=True)
    scoring = check.text(head.get("scoring"), "rubric.scoring", allow_empty=True)
    weighting = check.text(head.get("weighting"), "rubric.weighting", allow_empty=True)

    levels = _parse_levels(check, top.get("levels"))
    glossary = _parse_glossary(check, top.get("glossary")) if "glossary" in top else ()
    commitments = _parse_commitments(check, top.get("commitments"))

    if check.error.problems:
        raise check.error
    return RubricSpec(
        name, version, description, attribution, levels, commitments, scoring, weighting, glossary
    )


def _parse_glossary(check: _Checker, value: Any) -> tuple[GlossaryEntry, ...]:
    entries: list[GlossaryEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(check.sequence(value, "glossary")):
        path = f"glossary[{i}]"
        spec = check.mapping(item, path, required={"term", "definition"})
        if spec is None:
            continue
        term = check.text(spec.get("term"), f"{path}.term")
        if term.lower() in seen:
            check.problem(f"{path}.term", f"the term '{term}' is defined twice")
        seen.add(term.lower())
        entries.append(
            GlossaryEntry(term, check.text(spec.get("definition"), f"{path}.definition"))
        )
    return tuple(entries)


def _parse_levels(check: _Checker, value: Any) -> tuple[LevelSpec, ...]:
    levels: list[LevelSpec] = []
    for i, item in enumerate(check.sequence(value, "levels")):
        path = f"levels[{i}]"
        spec = check.mapping(
            item, path, required={"level", "name", "description"}, optional=frozenset({"evidence"})
        )
        if spec is None:
            continue
        number = spec.get("level")
        if not isinstance(number, int) or isinstance(number, bool) or number not in LEVEL_NUMBERS:
            check.problem(f"{path}.level", f"must be a whole number from 1 to 5, found {number!r}")
            continue
        if any(level.level == number for level in levels):
            check.problem(f"{path}.level", f"level {number} appears twice")
            continue
        levels.append(
            LevelSpec(
                number,
                check.text(spec.get("name"), f"{path}.name"),
                check.text(spec.get("description"), f"{path}.description"),
                check.text(spec.get("evidence"), f"{path}.evidence", allow_empty=True),
            )
        )
    present = {level.level for level in levels}
    for number in LEVEL_NUMBERS:
        if number not in present and isinstance(value, list):
            check.problem("levels", f"level {number} is missing (a rubric has exactly levels 1-5)")
    return tuple(sorted(levels, key=lambda level: level.level))


def _parse_weight(check: _Checker, value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        check.problem(path, f"must be a number, found {value!r}")
        return Decimal(1)
    try:
        weight = Decimal(str(value))
    except InvalidOperation:
        check.problem(path, f"must be a number, found {value!r}")
        return Decimal(1)
    if not weight.is_finite() or weight <= 0 or weight > MAX_WEIGHT:
        check.problem(path, f"must be greater than 0 and at most {MAX_WEIGHT}, found {value!r}")
    elif weight != weight.quantize(Decimal("0.01")):
        check.problem(path, f"has more than two decimal places: {value!r}")
    return weight.quantize(Decimal("0.01")) if weight.is_finite() else Decimal(1)


def _parse_commitments(check: _Checker, value: Any) -> tuple[CommitmentSpec, ...]:
    commitments: list[CommitmentSpec] = []
    commitment_codes: set[str] = set()
    criterion_codes: dict[str, str] = {}
    items = check.sequence(value, "commitments")
    if isinstance(value, list) and not items:
        check.problem("commitments", "a rubric needs at least one commitment")
    for i, item in enumerate(items):
        path = f"commitments[{i}]"
        spec = check.mapping(
            item,
            path,
            required={"code", "name", "definition", "criteria"},
            optional=frozenset({"guidance"}),
        )
        if spec is None:
            continue
        code = check.code(spec.get("code"), f"{path}.code")
        if code in commitment_codes:
            check.problem(f"{path}.code", f"duplicate commitment code '{code}'")
        commitment_codes.add(code)
        criteria: list[CriterionSpec] = []
        for j, raw in enumerate(check.sequence(spec.get("criteria"), f"{path}.criteria")):
            criterion = _parse_criterion(check, raw, f"{path}.criteria[{j}]", criterion_codes)
            if criterion is not None:
                criteria.append(criterion)
        commitments.append(
            CommitmentSpec(
                code,
                check.text(spec.get("name"), f"{path}.name"),
                check.text(spec.get("definition"), f"{path}.definition"),
                check.text(spec.get("guidance"), f"{path}.guidance", allow_empty=True),
                tuple(criteria),
            )
        )
    return tuple(commitments)


def _parse_criterion(
    check: _Checker, value: Any, path: str, seen_codes: dict[str, str]
) -> CriterionSpec | None:
    spec = check.mapping(
        value,
        path,
        required={"code", "prompt", "weight", "descriptors"},
        optional=frozenset({"guidance", "evidence_hint"}),
    )
    if spec is None:
        return None
    code = check.code(spec.get("code"), f"{path}.code")
    if code in seen_codes:
        check.problem(
            f"{path}.code", f"duplicate criterion code '{code}' (also at {seen_codes[code]})"
        )
    else:
        seen_codes[code] = path
    descriptors: dict[int, str] = {}
    raw = spec.get("descriptors")
    if not isinstance(raw, dict):
        check.problem(f"{path}.descriptors", "expected a mapping of levels 1-5 to text")
    else:
        for key, text in raw.items():
            if not isinstance(key, int) or isinstance(key, bool) or key not in LEVEL_NUMBERS:
                check.problem(f"{path}.descriptors", f"unknown level {key!r} (levels are 1-5)")
                continue
            descriptors[key] = check.text(text, f"{path}.descriptors.{key}")
        for number in LEVEL_NUMBERS:
            if number not in raw:
                check.problem(f"{path}.descriptors", f"level {number} is missing")
    return CriterionSpec(
        code,
        check.text(spec.get("prompt"), f"{path}.prompt"),
        check.text(spec.get("guidance"), f"{path}.guidance", allow_empty=True),
        check.text(spec.get("evidence_hint"), f"{path}.evidence_hint", allow_empty=True),
        _parse_weight(check, spec.get("weight"), f"{path}.weight"),
        dict(sorted(descriptors.items())),
    )


def read_rubric_file(path: Path) -> RubricSpec:
    """Parse a rubric file from disk; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricFileError(str(path), [("", f"cannot be read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise RubricFileError(str(path), [("", "is not UTF-8 text")]) from None
    return parse_rubric(text, source=str(path))


def _weight_out(weight: Decimal) -> float | int:
    return float(weight)


def _level_out(lv: LevelSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"level": lv.level, "name": lv.name, "description": lv.description}
    if lv.evidence:
        out["evidence"] = lv.evidence
    return out


def dump_rubric(spec: RubricSpec) -> str:
    """The file for a rubric, in the same schema; parse_rubric(dump_rubric(s)) == s.

    Keys a rubric leaves empty (scoring, weighting, evidence, glossary) are left out, so a
    file written before they existed exports to the same bytes."""
    head: dict[str, Any] = {
        "name": spec.name,
        "version": spec.version,
        "description": spec.description,
        "attribution": spec.attribution,
    }
    if spec.scoring:
        head["scoring"] = spec.scoring
    if spec.weighting:
        head["weighting"] = spec.weighting
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "rubric": head,
        "levels": [_level_out(lv) for lv in spec.levels],
    }
    if spec.glossary:
        data["glossary"] = [{"term": g.term, "definition": g.definition} for g in spec.glossary]
    data |= {
        "commitments": [
            {
                "code": c.code,
                "name": c.name,
                "definition": c.definition,
                "guidance": c.guidance,
                "criteria": [
                    {
                        "code": cr.code,
                        "prompt": cr.prompt,
                        "guidance": cr.guidance,
                        "evidence_hint": cr.evidence_hint,
                        "weight": _weight_out(cr.weight),
                        "descriptors": dict(cr.descriptors),
                    }
                    for cr in c.criteria
                ],
            }
            for c in spec.commitments
        ],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)
