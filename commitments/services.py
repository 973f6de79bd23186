"""Writes to the rubric: load from a file, clone into a new version, publish, retire."""

import dataclasses
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from lhs_assess.history import save_with_author
from organizations.models import User

from .crosswalk_file import CrosswalkSpec
from .models import (
    TEXT_FIELDS,
    Commitment,
    Criterion,
    CrosswalkLink,
    LevelDescriptor,
    MaturityLevel,
    Rubric,
)
from .rubric_file import RubricSpec
from .selectors import rubric_spec

MIN_CRITERIA, MAX_CRITERIA = 3, 5

_Part = TypeVar("_Part", MaturityLevel, Commitment, Criterion, LevelDescriptor)


@dataclass(frozen=True)
class LoadResult:
    rubric: Rubric
    created: bool
    texts_changed: int


class RubricStructureError(ValidationError):
    """A change that needs a new rubric version."""


def _create_from_spec(spec: RubricSpec, by: User | None) -> Rubric:
    """Create the whole rubric: one insert per kind of row and one for their history rows (the
    ten commitments' rubric is about 280 rows: some 560 queries saved one at a time, a dozen
    so)."""
    rubric = Rubric(
        name=spec.name,
        version=spec.version,
        description=spec.description,
        attribution=spec.attribution,
        scoring=spec.scoring,
        weighting=spec.weighting,
        glossary=glossary_out(spec),
    )
    save_with_author(rubric, by)

    def create(objs: list[_Part]) -> list[_Part]:
        if not objs:
            return objs
        return list(bulk_create_with_history(objs, type(objs[0]), default_user=by))

    create(
        [
            MaturityLevel(
                rubric=rubric,
                level=lv.level,
                name=lv.name,
                description=lv.description,
                evidence=lv.evidence,
            )
            for lv in spec.levels
        ]
    )
    commitments = create(
        [
            Commitment(
                rubric=rubric,
                code=c.code,
                order=order,
                name=c.name,
                definition=c.definition,
                guidance=c.guidance,
            )
            for order, c in enumerate(spec.commitments, start=1)
        ]
    )
    criteria = create(
        [
            Criterion(
                commitment=commitment,
                code=cr.code,
                order=cr_order,
                prompt=cr.prompt,
                guidance=cr.guidance,
                evidence_hint=cr.evidence_hint,
                weight=cr.weight,
            )
            for commitment, c in zip(commitments, spec.commitments, strict=True)
            for cr_order, cr in enumerate(c.criteria, start=1)
        ]
    )
    specs = [cr for c in spec.commitments for cr in c.criteria]
    create(
        [
            LevelDescriptor(criterion=criterion, level=level, text=text)
            for criterion, cr in zip(criteria, specs, strict=True)
            for level, text in cr.descriptors.items()
        ]
    )
    return rubric


def structure_differences(current: RubricSpec, wanted: RubricSpec) -> list[str]:
    """What `wanted` changes in `current` that only a new version may change."""
    diffs: list[str] = []
    if [lv.level for lv in current.levels] != [lv.level for lv in wanted.levels]:
        diffs.append("the maturity levels differ")
    now = [c.code for c in current.commitments]
    then = [c.code for c in wanted.commitments]
    diffs += [f"commitment '{code}' would be added" for code in then if code not in now]
    diffs += [f"commitment '{code}' would be removed" for code in now if code not in then]
    if not diffs and now != then:
        diffs.append("the order of the commitments differs")
    wanted_by_code = {c.code: c for c in wanted.commitments}
    for c in current.commitments:
        other = wanted_by_code.get(c.code)
        if other is None:
            continue
        mine = {cr.code: cr for cr in c.criteria}
        theirs = {cr.code: cr for cr in other.criteria}
        diffs += [f"criterion '{code}' would be added" for code in theirs if code not in mine]
        diffs += [f"criterion '{code}' would be removed" for code in mine if code not in theirs]
        if set(mine) == set(theirs) and list(mine) != list(theirs):
            diffs.append(f"the order of the criteria of '{c.code}' differs")
        for code, cr in mine.items():
            if code in theirs and theirs[code].weight != cr.weight:
                new = theirs[code].weight
                diffs.append(f"criterion '{code}' weight would change from {cr.weight} to {new}")
            if code in theirs and set(theirs[code].descriptors) != set(cr.descriptors):
                diffs.append(f"criterion '{code}' descriptor levels differ")
    return diffs


def glossary_out(spec: RubricSpec) -> list[dict[str, str]]:
    """The glossary as the rubric row stores it."""
    return [{"term": g.term, "definition": g.definition} for g in spec.glossary]


def _update_texts(rubric: Rubric, spec: RubricSpec, by: User | None) -> int:
    """Set every text field that differs from `spec`; structure must already match."""
    changed = 0

    def apply(instance: models.Model, values: dict[str, object]) -> None:
        nonlocal changed
        fields = [f for f in TEXT_FIELDS[type(instance)] if getattr(instance, f) != values[f]]
        if fields:
            for f in fields:
                setattr(instance, f, values[f])
            save_with_author(instance, by, update_fields=fields)
            changed += len(fields)

    apply(
        rubric,
        {
            "name": spec.name,
            "description": spec.description,
            "attribution": spec.attribution,
            "scoring": spec.scoring,
            "weighting": spec.weighting,
            "glossary": glossary_out(spec),
        },
    )
    levels = {lv.level: lv for lv in rubric.levels.all()}
    for lv in spec.levels:
        apply(
            levels[lv.level],
            {"name": lv.name, "description": lv.description, "evidence": lv.evidence},
        )
    commitments = {c.code: c for c in rubric.commitments.all()}
    criteria = {cr.code: cr for cr in Criterion.objects.filter(commitment__rubric=rubric)}
    descriptors = {
        (d.criterion_id, d.level): d
        for d in LevelDescriptor.objects.filter(criterion__commitment__rubric=rubric)
    }
    for c in spec.commitments:
        apply(
            commitments[c.code],
            {"name": c.name, "definition": c.definition, "guidance": c.guidance},
        )
        for cr in c.criteria:
            criterion = criteria[cr.code]
            apply(
                criterion,
                {"prompt": cr.prompt, "guidance": cr.guidance, "evidence_hint": cr.evidence_hint},
            )
            for level, text in cr.descriptors.items():
                apply(descriptors[(criterion.pk, level)], {"text": text})
    return changed


@transaction.atomic
def rubric_load(*, spec: RubricSpec, by: User | None = None, publish: bool = False) -> LoadResult:
    """Make the database hold `spec`: create it, or update its text; refuse structural changes
    to a published or retired version. Loading the same file twice changes nothing."""
    # Row lock: two loads of the same version at once must not both create or both update it.
    rubric = Rubric.objects.select_for_update().filter(name=spec.name, version=spec.version).first()
    if rubric is None:
        rubric = _create_from_spec(spec, by)
        created, changed = True, 0
    else:
        created = False
        diffs = structure_differences(rubric_spec(rubric=rubric), spec)
        if diffs and rubric.is_structure_locked:
            raise RubricStructureError(
                f"{rubric} is {rubric.status}: its structure cannot change ("
                + "; ".join(diffs)
                + "). Give the file a new version to load it as a new draft."
            )
        if diffs:  # a draft: rebuild it from the file
            rubric.commitments.all().delete()
            rubric.levels.all().delete()
            rubric.delete()
            rubric = _create_from_spec(spec, by)
            changed = len(diffs)
        else:
            changed = _update_texts(rubric, spec, by)
    if publish and rubric.status == Rubric.Status.DRAFT:
        rubric = rubric_publish(rubric=rubric, by=by)
    return LoadResult(rubric=rubric, created=created, texts_changed=changed)


def rubric_completeness_problems(*, rubric: Rubric) -> list[str]:
    """Why `rubric` cannot be published yet; empty when it can."""
    spec = rubric_spec(rubric=rubric)
    problems: list[str] = []
    if [lv.level for lv in spec.levels] != [1, 2, 3, 4, 5]:
        problems.append("The rubric needs exactly five maturity levels, numbered 1 to 5.")
    if not spec.commitments:
        problems.append("The rubric has no commitments.")
    for c in spec.commitments:
        if not MIN_CRITERIA <= len(c.criteria) <= MAX_CRITERIA:
            problems.append(
                f"Commitment '{c.code}' has {len(c.criteria)} criteria; "
                f"it needs {MIN_CRITERIA} to {MAX_CRITERIA}."
            )
        for cr in c.criteria:
            missing = [n for n in range(1, 6) if not cr.descriptors.get(n, "").strip()]
            if missing:
                levels = ", ".join(str(n) for n in missing)
                problems.append(f"Criterion '{cr.code}' has no descriptor for level {levels}.")
    return problems


@transaction.atomic
def rubric_publish(*, rubric: Rubric, by: User | None = None) -> Rubric:
    """Publish a complete draft; publishing retires no other version."""
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.status != Rubric.Status.DRAFT:
        raise ValidationError(f"{rubric} is not a draft; only a draft can be published.")
    problems = rubric_completeness_problems(rubric=rubric)
    if problems:
        raise ValidationError(problems)
    rubric.status = Rubric.Status.PUBLISHED
    rubric.published_at = timezone.now()
    save_with_author(rubric, by, update_fields=["status", "published_at"])
    return rubric


@transaction.atomic
def rubric_retire(*, rubric: Rubric, by: User | None = None) -> Rubric:
    """Take a published rubric out of use for new cycles; its text stays readable."""
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.status != Rubric.Status.PUBLISHED:
        raise ValidationError(f"{rubric} is not published; only a published rubric can be retired.")
    rubric.status = Rubric.Status.RETIRED
    save_with_author(rubric, by, update_fields=["status"])
    return rubric


def next_version(*, rubric: Rubric) -> str:
    """A free version after `rubric`'s: 2026.1 -> 2026.2 (or 2026.3 if that is taken)."""
    head, _, tail = rubric.version.rpartition(".")
    taken = set(Rubric.objects.filter(name=rubric.name).values_list("version", flat=True))
    if tail.isdigit():
        n = int(tail)
        while True:
            n += 1
            candidate = f"{head}.{n}" if head else str(n)
            if candidate not in taken:
                return candidate
    n = 2
    while f"{rubric.version}.{n}" in taken:
        n += 1
    return f"{rubric.version}.{n}"


@transaction.atomic
def rubric_clone(*, rubric: Rubric, version: str | None = None, by: User | None = None) -> Rubric:
    """A new draft with the same text and structure, ready for structural edits."""
    version = version or next_version(rubric=rubric)
    if Rubric.objects.filter(name=rubric.name, version=version).exists():
        raise ValidationError(f"{rubric.name} {version} already exists.")
    spec = rubric_spec(rubric=rubric)
    clone = _create_from_spec(dataclasses.replace(spec, version=version), by)
    return clone


@dataclass(frozen=True)
class CrosswalkLoadResult:
    source: Rubric
    target: Rubric
    created: int
    unchanged: bool


@transaction.atomic
def crosswalk_load(*, spec: CrosswalkSpec) -> CrosswalkLoadResult:
    """Connect two loaded rubric versions as the crosswalk says; every criterion of the old
    version must be mapped, and every criterion of the new one reached. Idempotent."""
    rubrics = {
        r.version: r
        for r in Rubric.objects.filter(
            name=spec.rubric, version__in=[spec.source_version, spec.target_version]
        )
    }
    missing = [v for v in (spec.source_version, spec.target_version) if v not in rubrics]
    if missing:
        raise ValidationError(
            f"Load {spec.rubric} {' and '.join(missing)} before the crosswalk that names it."
        )
    source, target = rubrics[spec.source_version], rubrics[spec.target_version]
    old = {c.code: c for c in Criterion.objects.filter(commitment__rubric=source)}
    new = {c.code: c for c in Criterion.objects.filter(commitment__rubric=target)}
    pairs = spec.pairs()
    problems = [
        f"'{code}' is not a criterion of {source.version}"
        for _, code, _, _ in pairs
        if code is not None and code not in old
    ] + [
        f"'{code}' is not a criterion of {target.version}"
        for _, _, code, _ in pairs
        if code is not None and code not in new
    ]
    mapped_old = {code for _, code, _, _ in pairs}
    mapped_new = {code for _, _, code, _ in pairs}
    problems += [f"{source.version}'s '{c}' is not mapped" for c in old if c not in mapped_old]
    problems += [f"{target.version}'s '{c}' is not reached" for c in new if c not in mapped_new]
    if problems:
        raise ValidationError(sorted(set(problems)))
    # In the file's order, which the rubric page and the questionnaire show.
    wanted = [
        (old[o].pk if o else None, new[n].pk if n else None, kind, note)
        for kind, o, n, note in pairs
    ]
    links = CrosswalkLink.objects.filter(source_rubric=source, target_rubric=target)
    stored = list(links.order_by("id").values_list("source_id", "target_id", "kind", "note"))
    if stored == wanted:
        return CrosswalkLoadResult(source, target, 0, True)
    links.delete()
    CrosswalkLink.objects.bulk_create(
        CrosswalkLink(
            source_rubric=source,
            target_rubric=target,
            source_id=o,
            target_id=n,
            kind=kind,
            note=note,
        )
        for o, n, kind, note in wanted
    )
    return CrosswalkLoadResult(source, target, len(wanted), False)
