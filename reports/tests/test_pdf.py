"""The PDF as a screen reader and a printer meet it: read back from its structure tree, its
outline and its pages, not taken on trust from the flag we passed."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from reports.models import Report
from reports.services import report_request

from . import consortium

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def elements(node: object) -> Iterator[DictionaryObject]:
    """Every structure element under `node`, in reading order (depth first)."""
    node = node.get_object()  # type: ignore[attr-defined]
    if not isinstance(node, DictionaryObject):
        return
    if "/S" in node:
        yield node
    kids = node.get("/K")
    if isinstance(kids, IndirectObject | DictionaryObject):
        kids = [kids]
    if isinstance(kids, ArrayObject | list):
        for kid in kids:
            if isinstance(kid, IndirectObject | DictionaryObject):
                yield from elements(kid)


def outline_titles(items: list[object]) -> list[object]:
    return [outline_titles(i) if isinstance(i, list) else i.title for i in items]  # type: ignore[attr-defined]


def _built(engine: str, settings, callbacks) -> tuple[Report, PdfReader]:
    settings.REPORT_PDF_ENGINE = engine
    _, _, assessments = consortium.build()
    with callbacks(execute=True):
        report = report_request(assessment=assessments[4], by=assessments[4].created_by)
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.error
    return report, PdfReader(report.pdf_file.path)


# The old path is kept only to measure against; the new one must give what it gave.
@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_the_pdf_is_tagged_with_headings_tables_figures_language_title_and_bookmarks(
    engine: str, settings, django_capture_on_commit_callbacks, chromium: None
) -> None:
    report, pdf = _built(engine, settings, django_capture_on_commit_callbacks)
    root = pdf.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en"
    title = f"Maturity report: {report.assessment.organization.name}, 2026"
    assert pdf.metadata.title == title
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]  # viewers show the title, not a file
    tree = list(elements(root["/StructTreeRoot"]))
    tags = [str(e["/S"]) for e in tree]

    sections = [
        "Scores", "Peer comparison", "What changed since the last cycle",
        "Improvement plan for the weakest commitments", "Evidence files",
    ]  # fmt: skip
    # Headings in order: one H1, then an H2 per section, and no level skipped.
    headings = [t for t in tags if t in ("/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6")]
    assert headings == ["/H1"] + ["/H2"] * len(sections)
    # Bookmarks from the headings: the report's title with its sections beneath.
    h1 = f"Maturity report: {report.assessment.organization.name}"
    assert outline_titles(pdf.outline) == [h1, sections]

    # Tables with header cells: the scores table and the four peer groups' (consortium.build
    # gives five organizations: every group may be shown); each begins with a row of THs.
    tables = [e for e in tree if e["/S"] == "/Table"]
    assert len(tables) == 5
    for table in tables:
        cells = [str(e["/S"]) for e in elements(table) if e["/S"] in ("/TH", "/TD")]
        assert cells[:4] == ["/TH"] * 4
        assert "/TD" in cells
    # Row headers (commitment names) are TH too: three rows in the scores table.
    scores = [str(e["/S"]) for e in elements(tables[0]) if e["/S"] in ("/TH", "/TD")]
    assert scores.count("/TH") == 4 + 3

    # Every chart image with its text alternative, and no Figure without one.
    assert all("/Alt" in e for e in tree if e["/S"] == "/Figure")
    alts = sorted(str(e["/Alt"]) for e in tree if e["/S"] == "/Figure" and "/Alt" in e)
    suffix = ": the same figures are in the tables of this report."
    charts = [
        "Level of every criterion", "Maturity by commitment", "Your scores against your peers",
    ]  # fmt: skip
    assert alts == [c + suffix for c in charts]
