"""Reports: what was asked, how far it got, and the files it produced."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from assessments.models import Assessment, Cycle


def report_file_path(instance: "Report", filename: str) -> str:
    # A folder per report under MEDIA_ROOT, which no URL serves; the files are streamed by
    # an access-checked view.
    return f"reports/{instance.pk}/{filename}"


class Report(models.Model):
    class Kind(models.TextChoices):
        MATURITY = "maturity", "Maturity report"
        CONSORTIUM = "consortium", "Consortium report"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.READY)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    params = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    html_file = models.FileField(upload_to=report_file_path, blank=True, max_length=300)
    pdf_file = models.FileField(upload_to=report_file_path, blank=True, max_length=300)
    xlsx_file = models.FileField(upload_to=report_file_path, blank=True, max_length=300)
    # The report as a Word document a lead can edit (empty for reports built before it).
    docx_file = models.FileField(upload_to=report_file_path, blank=True, max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="report_progress_0_100"
            ),
            models.CheckConstraint(
                condition=(Q(kind="maturity") & Q(assessment__isnull=False))
                | (Q(kind="consortium") & Q(cycle__isnull=False)),
                name="report_kind_has_its_subject",
            ),
            # At most one live report per set of inputs; a failed one may be asked for again.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(status__in=["queued", "running", "ready"]),
                name="report_one_live_per_fingerprint",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"
