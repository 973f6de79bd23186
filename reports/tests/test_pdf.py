"""The PDF as a screen reader and a printer meet it: read back from its structure tree, its
outline and its pages, not taken on trust from the flag we passed."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Template
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from reports import charts
from reports.images import figures_to_svg
from reports.models import Report
from reports.render import data_uri, render_pdf
from reports.services import report_request

from . import consortium

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def elements(node: object) -> Iterator[DictionaryObject]:
    """Every structure element under `node`, in reading order (depth first)."""
    if isinstance(node, IndirectObject):
        node = node.get_object()
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


def outline_titles(items: list[Any]) -> list[object]:
    """The outline's titles, nested as the bookmarks are (each entry a pypdf Destination)."""
    return [outline_titles(i) if isinstance(i, list) else i.title for i in items]


def _built(callbacks) -> tuple[Report, PdfReader]:
    _, _, assessments = consortium.build()
    with callbacks(execute=True):
        report = report_request(assessment=assessments[4], by=assessments[4].created_by)
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.error
    return report, PdfReader(report.pdf_file.path)


def test_the_pdf_is_tagged_with_headings_tables_figures_language_title_and_bookmarks(
    django_capture_on_commit_callbacks, chromium: None
) -> None:
    report, pdf = _built(django_capture_on_commit_callbacks)
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
    # Headings in order: one H1, then an H2 per section (the scores' reading note an H3 under
    # its section), and no level skipped.
    headings = [t for t in tags if t in ("/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6")]
    assert headings == ["/H1", "/H2", "/H3"] + ["/H2"] * (len(sections) - 1)
    # Bookmarks from the headings: the report's title with its sections beneath.
    h1 = f"Maturity report: {report.assessment.organization.name}"
    nested = [sections[0], ["How to read scores"], *sections[1:]]
    assert outline_titles(pdf.outline) == [h1, nested]

    # Tables with header cells: the scores table and the four peer groups' (consortium.build
    # gives five organizations: every group may be shown); each begins with a row of THs.
    tables = [e for e in tree if e["/S"] == "/Table"]
    assert len(tables) == 5
    for table in tables:
        cells = [str(e["/S"]) for e in elements(table) if e["/S"] in ("/TH", "/TD")]
        assert cells[:4] == ["/TH"] * 4
        assert "/TD" in cells
    # Row headers (commitment names) are TH too: six column headers (commitment, mean,
    # median, distribution, answered, not applicable) and three rows in the scores table.
    scores = [str(e["/S"]) for e in elements(tables[0]) if e["/S"] in ("/TH", "/TD")]
    assert scores.count("/TH") == 6 + 3

    # Every chart image with its text alternative, and no Figure without one.
    assert all("/Alt" in e for e in tree if e["/S"] == "/Figure")
    alts = sorted(str(e["/Alt"]) for e in tree if e["/S"] == "/Figure" and "/Alt" in e)
    suffix = ": the same figures are in the tables of this report."
    charts = [
        "Level of every criterion", "Maturity by commitment", "Your scores against your peers",
    ]  # fmt: skip
    assert alts == [c + suffix for c in charts]


# --- The printed pages -------------------------------------------------------------------------

POINTS = {"A4": (595, 842), "letter": (612, 792)}  # 210 x 297 mm, 8.5 x 11 in


@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_the_pages_have_the_organizations_paper_size(
    paper: str, django_capture_on_commit_callbacks, chromium: None
) -> None:
    _, _, assessments = consortium.build()
    organization = assessments[4].organization
    organization.paper_size = paper
    organization.save(update_fields=["paper_size"])
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(assessment=assessments[4], by=assessments[4].created_by)
    report.refresh_from_db()
    pages = PdfReader(report.pdf_file.path).pages
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages}
    assert sizes == {POINTS[paper]}


def test_each_section_begins_a_page_of_its_own(
    django_capture_on_commit_callbacks, chromium: None
) -> None:
    _, pdf = _built(django_capture_on_commit_callbacks)
    texts = [page.extract_text() for page in pdf.pages]
    sections = [
        "Peer comparison", "What changed since the last cycle",
        "Improvement plan for the weakest commitments", "Evidence files",
    ]  # fmt: skip
    first_pages = [next(i for i, t in enumerate(texts) if s in t.splitlines()) for s in sections]
    assert first_pages == sorted(set(first_pages))  # each on a later page than the one before
    for page, section in zip(first_pages, sections, strict=True):
        assert texts[page].splitlines()[1] == section  # after the "Page n of m" footer's text


def _printed(body: str) -> list[str]:
    """The text of each page of a document in the reports' print style, printed by Chromium."""
    html = Template(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Layout</title>'
        '{% include "reports/_document_style.html" %}</head><body><main>{{ body|safe }}</main>'
        "</body></html>"
    ).render(Context({"body": body}))
    pdf = PdfReader(io.BytesIO(render_pdf(html)))
    return [page.extract_text() for page in pdf.pages]


def test_a_table_longer_than_a_page_repeats_its_header_row_on_every_page(
    chromium: None,
) -> None:
    rows = "".join(f"<tr><th scope='row'>Row {i}</th><td>{i}</td></tr>" for i in range(120))
    texts = _printed(
        "<h2>Long</h2><table><thead><tr><th scope='col'>Criterion name</th>"
        f"<th scope='col'>Level chosen</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    assert len(texts) >= 3
    for text in texts:
        assert "Criterion name Level chosen" in text
    lines = {line for text in texts for line in text.splitlines()}
    assert all(f"Row {i} {i}" in lines for i in range(120))  # no row lost or cut at a break


def test_a_chart_that_does_not_fit_moves_whole_to_the_next_page(chromium: None) -> None:
    (svg,) = figures_to_svg([charts.radar(scores={"Safe": 3.0, "Fair": 2.0}, peer_median=None)])
    filler = "".join(f"<p>Line {i} of text before the chart.</p>" for i in range(34))
    texts = _printed(
        f"<h2>Charts</h2>{filler}<figure role='group'><img src='{data_uri(svg)}' alt='Radar'>"
        "<figcaption>Caption under the radar</figcaption></figure>"
    )
    assert len(texts) == 2
    # The chart's own title (text of the image) and its caption are on the same page, the
    # second: the figure did not fit under the filler and was not cut to make it fit.
    assert "Maturity by commitment" in texts[1]
    assert "Caption under the radar" in texts[1]
    assert "Maturity by commitment" not in texts[0]
