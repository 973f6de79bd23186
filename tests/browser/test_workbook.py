"""The spreadsheet round trip in Chromium: the lead finds the workbook on the assessment page,
downloads it, fills it offline (openpyxl), uploads it, settles a conflict on the preview and
confirms; every page axe-checked at a desktop and a phone width."""

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from assessments.models import Answer
from assessments.services import answers_save
from assessments.tests.factories import answer, answer_all, started

from .test_assessment_journey import sign_in
from .test_trust import _check, _lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill(path: str, out: Path) -> None:
    """Level 4 for C1-1 and C2-3, and a note on C1-2, as a person would in Excel."""
    book = load_workbook(path)
    book["Commitment 1"]["C4"] = 4
    book["Commitment 1"]["F5"] = "Discussed at the March board."
    book["Commitment 2"]["C6"] = 4
    book.save(out)


def test_a_lead_fills_the_workbook_offline_and_confirms_its_changes(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    organization, lead = _lead("alpha", "Alpha Health")
    assessment = started(organization=organization, by=lead)
    answer_all(assessment=assessment, by=lead, level=2)
    base = live_server.url
    sign_in(page, base, lead.email)
    page.goto(f"{base}/assessments/{assessment.pk}/")
    _check(page, "workbook-on-overview")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook (.xlsx)").click()
    assert download.value.suggested_filename == "alpha-Cycle-" + (
        assessment.cycle.name.split()[-1] + "-assessment.xlsx"
    )
    path = str(tmp_path / download.value.suggested_filename)
    download.value.save_as(path)
    filled = tmp_path / "filled.xlsx"
    _fill(path, filled)
    # Meanwhile, C2-3 changes on the site: a conflict.
    row = Answer.objects.get(assessment=assessment, criterion__code="c2-3")
    answers_save(assessment=assessment, answers={row.pk: (row.version, answer(5))}, by=lead)

    page.get_by_role("link", name="Upload a filled-in workbook…").click()
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/workbook/upload/")
    (tmp_path / "notes.txt").write_text("not a workbook")
    page.get_by_label("Filled-in workbook (.xlsx)").set_input_files(str(tmp_path / "notes.txt"))
    page.get_by_role("button", name="Check the workbook").click()
    assert "not an Excel workbook" in page.inner_text(".invalid-feedback")
    _check(page, "workbook-upload-refused")

    page.get_by_label("Filled-in workbook (.xlsx)").set_input_files(str(filled))
    page.get_by_role("button", name="Check the workbook").click()
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/workbook/preview/")
    text = page.inner_text("main")
    for code in ("C1-1", "C1-2", "C2-3"):
        assert code in text
    assert "Conflict" in text
    _check(page, "workbook-preview")

    page.get_by_role("button", name="Confirm and save 3 answers").click()
    assert "Choose which answer to keep for C2-3." in page.inner_text("main")
    page.get_by_label("The workbook's answer").check()
    page.get_by_role("button", name="Confirm and save 3 answers").click()
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/")
    assert "Saved from the workbook: C1-1, C1-2, C2-3." in page.inner_text("main")
    levels = dict(
        Answer.objects.filter(assessment=assessment).values_list("criterion__code", "level")
    )
    assert levels == {"c1-1": 4, "c1-2": 2, "c1-3": 2, "c2-1": 2, "c2-2": 2, "c2-3": 4}
    assert Answer.objects.get(assessment=assessment, criterion__code="c1-2").notes == (
        "Discussed at the March board."
    )
