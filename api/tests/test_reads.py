"""What the read endpoints answer: the rubric in full, assessments, plans, reports, and for
staff the dashboard's own figures under the page's filters."""

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from api.tests.factories import token
from assessments.models import ActionItem, Assessment
from assessments.services import ActionInput, action_item_save
from assessments.tests.factories import started, submitted
from consortium.services import assessment_accept
from organizations.models import AuditEvent, Organization
from reports.models import Report
from reports.tests.consortium import build
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _get(client: Client, header: str, name: str, *args: Any, **query: Any) -> Any:
    return client.get(reverse(name, args=args), query, HTTP_AUTHORIZATION=header)


def test_the_rubric_comes_whole_in_order_in_a_fixed_number_of_queries(
    client: Client, cast: Cast, django_assert_num_queries: Any
) -> None:
    rubric = started(organization=cast.org_a, by=cast.lead_a).cycle.rubric
    header = token(cast.viewer_a)
    _get(client, header, "api:rubrics")
    versions = _get(client, header, "api:rubrics").json()
    assert rubric.version in [v["version"] for v in versions]
    # token, rubric, levels, commitments, criteria, descriptors
    with django_assert_num_queries(6):
        body = _get(client, header, "api:rubric", rubric.version).json()
    assert [c["code"] for c in body["commitments"]] == ["c1", "c2"]
    criterion = body["commitments"][0]["criteria"][0]
    assert [d["level"] for d in criterion["descriptors"]] == [1, 2, 3, 4, 5]
    assert [lv["level"] for lv in body["levels"]] == [1, 2, 3, 4, 5]
    assert _get(client, header, "api:rubric", "no-such-version").status_code == 404


def test_members_list_their_organization_s_assessments_and_nobody_else_s(
    client: Client, cast: Cast
) -> None:
    mine = started(organization=cast.org_a, by=cast.lead_a)
    started(organization=cast.org_b, by=cast.lead_b, cycle=mine.cycle)
    body = _get(client, token(cast.viewer_a), "api:assessments").json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == mine.pk
    assert body["results"][0]["organization"]["slug"] == "alpha"
    assert _get(client, token(cast.viewer_a), "api:assessments", page=9).status_code == 404
    assert _get(client, token(cast.viewer_a), "api:assessments", page="x").status_code == 404


def test_the_plan_lists_every_commitment_s_items(client: Client, cast: Cast) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    for code, title in (("c2", "Publish the charter"), ("c1", "Hold a listening session")):
        commitment = a.cycle.rubric.commitments.get(code=code)
        data = ActionInput(
            title=title, description="", criterion=None, target_level=None, owner=cast.lead_a,
            due_date=None, status="planned",
        )  # fmt: skip
        action_item_save(assessment=a, commitment=commitment, data=data, by=cast.lead_a)
    body = _get(client, token(cast.viewer_a), "api:action_items", a.pk).json()
    assert [(i["commitment"], i["title"]) for i in body] == [
        ("c1", "Hold a listening session"),
        ("c2", "Publish the charter"),
    ]
    assert body[0]["status"] == ActionItem.Status.PLANNED
    assert body[0]["owner"] == cast.lead_a.email


def _ready(assessment: Assessment) -> Report:
    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=assessment, fingerprint="api-ready",
        status=Report.Status.READY, progress=100,
    )  # fmt: skip
    report.pdf_file.save("maturity.pdf", ContentFile(b"%PDF-1.4 api"), save=True)
    return report


def test_a_ready_report_links_its_files_and_a_download_is_audited(
    client: Client, cast: Cast
) -> None:
    a = submitted(organization=cast.org_a, by=cast.lead_a)
    report = _ready(a)
    header = token(cast.viewer_a)
    listed = _get(client, header, "api:reports", a.pk).json()
    assert [(r["id"], r["status"]) for r in listed] == [(report.pk, "ready")]
    files = listed[0]["files"]
    assert [f["format"] for f in files] == ["pdf"]
    download = client.get(files[0]["url"], HTTP_AUTHORIZATION=header)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 api"
    assert download["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.get(action="download.report")
    assert (event.actor, event.detail["via"]) == (cast.viewer_a, "api")
    assert _get(client, header, "api:report_file", report.pk, "xlsx").status_code == 404


def test_the_dashboard_gives_the_page_s_figures_under_the_same_filters(
    client: Client, cast: Cast
) -> None:
    _, cycle, assessments = build()
    assessment_accept(assessment=assessments[1], by=cast.staff)
    Organization.objects.filter(pk=assessments[2].organization_id).update(
        type=Organization.Type.FQHC
    )
    query = {"cycle": cycle.pk, "type": "community_hospital", "region": "midwest"}
    page = Client()
    page.force_login(cast.staff)
    board = page.get(reverse("consortium:dashboard"), query).context["board"]
    body = _get(client, token(cast.staff), "api:dashboard", **query).json()
    assert body["cycle"]["id"] == cycle.pk
    assert body["counts"] == board.counts
    assert body["counts"]["submitted"] == 3
    assert [(b["code"], b["count"], b["median"]) for b in body["boxes"]] == [
        (b.code, b.count, b.median) for b in board.boxes
    ]
    assert {s["code"]: s["medians"] for s in body["trend"]["series"]} == board.trend.medians
    assert [h["code"] for h in body["weakest"]] == [h.code for h in board.weakest]


@pytest.mark.parametrize(
    ("query", "status"),
    [({"cycle": "999999"}, 404), ({"cycle": "x"}, 400), ({"region": "mars"}, 400),
     ({"status": "lost"}, 400)],
)  # fmt: skip
def test_the_dashboard_refuses_unknown_filters(
    client: Client, cast: Cast, query: dict[str, str], status: int
) -> None:
    build()
    response = _get(client, token(cast.staff), "api:dashboard", **query)
    assert response.status_code == status
