"""The layout explains itself: each concern in its app, and no import hidden inside a function.

Which app may import which is checked by import-linter in `make lint` (pyproject.toml); these
tests catch what it cannot see: an import moved into a function body to dodge a cycle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = (
    "lhs_assess",
    "commitments",
    "organizations",
    "assessments",
    "reports",
    "consortium",
    "notifications",
    "ratings",
    "api",
)


def _app_modules() -> list[Path]:
    return sorted(
        p
        for app in APPS
        for p in (ROOT / app).rglob("*.py")
        if "migrations" not in p.parts and "tests" not in p.parts
    )


def _first_party(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        name = node.module or ""
        return [name] if node.level or name.split(".")[0] in APPS else []
    return [a.name for a in node.names if a.name.split(".")[0] in APPS]


def imports_inside_functions(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of our own code made inside a function body, except in
    an AppConfig's ready(), which Django calls once the app registry is loaded."""
    found = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name == "ready":
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found += [(node.lineno, name) for name in _first_party(node)]
    return found


def test_no_app_module_imports_our_code_inside_a_function() -> None:
    hidden = {
        f"{path.relative_to(ROOT)}:{line}": name
        for path in _app_modules()
        for line, name in imports_inside_functions(path.read_text())
    }
    assert hidden == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from reports.models import Report\n", [(2, "reports.models")]),
        ("def f():\n    from . import tasks\n", [(2, "")]),
        ("def f():\n    import weasyprint\n", []),  # a library loaded late is not a cycle
        ("class C:\n    def ready(self):\n        from . import signals\n", []),
    ],
)
def test_the_check_finds_our_imports_in_functions_and_nothing_else(
    source: str, expected: list[tuple[int, str]]
) -> None:
    assert imports_inside_functions(source) == expected


def test_the_staff_side_lives_in_the_consortium_app() -> None:
    assert sorted(p.name for p in (ROOT / "assessments").glob("staff_*.py")) == []
    for module in ("views", "urls", "forms", "selectors", "services", "dashboard", "exports"):
        assert (ROOT / "consortium" / f"{module}.py").exists()
