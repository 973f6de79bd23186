"""Reads of the rubric: the published version, its pages, and its text at any moment."""

from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from .models import Commitment, Criterion, LevelDescriptor, MaturityLevel, Rubric
from .rubric_file import CommitmentSpec, CriterionSpec, GlossaryEntry, LevelSpec, RubricSpec


def published_rubric(*, version: str | None = None) -> Rubric | None:
    """The newest published rubric, or the published one with `version`."""
    qs = Rubric.objects.filter(status=Rubric.Status.PUBLISHED)
    if version:
        qs = qs.filter(version=version)
    return qs.order_by("-published_at", "-id").first()


def rubric_levels(*, rubric: Rubric) -> QuerySet[MaturityLevel]:
    """The rubric's maturity scale, level 1 first."""
    return MaturityLevel.objects.filter(rubric=rubric).order_by("level")


def commitments_of(*, rubric_id: int) -> list[Commitment]:
    """The commitments of a rubric, in order: the columns and rows of every per-commitment view."""
    return list(Commitment.objects.filter(rubric_id=rubric_id).order_by("order"))


def rubric_commitments(*, rubric: Rubric) -> QuerySet[Commitment]:
    """The rubric's commitments in order, each with its number of criteria."""
    return (
        Commitment.objects.filter(rubric=rubric)
        .annotate(criteria_count=Count("criteria"))
        .order_by("order")
    )


def commitment_page(*, rubric: Rubric, code: str) -> Commitment:
    """One commitment of `rubric` with its criteria and their descriptors; 404 if absent."""
    commitment = (
        Commitment.objects.filter(rubric=rubric, code=code)
        .prefetch_related(
            Prefetch(
                "criteria",
                queryset=Criterion.objects.order_by("order").prefetch_related(
                    Prefetch("descriptors", queryset=LevelDescriptor.objects.order_by("level"))
                ),
            )
        )
        .first()
    )
    if commitment is None:
        raise Http404("No such commitment in this rubric.")
    return commitment


def _spec(
    rubric: Rubric,
    levels: list[MaturityLevel],
    commitments: list[Commitment],
    criteria: list[Criterion],
    descriptors: list[LevelDescriptor],
) -> RubricSpec:
    by_criterion: dict[int, dict[int, str]] = {}
    for d in sorted(descriptors, key=lambda d: d.level):
        by_criterion.setdefault(d.criterion_id, {})[d.level] = d.text
    by_commitment: dict[int, list[CriterionSpec]] = {}
    for cr in sorted(criteria, key=lambda cr: cr.order):
        by_commitment.setdefault(cr.commitment_id, []).append(
            CriterionSpec(
                cr.code,
                cr.prompt,
                cr.guidance,
                cr.evidence_hint,
                cr.weight,
                by_criterion.get(cr.pk, {}),
            )
        )
    return RubricSpec(
        rubric.name,
        rubric.version,
        rubric.description,
        rubric.attribution,
        tuple(
            LevelSpec(lv.level, lv.name, lv.description, lv.evidence)
            for lv in sorted(levels, key=_level)
        ),
        tuple(
            CommitmentSpec(
                c.code, c.name, c.definition, c.guidance, tuple(by_commitment.get(c.pk, []))
            )
            for c in sorted(commitments, key=lambda c: c.order)
        ),
        rubric.scoring,
        rubric.weighting,
        tuple(GlossaryEntry(g["term"], g["definition"]) for g in rubric.glossary or []),
    )


def _level(level: MaturityLevel) -> int:
    return level.level


def rubric_spec(*, rubric: Rubric) -> RubricSpec:
    """The rubric as it is now, in the file format's terms (for export and cloning)."""
    commitments = list(Commitment.objects.filter(rubric=rubric))
    criteria = list(Criterion.objects.filter(commitment__rubric=rubric))
    return _spec(
        rubric,
        list(MaturityLevel.objects.filter(rubric=rubric)),
        commitments,
        criteria,
        list(LevelDescriptor.objects.filter(criterion__commitment__rubric=rubric)),
    )


def rubric_text_as_of(*, rubric: Rubric, at: datetime) -> RubricSpec:
    """The rubric's text as it stood at `at` (what an assessment submitted then was scored on).

    A moment before the rubric was published reads as the moment of publication: nothing can
    be scored on a rubric before it is published, and data imported with earlier dates (past
    cycles loaded after the rubric) must still show the text it was scored on.
    """
    if rubric.published_at is not None and at < rubric.published_at:
        at = rubric.published_at
    head = Rubric.history.as_of(at).filter(pk=rubric.pk).first()
    if head is None:
        raise Rubric.DoesNotExist(f"Rubric {rubric.pk} did not exist at {at.isoformat()}.")
    commitments = list(Commitment.history.as_of(at).filter(rubric_id=rubric.pk))
    criteria = list(
        Criterion.history.as_of(at).filter(commitment_id__in=[c.pk for c in commitments])
    )
    descriptors = list(
        LevelDescriptor.history.as_of(at).filter(criterion_id__in=[c.pk for c in criteria])
    )
    levels = list(MaturityLevel.history.as_of(at).filter(rubric_id=rubric.pk))
    return _spec(head, levels, commitments, criteria, descriptors)
