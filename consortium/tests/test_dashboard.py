"""The consortium dashboard: figures on a consortium computed by hand, filters, access, queries."""

import csv
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Assessment, CommitmentScore, Cycle
from assessments.tests.factories import open_cycle, started, submitted
from commitments.models import Commitment
from commitments.tests.factories import make_rubric
from consortium.dashboard import Box, DashboardFilters, score_boxes
from consortium.services import assessment_accept
from organizations.models import Organization
from organizations.tests.factories import organization_with_lead
from reports.tests import consortium as hand
from reports.tests.consortium import build
from tests.cast import Cast

pytestmark = pytest.mark.django_db

URL = reverse("consortium:dashboard")


@pytest.fixture
def consortium() -> tuple[Cycle, list[Assessment]]:
    """The five Midwest community hospitals of reports/tests/consortium.py, all submitted."""
    _, cycle, assessments = build()
    return cycle, assessments


def _box(boxes: list[Box], code: str) -> tuple[float, ...]:
    b = next(b for b in boxes if b.code == code)
    return (b.count, b.min, b.q1, b.median, b.q3, b.max)


def test_box_numbers_of_the_five_hospitals_are_exact(consortium) -> None:
    cycle, _ = consortium
    boxes = score_boxes(DashboardFilters(cycle=cycle))
    # c1: 1.00 2.00 3.00 4.00 4.14; c2: 1.80 2.00 3.00 4.00 5.00 (ranks fall on values)
    assert _box(boxes, "c1") == (5, 1.00, 2.00, 3.00, 4.00, 4.14)
    assert _box(boxes, "c2") == (5, 1.80, 2.00, 3.00, 4.00, 5.00)


def test_box_numbers_interpolate_between_ranks_with_four_hospitals(consortium) -> None:
    cycle, assessments = consortium
    Organization.objects.filter(pk=assessments[4].organization_id).update(
        region=Organization.Region.WEST
    )
    boxes = score_boxes(DashboardFilters(cycle=cycle, region=Organization.Region.MIDWEST))
    # c1: 1 2 3 4 -> q1 at rank 0.75 = 1.75, median 2.50, q3 at rank 2.25 = 3.25
    assert _box(boxes, "c1") == (4, 1.00, 1.75, 2.50, 3.25, 4.00)
    # c2: 2 3 4 5 -> 2.75, 3.50, 4.25
    assert _box(boxes, "c2") == (4, 2.00, 2.75, 3.50, 4.25, 5.00)


def test_the_page_shows_the_box_numbers_in_a_table(client: Client, cast: Cast, consortium) -> None:
    client.force_login(cast.staff)
    response = client.get(URL)
    assert response.status_code == 200
    boxes = response.context["board"].boxes
    assert _box(boxes, "c1") == (5, 1.00, 2.00, 3.00, 4.00, 4.14)
    html = response.content.decode()
    assert 'id="boxes"' in html
    assert "4.14" in html
    assert response["Content-Security-Policy"]


def test_counts_per_status_and_the_not_started_list(client: Client, cast: Cast, consortium) -> None:
    cycle, assessments = consortium
    assessment_accept(assessment=assessments[0], by=cast.staff)
    drafting, lead = organization_with_lead(name="Drafting Clinic")
    started(organization=drafting, by=lead, cycle=cycle)
    # cast.org_a and cast.org_b have not started; an inactive organization is not counted.
    organization_with_lead(name="Closed Clinic", is_active=False)
    client.force_login(cast.staff)
    board = client.get(URL).context["board"]
    assert board.counts == {
        "draft": 1, "submitted": 4, "returned": 0, "accepted": 1, "not_started": 2,
    }  # fmt: skip
    assert [o.name for o in board.not_started.object_list] == ["Alpha Health", "Beta Clinics"]
    assert board.heatmap.paginator.count == board.counts["submitted"] + board.counts["accepted"]


def test_filters_combine_type_region_size_and_status(
    client: Client, cast: Cast, consortium
) -> None:
    cycle, assessments = consortium
    assessment_accept(assessment=assessments[1], by=cast.staff)
    Organization.objects.filter(pk=assessments[2].organization_id).update(
        type=Organization.Type.FQHC
    )
    Organization.objects.filter(pk=assessments[3].organization_id).update(
        size_band=Organization.SizeBand.SMALL
    )
    client.force_login(cast.staff)
    query = {
        "cycle": cycle.pk, "type": "community_hospital", "region": "midwest",
        "size_band": "medium",
    }  # fmt: skip
    board = client.get(URL, query).context["board"]
    assert board.counts["submitted"] == 2  # 0 and 4 (2 is an FQHC, 3 small, 1 accepted)
    assert board.counts["accepted"] == 1
    assert _box(board.boxes, "c1")[0] == 3
    board = client.get(URL, {**query, "status": "accepted"}).context["board"]
    assert board.counts["submitted"] == 0
    assert board.counts["accepted"] == 1
    assert _box(board.boxes, "c1") == (1, 2.00, 2.00, 2.00, 2.00, 2.00)
    assert [r.assessment.pk for r in board.heat_rows] == [assessments[1].pk]


def test_heat_map_links_to_review_and_writes_every_score(
    client: Client, cast: Cast, consortium
) -> None:
    _, assessments = consortium
    client.force_login(cast.staff)
    response = client.get(URL, {"sort": "score"})
    rows = response.context["board"].heat_rows
    overall = [r.assessment.overall_score for r in rows]
    assert overall == sorted(overall, reverse=True)
    html = response.content.decode()
    for a in assessments:
        assert reverse("consortium:review", args=[a.pk]) in html
    assert 'class="heat-4"' in html
    assert "4.14" in html
    assert "1.80" in html


def test_trend_and_highlights_across_two_cycles(client: Client, cast: Cast, consortium) -> None:
    cycle, assessments = consortium
    # A year after the first (which opened 30 days ago).
    later = open_cycle(
        by=cast.staff, rubric=cycle.rubric, name="2027", opens_in=335, due_in=349, closes_in=395
    )
    # In 2027 one hospital: c1 at 4.50 (median up 1.50), c2 at 2.00 (down 1.00).
    commitments = {c.code: c for c in Commitment.objects.filter(rubric=cycle.rubric)}
    a = Assessment.objects.create(
        organization_id=assessments[0].organization_id, cycle=later, status="submitted",
        submitted_at=timezone.now(), overall_score=Decimal("3.25"),
    )  # fmt: skip
    CommitmentScore.objects.create(assessment=a, commitment=commitments["c1"], score=Decimal("4.5"))
    CommitmentScore.objects.create(assessment=a, commitment=commitments["c2"], score=Decimal("2"))
    client.force_login(cast.staff)
    board = client.get(URL).context["board"]  # the newest cycle by default
    assert board.filters.cycle == later
    assert board.trend.cycles == ["2026", "2027"]
    assert board.trend.medians == {"c1": [3.0, 4.5], "c2": [3.0, 2.0]}
    assert [(h.code, h.median) for h in board.weakest] == [("c2", 2.0), ("c1", 4.5)]
    assert [(h.code, h.change) for h in board.improving] == [("c1", 1.5)]


@pytest.mark.parametrize("who", ["lead_a", "viewer_a", "lead_b"])
def test_members_get_404_on_the_dashboard(client: Client, cast: Cast, consortium, who) -> None:
    client.force_login(getattr(cast, who))
    assert client.get(URL).status_code == 404


def test_staff_see_a_dashboard_entry_in_the_navigation(client: Client, cast: Cast) -> None:
    open_cycle(by=cast.staff, rubric=make_rubric(), name="2026")
    client.force_login(cast.staff)
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()
    client.force_login(cast.lead_a)
    assert f'href="{URL}"' not in client.get(reverse("home")).content.decode()


def _bulk_consortium(cycle: Cycle, n: int) -> None:
    """n submitted organizations and n/5 that have not started, in a handful of queries."""
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Bulk {i:04}", slug=f"bulk-{n}-{i}", type="community_hospital",
            region="midwest", size_band="medium",
        )
        for i in range(n + n // 5)
    )  # fmt: skip
    now = timezone.now()
    assessments = Assessment.objects.bulk_create(
        Assessment(
            organization=o, cycle=cycle, status="submitted", submitted_at=now,
            overall_score=Decimal(1 + i % 4),
        )
        for i, o in enumerate(organizations[:n])
    )  # fmt: skip
    commitments = list(Commitment.objects.filter(rubric_id=cycle.rubric_id))
    CommitmentScore.objects.bulk_create(
        CommitmentScore(assessment=a, commitment=c, score=Decimal(1 + (i + c.order) % 5))
        for i, a in enumerate(assessments)
        for c in commitments
    )


# session (read and save), user, permissions (2), 2FA check, cycles, not-started count and page,
# heat map page (its count is the status counts' own), commitments, scores of the page, trend,
# status counts, boxes, rating rounds (their ratings' spreads too once enough organizations used
# rounds) and what the rest of the page asks (navigation, messages).
DASHBOARD_QUERIES = 19


@pytest.mark.parametrize("n", [10, 500])
def test_dashboard_queries_do_not_grow_with_organizations(
    client: Client, cast: Cast, django_assert_num_queries, n: int
) -> None:
    _, cycle, _ = build(count=2)
    _bulk_consortium(cycle, n)
    client.force_login(cast.staff)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(URL, {"page": 2 if n > 50 else 1})
    assert response.status_code == 200
    assert len(response.context["board"].heat_rows) == min(50, n + 2)


class _Main(HTMLParser):
    """What <main> shows: every <a href> (the navigation's plain link to the dashboard is not
    one of the page's filtered links) and the text people read (not the charts' JSON)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.open: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main" or self.open:
            self.open.append(tag)
        href = dict(attrs).get("href")
        if tag == "a" and self.open and href:
            self.hrefs.append(href)

    def handle_endtag(self, tag: str) -> None:
        if self.open and tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.open and "script" not in self.open and data.strip():
            self.text.append(" ".join(data.split()))


def _rows(response: HttpResponseBase) -> list[list[str]]:
    """A CSV or XLSX download as rows of text."""
    assert isinstance(response, StreamingHttpResponse | FileResponse)
    content = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(content.decode())))
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [
        ["" if v is None else str(v) for v in row]
        for row in book.active.iter_rows(values_only=True)
    ]


def test_every_sort_page_and_export_link_keeps_the_chosen_cycle_and_filters(
    client: Client, cast: Cast, consortium, monkeypatch: pytest.MonkeyPatch
) -> None:
    cycle, assessments = consortium  # 2026: five Midwest community hospitals
    west = assessments[4].organization
    Organization.objects.filter(pk=west.pk).update(region=Organization.Region.WEST)
    chosen = {a.organization.name for a in assessments[:4]}
    # A newer cycle, the dashboard's default, where only another hospital has submitted.
    # It opened after the consortium's cycle, so the dashboard shows it unless told otherwise.
    later = open_cycle(by=cast.staff, rubric=cycle.rubric, name="2027", opens_in=-10)
    newcomer, lead = organization_with_lead(name="Newcomer Hospital")
    submitted(organization=newcomer, by=lead, cycle=later)
    monkeypatch.setattr("consortium.dashboard.PAGE_SIZE", 2)  # so the pages have links too
    query = {"cycle": str(cycle.pk), "type": "community_hospital", "region": "midwest"}
    client.force_login(cast.staff)

    response = client.get(URL, query)
    assert response.context["board"].filters.cycle == cycle
    parser = _Main(response.content.decode())
    exports = {reverse("consortium:export_scores"), reverse("consortium:export_levels")}
    links = [urljoin(f"http://testserver{URL}", href) for href in parser.hrefs]
    links = [link for link in links if urlsplit(link).path in {URL, *exports}]
    # The other sort order, the next page of the heat map and of "not started"; five exports.
    assert sorted(urlsplit(link).path == URL for link in links) == [False] * 5 + [True] * 3

    for link in links:
        parts = urlsplit(link)
        given = parse_qs(parts.query)
        assert {k: given.get(k) for k in query} == {k: [v] for k, v in query.items()}, link
        followed = client.get(f"{parts.path}?{parts.query}")
        assert followed.status_code == 200, link
        if parts.path == URL:
            filters = followed.context["board"].filters
            assert (filters.cycle, filters.type, filters.region) == (
                cycle, "community_hospital", "midwest",
            ), link  # fmt: skip
            continue
        # scores-2026-<today>.csv: the chosen cycle's name, then the date of the download
        assert re.search(
            r'filename="[a-z-]+-2026-\d{4}-\d\d-\d\d\.', followed["Content-Disposition"]
        ), link
        header, *rows = _rows(followed)
        cycle_column = header.index("Cycle")
        if given.get("cycles") == ["all"]:  # every cycle, the organization filters kept
            assert {r[0] for r in rows} == chosen | {newcomer.name}, link
            assert {r[cycle_column] for r in rows} == {"2026", "2027"}, link
        else:
            assert {r[0] for r in rows} == chosen, link
            assert {r[cycle_column] for r in rows} == {"2026"}, link


def test_commitments_are_named_once_in_the_text_tables_and_charts(
    client: Client, cast: Cast, consortium
) -> None:
    cycle, assessments = consortium
    # It opened after the consortium's cycle, so the dashboard shows it unless told otherwise.
    later = open_cycle(by=cast.staff, rubric=cycle.rubric, name="2027", opens_in=-10)
    organization = assessments[0].organization
    lead = organization.memberships.get().user
    submitted(organization=organization, by=lead, cycle=later, levels=hand.LEVELS[3])
    client.force_login(cast.staff)
    response = client.get(URL)
    text = _Main(response.content.decode()).text
    # Highlights, box table, heat map headings, trend table: the name alone, never its code.
    # weakest, improving, box table, heat map heading, trend table
    assert [t for t in text if "Commitment 1" in t] == [
        "Commitment 1: median 4.00", "Commitment 1: median 4.00, up 1.00", *["Commitment 1"] * 3,
    ]  # fmt: skip
    assert [t for t in text if re.search(r"\bc[12]\b", t)] == []
    names = ["Commitment 1", "Commitment 2"]
    assert response.context["box_figure"]["data"][0]["x"] == names
    assert [t["name"] for t in response.context["trend_figure"]["data"]] == names


# --- The figures kept in the cache ---------------------------------------------------------------


def test_the_dashboard_figures_are_kept_until_an_assessment_changes(
    client: Client, cast: Cast, settings
) -> None:
    settings.DASHBOARD_CACHE_SECONDS = 300
    _, cycle, assessments = build(count=4)
    client.force_login(cast.staff)
    first = client.get(URL).context["board"]
    assert (first.counts["submitted"], first.boxes[0].count) == (4, 4)
    # Unchanged data: the counts (of assessments and of organizations not started), boxes,
    # trend and agreement come from the cache (one marker query instead of the five).
    settings.DASHBOARD_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as computed:
        client.get(URL)
    settings.DASHBOARD_CACHE_SECONDS = 300
    with CaptureQueriesContext(connection) as kept:
        again = client.get(URL).context["board"]
    assert len(kept) == len(computed) - 4
    assert any("PERCENTILE" in q["sql"].upper() for q in computed.captured_queries)
    assert not any("PERCENTILE" in q["sql"].upper() for q in kept.captured_queries)
    assert again.boxes == first.boxes
    assert again.trend.medians == first.trend.medians
    # A new submission and an acceptance show at once, not after the cache's time.
    organization, lead = organization_with_lead(
        type=Organization.Type.COMMUNITY_HOSPITAL, region=Organization.Region.MIDWEST
    )
    submitted(organization=organization, by=lead, cycle=cycle, level=5)
    board = client.get(URL).context["board"]
    assert (board.counts["submitted"], board.boxes[0].count) == (5, 5)
    assert board.boxes[0].max == 5
    assessment_accept(assessment=assessments[0], by=cast.staff)
    board = client.get(URL).context["board"]
    assert (board.counts["submitted"], board.counts["accepted"]) == (4, 1)
    # The filters are part of what is kept: another region is computed for itself.
    south = client.get(URL, {"region": "south"}).context["board"]
    assert south.counts["submitted"] == 0


def test_the_dashboard_answers_when_the_cache_is_down(client: Client, cast: Cast, settings) -> None:
    """With Redis as the cache and Redis not answering, the figures are computed instead."""
    settings.DASHBOARD_CACHE_SECONDS = 300
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    build(count=2)
    client.force_login(cast.staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["board"].counts["submitted"] == 2


# --- Agreement between raters across organizations ------------------------------------------------


def _rated_and_submitted(cycle: Any, levels_by_rater: list[list[int]]) -> None:
    """A new organization whose assessment of `cycle` had a round on c1 rated with these levels
    (a row of c1's three criteria per rater), then was submitted."""
    from assessments.services import assessment_submit
    from assessments.tests.factories import answer_all, days_from_today, started
    from organizations.tests.factories import UserFactory
    from ratings.services import (
        RatingInput,
        rater_invite,
        rater_submit,
        rating_save,
        round_criteria,
        round_open,
    )

    organization, lead = organization_with_lead()
    assessment = started(organization=organization, by=lead, cycle=cycle)
    rnd = round_open(
        assessment=assessment,
        commitments=[cycle.rubric.commitments.get(code="c1")],
        closes_on=days_from_today(3),
        named=False,
        by=lead,
    )
    for levels in levels_by_rater:
        rater = rater_invite(rnd=rnd, user=UserFactory(), is_partner=False, by=lead)
        for criterion, level in zip(round_criteria(rnd), levels, strict=True):
            rating_save(rater=rater, criterion=criterion, data=RatingInput(level, False, ""))
        rater_submit(rater=rater)
    answer_all(assessment=assessment, by=lead)
    assessment_submit(assessment=assessment, by=lead)


def test_agreement_across_organizations_waits_for_the_minimum_group_then_shows(
    client: Client, cast: Cast, settings: Any
) -> None:
    settings.PEER_MIN_GROUP_SIZE = 3
    _, cycle, _ = build(count=1)
    client.force_login(cast.staff)
    agreeing = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
    apart = [[1, 3, 4], [3, 3, 4], [5, 3, 4]]  # c1-1 four levels apart
    _rated_and_submitted(cycle, agreeing)
    _rated_and_submitted(cycle, apart)
    board = client.get(URL).context["board"]
    assert (board.agreement.organizations, board.agreement.shown) == (2, False)
    assert board.agreement.bands == []  # nothing computed below the minimum group
    _rated_and_submitted(cycle, apart)
    board = client.get(URL).context["board"]
    agreement = board.agreement
    assert (agreement.organizations, agreement.shown) == (3, True)
    assert dict(agreement.bands)["0.8 and above"] == 1  # the agreeing round: alpha 1
    assert sum(n for _, n in agreement.bands) == 3
    (disputed,) = agreement.most_disputed
    assert (disputed.code, disputed.flagged, disputed.rated) == ("c1-1", 2, 3)
    html = client.get(URL).content.decode()
    assert "Where the field disagrees most" in html
