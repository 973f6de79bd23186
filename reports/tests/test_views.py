"""The report page: status while building, downloads and charts with tables when ready."""

import json
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.tests.factories import submitted
from organizations.tests.factories import organization_with_lead
from reports.models import Report

from . import consortium

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _member_client(client: Client, assessment) -> Client:
    client.force_login(assessment.organization.memberships.get().user)
    return client


def _ready(assessment) -> Report:
    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=assessment, fingerprint="x", status="ready",
        progress=100, step="Ready",
    )  # fmt: skip
    report.pdf_file.save("maturity.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return report


def test_a_building_report_shows_its_step_and_progress_and_polls(client: Client) -> None:
    _, _, assessments = consortium.build(count=1)
    Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=assessments[0], fingerprint="x",
        status="running", progress=50, step="Writing the HTML",
    )  # fmt: skip
    html = (
        _member_client(client, assessments[0])
        .get(reverse("reports:for_assessment", args=[assessments[0].pk]))
        .content.decode()
    )
    assert 'aria-valuenow="50"' in html
    assert "Writing the HTML" in html
    assert "/static/js/report-status.js" in html


def test_the_status_answer_is_json_for_polling(client: Client) -> None:
    _, _, assessments = consortium.build(count=1)
    report = _ready(assessments[0])
    data = (
        _member_client(client, assessments[0])
        .get(reverse("reports:status", args=[report.pk]))
        .json()
    )
    assert data["status"] == "ready"
    assert data["progress"] == 100
    assert data["page"] == reverse("reports:for_assessment", args=[assessments[0].pk])


def test_a_failed_report_says_why_and_offers_a_retry(client: Client) -> None:
    _, _, assessments = consortium.build(count=1)
    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=assessments[0], fingerprint="x", status="failed",
        error="Chart images need Chromium on the machine that builds reports.",
    )  # fmt: skip
    html = (
        _member_client(client, assessments[0])
        .get(reverse("reports:for_assessment", args=[assessments[0].pk]))
        .content.decode()
    )
    assert "Chart images need Chromium" in html
    assert reverse("reports:retry", args=[report.pk]) in html


def test_a_ready_report_offers_downloads_charts_and_the_same_figures_as_tables(
    client: Client,
) -> None:
    _, _, assessments = consortium.build()
    report = _ready(assessments[4])
    html = (
        _member_client(client, assessments[4])
        .get(reverse("reports:for_assessment", args=[assessments[4].pk]))
        .content.decode()
    )
    assert reverse("reports:download", args=[report.pk, "pdf"]) in html
    figure = re.search(r'<script id="figure-radar" type="application/json">(.*?)</script>', html)
    assert figure is not None
    assert json.loads(figure.group(1))["data"][0]["r"][:2] == [4.14, 1.8]
    assert '<td class="num">4.14</td>' in html  # the table says what the chart shows
    assert "/static/vendor/plotly/plotly-charts.min.js" in html


def test_the_ready_page_makes_the_same_queries_with_more_organizations(client: Client) -> None:
    _, cycle, assessments = consortium.build()
    _ready(assessments[4])
    url = reverse("reports:for_assessment", args=[assessments[4].pk])
    member = _member_client(client, assessments[4])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert member.get(url).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request after sign-in also saves the session
    before = count()
    for levels in consortium.LEVELS * 3:  # fifteen more submitted organizations
        organization, lead = organization_with_lead()
        submitted(organization=organization, by=lead, cycle=cycle, levels=levels)
    assert count() == before


def test_downloads_are_attachments_and_only_when_ready(client: Client) -> None:
    _, _, assessments = consortium.build(count=1)
    report = _ready(assessments[0])
    member = _member_client(client, assessments[0])
    response = member.get(reverse("reports:download", args=[report.pk, "pdf"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert member.get(reverse("reports:download", args=[report.pk, "exe"])).status_code == 404
    Report.objects.filter(pk=report.pk).update(status="running")
    assert member.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404


def test_a_ready_report_shows_the_body_kept_at_build_time_without_recomputing(
    client: Client, django_assert_max_num_queries
) -> None:
    _, _, assessments = consortium.build()
    report = _ready(assessments[4])
    report.params = {"page_body": '<p id="kept">Body kept at build time.</p>'}
    report.save(update_fields=["params"])
    member = _member_client(client, assessments[4])
    url = reverse("reports:for_assessment", args=[assessments[4].pk])
    member.get(url)  # the first request after sign-in also saves the session
    with django_assert_max_num_queries(12):  # no numbers, peers or charts are loaded again
        html = member.get(url).content.decode()
    assert '<p id="kept">Body kept at build time.</p>' in html
