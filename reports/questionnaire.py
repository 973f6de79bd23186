"""The printable questionnaire: a whole rubric version as a PDF and a workbook, for reading
and discussing offline (scoring rule, evidence per level, every criterion, glossary)."""

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import xlsxwriter
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.text import slugify

from commitments.models import CrosswalkLink, Rubric
from commitments.rubric_file import CommitmentSpec, CriterionSpec, RubricSpec
from commitments.rubric_text import elements, plain
from commitments.selectors import crosswalk_changes, rubric_spec

from .render import render_pdf, write_rows

SAME_NOTE = "Prompt unchanged; descriptors rewritten to the common spine."


@dataclass(frozen=True)
class Questionnaire:
    spec: RubricSpec
    changes: list[tuple[Rubric, list[CrosswalkLink]]]

    @property
    def file_base(self) -> str:
        return f"{slugify(self.spec.name)}-{slugify(self.spec.version)}-questionnaire"

    def sections(
        self,
    ) -> list[tuple[CommitmentSpec, list[tuple[CriterionSpec, list[tuple[int, str, list[str]]]]]]]:
        """Each commitment with its criteria, and each criterion's levels as (number, name,
        checklist elements), for the document."""
        names = {lv.level: lv.name for lv in self.spec.levels}
        return [
            (
                c,
                [
                    (cr, [(n, names.get(n, ""), elements(t)) for n, t in cr.descriptors.items()])
                    for cr in c.criteria
                ],
            )
            for c in self.spec.commitments
        ]


def questionnaire_for(*, rubric: Rubric) -> Questionnaire:
    """The rubric's text as it is now, and how it changed from the versions before it."""
    return Questionnaire(rubric_spec(rubric=rubric), crosswalk_changes(target=rubric))


def questionnaire_html(q: Questionnaire) -> str:
    return render_to_string(
        "reports/questionnaire_document.html",
        {"q": q, "spec": q.spec, "sections": q.sections()},
    )


# Laying out some fifty pages takes seconds; the text changes only when an admin edits it,
# so a PDF is kept under a digest of the document it was made from.
PDF_CACHE_SECONDS = 7 * 24 * 3600


def questionnaire_pdf(q: Questionnaire) -> bytes:
    """The questionnaire as a PDF, made once per version of its text."""
    html = questionnaire_html(q)
    key = "questionnaire-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    pdf = cache.get(key)
    if not isinstance(pdf, bytes):
        pdf = render_pdf(html)
        cache.set(key, pdf, PDF_CACHE_SECONDS)
    return pdf


def questionnaire_xlsx(q: Questionnaire) -> bytes:
    """One sheet to score in (a row per criterion, with empty columns to fill), and the
    rules, levels with their evidence, glossary and changes beside it."""
    spec = q.spec
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def sheet(name: str, rows: Sequence[Sequence[object]], widths: list[int]) -> None:
        ws = book.add_worksheet(name)
        for i, width in enumerate(widths):
            ws.set_column(i, i, width, wrap)
        write_rows(ws, rows, header_format=bold)
        ws.freeze_panes(1, 0)

    sheet(
        "How to score",
        [["Topic", "Text"], ["Rubric", f"{spec.name} {spec.version}"],
         ["About", spec.description], ["How to score", spec.scoring],
         ["Weights", spec.weighting], ["Attribution", spec.attribution]],
        [18, 110],
    )  # fmt: skip
    sheet(
        "Levels",
        [["Level", "Name", "In general", "Minimum evidence that counts"]]
        + [[lv.level, lv.name, lv.description, lv.evidence] for lv in spec.levels],
        [7, 20, 55, 60],
    )
    sheet(
        "Criteria",
        [["Commitment", "Definition (NAM)", "Criterion", "Prompt", "Guidance", "Evidence hint",
          "Weight", *[f"Level {lv.level} · {lv.name}" for lv in spec.levels],
          "Our level", "Evidence we have", "Notes for discussion"]]
        + [[c.name, c.definition, cr.code.upper(), cr.prompt, cr.guidance, cr.evidence_hint,
            float(cr.weight), *[plain(cr.descriptors.get(lv.level, "")) for lv in spec.levels],
            None, None, None]
           for c in spec.commitments for cr in c.criteria],
        [14, 30, 12, 45, 45, 35, 7, 35, 40, 40, 40, 40, 10, 30, 30],
    )  # fmt: skip
    if spec.glossary:
        sheet(
            "Glossary",
            [["Term", "Definition"]] + [[g.term, g.definition] for g in spec.glossary],
            [28, 100],
        )
    for source, links in q.changes:
        sheet(
            f"Changes from {source.version}"[:31],
            [[source.version, spec.version, "Change", "Why"]]
            + [[link.source.code.upper() if link.source else "",
                link.target.code.upper() if link.target else "",
                link.get_kind_display(), link.note or SAME_NOTE]
               for link in links],
            [14, 14, 12, 100],
        )  # fmt: skip
    book.close()
    return buffer.getvalue()
