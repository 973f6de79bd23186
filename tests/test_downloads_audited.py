"""Who downloaded what: every report, export and evidence file leaves an audit row."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from assessments.tests.factories import evidence, open_cycle, started, submitted
from organizations.models import AuditEvent
from reports.models import Report
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_an_evidence_download_is_recorded_with_who_and_which_file(
    client: Client, cast: Cast
) -> None:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    stored = evidence(answer=assessment.answers.first(), by=cast.lead_a)
    client.force_login(cast.viewer_a)
    url = reverse("assessments:evidence_download", args=[assessment.pk, stored.pk])
    assert client.get(url, {"view": "1"}).status_code == 200
    event = AuditEvent.objects.get(action="download.evidence")
    assert event.actor == cast.viewer_a
    assert event.organization == cast.org_a
    assert event.target_id == str(stored.pk)
    assert event.detail == {"name": "minutes.pdf", "inline": True}


def test_a_report_download_is_recorded_in_every_format(client: Client, cast: Cast) -> None:
    assessment = submitted(organization=cast.org_a, cycle=open_cycle(by=cast.staff), by=cast.lead_a)
    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=assessment, fingerprint="f", status="ready"
    )
    report.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4 r"), save=False)
    report.xlsx_file.save("report.xlsx", ContentFile(b"PK"), save=True)
    client.force_login(cast.staff)
    for fmt in ("pdf", "xlsx"):
        assert client.get(reverse("reports:download", args=[report.pk, fmt])).status_code == 200
    events = AuditEvent.objects.filter(action="download.report").order_by("id")
    assert [e.detail["format"] for e in events] == ["pdf", "xlsx"]
    assert {e.actor for e in events} == {cast.staff}
    assert {e.organization for e in events} == {cast.org_a}


def test_a_refused_download_records_nothing(client: Client, cast: Cast) -> None:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    stored = evidence(answer=assessment.answers.first(), by=cast.lead_a)
    client.force_login(cast.lead_b)
    url = reverse("assessments:evidence_download", args=[assessment.pk, stored.pk])
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="download.").exists()


@pytest.mark.parametrize("view", ["consortium:export_scores", "consortium:export_levels"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_recorded_with_its_filters(
    client: Client, cast: Cast, view: str, fmt: str
) -> None:
    cycle = open_cycle(by=cast.staff)
    client.force_login(cast.staff)
    response = client.get(reverse(view), {"format": fmt, "region": "west", "evil": "x" * 500})
    assert response.status_code == 200
    assert b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="download.export")
    assert event.actor == cast.staff
    assert event.target_id == str(cycle.pk)
    assert event.detail["format"] == fmt
    assert event.detail["filters"] == {"region": "west"}
