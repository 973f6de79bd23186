"""What a rater and a lead may read of a round. The blind rule lives here: a rater sees other
raters' ratings only after submitting their own, and never their names unless the round is
named; ratings not yet submitted are nobody's business but their rater's."""

import hashlib
import statistics
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from commitments.models import Criterion
from organizations.models import Membership, User

from .agreement import Alpha, Spread, ordinal_alpha, spread
from .models import Consensus, Rater, Rating, Round


@dataclass
class Shown:
    """One submitted rating as the consensus view shows it."""

    label: str  # "Rater 2", or the name in a named round
    is_partner: bool
    level: int | None
    dont_know: bool
    rationale: str


@dataclass
class CriterionRatings:
    criterion: Criterion
    ratings: list[Shown]
    spread: Spread
    consensus: Consensus | None
    partner_median: float | None = None
    staff_median: float | None = None

    @property
    def partners_differ(self) -> bool:
        """Partners' median a level or more from staff's: kept visible in the report."""
        if self.partner_median is None or self.staff_median is None:
            return False
        return abs(self.partner_median - self.staff_median) >= 1


@dataclass
class RoundView:
    round: Round
    criteria: list[CriterionRatings]
    raters: int
    submitted: int
    alpha: Alpha
    mine: dict[int, Rating] = field(default_factory=dict)


def _label(rater: Rater, number: int, named: bool) -> str:
    if named:
        return rater.user.get_full_name() or rater.user.email
    return f"{'Partner' if rater.is_partner else 'Rater'} {number}"


def _median(levels: list[int]) -> float | None:
    return float(statistics.median(levels)) if levels else None


def round_criteria(rnd: Round) -> list[Criterion]:
    return list(
        Criterion.objects.filter(commitment__in=rnd.commitments.all())
        .select_related("commitment")
        .order_by("commitment__order", "order")
    )


def rater_sheet(*, rater: Rater) -> tuple[list[Criterion], dict[int, Rating]]:
    """The criteria a rater rates, with their own ratings so far (by criterion id)."""
    criteria = list(
        Criterion.objects.filter(commitment__in=rater.round.commitments.all())
        .select_related("commitment")
        .prefetch_related("descriptors")
        .order_by("commitment__order", "order")
    )
    mine = {r.criterion_id: r for r in Rating.objects.filter(rater=rater)}
    return criteria, mine


def _alpha_cached(rnd: Round, table: list[list[int | None]]) -> Alpha:
    """The bootstrap takes a few hundred ms: kept in the cache until a submitted rating changes."""
    marker = Rating.objects.filter(rater__round=rnd, rater__submitted_at__isnull=False).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    key = "round-alpha:" + hashlib.sha256(repr((rnd.pk, marker)).encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, Alpha):
        return found
    alpha = ordinal_alpha(table)
    cache.set(key, alpha, timeout=3600)
    return alpha


def round_view(*, rnd: Round, viewer: User | None = None) -> RoundView:
    """Every submitted rating of the round, criterion by criterion, with spread and consensus.

    Only submitted raters' ratings are shown (to the lead and to raters who have submitted);
    the caller decides, through the access module, whether the viewer may see this at all.
    A constant number of queries whatever the number of raters and criteria.
    """
    criteria = round_criteria(rnd)
    raters = list(Rater.objects.filter(round=rnd).select_related("user").order_by("id"))
    submitted = [r for r in raters if r.submitted_at is not None]
    numbers = {r.pk: i for i, r in enumerate(submitted, start=1)}
    ratings = list(
        Rating.objects.filter(rater__in=submitted)
        .only("rater_id", "criterion_id", "level", "dont_know", "rationale")
        .order_by("rater_id")
    )
    consensus = {c.criterion_id: c for c in Consensus.objects.filter(round=rnd)}
    by_rater = {r.pk: r for r in submitted}
    per_criterion: dict[int, list[Rating]] = {c.pk: [] for c in criteria}
    for rating in ratings:
        if rating.criterion_id in per_criterion:
            per_criterion[rating.criterion_id].append(rating)
    rows = []
    for criterion in criteria:
        shown: list[Shown] = []
        levels: list[int | None] = []
        partners: list[int] = []
        staff: list[int] = []
        for rating in per_criterion[criterion.pk]:
            rater = by_rater[rating.rater_id]
            shown.append(
                Shown(
                    label=_label(rater, numbers[rater.pk], rnd.named),
                    is_partner=rater.is_partner,
                    level=rating.level,
                    dont_know=rating.dont_know,
                    rationale=rating.rationale,
                )
            )
            levels.append(rating.level)
            if rating.level is not None:
                (partners if rater.is_partner else staff).append(rating.level)
        rows.append(
            CriterionRatings(
                criterion=criterion,
                ratings=shown,
                spread=spread(levels),
                consensus=consensus.get(criterion.pk),
                partner_median=_median(partners),
                staff_median=_median(staff),
            )
        )
    column = {c.pk: i for i, c in enumerate(criteria)}
    row_of = {r.pk: i for i, r in enumerate(submitted)}
    table: list[list[int | None]] = [[None] * len(criteria) for _ in submitted]
    for rating in ratings:
        if rating.criterion_id in column:
            table[row_of[rating.rater_id]][column[rating.criterion_id]] = rating.level
    return RoundView(
        round=rnd,
        criteria=rows,
        raters=len(raters),
        submitted=len(submitted),
        alpha=_alpha_cached(rnd, table),
    )


def rounds_of(*, assessment_id: int) -> list[Round]:
    """The assessment's rounds, newest first, with their counts of raters and submissions."""
    return list(
        Round.objects.filter(assessment_id=assessment_id)
        .annotate(
            rater_count=Count("raters", distinct=True),
            submitted_count=Count(
                "raters", filter=Q(raters__submitted_at__isnull=False), distinct=True
            ),
        )
        .prefetch_related("commitments")
    )


def round_raters(*, rnd: Round) -> list[Rater]:
    return list(Rater.objects.filter(round=rnd).select_related("user").order_by("id"))


def invitable(*, rnd: Round) -> QuerySet[Membership]:
    """Members and partners of the organization not yet invited to the round."""
    invited = Rater.objects.filter(round=rnd).values("user_id")
    return (
        Membership.objects.filter(organization_id=rnd.assessment.organization_id)
        .exclude(user_id__in=invited)
        .select_related("user")
        .order_by("role", "user__email")
    )


def invitations_waiting(*, user: User) -> list[Rater]:
    """Rounds the person is invited to, still open, that they have not submitted."""
    return list(
        Rater.objects.filter(
            user=user,
            submitted_at__isnull=True,
            round__status=Round.Status.OPEN,
            round__closes_on__gte=timezone.localdate(),
        )
        .select_related("round__assessment__organization", "round__assessment__cycle")
        .order_by("round__closes_on", "id")
    )


@dataclass(frozen=True)
class CriterionAgreement:
    """One criterion's ratings in a round, as reports and exports show them."""

    code: str
    commitment: str
    staff_counts: tuple[int, ...]  # raters at levels 1..5
    partner_counts: tuple[int, ...]
    dont_know: int
    median: float | None
    low: int | None
    high: int | None
    q1: float | None
    q3: float | None
    disagreement: bool
    staff_median: float | None
    partner_median: float | None
    partners_differ: bool
    consensus: int | None

    @property
    def level_pairs(self) -> list[tuple[int, int]]:
        """(staff, partners) at each level 1..5."""
        return list(zip(self.staff_counts, self.partner_counts, strict=True))


@dataclass(frozen=True)
class RoundAgreement:
    number: int  # 1 for the assessment's first round with submitted ratings
    opened_on: str
    raters: int  # who submitted
    partners: int
    alpha: Alpha
    criteria: list[CriterionAgreement]

    @property
    def chart_key(self) -> str:
        return f"ratings-{self.number}"

    @property
    def disagreements(self) -> list[CriterionAgreement]:
        return [c for c in self.criteria if c.disagreement]

    @property
    def partners_differ(self) -> list[CriterionAgreement]:
        return [c for c in self.criteria if c.partners_differ]


def _counts(levels: list[int]) -> tuple[int, ...]:
    return tuple(levels.count(level) for level in range(1, 6))


def assessment_agreement(*, assessment_id: int) -> list[RoundAgreement]:
    """Every round of the assessment that has submitted ratings, oldest first, for the maturity
    report: only submitted ratings, never names."""
    result: list[RoundAgreement] = []
    for rnd in Round.objects.filter(assessment_id=assessment_id).order_by("opened_at", "id"):
        view = round_view(rnd=rnd)
        if not view.submitted:
            continue
        partners = Rater.objects.filter(
            round=rnd, is_partner=True, submitted_at__isnull=False
        ).count()
        rows = []
        for row in view.criteria:
            staff = [r.level for r in row.ratings if r.level is not None and not r.is_partner]
            theirs = [r.level for r in row.ratings if r.level is not None and r.is_partner]
            rows.append(
                CriterionAgreement(
                    code=row.criterion.code,
                    commitment=row.criterion.commitment.name,
                    staff_counts=_counts(staff),
                    partner_counts=_counts(theirs),
                    dont_know=row.spread.dont_know,
                    median=row.spread.median,
                    low=row.spread.low,
                    high=row.spread.high,
                    q1=row.spread.q1,
                    q3=row.spread.q3,
                    disagreement=row.spread.disagreement,
                    staff_median=row.staff_median,
                    partner_median=row.partner_median,
                    partners_differ=row.partners_differ,
                    consensus=row.consensus.level if row.consensus else None,
                )
            )
        result.append(
            RoundAgreement(
                number=len(result) + 1,
                opened_on=rnd.opened_at.date().isoformat(),
                raters=view.submitted,
                partners=partners,
                alpha=view.alpha,
                criteria=rows,
            )
        )
    return result
