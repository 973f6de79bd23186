"""The maturity report's agreement between raters: its figures are the database's, in the page,
the spreadsheet and the Word document."""

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from assessments.models import Assessment
from assessments.services import assessment_submit
from assessments.tests import factories
from organizations.tests.factories import UserFactory
from ratings.agreement import ordinal_alpha
from ratings.models import Rating
from ratings.services import (
    RatingInput,
    consensus_record,
    rater_invite,
    rater_submit,
    rating_save,
    round_criteria,
    round_open,
)
from reports.render import maturity_charts, render_page_body, render_xlsx
from reports.selectors import maturity_chart_numbers, maturity_numbers
from reports.word import maturity_docx
from tests.cast import Cast

pytestmark = pytest.mark.django_db

LEVELS = {  # rater -> levels of c1-1, c1-2, c1-3
    "staff1": [1, 3, 3],
    "staff2": [2, 3, None],
    "partner": [4, 3, 3],
}


@pytest.fixture
def assessment(cast: Cast) -> Assessment:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    rnd = round_open(
        assessment=assessment,
        commitments=[assessment.cycle.rubric.commitments.get(code="c1")],
        closes_on=factories.days_from_today(5),
        named=False,
        by=cast.lead_a,
    )
    criteria = round_criteria(rnd)
    for who, levels in LEVELS.items():
        rater = rater_invite(
            rnd=rnd, user=UserFactory(email=f"{who}@alpha.test"), is_partner=who == "partner",
            by=cast.lead_a,
        )  # fmt: skip
        for criterion, level in zip(criteria, levels, strict=True):
            rating_save(
                rater=rater, criterion=criterion, data=RatingInput(level, level is None, "")
            )
        rater_submit(rater=rater)
    consensus_record(rnd=rnd, criterion=criteria[0], level=3, reason="Met.", by=cast.lead_a)
    factories.answer_all(assessment=assessment, by=cast.lead_a, levels={"c1-2": 3, "c1-3": 3,
                         "c2-1": 2, "c2-2": 2, "c2-3": 2})  # fmt: skip
    return assessment_submit(assessment=assessment, by=cast.lead_a)


def test_the_agreement_figures_are_the_databases(assessment: Assessment) -> None:
    numbers = maturity_numbers(assessment=assessment)
    (rnd,) = numbers.agreement
    assert (rnd.raters, rnd.partners) == (3, 1)
    table = [
        [r.level for r in Rating.objects.filter(rater=rater).order_by("criterion__order")]
        for rater in assessment.rating_rounds.get().raters.order_by("id")
    ]
    assert rnd.alpha.value == pytest.approx(ordinal_alpha(table).value)
    first = rnd.criteria[0]
    stored = list(Rating.objects.filter(criterion__code="c1-1").values_list("level", flat=True))
    assert sum(first.staff_counts) + sum(first.partner_counts) == len(stored) == 3
    assert first.staff_counts == (1, 1, 0, 0, 0)
    assert first.partner_counts == (0, 0, 0, 1, 0)
    assert (first.low, first.high, first.median, first.disagreement) == (1, 4, 2.0, True)
    assert (first.staff_median, first.partner_median, first.partners_differ) == (1.5, 4.0, True)
    assert first.consensus == 3
    assert rnd.criteria[2].dont_know == 1


def test_the_page_spreadsheet_and_word_document_show_them(assessment: Assessment) -> None:
    numbers = maturity_numbers(assessment=assessment)
    charts = maturity_charts(maturity_chart_numbers(numbers))
    assert [c.key for c in charts if c.section == "agreement"] == ["ratings-1"]
    html = render_page_body(numbers, charts)
    assert "Agreement between raters" in html
    assert "Partners' voice" in html
    assert "C1-1 (partners 4, staff 1.5)" in html
    assert 'id="chart-ratings-1"' in html
    sheet = load_workbook(io.BytesIO(render_xlsx(numbers)), read_only=True)["Agreement"]
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], rows[1]
    got = dict(zip(header, first, strict=True))
    assert got["Criterion"] == "c1-1"
    assert got["Staff at 1"] == 1
    assert got["Partners at 4"] == 1
    assert got["Consensus"] == 3
    assert got["2+ levels apart"] == "yes"
    assert got["Alpha (ordinal)"] == pytest.approx(numbers.agreement[0].alpha.value)
    doc = Document(io.BytesIO(maturity_docx(numbers, [])))
    texts = [p.text for p in doc.paragraphs]
    assert "Agreement between raters" in texts
    assert any("3 raters submitted, 1 of them partners" in t for t in texts)
