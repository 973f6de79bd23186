"""Rating rounds: several people rate the same criteria independently, then a consensus.

A round belongs to one assessment and covers chosen commitments. Each rater rates every
criterion of those commitments (a level or "don't know", with a short rationale) and submits;
until then nobody else's ratings are shown to them. The lead records a consensus level per
criterion, which becomes the assessment's answer (the consensus row links the two).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from assessments.models import Assessment
from commitments.models import Commitment, Criterion

RATIONALE_MAX_LENGTH = 2_000
CONSENSUS_REASON_MAX_LENGTH = 2_000


class Round(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open for ratings"
        CLOSED = "closed", "Closed"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="rating_rounds"
    )
    commitments = models.ManyToManyField(Commitment, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closes_on = models.DateField(help_text="Raters may rate until the end of this day.")
    named = models.BooleanField(
        default=False, help_text="The consensus view shows who gave which rating."
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    # Krippendorff's ordinal alpha of the submitted ratings, stored at each submission so the
    # consortium dashboard aggregates rounds without reading every rating (None: under three
    # raters, or no variation).
    alpha = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"Rating round {self.pk} of {self.assessment}"


class Rater(models.Model):
    """One person invited to rate in a round: a member of the organization or a partner."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="raters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_partner = models.BooleanField(
        default=False, help_text="A patient, family or community partner, not staff."
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="rater_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.round}"


class Rating(models.Model):
    rater = models.ForeignKey(Rater, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    dont_know = models.BooleanField(default=False)
    rationale = models.TextField(blank=True, max_length=RATIONALE_MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["criterion__commitment__order", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["rater", "criterion"], name="rating_once_per_rater"),
            models.CheckConstraint(
                condition=(Q(dont_know=True) & Q(level__isnull=True))
                | (Q(dont_know=False) & (Q(level__isnull=True) | Q(level__gte=1, level__lte=5))),
                name="rating_level_or_dont_know",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} by {self.rater}"


class Consensus(models.Model):
    """The level the group agreed on for one criterion, and why; written to the answer."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="consensus")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    reason = models.TextField(max_length=CONSENSUS_REASON_MAX_LENGTH)
    answer_version = models.PositiveIntegerField(
        help_text="The answer's version this consensus wrote (its history shows it)."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "criterion"], name="consensus_once"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="consensus_level_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"Consensus on {self.criterion} in {self.round}"
