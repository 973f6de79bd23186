"""The crosswalk file format (YAML, schema `lhs-crosswalk/1`): how one rubric version's
criteria become the next one's. Parsing never touches the database; the schema is documented
in fixtures/rubric/README.md."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .rubric_file import RubricFileError, _Checker, _StrictLoader

SCHEMA = "lhs-crosswalk/1"
KINDS = ("same", "reworded", "split", "merged", "retired", "new")


@dataclass(frozen=True)
class LinkSpec:
    kind: str
    sources: tuple[str, ...]  # empty for "new"
    targets: tuple[str, ...]  # empty for "retired"
    note: str


@dataclass(frozen=True)
class CrosswalkSpec:
    rubric: str
    source_version: str
    target_version: str
    links: tuple[LinkSpec, ...]

    def pairs(self) -> list[tuple[str, str | None, str | None, str]]:
        """One (kind, old code, new code, note) per pair the links connect."""
        rows: list[tuple[str, str | None, str | None, str]] = []
        for link in self.links:
            for old in link.sources or (None,):
                for new in link.targets or (None,):
                    rows.append((link.kind, old, new, link.note))
        return rows


def _codes(check: _Checker, value: Any, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(check.code(item, path) for item in items)


def _arity_problem(kind: str, sources: int, targets: int) -> str | None:
    wanted = {
        "same": (sources == 1 and targets == 1, "one old and one new criterion"),
        "reworded": (sources == 1 and targets == 1, "one old and one new criterion"),
        "split": (sources == 1 and targets >= 2, "one old and at least two new criteria"),
        "merged": (sources >= 2 and targets == 1, "at least two old and one new criterion"),
        "retired": (sources == 1 and targets == 0, "one old criterion and no new one"),
        "new": (sources == 0 and targets == 1, "no old criterion and one new one"),
    }
    ok, needs = wanted[kind]
    return None if ok else f"a '{kind}' link needs {needs}"


def parse_crosswalk(text: str, *, source: str = "<crosswalk>") -> CrosswalkSpec:
    """Parse and validate a crosswalk's text; raise RubricFileError naming every problem.
    Whether the codes exist in the two rubrics is checked when it is loaded."""
    check = _Checker(source)
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        check.problem("", f"not valid YAML: {getattr(exc, 'problem', None) or exc}")
        raise check.error from None
    top = check.mapping(data, "", required={"schema", "rubric", "from", "to", "links"})
    if top is None:
        raise check.error
    if top.get("schema") != SCHEMA:
        check.problem("schema", f"must be '{SCHEMA}', found {top.get('schema')!r}")
    links: list[LinkSpec] = []
    seen_old: dict[str, str] = {}
    seen_new: dict[str, str] = {}
    for i, item in enumerate(check.sequence(top.get("links"), "links")):
        path = f"links[{i}]"
        spec = check.mapping(
            item, path, required={"kind"}, optional=frozenset({"from", "to", "note"})
        )
        if spec is None:
            continue
        kind = spec.get("kind")
        if kind not in KINDS:
            check.problem(f"{path}.kind", f"must be one of {', '.join(KINDS)}, found {kind!r}")
            continue
        sources = _codes(check, spec.get("from"), f"{path}.from")
        targets = _codes(check, spec.get("to"), f"{path}.to")
        problem = _arity_problem(kind, len(sources), len(targets))
        if problem:
            check.problem(path, problem)
        for code in sources:
            # A merge names each old criterion once; no old criterion may go two ways.
            if code in seen_old:
                check.problem(f"{path}.from", f"'{code}' is already mapped at {seen_old[code]}")
            seen_old[code] = path
        for code in targets:
            if code in seen_new and kind != "split":
                check.problem(f"{path}.to", f"'{code}' is already mapped at {seen_new[code]}")
            seen_new[code] = path
        note = check.text(spec.get("note"), f"{path}.note", allow_empty=True)
        links.append(LinkSpec(kind, sources, targets, note))
    rubric = check.text(top.get("rubric"), "rubric")
    source_version = check.text(top.get("from"), "from")
    target_version = check.text(top.get("to"), "to")
    if check.error.problems:
        raise check.error
    return CrosswalkSpec(rubric, source_version, target_version, tuple(links))


def read_crosswalk_file(path: Path) -> CrosswalkSpec:
    """Parse a crosswalk file from disk; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricFileError(str(path), [("", f"cannot be read: {exc.strerror}")]) from None
    return parse_crosswalk(text, source=str(path))


def file_schema(path: Path) -> str | None:
    """The `schema` a YAML file declares on its first lines, to tell rubrics from crosswalks."""
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("schema:"):
                    return line.partition(":")[2].strip().strip("\"'")
    except (OSError, UnicodeDecodeError):
        return None
    return None
