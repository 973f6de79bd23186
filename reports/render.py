"""Turn a report's numbers and figures into files: HTML (offline, no script), PDF and XLSX."""

import base64
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import xlsxwriter
from django.template.loader import render_to_string

from . import charts
from .selectors import MaturityNumbers

# Spreadsheet cells that begin with these are read as formulas; such text gets a leading '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    figure: go.Figure


def peer_for_charts(numbers: MaturityNumbers) -> tuple[str, dict[str, charts.Quartiles] | None]:
    """The narrowest peer group that may be shown (type, then size, region, all)."""
    for key in ("type", "size", "region", "all"):
        group = next((g for g in numbers.peers if g.key == key), None)
        if group is not None and group.quartiles:
            return group.label, group.quartiles
    return "", None


def maturity_charts(numbers: MaturityNumbers) -> list[Chart]:
    """The report's figures, from its numbers."""
    names = {c.code: c.name for c in numbers.commitments}
    scores = {c.name: c.score for c in numbers.commitments}
    label, quartiles = peer_for_charts(numbers)
    by_name = {names[code]: q for code, q in (quartiles or {}).items() if code in names}
    result = [
        Chart(
            "radar",
            "Maturity by commitment",
            charts.radar(
                scores=scores,
                peer_median={n: q.median for n, q in by_name.items()} if by_name else None,
                peer_label=f"Peer median: {label}" if label else "Peer median",
            ),
        ),
        Chart("bars", "Your scores against your peers", charts.bars_with_band(
            scores=scores, peers=by_name or None)),
    ]  # fmt: skip
    columns = max((sum(1 for cr in numbers.criteria if cr.commitment_code == c.code)
                   for c in numbers.commitments), default=0)  # fmt: skip
    levels: list[list[int | None]] = []
    labels: list[list[str]] = []
    for c in numbers.commitments:
        row = [cr for cr in numbers.criteria if cr.commitment_code == c.code]
        levels.append([cr.level for cr in row] + [None] * (columns - len(row)))
        labels.append(
            [f"{cr.code}: {cr.level if cr.level else 'N/A'}" for cr in row]
            + [""] * (columns - len(row))
        )
    result.append(
        Chart(
            "heatmap",
            "Level of every criterion",
            charts.criterion_heatmap(
                rows=[c.name for c in numbers.commitments],
                columns=[f"Criterion {i}" for i in range(1, columns + 1)],
                levels=levels,
                labels=labels,
            ),
        )
    )
    if len(numbers.trend_cycles) > 1:
        result.append(
            Chart(
                "trend",
                "Scores across cycles",
                charts.trend(cycles=numbers.trend_cycles, series=numbers.trend),
            )
        )
    return result


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_document(numbers: MaturityNumbers, images: Sequence[tuple[Chart, str]]) -> str:
    """The report as one HTML document with its charts as images: for the PDF and for download."""
    return render_to_string(
        "reports/maturity_document.html",
        {
            "n": numbers,
            "charts": [{"chart": c, "src": data_uri(svg)} for c, svg in images],
            "peer_label": peer_for_charts(numbers)[0],
        },
    )


class PdfToolError(RuntimeError):
    """The PDF cannot be made on this machine; the message says what to install."""


def interactive_charts(charts_: Sequence[Chart]) -> list[dict[str, object]]:
    """Each chart with its figure as JSON, for the page's data blocks."""
    return [
        {"chart": c, "figure": json.loads(c.figure.to_json()), "script_id": f"figure-{c.key}"}
        for c in charts_
    ]


def render_page_body(numbers: MaturityNumbers, charts_: Sequence[Chart]) -> str:
    """The report page's content (interactive charts, tables), rendered once at build time."""
    return render_to_string(
        "reports/_report_body.html",
        {
            "n": numbers,
            "interactive": True,
            "charts": interactive_charts(charts_),
            "peer_label": peer_for_charts(numbers)[0],
        },
    )


def render_pdf(html: str) -> bytes:
    """The PDF of a rendered document (WeasyPrint; charts are SVG images, no script)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint loads Pango when imported
        raise PdfToolError(
            "PDFs need the Pango text library on the machine that builds reports "
            "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)."
        ) from exc

    # PDF/UA: a tagged PDF (headings, tables, image alternatives) that screen readers can read.
    pdf: bytes = HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")
    return pdf


def safe_cell(value: object) -> object:
    """A cell value that a spreadsheet will never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render_xlsx(numbers: MaturityNumbers) -> bytes:
    """Scores, every answer with its evidence, the plan, peer figures and what changed."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    bold = book.add_format({"bold": True})

    def sheet(name: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, header, bold)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                cell = safe_cell(value)
                if isinstance(cell, str):
                    ws.write_string(i, j, cell)
                elif cell is None:
                    ws.write_blank(i, j, None)
                else:
                    ws.write(i, j, cell)

    sheet(
        "Scores",
        ["Organization", "Cycle", "Commitment code", "Commitment", "Score", "Answered", "N/A"],
        [
            [numbers.organization, numbers.cycle, c.code, c.name, c.score, c.answered,
             c.not_applicable]
            for c in numbers.commitments
        ]
        + [[numbers.organization, numbers.cycle, "overall", "Overall", numbers.overall, None,
            None]],
    )  # fmt: skip
    sheet(
        "Answers",
        ["Commitment", "Criterion", "Prompt", "Level", "Level name", "Not applicable",
         "Reason", "Evidence", "Notes", "Confidence"],
        [
            [cr.commitment_code, cr.code, cr.prompt, cr.level, cr.level_name,
             "yes" if cr.not_applicable else "", cr.na_reason, cr.evidence, cr.notes,
             cr.confidence]
            for cr in numbers.criteria
        ],
    )  # fmt: skip
    sheet(
        "Plan",
        ["Commitment", "Action", "Criterion", "Target level", "Owner", "Due", "Status"],
        [[p.commitment_code, p.title, p.criterion_code, p.target_level, p.owner, p.due, p.status]
         for p in numbers.plan],
    )  # fmt: skip
    peer_rows: list[list[object]] = []
    for g in numbers.peers:
        if g.quartiles is None:
            peer_rows.append([g.label, g.size, "", "too small to show", None, None])
            continue
        for code, q in g.quartiles.items():
            peer_rows.append([g.label, g.size, code, "", q.q1, q.median, q.q3])
    sheet(
        "Peers",
        ["Peer group", "Organizations", "Commitment", "Note", "25th", "Median", "75th"],
        peer_rows,
    )
    sheet(
        "Changes",
        ["Criterion", "Prompt", f"Level in {numbers.previous_cycle or 'last cycle'}",
         f"Level in {numbers.cycle}", "Change", "Notes"],
        [[ch.criterion_code, ch.prompt, ch.before, ch.after, ch.delta, ch.notes]
         for ch in numbers.changes],
    )  # fmt: skip
    book.close()
    return buffer.getvalue()
