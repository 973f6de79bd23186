"""The dashboard's exports: the same figures as the page, neutralised cells, staff only."""

import csv
import io

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Assessment, Cycle
from assessments.tests.factories import open_cycle, submitted
from organizations.models import Organization
from reports.tests.consortium import build
from tests.cast import Cast

pytestmark = pytest.mark.django_db

SCORES = reverse("consortium:export_scores")
LEVELS = reverse("consortium:export_levels")
EVIL = '=HYPERLINK("x")'


@pytest.fixture
def consortium() -> tuple[Cycle, list[Assessment]]:
    _, cycle, assessments = build()
    return cycle, assessments


def _csv(response: StreamingHttpResponse) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def _xlsx(response: FileResponse) -> list[list[object]]:
    assert isinstance(response, FileResponse)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_scores_csv_equals_the_heat_map(client: Client, cast: Cast, consortium) -> None:
    client.force_login(cast.staff)
    board = client.get(reverse("consortium:dashboard")).context["board"]
    on_screen = [
        [r.assessment.organization.name, *[f"{c.score:.2f}" for c in r.cells],
         f"{r.assessment.overall_score:.2f}"]
        for r in board.heat_rows
    ]  # fmt: skip
    response = client.get(SCORES, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="scores-2026-' in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:6] == ["Organization", "Type", "Region", "Size band", "Cycle", "Status"]
    assert header[-1] == "Overall"
    assert rows[0][1:6] == ["Community hospital", "Midwest", "Medium (500 to 4,999 staff)",
                            "2026", "Submitted"]  # fmt: skip
    exported = [[r[0], *[f"{float(v):.2f}" for v in r[6:]]] for r in rows]
    assert exported == on_screen
    assert sorted(float(r[6]) for r in rows) == [1.00, 2.00, 3.00, 4.00, 4.14]


def test_scores_xlsx_equals_the_csv(client: Client, cast: Cast, consortium) -> None:
    client.force_login(cast.staff)
    from_csv = _csv(client.get(SCORES, {"format": "csv"}))
    response = client.get(SCORES, {"format": "xlsx"})
    assert "scores-2026-" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.xlsx"')
    from_xlsx = _xlsx(response)
    assert from_xlsx[0] == from_csv[0]
    assert [[str(v) if isinstance(v, str) else float(v) for v in r] for r in from_xlsx[1:]] == [
        [*r[:6], *[float(v) for v in r[6:]]] for r in from_csv[1:]
    ]


def test_filters_narrow_the_export(client: Client, cast: Cast, consortium) -> None:
    _, assessments = consortium
    Organization.objects.filter(pk=assessments[0].organization_id).update(region="west")
    client.force_login(cast.staff)
    _, *rows = _csv(client.get(SCORES, {"format": "csv", "region": "west"}))
    assert [r[0] for r in rows] == [assessments[0].organization.name]


def test_levels_export_lists_every_criterion_with_na(
    client: Client, cast: Cast, consortium
) -> None:
    _, assessments = consortium
    client.force_login(cast.staff)
    header, *rows = _csv(client.get(LEVELS, {"format": "csv"}))
    assert header == ["Organization", "Cycle", "Commitment", "Criterion", "Level"]
    assert len(rows) == 5 * 6
    fifth = [r for r in rows if r[0] == assessments[4].organization.name]
    assert [(r[3], r[4]) for r in fifth] == [
        ("c1-1", "5"), ("c1-2", "3"), ("c1-3", "4"), ("c2-1", "1"), ("c2-2", "N/A"), ("c2-3", "3"),
    ]  # fmt: skip
    from_xlsx = _xlsx(client.get(LEVELS, {"format": "xlsx"}))
    assert len(from_xlsx) == 1 + 5 * 6


@pytest.mark.parametrize("url", [SCORES, LEVELS])
def test_a_formula_in_a_name_is_neutralised_in_csv_and_xlsx(
    client: Client, cast: Cast, consortium, url: str
) -> None:
    _, assessments = consortium
    Organization.objects.filter(pk=assessments[0].organization_id).update(name=EVIL)
    client.force_login(cast.staff)
    csv_names = [r[0] for r in _csv(client.get(url, {"format": "csv"}))[1:]]
    xlsx_names = [r[0] for r in _xlsx(client.get(url, {"format": "xlsx"}))[1:]]
    for names in (csv_names, xlsx_names):
        assert EVIL not in names
        assert "'" + EVIL in names


@pytest.mark.parametrize("url", [SCORES, LEVELS])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("who", ["lead_a", "contributor_a", "viewer_a", "lead_b"])
def test_non_staff_get_404_on_every_export(
    client: Client, cast: Cast, consortium, url: str, fmt: str, who: str
) -> None:
    client.force_login(getattr(cast, who))
    assert client.get(url, {"format": fmt}).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client: Client, consortium) -> None:
    response = client.get(SCORES, {"format": "csv"})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_scores_export_of_every_cycle_has_each_cycle_once_under_one_header(
    client: Client, cast: Cast, consortium
) -> None:
    from reports.tests import consortium as hand

    cycle, assessments = consortium
    later = open_cycle(by=cast.staff, rubric=cycle.rubric, name="2027")
    organization = assessments[0].organization
    lead = organization.memberships.get().user
    # c1 4.00, c2 5.00
    submitted(organization=organization, by=lead, cycle=later, levels=hand.LEVELS[3])
    client.force_login(cast.staff)
    for fmt, read in (("csv", _csv), ("xlsx", _xlsx)):
        header, *rows = read(client.get(SCORES, {"format": fmt, "cycles": "all"}))
        assert header[0] == "Organization"
        assert [str(r[4]) for r in rows] == ["2026"] * 5 + ["2027"]
        assert [float(v) for v in rows[-1][6:]] == [4.0, 5.0, 4.5]
