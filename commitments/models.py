"""The rubric: versions of the ten Shared Commitments, their criteria and the maturity scale.

Text fields may change on a published rubric (history keeps every version); structure
(codes, orders, weights, levels, which criteria exist) is fixed once published.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

LEVELS = range(1, 6)
LEVEL_CHECK = Q(level__gte=1) & Q(level__lte=5)
# Rubric texts are edited in the admin; the longest in the 2026.1 file is under 800 characters.
RUBRIC_TEXT_MAX_LENGTH = 5_000


class RubricPart(models.Model):
    """Refuses, in clean(), any change to a published rubric's structure (admin forms call it)."""

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        error = locked_structure_error(self)
        if error:
            raise ValidationError(error)


class Rubric(RubricPart):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=200)
    version = models.CharField(max_length=40, help_text="For example 2026.1")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(blank=True, max_length=RUBRIC_TEXT_MAX_LENGTH)
    attribution = models.TextField(blank=True, max_length=RUBRIC_TEXT_MAX_LENGTH)
    scoring = models.TextField(
        blank=True,
        max_length=RUBRIC_TEXT_MAX_LENGTH,
        help_text="How a level is decided (shown on /rubric/).",
    )
    weighting = models.TextField(
        blank=True,
        max_length=RUBRIC_TEXT_MAX_LENGTH,
        help_text="Why the criteria weigh what they weigh.",
    )
    glossary = models.JSONField(
        default=list,
        blank=True,
        help_text='Terms the descriptors use: a list of {"term": ..., "definition": ...}.',
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="rubric_name_version_unique"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="rubric_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version} ({self.get_status_display().lower()})"

    @property
    def is_structure_locked(self) -> bool:
        return self.status != self.Status.DRAFT


class MaturityLevel(RubricPart):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    description = models.TextField(max_length=RUBRIC_TEXT_MAX_LENGTH)
    evidence = models.TextField(
        blank=True,
        max_length=RUBRIC_TEXT_MAX_LENGTH,
        help_text="The minimum evidence that counts.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["rubric", "level"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "level"], name="level_unique_in_rubric"),
            models.CheckConstraint(condition=LEVEL_CHECK, name="level_between_1_and_5"),
        ]

    def __str__(self) -> str:
        return f"{self.level} · {self.name}"


class Commitment(RubricPart):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="commitments")
    code = models.SlugField(max_length=40)
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    definition = models.CharField(max_length=300, help_text="The NAM's one-line definition.")
    guidance = models.TextField(blank=True, max_length=RUBRIC_TEXT_MAX_LENGTH)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rubric", "order"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="commitment_code_unique"),
            models.UniqueConstraint(fields=["rubric", "order"], name="commitment_order_unique"),
            models.CheckConstraint(condition=Q(order__gte=1), name="commitment_order_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(RubricPart):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=40)
    order = models.PositiveSmallIntegerField()
    prompt = models.TextField(max_length=RUBRIC_TEXT_MAX_LENGTH)
    guidance = models.TextField(blank=True, max_length=RUBRIC_TEXT_MAX_LENGTH)
    evidence_hint = models.TextField(blank=True, max_length=RUBRIC_TEXT_MAX_LENGTH)
    weight = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["commitment__order", "order"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["commitment", "code"], name="criterion_code_unique"),
            models.UniqueConstraint(fields=["commitment", "order"], name="criterion_order_unique"),
            models.CheckConstraint(condition=Q(order__gte=1), name="criterion_order_positive"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class LevelDescriptor(RubricPart):
    """What one maturity level looks like in practice for one criterion."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="descriptors")
    level = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=RUBRIC_TEXT_MAX_LENGTH)

    history = HistoricalRecords()

    class Meta:
        ordering = ["criterion", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["criterion", "level"], name="descriptor_unique_per_level"
            ),
            models.CheckConstraint(condition=LEVEL_CHECK, name="descriptor_level_between_1_and_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code} level {self.level}"


class CrosswalkLink(models.Model):
    """One pair of criteria connected from one rubric version to the next; a new criterion has
    no source, a retired one no target. Carry-forward and trends across versions read these."""

    class Kind(models.TextChoices):
        SAME = "same", "Same"
        REWORDED = "reworded", "Reworded"
        SPLIT = "split", "Split"
        MERGED = "merged", "Merged"
        RETIRED = "retired", "Retired"
        NEW = "new", "New"

    # An answer carries and a level compares only through these kinds.
    COMPARABLE = (Kind.SAME, Kind.REWORDED)

    source_rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="+")
    target_rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, null=True, blank=True, related_name="links_out"
    )
    target = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, null=True, blank=True, related_name="links_in"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.TextField(blank=True, max_length=RUBRIC_TEXT_MAX_LENGTH)

    class Meta:
        ordering = ["target_rubric", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_rubric", "target_rubric", "source", "target"],
                name="crosswalk_pair_unique",
            ),
            models.CheckConstraint(
                condition=(Q(kind="new") & Q(source__isnull=True) & Q(target__isnull=False))
                | (Q(kind="retired") & Q(source__isnull=False) & Q(target__isnull=True))
                | (
                    Q(kind__in=["same", "reworded", "split", "merged"])
                    & Q(source__isnull=False)
                    & Q(target__isnull=False)
                ),
                name="crosswalk_kind_matches_ends",
            ),
        ]

    def __str__(self) -> str:
        old = self.source.code if self.source else "—"
        new = self.target.code if self.target else "—"
        return f"{old} → {new} ({self.kind})"


# Fields that may change on a published rubric; every other field is structure.
TEXT_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Rubric: ("name", "description", "attribution", "scoring", "weighting", "glossary"),
    MaturityLevel: ("name", "description", "evidence"),
    Commitment: ("name", "definition", "guidance"),
    Criterion: ("prompt", "guidance", "evidence_hint"),
    LevelDescriptor: ("text",),
}
STRUCTURE_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Rubric: ("version",),
    MaturityLevel: ("rubric", "level"),
    Commitment: ("rubric", "code", "order"),
    Criterion: ("commitment", "code", "order", "weight"),
    LevelDescriptor: ("criterion", "level"),
}


def locked_structure_error(instance: models.Model) -> str | None:
    """Why saving `instance` would change a published rubric's structure; None if it would not."""
    model = type(instance)
    rubric = _rubric_of(instance)
    if rubric is None or rubric.pk is None:
        return None
    status = Rubric.objects.filter(pk=rubric.pk).values_list("status", flat=True).first()
    if status in (None, Rubric.Status.DRAFT):
        return None
    advice = "Clone the rubric into a new draft version to change its structure."
    if instance.pk is None:
        return f"This rubric is {status}: nothing can be added to it. {advice}"
    fields = STRUCTURE_FIELDS[model]
    stored = model._default_manager.filter(pk=instance.pk).values(*fields).first() or {}
    changed: list[str] = []
    for name in fields:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)  # noqa: S101 - STRUCTURE_FIELDS names fields
        if stored.get(name) != getattr(instance, field.attname):
            changed.append(str(field.verbose_name))
    if changed:
        return (
            f"This rubric is {status}: only text can be edited, not {', '.join(changed)}. " + advice
        )
    return None


def _rubric_of(instance: models.Model) -> Rubric | None:
    if isinstance(instance, Rubric):
        return instance
    if isinstance(instance, MaturityLevel | Commitment):
        return instance.rubric if instance.rubric_id else None
    if isinstance(instance, Criterion):
        return instance.commitment.rubric if instance.commitment_id else None
    if isinstance(instance, LevelDescriptor):
        return instance.criterion.commitment.rubric if instance.criterion_id else None
    return None
