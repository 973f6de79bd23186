"""An administrator deletes an organization's data after its retention period; the audit trail
and the consortium reports already built stay."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Assessment, EvidenceFile
from assessments.tests.factories import answer_all, evidence, open_cycle, started, submitted
from consortium.services import organization_delete
from organizations.models import AuditEvent, Membership, Organization
from organizations.services import organization_update
from reports.models import Report
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _inactive_for(cast: Cast, days: int) -> Organization:
    organization_update(organization=cast.org_a, by=cast.admin, is_active=False)
    Organization.objects.filter(pk=cast.org_a.pk).update(
        deactivated_at=timezone.now() - timedelta(days=days)
    )
    return Organization.objects.get(pk=cast.org_a.pk)


def test_deactivating_starts_the_retention_period_and_reactivating_ends_it(cast: Cast) -> None:
    organization_update(organization=cast.org_a, by=cast.admin, is_active=False)
    cast.org_a.refresh_from_db()
    assert cast.org_a.deactivated_at is not None
    organization_update(organization=cast.org_a, by=cast.admin, is_active=True)
    cast.org_a.refresh_from_db()
    assert cast.org_a.deactivated_at is None


def test_an_active_or_recently_deactivated_organization_is_not_deleted(cast: Cast) -> None:
    with pytest.raises(ValidationError, match="is active"):
        organization_delete(organization=cast.org_a, by=cast.admin)
    org = _inactive_for(cast, settings.ORGANIZATION_RETENTION_DAYS - 1)
    with pytest.raises(ValidationError, match="kept until"):
        organization_delete(organization=org, by=cast.admin)
    assert Organization.objects.filter(pk=org.pk).exists()


def test_deletion_removes_its_data_and_files_and_keeps_the_trail_and_published_reports(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    cycle = open_cycle(by=cast.staff)
    mine = submitted(organization=cast.org_a, cycle=cycle, by=cast.lead_a)
    draft = started(
        organization=cast.org_a, by=cast.lead_a, cycle=open_cycle(by=cast.staff, name="2027")
    )
    answer_all(assessment=draft, by=cast.lead_a)
    stored = evidence(answer=draft.answers.first(), by=cast.lead_a)
    maturity = Report.objects.create(
        kind="maturity", assessment=mine, fingerprint="m", status="ready"
    )
    maturity.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4 a"), save=True)
    published = Report.objects.create(
        kind="consortium", cycle=cycle, fingerprint="c", status="ready"
    )
    published.pdf_file.save("consortium.pdf", ContentFile(b"%PDF-1.4 all"), save=True)
    theirs = submitted(organization=cast.org_b, cycle=cycle, by=cast.lead_b)
    trail_before = AuditEvent.objects.filter(organization_id=cast.org_a.pk).count()
    assert trail_before > 0
    org = _inactive_for(cast, settings.ORGANIZATION_RETENTION_DAYS)
    file_name, report_file = stored.file.name, maturity.pdf_file.name

    with django_capture_on_commit_callbacks(execute=True):
        counts = organization_delete(organization=org, by=cast.admin)

    assert counts["assessments"] == 2
    assert not Organization.objects.filter(pk=org.pk).exists()
    assert not Assessment.objects.filter(organization_id=org.pk).exists()
    assert not Membership.objects.filter(organization_id=org.pk).exists()
    assert not EvidenceFile.objects.filter(pk=stored.pk).exists()
    assert not Answer.history.model.objects.filter(assessment_id__in=[mine.pk, draft.pk]).exists()
    assert not default_storage.exists(file_name)
    assert not default_storage.exists(report_file)
    # Kept: the trail (every row, with the organization's id) and what was published.
    assert AuditEvent.objects.filter(organization_id=org.pk).count() == trail_before + 2
    event = AuditEvent.objects.get(action="organization.delete")
    assert event.actor == cast.admin
    assert event.detail["name"] == "Alpha Health"
    assert event.detail["answers"] > 0
    published.refresh_from_db()
    assert default_storage.exists(published.pdf_file.name)
    assert Assessment.objects.filter(pk=theirs.pk).exists()
    assert cast.lead_a.__class__.objects.filter(pk=cast.lead_a.pk).exists()  # people stay


def test_the_admin_confirms_on_a_page_that_says_what_goes(client: Client, cast: Cast) -> None:
    org = _inactive_for(cast, settings.ORGANIZATION_RETENTION_DAYS + 1)
    client.force_login(cast.admin)
    url = reverse("consortium:organization_delete", args=[org.slug])
    html = client.get(url).content.decode()
    assert "the retention period is over" in html
    response = client.post(url)
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=org.pk).exists()
    # The audit log page still reads, with the organization gone.
    assert client.get(reverse("organizations:audit_log")).status_code == 200
