"""A lead asks for the maturity report, sees its charts and tables, and downloads the PDF."""

from pathlib import Path
from typing import Any

import pytest

from reports.tests import consortium

from .conftest import assert_accessible, assert_charts_and_tables_read_well, charts_not_drawn
from .test_assessment_journey import press_enter_and_wait, sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_builds_reads_and_downloads_the_maturity_report(
    page: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    _, _, assessments = consortium.build()  # five peers: the peer band is shown
    assessment = assessments[4]
    lead = assessment.organization.memberships.get().user
    lead.email = "lead@report.test"
    lead.save(update_fields=["email"])
    base = live_server.url

    sign_in(page, base, "lead@report.test")
    page.goto(f"{base}/assessments/{assessment.pk}/")
    tab_to(page, f"a[href='/reports/assessments/{assessment.pk}/']")
    press_enter_and_wait(page)
    tab_to(page, "main button[type=submit]")  # "Build the maturity report"
    press_enter_and_wait(page)  # tasks run in-process here, so the report is ready at once
    page.wait_for_selector("#chart-radar svg.main-svg")
    assert charts_not_drawn(page) == []  # each drawn as it is scrolled to
    assert page.locator(".report-chart.js-plotly-plot").count() == 3  # radar, bars, heat map
    assert "4.14" in page.inner_text(".report")
    assert_accessible(page)
    assert_charts_and_tables_read_well(page, chart="#chart-radar")
    with page.expect_download() as download:
        tab_to(page, "a.btn-primary[href$='/pdf/']")
        page.keyboard.press("Enter")
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    # The Word document beside it opens in python-docx with its charts as images.
    with page.expect_download() as download:
        page.get_by_role("link", name="Word document to edit (DOCX)").click()
    docx_path = tmp_path / "downloaded.docx"
    download.value.save_as(docx_path)
    from docx import Document

    document = Document(str(docx_path))
    assert document.paragraphs[0].text == f"Maturity report: {assessment.organization.name}"
    assert len(document.inline_shapes) == 3
    assert page.console_errors == []
    # The HTML report opens in the browser, its styles and chart images allowed, no download.
    page.get_by_role("link", name="Web page (HTML, opens in the browser)").click()
    page.wait_for_url("**/html/")
    assert page.inner_text("h1") == f"Maturity report: {assessment.organization.name}"
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(images) == 3
    assert all(width > 0 for width in images), "a chart image was blocked"
    # The document's own inline style sheet applies (#0b4f6c headings).
    assert page.eval_on_selector("h1", "h => getComputedStyle(h).color") == "rgb(11, 79, 108)"
    assert page.console_errors == []
