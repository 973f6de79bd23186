"""Writes for reports: ask for one (reusing a live one) and retry a failed one.

The Report row is the outbox: a request is committed as a queued row first and sent to the
broker after commit (`tasks.report_send`); if the broker is down the row stays queued and the
periodic sweep sends it again. Building is `pipeline.report_build`, run by the worker.
"""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max

from assessments.models import Assessment, Cycle
from organizations.models import User

from .models import Report
from .tasks import report_send

# Bump when the report's content or layout changes, so old ready reports are not reused.
# 3: every report has a Word document (DOCX) too. 4: the agreement of its rating rounds.
REPORT_FORMAT = 4


def fingerprint_of(inputs: dict[str, Any]) -> str:
    """One hash of everything a report depends on, with the report format."""
    return hashlib.sha256(
        json.dumps({"format": REPORT_FORMAT, **inputs}, sort_keys=True).encode()
    ).hexdigest()


def submissions_of(*, cycle_id: int) -> dict[str, Any]:
    """How many assessments of the cycle are submitted, and the newest submission's time."""
    found = Assessment.objects.filter(
        cycle_id=cycle_id, status__in=Assessment.SUBMITTED_STATES
    ).aggregate(n=Count("id"), last=Max("submitted_at"))
    return {"submitted": found["n"], "last": found["last"].isoformat() if found["last"] else None}


def maturity_fingerprint(*, assessment: Assessment) -> str:
    """What a maturity report depends on: the assessment as submitted and its peers' data."""
    return fingerprint_of(
        {
            "kind": Report.Kind.MATURITY,
            "assessment": assessment.pk,
            "submitted_at": assessment.submitted_at.isoformat()
            if assessment.submitted_at
            else None,
            "peers": submissions_of(cycle_id=assessment.cycle_id),
            "min_group": int(settings.PEER_MIN_GROUP_SIZE),
            "paper_size": assessment.organization.paper_size,
        }
    )


@transaction.atomic
def report_enqueue(
    *,
    kind: str,
    fingerprint: str,
    by: User,
    assessment: Assessment | None = None,
    cycle: Cycle | None = None,
    params: dict[str, Any] | None = None,
) -> Report:
    """The live report with this fingerprint, or a new queued one sent once committed."""
    live = Report.objects.filter(fingerprint=fingerprint, status__in=Report.ACTIVE).first()
    if live is not None:
        return live
    report = Report.objects.create(
        kind=kind,
        assessment=assessment,
        cycle=cycle,
        fingerprint=fingerprint,
        params=params or {},
        requested_by=by,
        step="Waiting for a worker",
    )
    report_id = report.pk
    transaction.on_commit(lambda: report_send(report_id=report_id))
    return report


def report_request(*, assessment: Assessment, by: User) -> Report:
    """The maturity report for a submitted assessment: a live one if it exists, else queued."""
    if assessment.status not in Assessment.SUBMITTED_STATES:
        raise ValidationError("A maturity report is built once the assessment is submitted.")
    return report_enqueue(
        kind=Report.Kind.MATURITY,
        fingerprint=maturity_fingerprint(assessment=assessment),
        assessment=assessment,
        by=by,
    )


@transaction.atomic
def report_retry(*, report: Report, by: User) -> Report:
    """Queue a failed report again (a new row if its inputs changed meanwhile)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != Report.Status.FAILED:
        raise ValidationError("Only a failed report can be retried.")
    live = Report.objects.filter(fingerprint=report.fingerprint, status__in=Report.ACTIVE).first()
    if live is not None:  # the same inputs were asked for again meanwhile
        return live
    report.status = Report.Status.QUEUED
    report.progress = 0
    report.step = "Waiting for a worker"
    report.error = ""
    report.sent_at = None
    report.save(update_fields=["status", "progress", "step", "error", "sent_at"])
    report_id = report.pk
    transaction.on_commit(lambda: report_send(report_id=report_id))
    return report
