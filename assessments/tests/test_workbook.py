"""The spreadsheet round trip: download, fill offline with openpyxl, upload, preview, confirm."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from assessments.models import Answer, Assessment, WorkbookImport
from assessments.services import answers_save
from assessments.tests.factories import answer, answer_all, started
from assessments.workbook import FIRST_ROW, STAMP_SHEET
from organizations.models import AuditEvent
from tests.cast import Cast

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(client: Client, assessment: Assessment) -> Any:
    response = client.get(reverse("assessments:workbook_download", args=[assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def _row(book: Any, code: str) -> tuple[Worksheet, int]:
    """The sheet and row of criterion `code`, found by its code cell as a person would."""
    for sheet in book.worksheets:
        for row in range(FIRST_ROW, sheet.max_row + 1):
            if str(sheet.cell(row, 1).value).lower() == code:
                return sheet, row
    raise AssertionError(f"{code} is in no sheet")


def _set(book: Any, code: str, column: str, value: object) -> str:
    sheet, row = _row(book, code)
    sheet[f"{column}{row}"] = value
    return f"{sheet.title}!{column}{row}"


def _upload(client: Client, assessment: Assessment, book: Any, name: str = "filled.xlsx") -> Any:
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)
    return client.post(
        reverse("assessments:workbook_upload", args=[assessment.pk]), {"file": upload}
    )


def _preview_url(assessment: Assessment) -> str:
    return reverse("assessments:workbook_preview", args=[assessment.pk])


def _state(assessment: Assessment) -> dict[str, tuple[Any, ...]]:
    return {
        a.criterion.code: (
            *(a.level, a.not_applicable, a.na_reason, a.evidence, a.notes),
            *(a.confidence, a.version),
        )
        for a in Answer.objects.filter(assessment=assessment).select_related("criterion")
    }


@pytest.fixture
def assessment(cast: Cast) -> Assessment:
    """A's draft with every criterion at level 2."""
    a = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=a, by=cast.lead_a, level=2)
    return a


def test_the_workbook_has_a_sheet_per_commitment_drop_downs_guidance_and_locked_structure(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    assert book.sheetnames == ["About", "Commitment 1", "Commitment 2", STAMP_SHEET]
    assert book[STAMP_SHEET].sheet_state == "veryHidden"
    sheet = book["Commitment 1"]
    assert sheet.protection.sheet
    assert sheet[f"A{FIRST_ROW}"].protection.locked
    assert not sheet[f"C{FIRST_ROW}"].protection.locked
    assert sheet[f"C{FIRST_ROW}"].value == 2
    assert "c1-1 at level 5" in sheet[f"H{FIRST_ROW}"].value
    (levels, _) = sheet.data_validations.dataValidation
    assert levels.type == "list"
    assert levels.formula1 == '"1,2,3,4,5,N/A"'
    assert f"C{FIRST_ROW}" in str(levels.sqref)
    event = AuditEvent.objects.get(action="download.workbook")
    assert event.actor == cast.lead_a
    assert event.organization == cast.org_a


def test_three_answers_changed_offline_are_previewed_then_saved_and_nothing_else(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    _set(book, "c1-1", "C", 4)
    _set(book, "c1-3", "F", "Board minutes of March.")
    _set(book, "c2-2", "C", "N/A")
    _set(book, "c2-2", "D", "We run no such service.")
    before = _state(assessment)

    response = _upload(client, assessment, book)
    assert response.status_code == 302
    assert response["Location"] == _preview_url(assessment)
    assert _state(assessment) == before, "nothing is applied before the lead confirms"
    preview = client.get(_preview_url(assessment))
    html = preview.content.decode()
    assert preview.status_code == 200
    for code in ("C1-1", "C1-3", "C2-2"):
        assert code in html
    assert "Board minutes of March." in html
    assert "C1-2" not in html

    assert client.post(_preview_url(assessment)).status_code == 302
    after = _state(assessment)
    changed = {code for code in after if after[code] != before[code]}
    assert changed == {"c1-1", "c1-3", "c2-2"}
    assert after["c1-1"][0] == 4
    assert after["c1-3"][4] == "Board minutes of March."
    assert after["c2-2"][:3] == (None, True, "We run no such service.")
    row = Answer.objects.get(assessment=assessment, criterion__code="c1-1")
    assert row.history.first().history_user == cast.lead_a
    assert AuditEvent.objects.filter(action="answer.workbook_import").count() == 1
    assert not WorkbookImport.objects.exists()


def test_an_answer_changed_on_the_site_since_the_download_is_a_conflict_until_chosen(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    _set(book, "c1-1", "C", 4)
    _set(book, "c1-2", "C", 5)
    row = Answer.objects.get(assessment=assessment, criterion__code="c1-1")
    answers_save(
        assessment=assessment, answers={row.pk: (row.version, answer(3))}, by=cast.contributor_a
    )
    before = _state(assessment)
    assert _upload(client, assessment, book).status_code == 302
    html = client.get(_preview_url(assessment)).content.decode()
    assert "Conflict" in html
    assert "choice-c1-1" in html
    assert "choice-c1-2" not in html

    refused = client.post(_preview_url(assessment))
    assert refused.status_code == 400
    assert "Choose which answer to keep for C1-1." in refused.content.decode()
    assert _state(assessment) == before

    assert client.post(_preview_url(assessment), {"choice-c1-1": "site"}).status_code == 302
    after = _state(assessment)
    assert after["c1-1"] == before["c1-1"], "the site's answer was kept"
    assert after["c1-2"][0] == 5


def test_the_workbooks_answer_wins_a_conflict_when_the_lead_picks_it(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    _set(book, "c1-1", "C", 4)
    row = Answer.objects.get(assessment=assessment, criterion__code="c1-1")
    answers_save(assessment=assessment, answers={row.pk: (row.version, answer(3))}, by=cast.lead_a)
    _upload(client, assessment, book)
    client.post(_preview_url(assessment), {"choice-c1-1": "workbook"})
    assert _state(assessment)["c1-1"][0] == 4


def test_an_answer_changed_again_after_the_preview_stops_the_whole_import(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    _set(book, "c1-1", "C", 4)
    _set(book, "c1-2", "C", 5)
    _upload(client, assessment, book)
    row = Answer.objects.get(assessment=assessment, criterion__code="c1-2")
    answers_save(assessment=assessment, answers={row.pk: (row.version, answer(1))}, by=cast.lead_a)
    before = _state(assessment)
    response = client.post(_preview_url(assessment), follow=True)
    assert "Nothing was saved" in response.content.decode()
    assert _state(assessment) == before


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda b: _set(b, "c1-2", "C", 7), "{ref}: level 7 is not one of 1 to 5"),
        (lambda b: _set(b, "c1-2", "C", "=2+2"), "{ref}: formulas are not accepted"),
        (lambda b: _set(b, "c1-2", "G", "certain"), "{ref}: Choose low, medium or high."),
        (lambda b: _set(b, "c1-2", "C", "N/A"), "Say why this criterion does not apply"),
    ],
    ids=["bad-level", "formula", "bad-confidence", "na-without-reason"],
)
def test_a_bad_cell_is_named_by_sheet_and_cell_and_nothing_changes(
    client: Client, cast: Cast, assessment: Assessment, edit: Any, message: str
) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    _set(book, "c1-1", "C", 4)  # a good change beside it is not applied either
    ref = edit(book)
    before = _state(assessment)
    response = _upload(client, assessment, book)
    assert response.status_code == 400
    assert message.format(ref=ref) in response.content.decode()
    assert _state(assessment) == before
    assert not WorkbookImport.objects.exists()


def test_a_renamed_sheet_is_refused(client: Client, cast: Cast, assessment: Assessment) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    _set(book, "c2-1", "C", 4)
    book["Commitment 2"].title = "Mine"
    before = _state(assessment)
    response = _upload(client, assessment, book)
    assert response.status_code == 400
    assert "The sheet “Commitment 2” is missing or renamed" in response.content.decode()
    assert _state(assessment) == before


def test_a_workbook_of_another_assessment_is_refused(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    other = started(organization=cast.org_b, by=cast.lead_b)
    client.force_login(cast.lead_b)
    book = _download(client, other)
    _set(book, "c1-1", "C", 4)
    client.force_login(cast.lead_a)
    before = _state(assessment)
    response = _upload(client, assessment, book)
    assert response.status_code == 400
    assert "This workbook is of another assessment" in response.content.decode()
    assert _state(assessment) == before
    assert _state(other)["c1-1"][0] is None


def test_a_changed_stamp_is_refused(client: Client, cast: Cast, assessment: Assessment) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    book[STAMP_SHEET]["A1"] = book[STAMP_SHEET]["A1"].value[:-2] + "xx"
    response = _upload(client, assessment, book)
    assert response.status_code == 400
    assert "hidden stamp was changed" in response.content.decode()


def test_a_spreadsheet_made_elsewhere_is_refused(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    client.force_login(cast.lead_a)
    book = Workbook()
    book.active["A1"] = "levels"
    response = _upload(client, assessment, book)
    assert response.status_code == 400
    assert "hidden stamp sheet is missing" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("answers.csv", b"c1-1,4\n"),
        ("answers.xlsx", b"not a zip at all"),
        ("a.xlsx", b"PK\x03\x04"),
    ],
    ids=["csv", "not-a-zip", "broken-zip"],
)
def test_a_file_that_is_no_workbook_gets_a_message_beside_the_field(
    client: Client, cast: Cast, assessment: Assessment, name: str, content: bytes
) -> None:
    client.force_login(cast.lead_a)
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    response = client.post(
        reverse("assessments:workbook_upload", args=[assessment.pk]), {"file": upload}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "invalid-feedback" in html
    assert "Excel workbook (.xlsx)" in html


def test_a_contributor_changes_only_their_commitments_through_the_workbook(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.contributor_a)
    book = _download(client, draft)
    _set(book, "c1-1", "C", 4)
    ref = _set(book, "c2-1", "C", 4)
    response = _upload(client, draft, book)
    assert response.status_code == 400
    assert f"{ref}: you may not change C2-1" in response.content.decode()
    assert _state(draft)["c1-1"][0] is None


def test_the_preview_lists_only_the_uploaders_own_workbook(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.contributor_a)
    book = _download(client, draft)
    _set(book, "c1-1", "C", 4)
    _upload(client, draft, book)
    client.force_login(cast.lead_a)
    response = client.get(_preview_url(draft))
    assert response.status_code == 302, "the lead has no workbook waiting: back to the upload"
    assert client.post(_preview_url(draft)).status_code == 302
    assert _state(draft)["c1-1"][0] is None
    assert WorkbookImport.objects.filter(user=cast.contributor_a).exists()


def test_a_zip_that_unpacks_past_the_limit_is_refused_before_it_is_parsed(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/sharedStrings.xml", b"\0" * (51 * 1024 * 1024))  # compresses to ~50 KB
    client.force_login(cast.lead_a)
    upload = SimpleUploadedFile("bomb.xlsx", out.getvalue(), content_type=XLSX)
    response = client.post(
        reverse("assessments:workbook_upload", args=[assessment.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert "too large once unpacked" in response.content.decode()


def test_the_preview_costs_the_same_queries_however_many_answers_change(
    client: Client, cast: Cast, django_assert_max_num_queries: Any
) -> None:
    def previewed(criteria: int) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        a = started(organization=cast.org_a, by=cast.lead_a, criteria=criteria)
        book = _download(client, a)
        for i in range(1, criteria + 1):
            _set(book, f"c1-{i}", "C", 4)
            _set(book, f"c2-{i}", "F", f"Note {i}")
        assert _upload(client, a, book).status_code == 302
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(_preview_url(a))
        assert response.status_code == 200
        assert response.content.decode().count('<th scope="row"') == 2 * criteria
        return len(ctx.captured_queries)

    client.force_login(cast.lead_a)
    few = previewed(3)
    assert previewed(5) == few
    last = _preview_url(Assessment.objects.order_by("-pk").first())
    with django_assert_max_num_queries(few):
        client.get(last)


def test_an_answer_changed_only_on_the_site_stays_and_the_preview_says_so(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    _set(book, "c1-1", "C", 4)
    row = Answer.objects.get(assessment=assessment, criterion__code="c1-3")
    answers_save(assessment=assessment, answers={row.pk: (row.version, answer(5))}, by=cast.lead_a)
    _upload(client, assessment, book)
    html = client.get(_preview_url(assessment)).content.decode()
    assert "answers stay: C1-3." in html
    assert "choice-c1-3" not in html
    assert client.post(_preview_url(assessment)).status_code == 302
    after = _state(assessment)
    assert (after["c1-1"][0], after["c1-3"][0]) == (4, 5)


def test_an_emptied_stamp_sheet_is_refused_not_a_server_error(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    client.force_login(cast.lead_a)
    book = _download(client, assessment)
    book.remove(book[STAMP_SHEET])
    book.create_sheet(STAMP_SHEET)
    response = _upload(client, assessment, book)
    assert response.status_code == 400
    assert "hidden stamp was changed" in response.content.decode()


def test_any_value_typed_in_any_answer_cell_is_a_preview_or_a_listed_problem(
    client: Client, cast: Cast, assessment: Assessment
) -> None:
    """Generated values (numbers, dates, booleans, long and odd text) in the answer cells:
    either a preview or a 400 naming cells, never a server error."""
    from datetime import date

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from openpyxl.utils.exceptions import IllegalCharacterError

    client.force_login(cast.lead_a)
    downloaded = io.BytesIO()
    _download(client, assessment).save(downloaded)
    value = (
        st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False)
        | st.text(max_size=40).filter(lambda t: not t.startswith("="))
        | st.just("x" * 12_000) | st.dates(min_value=date(1901, 1, 1))
    )  # fmt: skip

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(cells=st.dictionaries(st.sampled_from("CDEFG"), value, min_size=1))
    def upload(cells: dict[str, object]) -> None:
        book = load_workbook(io.BytesIO(downloaded.getvalue()))
        for column, typed in cells.items():
            try:
                _set(book, "c1-2", column, typed)
            except (ValueError, IllegalCharacterError):  # what openpyxl itself will not store
                return
        response = _upload(client, assessment, book)
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            assert "Commitment 1!" in response.content.decode()

    upload()
