"""Cycles, assessments and everything a quality lead writes into one.

Every rule that the database can hold is a constraint here; the rest is in services.py.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateformat import format as date_format
from simple_history.models import HistoricalRecords

from commitments.models import Commitment, Criterion, Rubric
from organizations.models import Membership, Organization

LEVEL_OR_NULL = Q(level__isnull=True) | (Q(level__gte=1) & Q(level__lte=5))
COMMENT_MAX_LENGTH = 5000
# What people type, bounded at the form (which reads these from the model) and in full_clean:
# long enough for a real answer, short enough that a pasted file or a script is refused.
EVIDENCE_MAX_LENGTH = 10_000
NOTES_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 2_000
DESCRIPTION_MAX_LENGTH = 5_000
EXTENSION_REASON_MAX_LENGTH = 1_000
FILE_NAME_MAX_LENGTH = 200
DAY = "j M Y"  # how every page writes a date: 31 Oct 2026


def day(value: date) -> str:
    return date_format(value, DAY)


class Cycle(models.Model):
    """An assessment period opened by consortium staff, bound to one published rubric."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Not yet open"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=100, unique=True)
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="cycles")
    opens_on = models.DateField()
    due_on = models.DateField(help_text="Submissions are due on this day; later ones are late.")
    closes_on = models.DateField(
        help_text="The last day an unsubmitted assessment may change, extensions aside."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="cycle_closes_after_it_opens"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("opens_on")), name="cycle_due_after_it_opens"
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("due_on")), name="cycle_closes_after_it_is_due"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # The dates decide, not only the status: an open cycle whose closing day has passed is
    # closed, though nobody pressed "Close". Days are in settings.TIME_ZONE (localdate).

    def is_closed(self, today: date) -> bool:
        """Closed by staff, or open but past its closing day."""
        return self.status == self.Status.CLOSED or (
            self.status == self.Status.OPEN and today > self.closes_on
        )

    def accepts_new_assessments(self, today: date) -> bool:
        return self.status == self.Status.OPEN and today <= self.closes_on

    def state(self, today: date) -> str:
        """What pages say of the cycle: Open, Closed on 31 Oct 2026, Not yet open."""
        if self.status == self.Status.DRAFT:
            return str(self.Status.DRAFT.label)
        if self.is_closed(today):
            return f"Closed on {day(self.closes_on)}" if today > self.closes_on else "Closed"
        return str(self.Status.OPEN.label)


class Assessment(models.Model):
    """One organization's self-assessment in one cycle."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        ACCEPTED = "accepted", "Accepted"

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    SUBMITTED_STATES = (Status.SUBMITTED, Status.ACCEPTED)

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="assessments"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overall_score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(
        null=True, blank=True, help_text="When the consortium last returned it for changes."
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The consortium reviewer it is assigned to.",
    )

    history = HistoricalRecords(excluded_fields=["overall_score"])

    class Meta:
        ordering = ["-cycle__opens_on", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cycle"], name="assessment_one_per_organization_cycle"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "accepted"]),
                name="assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="assessment_submitted_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["cycle", "status"]),
            # The review queue, oldest submission first: read in order, it stops at a page.
            models.Index(fields=["status", "submitted_at", "id"], name="assessment_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.cycle}"

    @property
    def is_editable(self) -> bool:
        """Its status lets it change; whether it may change today is write_refusal's answer."""
        return self.status in self.EDITABLE

    def write_refusal(self, *, today: date, extended_until: date | None) -> str | None:
        """Why nobody may change this assessment on `today`, or None if its people may.

        The one rule for writing: organizations.access reads it to decide what pages offer,
        assessments.services._require_editable to refuse every write. Submitted and accepted
        assessments are locked until the consortium returns them; a draft or a returned one is
        locked once its cycle closes, unless the organization's extension (`extended_until`,
        None without one) still runs.
        """
        if self.status not in self.EDITABLE:
            return (
                f"This assessment is {self.get_status_display().lower()}; "
                "it can be changed again only if the consortium returns it."
            )
        cycle = self.cycle
        if not cycle.is_closed(today) or (extended_until is not None and today <= extended_until):
            return None
        if extended_until is not None:
            return (
                f"Your organization's extension ended on {day(extended_until)}: this assessment "
                "can no longer be changed. Ask the consortium if you need more time."
            )
        closed = f"closed on {day(cycle.closes_on)}" if today > cycle.closes_on else "was closed"
        return (
            f"The {cycle.name} cycle {closed}: this assessment can no longer be changed. The "
            "consortium can grant your organization an extension."
        )

    @property
    def is_late(self) -> bool:
        """Submitted after its cycle's due day (the last submission counts)."""
        return (
            self.submitted_at is not None
            and timezone.localdate(self.submitted_at) > self.cycle.due_on
        )


class Answer(models.Model):
    """The answer to one criterion: a level or N/A with a reason, with evidence."""

    class Confidence(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    na_reason = models.TextField(blank=True, max_length=REASON_MAX_LENGTH)
    evidence = models.TextField(blank=True, max_length=EVIDENCE_MAX_LENGTH)
    evidence_links = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True, max_length=NOTES_MAX_LENGTH)
    notes_carried = models.BooleanField(
        default=False, help_text="The notes are last cycle's, copied when carrying forward."
    )
    change_reason = models.TextField(
        blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text="Why the answer differs from last cycle's, in the lead's words.",
    )
    confidence = models.CharField(max_length=8, choices=Confidence.choices, blank=True)
    carried_forward = models.BooleanField(
        default=False, help_text="Copied from the last cycle and not yet confirmed."
    )
    carried_kind = models.CharField(
        max_length=10,
        blank=True,
        help_text="How the copied answer crossed rubric versions (crosswalk kind), if it did.",
    )
    carried_from_codes = models.CharField(
        max_length=200, blank=True, help_text="The earlier version's criteria it was copied from."
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency: a save names the version it started from; a stale one is refused.
    version = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["criterion__commitment__order", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="answer_one_per_criterion"
            ),
            models.CheckConstraint(condition=LEVEL_OR_NULL, name="answer_level_1_to_5"),
            models.CheckConstraint(
                condition=~(Q(not_applicable=True) & Q(level__isnull=False)),
                name="answer_level_or_na_not_both",
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | ~Q(na_reason=""),
                name="answer_na_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=["", "low", "medium", "high"]),
                name="answer_confidence_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.criterion.code}"

    @property
    def is_answered(self) -> bool:
        return self.level is not None or (self.not_applicable and bool(self.na_reason.strip()))

    # Carried across a split or a merge: the old answer answered a different question, so it
    # is confirmed one at a time, never by "keep all unchanged".
    LOOK_KINDS = ("split", "merged")

    @property
    def needs_a_look(self) -> bool:
        return self.carried_kind in self.LOOK_KINDS

    @property
    def blocker(self) -> str | None:
        """Why this answer does not count yet, or None once it does: the one rule for "this
        criterion is done", used by the overview's progress and by the submit check."""
        if self.carried_forward and self.needs_a_look:
            return (
                f"carried from {self.carried_from_codes.upper()}, which was {self.carried_kind} "
                "in this rubric version — check it against this criterion's levels and confirm"
            )
        if self.carried_forward:
            return "carried forward from the last cycle — confirm or change it"
        if self.not_applicable and not self.na_reason.strip():
            return "marked not applicable without a reason"
        if not self.is_answered:
            return "no level chosen"
        return None


def evidence_upload_path(instance: "EvidenceFile", filename: str) -> str:
    # Per-assessment folders under MEDIA_ROOT, which is never served directly.
    return f"evidence/{instance.answer.assessment_id}/{instance.answer_id}/{filename}"


class EvidenceFile(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=evidence_upload_path, max_length=300)
    original_name = models.CharField(max_length=FILE_NAME_MAX_LENGTH)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Removing a file hides it from the answer; the row and the stored file stay, for history.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Assignment(models.Model):
    """Which member answers which commitment of an assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assignments")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "commitment"], name="assignment_one_per_commitment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} → {self.membership.user}"


class ActionItem(models.Model):
    """One step of the improvement plan for a commitment."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    OPEN_STATES = (Status.PLANNED, Status.IN_PROGRESS)

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="action_items"
    )
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_level = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    carried_forward = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["commitment__order", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_level__isnull=True)
                | (Q(target_level__gte=1) & Q(target_level__lte=5)),
                name="action_target_level_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "done", "dropped"]),
                name="action_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue_on(self, today: date) -> bool:
        """Still planned or in progress after its due day."""
        return (
            self.status in self.OPEN_STATES and self.due_date is not None and self.due_date < today
        )

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class CommitmentScore(models.Model):
    """A commitment's score in a submitted assessment, stored so dashboards read ten rows."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    answered = models.PositiveSmallIntegerField(default=0)
    not_applicable = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["commitment__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "commitment"], name="score_one_per_commitment"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True)
                | (Q(score__gte=Decimal("1")) & Q(score__lte=Decimal("5"))),
                name="score_between_1_and_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.score}"


class Thread(models.Model):
    """The conversation on one criterion of an assessment, or (no criterion) on the whole.

    One per criterion: it stays with the criterion across return and resubmission, and is
    resolved and reopened rather than closed for good."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="threads")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"],
                condition=Q(criterion__isnull=False),
                name="thread_one_per_criterion",
            ),
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(criterion__isnull=True),
                name="thread_one_general_per_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"Thread on {self.criterion.code if self.criterion else 'the assessment'}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def last_comment(self) -> "Comment | None":
        """The newest comment, from the prefetched ones when the selector fetched them."""
        comments = list(self.comments.all())
        return comments[-1] if comments else None


class Comment(models.Model):
    """One message in a thread; never edited, so the conversation reads as it happened."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"])]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.thread}"


class CommitmentAcceptance(models.Model):
    """A reviewer found one commitment of a submitted assessment ready to accept."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="acceptances")
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="+")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "commitment"], name="acceptance_one_per_commitment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commitment} accepted in {self.assessment}"


class Extension(models.Model):
    """Consortium staff let one organization keep changing its assessment of a cycle after the
    cycle closes, until `until` (on or after the closing day; services check it)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="extensions")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="extensions"
    )
    until = models.DateField(help_text="The last day the assessment may change.")
    reason = models.TextField(max_length=EXTENSION_REASON_MAX_LENGTH)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "organization"], name="extension_one_per_organization_cycle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.cycle} until {self.until}"


class WorkbookImport(models.Model):
    """A filled-in workbook, read and checked, waiting for its uploader to confirm.

    Kept on the server between the preview and the confirmation, so what is applied is what
    was checked and shown, never a copy the browser sends back; one per person and assessment
    (a new upload replaces the last one). `changes` lists, per criterion, the answer's version
    when previewed, its values then and the workbook's values."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=FILE_NAME_MAX_LENGTH)
    changes = models.JSONField(default=list)
    # Criterion codes changed on the site since the download and untouched in the workbook.
    site_only = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "user"], name="one_workbook_import_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} for {self.assessment}"
