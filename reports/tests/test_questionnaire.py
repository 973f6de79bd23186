"""The printable questionnaire: a published rubric version as a PDF and a workbook, with its
scoring rule, evidence per level, every criterion and the glossary."""

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from commitments.models import Criterion
from commitments.tests.factories import make_rubric
from organizations.tests.factories import UserFactory
from reports.questionnaire import SAME_NOTE

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client: Client) -> Client:
    client.force_login(UserFactory())
    return client


@pytest.fixture
def shipped() -> None:
    call_command("load_rubric", "--publish", stdout=io.StringIO())


def _get(client: Client, version: str, fmt: str) -> Any:
    return client.get(reverse("reports:questionnaire", args=[version, fmt]))


@pytest.mark.usefixtures("shipped")
def test_the_workbook_holds_every_criterion_the_evidence_rules_and_the_glossary(
    reader: Client,
) -> None:
    response = _get(reader, "2026.2", "xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="lhs-shared-commitments-20262-questionnaire.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [
        "How to score", "Levels", "Criteria", "Glossary", "Changes from 2026.1",
    ]  # fmt: skip
    criteria = list(book["Criteria"].values)
    assert len(criteria) == 1 + 44
    header = criteria[0]
    assert header[-3:] == ("Our level", "Evidence we have", "Notes for discussion")
    engaged_1 = criteria[1]
    assert engaged_1[2] == "ENGAGED-1"
    assert str(engaged_1[header.index("Level 3 · Implemented")]).startswith("All of: (1) ")
    levels = list(book["Levels"].values)
    assert levels[0][-1] == "Minimum evidence that counts"
    assert all(row[-1] for row in levels[1:])
    assert len(list(book["Glossary"].values)) == 1 + 16
    changes = list(book["Changes from 2026.1"].values)
    assert len(changes) == 1 + 47  # a split and two merges connect 47 pairs
    assert changes[1] == ("ENGAGED-1", "ENGAGED-1", "Same", SAME_NOTE)


@pytest.mark.usefixtures("shipped")
def test_the_pdf_reads_as_the_rubric_with_its_rules_and_glossary(reader: Client) -> None:
    response = _get(reader, "2026.2", "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("How to score", "Minimum evidence that counts", "Glossary", "SAFE-5",
                     "set schedule", "Changes from 2026.1"):  # fmt: skip
        assert expected in text


@pytest.mark.usefixtures("shipped")
def test_the_older_version_has_its_own_questionnaire_without_the_new_sections(
    reader: Client,
) -> None:
    response = _get(reader, "2026.1", "xlsx")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["How to score", "Levels", "Criteria"]
    assert len(list(book["Criteria"].values)) == 1 + 41


def test_an_unknown_version_a_draft_or_a_format_is_404(reader: Client) -> None:
    make_rubric(version="d1", publish=False)
    make_rubric(version="p1")
    assert _get(reader, "d1", "pdf").status_code == 404
    assert _get(reader, "9.9", "pdf").status_code == 404
    assert _get(reader, "p1", "docx").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    make_rubric(version="p1")
    response = _get(client, "p1", "xlsx")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.usefixtures("shipped")
def test_the_rubric_page_links_both_downloads(reader: Client) -> None:
    html = reader.get(reverse("commitments:index")).content.decode()
    assert reverse("reports:questionnaire", args=["2026.2", "pdf"]) in html
    assert reverse("reports:questionnaire", args=["2026.2", "xlsx"]) in html


@pytest.mark.usefixtures("shipped")
def test_the_pdf_is_made_once_per_version_of_its_text(
    reader: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reports import questionnaire

    made: list[int] = []
    real = questionnaire.render_pdf

    def counting(html: str) -> bytes:
        made.append(1)
        return real(html)

    monkeypatch.setattr(questionnaire, "render_pdf", counting)
    cache.clear()
    first = _get(reader, "2026.1", "pdf").content
    assert _get(reader, "2026.1", "pdf").content == first
    assert len(made) == 1
    Criterion.objects.filter(commitment__rubric__version="2026.1", code="safe-4").update(
        prompt="An edited prompt."
    )
    _get(reader, "2026.1", "pdf")
    assert len(made) == 2
