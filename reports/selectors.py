"""The numbers a report is made of, loaded with a fixed number of queries.

Peer figures come only from submitted or accepted assessments of the same cycle (so the same
rubric version), and a figure built from fewer than PEER_MIN_GROUP_SIZE organizations is not
returned at all: the report says the group is too small instead. No name of another
organization ever leaves this module.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from statistics import median

from django.conf import settings
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from assessments.models import ActionItem, Answer, Assessment, CommitmentScore, EvidenceFile
from commitments.selectors import commitments_of, crosswalk
from organizations import access
from organizations.access import AnyUser
from ratings.selectors import RoundAgreement, assessment_agreement

from .aggregates import Percentile
from .charts import Quartiles
from .models import Report


@dataclass(frozen=True)
class CommitmentRow:
    code: str
    name: str
    score: float | None
    answered: int
    not_applicable: int
    # Levels are ordinal: the median and how many criteria sit at each level 1-5 are shown
    # beside the mean, which reads as more exact than it is.
    median: float | None = None
    distribution: tuple[int, ...] = (0, 0, 0, 0, 0)


@dataclass(frozen=True)
class NotComparable:
    """A criterion whose level cannot be set against last cycle's: the rubric version
    changed and the crosswalk split, merged or added it."""

    criterion_code: str
    prompt: str
    lineage: str  # "merged from SAFE-4, SECURE-3"
    after: int | None


@dataclass(frozen=True)
class TrendBreak:
    """Between two cycles on different rubric versions, the commitments whose criteria
    changed: their scores on either side are not measured the same way."""

    before_cycle: str
    after_cycle: str
    before_version: str
    after_version: str
    commitments: tuple[tuple[str, tuple[str, ...]], ...]  # name, criteria not comparable
    retired: tuple[str, ...]


@dataclass(frozen=True)
class CriterionRow:
    commitment_code: str
    code: str
    prompt: str
    level: int | None
    level_name: str
    not_applicable: bool
    na_reason: str
    evidence: str
    notes: str
    confidence: str
    links: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # names only: the files stay behind the access check


@dataclass(frozen=True)
class PeerGroup:
    key: str
    label: str
    size: int
    # None when the group has fewer organizations than the privacy threshold.
    quartiles: dict[str, Quartiles] | None


@dataclass(frozen=True)
class Change:
    criterion_code: str
    prompt: str
    before: int | None
    after: int | None
    reason: str  # the lead's own "what changed and why", never last cycle's notes

    @property
    def delta(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class PlanRow:
    commitment_code: str
    commitment_name: str
    title: str
    criterion_code: str
    target_level: int | None
    owner: str
    due: str
    status: str
    overdue: bool = False  # on the day the report was built


@dataclass
class MaturityNumbers:
    organization: str
    cycle: str
    rubric: str
    status: str
    submitted_at: datetime | None
    overall: float | None
    commitments: list[CommitmentRow]
    criteria: list[CriterionRow]
    peers: list[PeerGroup]
    min_group: int
    trend_cycles: list[str] = field(default_factory=list)
    trend: dict[str, list[float | None]] = field(default_factory=dict)
    previous_cycle: str | None = None
    previous_version: str | None = None
    changes: list[Change] = field(default_factory=list)
    not_comparable: list[NotComparable] = field(default_factory=list)
    trend_breaks: list[TrendBreak] = field(default_factory=list)
    overall_median: float | None = None
    overall_distribution: tuple[int, ...] = (0, 0, 0, 0, 0)
    weakest: list[str] = field(default_factory=list)
    plan: list[PlanRow] = field(default_factory=list)
    paper_size: str = "letter"  # a CSS page size, the organization's choice
    agreement: list[RoundAgreement] = field(default_factory=list)  # rating rounds, if any

    @property
    def criteria_with_files(self) -> list[CriterionRow]:
        return [c for c in self.criteria if c.files]

    @property
    def peer_shown(self) -> PeerGroup | None:
        """The narrowest peer group that may be shown (type, then size, region, all)."""
        for key in ("type", "size", "region", "all"):
            group = next((g for g in self.peers if g.key == key), None)
            if group is not None and group.quartiles:
                return group
        return None

    @property
    def peer_tables(self) -> list[tuple[PeerGroup, list[tuple[str, Quartiles]]]]:
        """Each peer group with its quartiles under the commitments' names, in rubric order
        (empty for a group too small to show)."""
        tables = []
        for g in self.peers:
            shown = g.quartiles or {}
            tables.append(
                (g, [(c.name, shown[c.code]) for c in self.commitments if c.code in shown])
            )
        return tables

    @property
    def weakest_names(self) -> list[str]:
        """The weakest commitments as people read them (`weakest` holds their codes)."""
        names = {c.code: c.name for c in self.commitments}
        return [names[code] for code in self.weakest]

    @property
    def peer_label(self) -> str:
        group = self.peer_shown
        return group.label if group is not None else ""


@dataclass(frozen=True)
class HeatMap:
    rows: list[str]
    columns: list[str]
    levels: list[list[int | None]]
    labels: list[list[str]]


@dataclass(frozen=True)
class MaturityChartNumbers:
    """What the maturity report's figures draw, keyed by commitment name as they are shown."""

    scores: dict[str, float | None]
    peers: dict[str, Quartiles] | None
    peer_label: str
    heatmap: HeatMap
    trend_cycles: list[str]
    trend: dict[str, list[float | None]]
    agreement: list[RoundAgreement] = field(default_factory=list)

    @property
    def peer_median(self) -> dict[str, float] | None:
        return {n: q.median for n, q in self.peers.items()} if self.peers else None


def maturity_chart_numbers(numbers: MaturityNumbers) -> MaturityChartNumbers:
    """The report's numbers shaped for its figures: names for codes, a padded heat map."""
    names = {c.code: c.name for c in numbers.commitments}
    group = numbers.peer_shown
    quartiles = group.quartiles if group is not None else None
    peers = {names[code]: q for code, q in (quartiles or {}).items() if code in names}
    by_commitment = {
        c.code: [cr for cr in numbers.criteria if cr.commitment_code == c.code]
        for c in numbers.commitments
    }
    columns = max((len(row) for row in by_commitment.values()), default=0)
    padding: list[list[int | None]] = [
        [None] * (columns - len(row)) for row in by_commitment.values()
    ]
    heatmap = HeatMap(
        rows=[c.name for c in numbers.commitments],
        columns=[f"Criterion {i}" for i in range(1, columns + 1)],
        levels=[
            [cr.level for cr in row] + pad
            for row, pad in zip(by_commitment.values(), padding, strict=True)
        ],
        labels=[
            [f"{cr.code.upper()}: {cr.level if cr.level else 'N/A'}" for cr in row]
            + [""] * len(pad)
            for row, pad in zip(by_commitment.values(), padding, strict=True)
        ],
    )
    return MaturityChartNumbers(
        scores={c.name: c.score for c in numbers.commitments},
        peers=peers or None,
        peer_label=f"Peer median: {numbers.peer_label}" if numbers.peer_label else "Peer median",
        heatmap=heatmap,
        trend_cycles=numbers.trend_cycles,
        trend=numbers.trend,
        agreement=numbers.agreement,
    )


def _f(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def level_profile(levels: list[int]) -> tuple[float | None, tuple[int, ...]]:
    """The median of some levels and how many sit at each of 1-5."""
    counts = tuple(levels.count(n) for n in range(1, 6))
    return (float(median(levels)) if levels else None), counts


def peer_groups(*, assessment: Assessment, min_size: int) -> list[PeerGroup]:
    """Quartiles per commitment in each peer group of the assessment's organization."""
    org = assessment.organization
    prefix = "assessment__organization__"
    groups = [
        ("type", f"Same type ({org.get_type_display()})", Q(**{f"{prefix}type": org.type})),
        (
            "region",
            f"Same region ({org.get_region_display()})",
            Q(**{f"{prefix}region": org.region}),
        ),
        (
            "size",
            f"Same size ({org.get_size_band_display()})",
            Q(**{f"{prefix}size_band": org.size_band}),
        ),
        ("all", "All participating organizations", Q()),
    ]
    base = CommitmentScore.objects.filter(
        assessment__cycle_id=assessment.cycle_id,
        assessment__status__in=Assessment.SUBMITTED_STATES,
    )
    result = []
    for key, label, condition in groups:
        rows = list(
            base.filter(condition)
            .values("commitment__code")
            .annotate(
                n=Count("score"),
                orgs=Count("assessment__organization", distinct=True),
                q1=Percentile("score", 0.25),
                q2=Percentile("score", 0.5),
                q3=Percentile("score", 0.75),
            )
        )
        size = max((r["orgs"] for r in rows), default=0)
        shown = {
            r["commitment__code"]: Quartiles(
                round(r["q1"], 2), round(r["q2"], 2), round(r["q3"], 2)
            )
            for r in rows
            if r["n"] >= min_size
        }
        result.append(PeerGroup(key, label, size, shown if size >= min_size and shown else None))
    return result


def maturity_numbers(*, assessment: Assessment) -> MaturityNumbers:
    """Everything the maturity report shows, for one submitted assessment."""
    min_size = int(settings.PEER_MIN_GROUP_SIZE)
    commitments = commitments_of(rubric_id=assessment.cycle.rubric_id)
    stored = {s.commitment_id: s for s in CommitmentScore.objects.filter(assessment=assessment)}
    rows = [
        CommitmentRow(
            c.code,
            c.name,
            _f(stored[c.pk].score) if c.pk in stored else None,
            stored[c.pk].answered if c.pk in stored else 0,
            stored[c.pk].not_applicable if c.pk in stored else 0,
        )
        for c in commitments
    ]
    levels = dict(assessment.cycle.rubric.levels.values_list("level", "name"))
    answers = list(
        Answer.objects.filter(assessment=assessment)
        .select_related("criterion__commitment")
        .order_by("criterion__commitment__order", "criterion__order")
    )
    files: dict[int, list[str]] = {}
    for answer_id, name in EvidenceFile.objects.filter(
        answer__assessment=assessment, removed_at__isnull=True
    ).values_list("answer_id", "original_name"):
        files.setdefault(answer_id, []).append(name)
    criteria = [
        CriterionRow(
            r.criterion.commitment.code, r.criterion.code, r.criterion.prompt, r.level,
            levels.get(r.level, "") if r.level else "", r.not_applicable, r.na_reason,
            r.evidence, r.notes, r.get_confidence_display() if r.confidence else "",
            tuple(r.evidence_links or ()), tuple(files.get(r.pk, ())),
        )
        for r in answers
    ]  # fmt: skip
    by_commitment: dict[str, list[int]] = {}
    for cr in criteria:
        if cr.level is not None:
            by_commitment.setdefault(cr.commitment_code, []).append(cr.level)
    profiles = {row.code: level_profile(by_commitment.get(row.code, [])) for row in rows}
    rows = [
        replace(row, median=profiles[row.code][0], distribution=profiles[row.code][1])
        for row in rows
    ]
    overall_median, overall_distribution = level_profile(
        [cr.level for cr in criteria if cr.level is not None]
    )
    numbers = MaturityNumbers(
        organization=assessment.organization.name,
        cycle=assessment.cycle.name,
        rubric=f"{assessment.cycle.rubric.name} {assessment.cycle.rubric.version}",
        status=assessment.get_status_display(),
        submitted_at=assessment.submitted_at,
        overall=_f(assessment.overall_score),
        commitments=rows,
        criteria=criteria,
        peers=peer_groups(assessment=assessment, min_size=min_size),
        min_group=min_size,
        paper_size=assessment.organization.paper_size,
        overall_median=overall_median,
        overall_distribution=overall_distribution,
        agreement=assessment_agreement(assessment_id=assessment.pk),
    )
    _add_history(numbers, assessment, answers)
    _add_plan(numbers, assessment)
    return numbers


def _add_history(numbers: MaturityNumbers, assessment: Assessment, answers: list[Answer]) -> None:
    """Scores of the organization's earlier submitted cycles, and what moved since the last."""
    earlier_qs = Assessment.objects.filter(
        organization_id=assessment.organization_id, status__in=Assessment.SUBMITTED_STATES
    ).exclude(pk=assessment.pk)
    if assessment.submitted_at is not None:
        earlier_qs = earlier_qs.filter(submitted_at__lt=assessment.submitted_at)
    earlier = list(earlier_qs.select_related("cycle__rubric").order_by("submitted_at"))
    history = [*earlier, assessment]
    scores = CommitmentScore.objects.filter(assessment__in=history).values_list(
        "assessment_id", "commitment__code", "score"
    )
    by_assessment: dict[int, dict[str, float | None]] = {}
    for assessment_id, code, score in scores:
        by_assessment.setdefault(assessment_id, {})[code] = _f(score)
    numbers.trend_cycles = [a.cycle.name for a in history]
    names = {c.code: c.name for c in numbers.commitments}
    numbers.trend = {
        names[code]: [by_assessment.get(a.pk, {}).get(code) for a in history] for code in names
    }
    numbers.trend_breaks = _trend_breaks(history, names)
    if not earlier:
        return
    previous = earlier[-1]
    numbers.previous_cycle = previous.cycle.name
    before = dict(
        Answer.objects.filter(assessment=previous).values_list("criterion__code", "level")
    )
    if previous.cycle.rubric_id == assessment.cycle.rubric_id:
        numbers.changes = [
            Change(
                r.criterion.code,
                r.criterion.prompt,
                before.get(r.criterion.code),
                r.level,
                r.change_reason,
            )
            for r in answers
            if r.criterion.code in before and before[r.criterion.code] != r.level
        ]
        return
    # Another rubric version: levels compare only where the crosswalk says same or reworded.
    numbers.previous_version = previous.cycle.rubric.version
    walk = crosswalk(source=previous.cycle.rubric, target=assessment.cycle.rubric)
    for r in answers:
        lineage = walk.lineage.get(r.criterion.code)
        if lineage is None or not lineage.comparable:
            numbers.not_comparable.append(
                NotComparable(
                    r.criterion.code,
                    r.criterion.prompt,
                    lineage.label if lineage else "not in the crosswalk",
                    r.level,
                )
            )
            continue
        (old,) = lineage.sources
        if old in before and before[old] != r.level:
            numbers.changes.append(
                Change(r.criterion.code, r.criterion.prompt, before[old], r.level, r.change_reason)
            )


def _trend_breaks(history: list[Assessment], names: dict[str, str]) -> list[TrendBreak]:
    """Where consecutive cycles of the trend were scored on different rubric versions (two
    queries per change of version, and versions change rarely)."""
    breaks = []
    for before, after in pairwise(history):
        if before.cycle.rubric_id == after.cycle.rubric_id:
            continue
        walk = crosswalk(source=before.cycle.rubric, target=after.cycle.rubric)
        changed: dict[str, list[str]] = {}
        for code, lineage in walk.not_comparable().items():
            changed.setdefault(walk.commitment_of[code], []).append(f"{code} ({lineage.label})")
        for old in walk.retired:
            changed.setdefault(walk.commitment_of[old], []).append(f"{old} (retired)")
        breaks.append(
            TrendBreak(
                before.cycle.name,
                after.cycle.name,
                before.cycle.rubric.version,
                after.cycle.rubric.version,
                tuple((names[c], tuple(changed[c])) for c in names if c in changed),
                tuple(walk.retired),
            )
        )
    return breaks


def _add_plan(numbers: MaturityNumbers, assessment: Assessment) -> None:
    """The three weakest commitments and the plan written for them."""
    scored = [c for c in numbers.commitments if c.score is not None]
    numbers.weakest = [c.code for c in sorted(scored, key=lambda c: (c.score, c.code))[:3]]
    items = (
        ActionItem.objects.filter(assessment=assessment, commitment__code__in=numbers.weakest)
        .select_related("commitment", "criterion", "owner")
        .order_by("commitment__order", "due_date", "id")
    )
    today = timezone.localdate()
    numbers.plan = [
        PlanRow(
            i.commitment.code, i.commitment.name, i.title, i.criterion.code if i.criterion else "",
            i.target_level,
            str(i.owner) if i.owner else "", i.due_date.isoformat() if i.due_date else "",
            i.get_status_display(), i.is_overdue_on(today),
        )
        for i in items
    ]  # fmt: skip


def latest_report(*, assessment: Assessment) -> Report | None:
    """The assessment's newest maturity report, whatever its status."""
    return (
        Report.objects.filter(kind=Report.Kind.MATURITY, assessment=assessment)
        .order_by("-created_at", "-id")
        .first()
    )


def reports_left_queued(*, older_than: timedelta) -> list[int]:
    """Reports still queued after `older_than`: the broker was down or lost the message."""
    cutoff = timezone.now() - older_than
    return list(
        Report.objects.filter(status=Report.Status.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )


def report_for_user(*, user: AnyUser, pk: int) -> Report:
    """A maturity report whose assessment the person may see, or (for staff) a consortium
    report; 404 for every other id."""
    visible = Q(
        kind=Report.Kind.MATURITY, assessment__in=access.visible_assessments(user).values("pk")
    )
    if access.user_is_staff(user):
        visible |= Q(kind=Report.Kind.CONSORTIUM)
    return get_object_or_404(
        Report.objects.select_related("assessment__organization", "assessment__cycle"),
        visible,
        pk=pk,
    )
