"""Reads of the rubric: the published version, its pages, and its text at any moment."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from .models import Commitment, Criterion, CrosswalkLink, LevelDescriptor, MaturityLevel, Rubric
from .rubric_file import CommitmentSpec, CriterionSpec, GlossaryEntry, LevelSpec, RubricSpec


def published_rubric(*, version: str | None = None) -> Rubric | None:
    """The newest published rubric, or the published one with `version`."""
    qs = Rubric.objects.filter(status=Rubric.Status.PUBLISHED)
    if version:
        qs = qs.filter(version=version)
    return qs.order_by("-published_at", "-id").first()


def published_versions() -> list[str]:
    """Every published version, newest first (the rubric page links to the others)."""
    return list(
        Rubric.objects.filter(status=Rubric.Status.PUBLISHED)
        .order_by("-published_at", "-id")
        .values_list("version", flat=True)
    )


def earlier_published(*, rubric: Rubric) -> Rubric | None:
    """The published version a crosswalk leads from into `rubric`, if there is one."""
    return (
        Rubric.objects.filter(
            status=Rubric.Status.PUBLISHED,
            pk__in=CrosswalkLink.objects.filter(target_rubric=rubric).values("source_rubric"),
        )
        .order_by("-published_at", "-id")
        .first()
    )


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


def commitment_row(*, rubric: Rubric, code: str) -> Commitment:
    """One commitment of `rubric`, the row alone; 404 if absent."""
    commitment = Commitment.objects.filter(rubric=rubric, code=code).first()
    if commitment is None:
        raise Http404("No such commitment in this rubric.")
    return commitment


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


def rubric_text_as_of(*, rubric: Rubric, at: datetime, commitment: str | None = None) -> RubricSpec:
    """The rubric's text as it stood at `at` (what an assessment submitted then was scored on);
    with `commitment`, only that commitment's (a page of one commitment reads a tenth of it).

    A moment before the rubric was published reads as the moment of publication: nothing can
    be scored on a rubric before it is published, and data imported with earlier dates (past
    cycles loaded after the rubric) must still show the text it was scored on.
    """
    if rubric.published_at is not None and at < rubric.published_at:
        at = rubric.published_at
    head = Rubric.history.as_of(at).filter(pk=rubric.pk).first()
    if head is None:
        raise Rubric.DoesNotExist(f"Rubric {rubric.pk} did not exist at {at.isoformat()}.")
    commitments_then = Commitment.history.as_of(at).filter(rubric_id=rubric.pk)
    if commitment is not None:
        commitments_then = commitments_then.filter(code=commitment)
    commitments = list(commitments_then)
    criteria = list(
        Criterion.history.as_of(at).filter(commitment_id__in=[c.pk for c in commitments])
    )
    descriptors = list(
        LevelDescriptor.history.as_of(at).filter(criterion_id__in=[c.pk for c in criteria])
    )
    levels = list(MaturityLevel.history.as_of(at).filter(rubric_id=rubric.pk))
    return _spec(head, levels, commitments, criteria, descriptors)


@dataclass(frozen=True)
class Lineage:
    """Where a criterion of a newer rubric version comes from in an older one."""

    kind: str  # a CrosswalkLink.Kind value; "same" between a version and itself
    sources: tuple[str, ...]  # the older version's criterion codes; empty when new
    note: str = ""

    @property
    def comparable(self) -> bool:
        """A level carries as it is and compares across the versions only for these."""
        return self.kind in CrosswalkLink.COMPARABLE

    @property
    def label(self) -> str:
        """How a person reads it: "merged from SAFE-4, SECURE-3", "new in this version"."""
        codes = ", ".join(code.upper() for code in self.sources)
        return {
            "same": f"same as {codes}",
            "reworded": f"reworded from {codes}",
            "split": f"split from {codes}",
            "merged": f"merged from {codes}",
            "new": "new in this version",
        }.get(self.kind, self.kind)


@dataclass(frozen=True)
class Crosswalk:
    """Every criterion of the newer version with its lineage, and the older ones retired."""

    source_version: str
    target_version: str
    lineage: dict[str, Lineage]
    retired: dict[str, str]  # older code -> note
    # The commitment code of each newer criterion and of each retired older one.
    commitment_of: dict[str, str] = field(default_factory=dict)

    @property
    def crosses_versions(self) -> bool:
        return self.source_version != self.target_version

    def not_comparable(self) -> dict[str, Lineage]:
        return {code: ln for code, ln in self.lineage.items() if not ln.comparable}


def crosswalk(*, source: Rubric, target: Rubric) -> Crosswalk:
    """How `target`'s criteria descend from `source`'s (two queries). Within one version, or
    between versions no crosswalk connects, criteria match by code as they always did."""
    target_rows = list(
        Criterion.objects.filter(commitment__rubric=target)
        .order_by("commitment__order", "order")
        .values_list("code", "commitment__code")
    )
    target_codes = [code for code, _ in target_rows]
    commitment_of = dict(target_rows)
    links = list(
        CrosswalkLink.objects.filter(source_rubric=source, target_rubric=target)
        .order_by("id")
        .values_list("kind", "source__code", "target__code", "note", "source__commitment__code")
    )
    if source.pk == target.pk or not links:
        source_codes = (
            set(target_codes)
            if source.pk == target.pk
            else set(
                Criterion.objects.filter(commitment__rubric=source).values_list("code", flat=True)
            )
        )
        return Crosswalk(
            source.version,
            target.version,
            {
                code: Lineage("same", (code,)) if code in source_codes else Lineage("new", ())
                for code in target_codes
            },
            {},
            commitment_of,
        )
    sources: dict[str, list[str]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    retired: dict[str, str] = {}
    for kind, old, new, note, old_commitment in links:
        if new is None:
            retired[old] = note
            commitment_of[old] = old_commitment
            continue
        kinds[new] = (kind, note)
        if old is not None:
            sources.setdefault(new, []).append(old)
    return Crosswalk(
        source.version,
        target.version,
        {
            code: Lineage(kinds[code][0], tuple(sources.get(code, ())), kinds[code][1])
            for code in target_codes
            if code in kinds
        },
        retired,
        commitment_of,
    )


def crosswalk_changes(*, target: Rubric) -> list[tuple[Rubric, list[CrosswalkLink]]]:
    """The change log into `target`: each older version that links to it, with its links in
    the file's order (for the rubric page)."""
    links = list(
        CrosswalkLink.objects.filter(target_rubric=target)
        .select_related("source_rubric", "source", "target")
        .order_by("source_rubric_id", "id")
    )
    # Retired links point at no target criterion; they belong to the same pair all the same.
    by_source: dict[int, tuple[Rubric, list[CrosswalkLink]]] = {}
    for link in links:
        by_source.setdefault(link.source_rubric_id, (link.source_rubric, []))[1].append(link)
    return list(by_source.values())


@dataclass(frozen=True)
class TextChange:
    """One edit of a descriptor's text, as the admin's history shows it."""

    level: int
    when: datetime
    who: str
    kind: str  # Created, Changed, Deleted
    before: str
    after: str


def descriptor_history(*, criterion_id: int) -> list[TextChange]:
    """Every edit of the criterion's descriptors, newest first, with the text before and
    after (one query: each row's predecessor is found among the rows themselves)."""
    rows = list(
        LevelDescriptor.history.filter(criterion_id=criterion_id)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    changes: list[TextChange] = []
    previous: dict[int, str] = {}
    for row in rows:
        before = previous.get(row.id, "")
        after = "" if row.history_type == "-" else row.text
        if row.history_type != "~" or before != after:
            changes.append(
                TextChange(
                    row.level,
                    row.history_date,
                    str(row.history_user) if row.history_user else "",
                    row.get_history_type_display(),
                    before,
                    after,
                )
            )
        previous[row.id] = row.text
    return sorted(changes, key=lambda c: c.when, reverse=True)


def descriptors_as_of(*, criterion_id: int, at: datetime) -> list[tuple[int, str]]:
    """The criterion's descriptors as they stood at `at`, level 1 first."""
    return sorted(
        LevelDescriptor.history.as_of(at)
        .filter(criterion_id=criterion_id)
        .values_list("level", "text")
    )
