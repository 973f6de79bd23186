"""Turn a report's numbers and figures into files: HTML (offline, no script), PDF and XLSX."""

import base64
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import xlsxwriter
from django.template.loader import render_to_string

from . import charts
from .images import html_to_pdf
from .selectors import MaturityChartNumbers, MaturityNumbers

# Spreadsheet cells that begin with these are read as formulas; such text gets a leading '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    figure: go.Figure
    section: str = "scores"  # where the report shows it: with the scores, or "agreement"


def maturity_charts(c: MaturityChartNumbers) -> list[Chart]:
    """The maturity report's figures, from numbers the selectors shaped for them."""
    result = [
        Chart("radar", "Maturity by commitment", charts.radar(
            scores=c.scores, peer_median=c.peer_median, peer_label=c.peer_label)),
        Chart("bars", "Your scores against your peers", charts.bars_with_band(
            scores=c.scores, peers=c.peers)),
        Chart("heatmap", "Level of every criterion", charts.criterion_heatmap(
            rows=c.heatmap.rows, columns=c.heatmap.columns, levels=c.heatmap.levels,
            labels=c.heatmap.labels)),
    ]  # fmt: skip
    if len(c.trend_cycles) > 1:
        result.append(
            Chart(
                "trend", "Scores across cycles", charts.trend(cycles=c.trend_cycles, series=c.trend)
            )
        )
    for rnd in c.agreement:
        title = f"Ratings per criterion, round of {rnd.opened_on}"
        figure = charts.ratings_per_criterion(
            codes=[cr.code for cr in rnd.criteria],
            staff=[cr.staff_counts for cr in rnd.criteria],
            partners=[cr.partner_counts for cr in rnd.criteria],
            consensus=[cr.consensus for cr in rnd.criteria],
            title=title,
        )
        result.append(Chart(rnd.chart_key, title, figure, section="agreement"))
    return result


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def images(drawn: Sequence[tuple[Chart, str]]) -> list[dict[str, object]]:
    """Each chart with its SVG as a data URI, for a printable document's <img> tags."""
    return [{"chart": c, "src": data_uri(svg)} for c, svg in drawn]


def render_document(numbers: MaturityNumbers, drawn: Sequence[tuple[Chart, str]]) -> str:
    """The report as one HTML document with its charts as images: for the PDF and for download."""
    return render_to_string(
        "reports/maturity_document.html", {"n": numbers, "charts": images(drawn)}
    )


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
        {"n": numbers, "interactive": True, "charts": interactive_charts(charts_)},
    )


def render_pdf(html: str) -> bytes:
    """The PDF of a rendered document (charts are SVG images, no script), printed by the
    worker's Chromium: tagged, with bookmarks."""
    return html_to_pdf(html)


def safe_cell(value: object) -> object:
    """A cell value that a spreadsheet will never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(ws: Any, rows: Iterable[Sequence[object]], *, header_format: Any = None) -> None:
    """Rows into a worksheet from its first row, text neutralised, the first row in
    `header_format`; rows are written in order, so constant-memory workbooks accept them."""
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cell = safe_cell(value)
            if isinstance(cell, str):
                ws.write_string(i, j, cell, header_format if i == 0 else None)
            elif cell is None:
                ws.write_blank(i, j, None)
            elif isinstance(cell, int | float | Decimal):
                ws.write_number(i, j, cell)
            else:
                ws.write(i, j, cell)


def render_xlsx(numbers: MaturityNumbers) -> bytes:
    """Scores, every answer with its evidence, the plan, peer figures and what changed."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    bold = book.add_format({"bold": True})

    def sheet(name: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        write_rows(book.add_worksheet(name), [header, *rows], header_format=bold)

    sheet(
        "Scores",
        ["Organization", "Cycle", "Commitment code", "Commitment", "Score (mean)", "Median",
         "At level 1", "At level 2", "At level 3", "At level 4", "At level 5", "Answered", "N/A"],
        [
            [numbers.organization, numbers.cycle, c.code, c.name, c.score, c.median,
             *c.distribution, c.answered, c.not_applicable]
            for c in numbers.commitments
        ]
        + [[numbers.organization, numbers.cycle, "overall", "Overall", numbers.overall,
            numbers.overall_median, *numbers.overall_distribution, None, None]],
    )  # fmt: skip
    sheet(
        "Answers",
        ["Commitment", "Criterion", "Prompt", "Level", "Level name", "Not applicable",
         "Reason", "Evidence", "Evidence links", "Evidence files", "Notes", "Confidence"],
        [
            [cr.commitment_code, cr.code, cr.prompt, cr.level, cr.level_name,
             "yes" if cr.not_applicable else "", cr.na_reason, cr.evidence,
             "\n".join(cr.links), "\n".join(cr.files), cr.notes, cr.confidence]
            for cr in numbers.criteria
        ],
    )  # fmt: skip
    sheet(
        "Plan",
        ["Commitment", "Action", "Criterion", "Target level", "Owner", "Due", "Status", "Overdue"],
        [[p.commitment_code, p.title, p.criterion_code, p.target_level, p.owner, p.due, p.status,
          "Overdue" if p.overdue else ""]
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
         f"Level in {numbers.cycle}", "Change", "Why it changed"],
        [[ch.criterion_code, ch.prompt, ch.before, ch.after, ch.delta, ch.reason]
         for ch in numbers.changes]
        + [[nc.criterion_code, nc.prompt, None, nc.after, None,
            f"Not comparable with {numbers.previous_version}: {nc.lineage}"]
           for nc in numbers.not_comparable],
    )  # fmt: skip
    if numbers.agreement:
        sheet(
            "Agreement",
            ["Round opened", "Raters", "Partners", "Alpha (ordinal)", "Alpha 95% low",
             "Alpha 95% high", "Criterion", "Commitment",
             *[f"Staff at {lv}" for lv in range(1, 6)],
             *[f"Partners at {lv}" for lv in range(1, 6)],
             "Don't know", "Median", "Lowest", "Highest", "Q1", "Q3", "2+ levels apart",
             "Staff median", "Partners median", "Consensus"],
            [
                [r.opened_on, r.raters, r.partners, r.alpha.value, r.alpha.low, r.alpha.high,
                 c.code, c.commitment, *c.staff_counts, *c.partner_counts, c.dont_know,
                 c.median, c.low, c.high, c.q1, c.q3, "yes" if c.disagreement else "no",
                 c.staff_median, c.partner_median, c.consensus]
                for r in numbers.agreement
                for c in r.criteria
            ],
        )  # fmt: skip
    book.close()
    return buffer.getvalue()
