"""Reads for the consortium dashboard and its exports: aggregated by the database.

Callers check access first (organizations/access.py). Every figure comes from CommitmentScore
(stored at submission), never from the answers, and each reader runs a fixed number of
queries however many organizations there are.
"""

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils.functional import cached_property
from redis.exceptions import RedisError

from assessments.models import Answer, Assessment, CommitmentScore, Cycle
from commitments.models import Commitment
from commitments.selectors import commitments_of
from organizations.models import Organization
from ratings.models import Rating, Round
from reports.aggregates import Percentile
from reports.charts import Box

NOT_STARTED = "not_started"
SORTS = ("name", "score")


@dataclass(frozen=True)
class DashboardFilters:
    """What the staff chose: one cycle, and optionally type, region, size band and status."""

    cycle: Cycle
    type: str = ""
    region: str = ""
    size_band: str = ""
    status: str = ""

    def organizations(self, prefix: str = "") -> Q:
        """The organization filters, for a query that reaches Organization through `prefix`."""
        q = Q()
        for name in ("type", "region", "size_band"):
            value = getattr(self, name)
            if value:
                q &= Q(**{f"{prefix}{name}": value})
        return q

    def analysed_states(self) -> tuple[str, ...]:
        """The submitted states the figures cover, narrowed by the status filter."""
        if not self.status:
            return tuple(Assessment.SUBMITTED_STATES)
        return tuple(s for s in Assessment.SUBMITTED_STATES if s == self.status)


def cycles() -> list[Cycle]:
    """Every cycle, newest first (the dashboard's default is the first)."""
    return list(Cycle.objects.order_by("-opens_on", "-id"))


def _scores(filters: DashboardFilters) -> QuerySet[CommitmentScore]:
    """Scores of the submitted or accepted assessments the filters select, in any cycle."""
    return CommitmentScore.objects.filter(
        filters.organizations("assessment__organization__"),
        assessment__status__in=filters.analysed_states(),
        score__isnull=False,
    )


# --- Agreement between raters ---------------------------------------------------------------------

ALPHA_BANDS = (  # Krippendorff's reading of alpha: below 0.667 no conclusions, 0.8 firm ones
    ("below 0", None, 0.0),
    ("0 to 0.67", 0.0, 0.667),
    ("0.67 to 0.8", 0.667, 0.8),
    ("0.8 and above", 0.8, None),
)


@dataclass(frozen=True)
class FieldDisagreement:
    code: str
    flagged: int  # rounds where raters were two levels or more apart on it
    rated: int  # rounds that rated it

    @property
    def share(self) -> float:
        return self.flagged / self.rated


@dataclass(frozen=True)
class FieldAgreement:
    """Rating rounds of the assessments the filters select, across organizations; shown only
    when at least PEER_MIN_GROUP_SIZE organizations are in it, like peer figures."""

    organizations: int
    min_group: int
    bands: list[tuple[str, int]] = field(default_factory=list)
    median: float | None = None
    most_disputed: list[FieldDisagreement] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.organizations >= self.min_group


def field_agreement(filters: DashboardFilters) -> FieldAgreement:
    """Two queries: each round's stored alpha, and each (round, criterion)'s spread of levels."""
    rounds = Round.objects.filter(
        filters.organizations("assessment__organization__"),
        assessment__cycle=filters.cycle,
        assessment__status__in=filters.analysed_states(),
    )
    rows = list(rounds.values_list("assessment__organization_id", "alpha"))
    organizations = len({org for org, _ in rows})
    min_group = int(settings.PEER_MIN_GROUP_SIZE)
    result = FieldAgreement(organizations=organizations, min_group=min_group)
    if organizations < min_group:
        return result
    alphas = sorted(a for _, a in rows if a is not None)
    bands = [
        (label, sum(1 for a in alphas if (lo is None or a >= lo) and (hi is None or a < hi)))
        for label, lo, hi in ALPHA_BANDS
    ]
    spreads = (
        Rating.objects.filter(
            rater__round__in=rounds, rater__submitted_at__isnull=False, level__isnull=False
        )
        .values("rater__round_id", "criterion__code")
        .annotate(low=Min("level"), high=Max("level"))
        .values_list("criterion__code", "low", "high")
    )
    flagged: dict[str, list[int]] = {}
    for code, low, high in spreads:
        tally = flagged.setdefault(code, [0, 0])
        tally[0] += int(high - low >= 2)
        tally[1] += 1
    disputed = sorted(
        (FieldDisagreement(code, f, n) for code, (f, n) in flagged.items() if n >= min_group),
        key=lambda d: (-d.share, d.code),
    )
    return replace(
        result,
        bands=bands,
        median=median_of(alphas),
        most_disputed=[d for d in disputed if d.flagged][:5],
    )


def median_of(values: Sequence[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return round(values[middle], 2)
    return round((values[middle - 1] + values[middle]) / 2, 2)


# --- Participation -------------------------------------------------------------------------------


def not_started_organizations(filters: DashboardFilters) -> QuerySet[Organization]:
    """Active organizations matching the filters with no assessment in the cycle."""
    if filters.status not in ("", NOT_STARTED):
        return Organization.objects.none()
    started = Assessment.objects.filter(organization=OuterRef("pk"), cycle=filters.cycle)
    return (
        Organization.objects.filter(filters.organizations(), is_active=True)
        .filter(~Exists(started))
        .order_by("name", "id")
    )


def status_counts(filters: DashboardFilters) -> dict[str, int]:
    """Assessments of the cycle per status, so submitted + accepted match the heat map's rows."""
    counts = dict.fromkeys(Assessment.Status.values, 0)
    if filters.status != NOT_STARTED:
        rows = (
            Assessment.objects.filter(
                filters.organizations("organization__"),
                cycle=filters.cycle,
            )
            .filter(Q(status=filters.status) if filters.status else Q())
            .values("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            counts[row["status"]] = row["n"]
    return counts


# --- Distribution --------------------------------------------------------------------------------


def score_boxes(filters: DashboardFilters) -> list[Box]:
    """Min, quartiles and max of each commitment's scores, computed by the database."""
    rows = (
        _scores(filters)
        .filter(assessment__cycle=filters.cycle)
        .values("commitment__code", "commitment__name", "commitment__order")
        .annotate(
            n=Count("id"),
            low=Min("score"),
            q1=Percentile("score", 0.25),
            q2=Percentile("score", 0.5),
            q3=Percentile("score", 0.75),
            high=Max("score"),
        )
        .order_by("commitment__order")
    )
    return [
        Box(
            code=r["commitment__code"],
            name=r["commitment__name"],
            count=r["n"],
            min=round(float(r["low"]), 2),
            q1=round(r["q1"], 2),
            median=round(r["q2"], 2),
            q3=round(r["q3"], 2),
            max=round(float(r["high"]), 2),
        )
        for r in rows
    ]


# --- Heat map ------------------------------------------------------------------------------------


def heatmap_assessments(filters: DashboardFilters, sort: str = "name") -> QuerySet[Assessment]:
    """Submitted or accepted assessments of the cycle, by organization name or best score."""
    order = (
        ("organization__name", "id")
        if sort != "score"
        else (F("overall_score").desc(nulls_last=True), "organization__name", "id")
    )
    return (
        Assessment.objects.filter(
            filters.organizations("organization__"),
            cycle=filters.cycle,
            status__in=filters.analysed_states(),
        )
        .select_related("organization")
        .order_by(*order)
    )


@dataclass(frozen=True)
class HeatCell:
    score: Decimal | None

    @property
    def band(self) -> int:
        """1-5 for the cell's colour class (0: no score); the number is always written too."""
        return 0 if self.score is None else min(5, max(1, int(self.score)))

    @property
    def text(self) -> str:
        """The score as the cell writes it (two decimals, as `floatformat:2` did; 500 cells a
        page made that filter a sixth of the page's time)."""
        return "N/A" if self.score is None else f"{self.score:.2f}"


@dataclass
class HeatRow:
    assessment: Assessment
    cells: list[HeatCell] = field(default_factory=list)


def heatmap_rows(
    assessments: Sequence[Assessment], commitments: Sequence[Commitment]
) -> list[HeatRow]:
    """One row per assessment of the page, one cell per commitment (None when no score)."""
    scores = {
        (assessment, commitment): score
        for assessment, commitment, score in CommitmentScore.objects.filter(
            assessment__in=[a.pk for a in assessments]
        ).values_list("assessment_id", "commitment_id", "score")
    }
    return [
        HeatRow(assessment=a, cells=[HeatCell(scores.get((a.pk, c.pk))) for c in commitments])
        for a in assessments
    ]


# --- Trend and highlights ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    """Each commitment's median per cycle, oldest cycle first."""

    cycles: list[str]
    names: dict[str, str]  # commitment code -> name, in rubric order
    medians: dict[str, list[float | None]]  # commitment code -> median per cycle

    @property
    def by_name(self) -> dict[str, list[float | None]]:
        """The medians under the commitments' names, as charts and tables show them."""
        return {self.names[code]: series for code, series in self.medians.items()}


def median_trend(filters: DashboardFilters, cycles: Sequence[Cycle]) -> Trend:
    """Each commitment's median score in every cycle up to the selected one, same filters."""
    shown = [c for c in cycles if (c.opens_on, c.pk) <= (filters.cycle.opens_on, filters.cycle.pk)]
    shown.sort(key=lambda c: (c.opens_on, c.pk))
    rows = (
        _scores(filters)
        .filter(assessment__cycle__in=[c.pk for c in shown])
        .values("assessment__cycle_id", "commitment__code", "commitment__name")
        .annotate(median=Percentile("score", 0.5), order=Min("commitment__order"))
        .order_by("order", "commitment__code")
    )
    position = {c.pk: i for i, c in enumerate(shown)}
    names: dict[str, str] = {}
    medians: dict[str, list[float | None]] = {}
    for r in rows:
        code = r["commitment__code"]
        names.setdefault(code, r["commitment__name"])
        series = medians.setdefault(code, [None] * len(shown))
        series[position[r["assessment__cycle_id"]]] = round(r["median"], 2)
    return Trend(cycles=[c.name for c in shown], names=names, medians=medians)


@dataclass(frozen=True)
class Highlight:
    code: str
    name: str
    median: float
    change: float | None = None


def weakest(trend: Trend, n: int = 3) -> list[Highlight]:
    """The commitments with the lowest median in the selected (last) cycle."""
    now = [
        Highlight(code, trend.names[code], series[-1])
        for code, series in trend.medians.items()
        if series and series[-1] is not None
    ]
    return sorted(now, key=lambda h: (h.median, h.code))[:n]


def improving(trend: Trend, n: int = 3) -> list[Highlight]:
    """The commitments whose median rose most since the previous cycle (rises only)."""
    rising = []
    for code, series in trend.medians.items():
        if len(series) < 2 or series[-1] is None or series[-2] is None:
            continue
        change = round(series[-1] - series[-2], 2)
        if change > 0:
            rising.append(Highlight(code, trend.names[code], series[-1], change))
    return sorted(rising, key=lambda h: (-(h.change or 0), h.code))[:n]


# --- Exports -------------------------------------------------------------------------------------


def score_export_rows(
    filters: DashboardFilters, commitments: Sequence[Commitment]
) -> Iterator[list[Any]]:
    """Header, then one row per organization of the cycle: its scores and overall score."""
    yield [
        "Organization", "Type", "Region", "Size band", "Cycle", "Status",
        *[f"{c.code} {c.name}" for c in commitments], "Overall",
    ]  # fmt: skip
    rows = (
        _scores(filters)
        .filter(assessment__cycle=filters.cycle)
        .values(
            "assessment_id",
            "commitment_id",
            "score",
            "assessment__organization__name",
            "assessment__organization__type",
            "assessment__organization__region",
            "assessment__organization__size_band",
            "assessment__status",
            "assessment__overall_score",
        )
        .order_by("assessment__organization__name", "assessment_id")
        .iterator(chunk_size=2000)
    )
    for _, group in groupby(rows, key=lambda r: r["assessment_id"]):
        scores = list(group)
        first = scores[0]
        by_commitment = {s["commitment_id"]: s["score"] for s in scores}
        yield [
            first["assessment__organization__name"],
            Organization.Type(first["assessment__organization__type"]).label,
            Organization.Region(first["assessment__organization__region"]).label,
            Organization.SizeBand(first["assessment__organization__size_band"]).label,
            filters.cycle.name,
            Assessment.Status(first["assessment__status"]).label,
            *[_number(by_commitment.get(c.pk)) for c in commitments],
            _number(first["assessment__overall_score"]),
        ]


def score_export_rows_all_cycles(filters: DashboardFilters) -> Iterator[list[Any]]:
    """The scores export over every cycle, oldest first, for the same organization filters.

    Columns are the commitments of the newest cycle's rubric; a cycle on another rubric
    version shows its scores under the commitment with the same code.
    """
    ordered = list(reversed(cycles()))
    newest = commitments_of(rubric_id=ordered[-1].rubric_id) if ordered else []
    header_done = False
    for cycle in ordered:
        rows = score_export_rows(replace(filters, cycle=cycle), _same_codes(newest, cycle))
        header = next(rows)
        if not header_done:
            yield header
            header_done = True
        yield from rows


def _same_codes(columns: Sequence[Commitment], cycle: Cycle) -> list[Commitment]:
    """This cycle's commitments in the order of `columns`, matched by code."""
    mine = {c.code: c for c in commitments_of(rubric_id=cycle.rubric_id)}
    return [mine.get(c.code, c) for c in columns]


def level_export_rows(filters: DashboardFilters) -> Iterator[list[Any]]:
    """Header, then every criterion's level (or N/A) of the submitted assessments selected."""
    yield ["Organization", "Cycle", "Commitment", "Criterion", "Level"]
    rows = (
        Answer.objects.filter(
            filters.organizations("assessment__organization__"),
            assessment__cycle=filters.cycle,
            assessment__status__in=filters.analysed_states(),
        )
        .values_list(
            "assessment__organization__name",
            "criterion__commitment__code",
            "criterion__code",
            "level",
            "not_applicable",
        )
        .order_by(
            "assessment__organization__name",
            "assessment_id",
            "criterion__commitment__order",
            "criterion__order",
        )
        .iterator(chunk_size=2000)
    )
    for name, commitment, criterion, level, na in rows:
        yield [name, filters.cycle.name, commitment, criterion, "N/A" if na else level]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- The page ------------------------------------------------------------------------------------

PAGE_SIZE = 50


@dataclass
class Dashboard:
    """Everything the dashboard page shows, for one set of filters."""

    filters: DashboardFilters
    counts: dict[str, int]
    not_started: Page[Organization]
    boxes: list[Box]
    commitments: list[Commitment]
    heatmap: Page[Assessment]
    heat_rows: list[HeatRow]
    trend: Trend
    weakest: list[Highlight]
    improving: list[Highlight]
    agreement: FieldAgreement


AGGREGATES_VERSION = 2  # 2: the not-started count joined the kept figures


@dataclass(frozen=True)
class Aggregates:
    """The figures over every assessment the filters select: the costly part of the page."""

    counts: dict[str, int]
    not_started: int
    boxes: list[Box]
    trend: Trend
    agreement: FieldAgreement


class CountedPaginator(Paginator):
    """A paginator told its count: the dashboard's counts are kept with its other figures, so
    a page of 50 rows does not count 10,000 organizations again on every request."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def data_marker(cycle: Cycle) -> tuple[object, ...]:
    """Changes whenever an assessment is created, changes status or is deleted, or its scores
    are stored again: the newest row of each, found by index in one query whatever the
    consortium's size (the history's time tells apart two databases that reuse ids)."""
    newest_history = Assessment.history.order_by("-history_id")
    marker: tuple[object, ...] = (
        Cycle.objects.filter(pk=cycle.pk)
        .annotate(
            assessment=Subquery(Assessment.objects.order_by("-pk").values("pk")[:1]),
            change=Subquery(newest_history.values("history_id")[:1]),
            changed_at=Subquery(newest_history.values("history_date")[:1]),
            scores=Subquery(CommitmentScore.objects.order_by("-pk").values("pk")[:1]),
        )
        .values_list("assessment", "change", "changed_at", "scores")
        .get()
    )
    return marker


def aggregates(filters: DashboardFilters, cycles: Sequence[Cycle]) -> Aggregates:
    """Status counts, score boxes and the median trend; kept in the cache (shared by every web
    process) until the data changes, and at most DASHBOARD_CACHE_SECONDS, which also bounds
    how long an edit of an organization's type or region takes to show."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return _aggregates(filters, cycles)
    marker = repr((data_marker(filters.cycle), [(c.pk, c.opens_on) for c in cycles]))
    chosen = (filters.cycle.pk, filters.type, filters.region, filters.size_band, filters.status)
    # The version changes with Aggregates' fields, so a process of a new release never reads
    # figures an older one kept (they would lack a field) in the shared cache.
    key = (
        f"dashboard:{AGGREGATES_VERSION}:"
        + hashlib.sha256(repr((chosen, marker)).encode()).hexdigest()
    )
    try:
        found = cache.get(key)
    except RedisError:  # Redis down: the page still answers, computing its figures
        found = None
    if isinstance(found, Aggregates):
        return found
    figures = _aggregates(filters, cycles)
    with contextlib.suppress(RedisError):
        cache.set(key, figures, timeout=seconds)
    return figures


def _aggregates(filters: DashboardFilters, cycles: Sequence[Cycle]) -> Aggregates:
    return Aggregates(
        counts=status_counts(filters),
        not_started=not_started_organizations(filters).count(),
        boxes=score_boxes(filters),
        trend=median_trend(filters, cycles),
        agreement=field_agreement(filters),
    )


def dashboard(
    *,
    filters: DashboardFilters,
    cycles: Sequence[Cycle],
    sort: str,
    page: str | None,
    not_started_page: str | None,
) -> Dashboard:
    """The dashboard's figures: a fixed number of queries whatever the consortium's size."""
    figures = aggregates(filters, cycles)
    not_started = CountedPaginator(
        not_started_organizations(filters), PAGE_SIZE, count=figures.not_started
    ).get_page(not_started_page)
    analysed = sum(figures.counts[s] for s in filters.analysed_states())
    heatmap = CountedPaginator(
        heatmap_assessments(filters, sort), PAGE_SIZE, count=analysed
    ).get_page(page)
    commitments = commitments_of(rubric_id=filters.cycle.rubric_id)
    counts = {**figures.counts, NOT_STARTED: figures.not_started}
    return Dashboard(
        filters=filters,
        counts=counts,
        not_started=not_started,
        boxes=figures.boxes,
        commitments=commitments,
        heatmap=heatmap,
        heat_rows=heatmap_rows(list(heatmap.object_list), commitments),
        trend=figures.trend,
        weakest=weakest(figures.trend),
        improving=improving(figures.trend),
        agreement=figures.agreement,
    )
