"""Reports as Word documents (DOCX) a lead can edit and add their own pages to: the document
title, real Heading 1 and 2 styles (Word's navigation pane and table of contents find them),
tables with a repeated header row, and the charts as PNG images with alternative text. The
page is A4 or US Letter, as the report's paper size says."""

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Mm

from .render import Chart
from .selectors import MaturityNumbers

PAGES = {"letter": (Inches(8.5), Inches(11)), "A4": (Mm(210), Mm(297))}
MARGIN = Mm(20)


def new_document(*, title: str, lines: Sequence[str], paper_size: str) -> Any:
    """A document of the paper size (US Letter unless "A4"), with its title and lines under."""
    doc = Document()
    width, height = PAGES.get(paper_size, PAGES["letter"])
    for section in doc.sections:
        section.page_width, section.page_height = width, height
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = MARGIN
    doc.core_properties.title = title
    doc.core_properties.language = "en-US"  # read aloud in English, as the PDF's lang says
    doc.add_heading(title, level=0)
    for line in lines:
        doc.add_paragraph(line)
    return doc


def heading(doc: Any, text: str, level: int = 1) -> None:
    doc.add_heading(text, level=level)


def table(
    doc: Any, header: Sequence[str], rows: Sequence[Sequence[object]], caption: str = ""
) -> None:
    """A table with a bold header row that repeats on each page, and its caption above."""
    if caption:
        doc.add_paragraph(caption, style="Caption")
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    head = t.rows[0]
    flag = OxmlElement("w:tblHeader")  # repeat on every page; read as headers by Word
    flag.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(flag)
    for cell, text in zip(head.cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    for row in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)


def chart(doc: Any, item: Chart, png: bytes) -> None:
    """A chart as an image across the text width, its alternative text and caption."""
    section = doc.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    doc.add_picture(io.BytesIO(png), width=width)
    shape = doc.inline_shapes[-1]
    shape._inline.docPr.set(
        "descr", f"{item.title}: the same figures are in the tables of this report."
    )
    doc.add_paragraph(item.title, style="Caption")


def to_bytes(doc: Any) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _score(value: float | None) -> str:
    return "no score" if value is None else f"{value:.2f}"


def _median(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


def maturity_docx(numbers: MaturityNumbers, drawn: Sequence[tuple[Chart, bytes]]) -> bytes:
    """The maturity report as a DOCX: the sections of the PDF, in the same order."""
    n = numbers
    status = f"Cycle {n.cycle} · {n.rubric} · {n.status}"
    if n.submitted_at:
        status += f" · submitted {n.submitted_at:%d %B %Y}"
    doc = new_document(
        title=f"Maturity report: {n.organization}", lines=[status], paper_size=n.paper_size
    )
    heading(doc, "Scores")
    table(
        doc,
        ["Commitment", "Score (mean)", "Median", "Criteria at levels 1 · 2 · 3 · 4 · 5",
         "Answered", "Not applicable"],
        [[c.name, _score(c.score), _median(c.median), " · ".join(map(str, c.distribution)),
          c.answered, c.not_applicable] for c in n.commitments]
        + [["Overall", _score(n.overall), _median(n.overall_median),
            " · ".join(map(str, n.overall_distribution)), "", ""]],
        caption="Commitment scores: weighted mean, median and distribution of the levels of "
        "answered criteria (1 to 5); N/A left out.",
    )  # fmt: skip
    for item, png in drawn:
        if item.section == "scores":
            chart(doc, item, png)

    heading(doc, "Peer comparison")
    doc.add_paragraph(
        "Peers are organizations with submitted or accepted assessments in this cycle. A "
        f"group's figures are shown only when it has at least {n.min_group} organizations; "
        "no organization is named."
    )
    for group, rows in n.peer_tables:
        if rows:
            heading(doc, f"{group.label}: {group.size} organizations", level=2)
            table(
                doc,
                ["Commitment", "25th percentile", "Median", "75th percentile"],
                [[name, f"{q.q1:.2f}", f"{q.median:.2f}", f"{q.q3:.2f}"] for name, q in rows],
            )
        else:
            doc.add_paragraph(
                f"{group.label}: the group is too small to show (fewer than {n.min_group} "
                "organizations)."
            )

    heading(doc, f"What changed since {n.previous_cycle or 'the last cycle'}")
    if n.changes:
        table(
            doc,
            ["Criterion", "Before", "Now", "Change", "Why it changed"],
            [[ch.criterion_code.upper(), ch.before or "N/A", ch.after or "N/A",
              "" if ch.delta is None else f"{ch.delta:+d}", ch.reason or "Not said"]
             for ch in n.changes],
        )  # fmt: skip
    elif n.previous_cycle:
        doc.add_paragraph(f"No criterion changed level since {n.previous_cycle}.")
    else:
        doc.add_paragraph("This is the organization's first submitted cycle.")
    if n.not_comparable:
        table(
            doc,
            ["Criterion", "In the crosswalk", "Now"],
            [[nc.criterion_code.upper(), nc.lineage, nc.after or "N/A"] for nc in n.not_comparable],
            caption=f"Criteria not comparable with {n.previous_cycle}",
        )

    heading(doc, "Improvement plan for the weakest commitments")
    if n.plan:
        table(
            doc,
            ["Commitment", "Action", "Criterion", "Target level", "Owner", "Due", "Status"],
            [[p.commitment_name, p.title, p.criterion_code.upper(), p.target_level or "",
              p.owner, p.due, f"{p.status} (overdue)" if p.overdue else p.status]
             for p in n.plan],
        )  # fmt: skip
    else:
        doc.add_paragraph(f"No actions are planned yet for {', '.join(n.weakest_names)}.")

    if n.agreement:
        _agreement(doc, n, drawn)

    heading(doc, "Answers")
    by_commitment: dict[str, list[list[object]]] = {}
    for cr in n.criteria:
        if cr.not_applicable:
            level = f"Not applicable: {cr.na_reason}"
        else:
            level = f"{cr.level} {cr.level_name}".strip() if cr.level else "Not answered"
        evidence = "\n".join(x for x in (cr.evidence, *cr.links, *cr.files) if x)
        by_commitment.setdefault(cr.commitment_code, []).append(
            [f"{cr.code.upper()} {cr.prompt}", level, evidence, cr.notes, cr.confidence]
        )
    for c in n.commitments:  # one table a commitment: a few tables, not one a criterion
        if c.code in by_commitment:
            heading(doc, c.name, level=2)
            table(
                doc,
                ["Criterion", "Level", "Evidence", "Notes", "Confidence"],
                by_commitment[c.code],
            )
    return to_bytes(doc)


def _agreement(doc: Any, n: MaturityNumbers, drawn: Sequence[tuple[Chart, bytes]]) -> None:
    heading(doc, "Agreement between raters")
    images = {item.key: (item, png) for item, png in drawn}
    for rnd in n.agreement:
        heading(doc, f"Rating round of {rnd.opened_on}", level=2)
        alpha = rnd.alpha
        if alpha.value is not None:
            interval = (
                f" (95% interval {alpha.low:.2f} to {alpha.high:.2f})"
                if alpha.low is not None and alpha.high is not None
                else ""
            )
            said = f"Krippendorff's alpha for ordinal levels: {alpha.value:.2f}{interval}."
        else:
            said = f"Krippendorff's alpha is not shown: {alpha.reason}."
        doc.add_paragraph(f"{rnd.raters} raters submitted, {rnd.partners} of them partners. {said}")
        if rnd.chart_key in images:
            chart(doc, *images[rnd.chart_key])
        for c in rnd.partners_differ:
            doc.add_paragraph(
                f"Partners' voice: on {c.code.upper()} partners' median is "
                f"{c.partner_median:g}, staff's {c.staff_median:g}."
            )
        table(
            doc,
            ["Criterion", "Staff + partners at 1 · 2 · 3 · 4 · 5", "Don't know", "Median",
             "Range", "Consensus"],
            [[c.code.upper() + (" (2+ levels apart)" if c.disagreement else ""),
              " · ".join(f"{a}+{b}" for a, b in c.level_pairs), c.dont_know,
              _median(c.median), f"{c.low} to {c.high}" if c.low is not None else "none",
              c.consensus or "none yet"] for c in rnd.criteria],
            caption=f"Ratings per criterion, round of {rnd.opened_on}.",
        )  # fmt: skip
