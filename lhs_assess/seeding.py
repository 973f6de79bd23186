"""A synthetic consortium for demos and benchmarks, deterministic for a seed and bulk-inserted.

What the reports need to look real: every organization type, region and size band; peer
groups (type and size) whose levels differ; commitments that are harder than others;
organizations that improve unevenly from cycle to cycle (some slip back); a few criteria not
applicable, with reasons; evidence, notes, confidence, assignments and improvement plans; and
the dates that make it a to-do list: the open cycle due and closing a few weeks after the day it
is seeded, some earlier submissions late, overdue actions, one extension, answers to confirm.

Every random choice comes from one `random.Random(seed)`, drawn in a fixed order, so the same
seed and the same `today` on an empty database give the same data. Rows are bulk-created inside
the caller's transaction; simple-history records saves, not bulk inserts, so seeded rows have
no history.
Scores are computed with `assessments.scoring` exactly as `commitment_scores_store` does.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import (
    ActionItem,
    Answer,
    Assessment,
    Assignment,
    Comment,
    CommitmentScore,
    Cycle,
    Extension,
    Thread,
)
from assessments.scoring import ScoredAnswer, commitment_scores, overall_score
from assessments.services import carried_fields
from commitments.models import Criterion, Rubric
from commitments.selectors import crosswalk
from organizations.models import Membership, Organization, User
from ratings.selectors import round_criteria
from ratings.services import RatingInput, rater_invite, rater_submit, rating_save, round_open

DEFAULT_SEED = 2026
CURRENT_YEAR = 2026  # the open cycle; earlier cycles are the years before it
MIN_PEERS = 5  # the reports' default privacy threshold: each named demo peer group reaches it
BATCH_SIZE = 2000
FLUSH_EVERY = 20_000  # answers held in memory before they are written

T, R, S = Organization.Type, Organization.Region, Organization.SizeBand
A = Assessment.Status

# How common each kind of organization is, and the sizes each kind comes in.
TYPE_WEIGHTS: dict[str, int] = {
    T.COMMUNITY_HOSPITAL: 30,
    T.FQHC: 22,
    T.INTEGRATED_HEALTH_SYSTEM: 14,
    T.ACADEMIC_MEDICAL_CENTER: 10,
    T.PUBLIC_HEALTH_AGENCY: 10,
    T.OTHER: 8,
    T.PAYER: 6,
}
SIZE_WEIGHTS: dict[str, dict[str, int]] = {
    T.ACADEMIC_MEDICAL_CENTER: {S.MEDIUM: 1, S.LARGE: 3, S.VERY_LARGE: 5},
    T.COMMUNITY_HOSPITAL: {S.SMALL: 3, S.MEDIUM: 5, S.LARGE: 2},
    T.INTEGRATED_HEALTH_SYSTEM: {S.MEDIUM: 1, S.LARGE: 4, S.VERY_LARGE: 3},
    T.FQHC: {S.SMALL: 6, S.MEDIUM: 3},
    T.PAYER: {S.MEDIUM: 2, S.LARGE: 4, S.VERY_LARGE: 2},
    T.PUBLIC_HEALTH_AGENCY: {S.SMALL: 4, S.MEDIUM: 3, S.LARGE: 1},
    T.OTHER: {S.SMALL: 2, S.MEDIUM: 2, S.LARGE: 1},
}
REGION_WEIGHTS: dict[str, int] = {
    R.NORTHEAST: 20,
    R.MIDWEST: 22,
    R.SOUTH: 30,
    R.WEST: 22,
    R.NATIONAL: 6,
}
TYPE_SUFFIX: dict[str, str] = {
    T.ACADEMIC_MEDICAL_CENTER: "University Medical Center",
    T.COMMUNITY_HOSPITAL: "Community Hospital",
    T.INTEGRATED_HEALTH_SYSTEM: "Health System",
    T.FQHC: "Community Health Center",
    T.PAYER: "Health Plan",
    T.PUBLIC_HEALTH_AGENCY: "County Public Health",
    T.OTHER: "Health Collaborative",
}
PLACES = [
    "Lakeside", "Maple Grove", "Pinecrest", "Silver Lake", "Bayview", "Cedar Falls", "Elm Ridge",
    "Granite Peak", "Hillcrest", "Ironwood", "Juniper Hills", "Kingsport", "Laurel Valley",
    "Meadowbrook", "North Fork", "Oak Hollow", "Pleasant Valley", "Quarry Hill", "Redwood",
    "Stonebridge", "Timberline", "Union City", "Valley View", "Westfield", "Willow Creek",
    "Brookside", "Clearwater", "Eastgate", "Fairview", "Glenwood", "Harborview", "Mesa Verde",
]  # fmt: skip
FIRST_NAMES = [
    "Alex", "Bea", "Carlos", "Dana", "Eli", "Fatima", "Grace", "Hiro", "Imani", "Jonas", "Kira",
    "Luis", "Maya", "Noah", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor",
]  # fmt: skip
LAST_NAMES = [
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ibrahim",
    "Johnson", "Kowalski", "Lee", "Martin", "Nguyen", "Okafor", "Patel", "Reyes", "Smith",
]  # fmt: skip

# Mean level of a peer group: kind of organization plus size; then harder and easier commitments,
# and commitments where a kind of organization is known to be ahead or behind.
TYPE_MEAN: dict[str, float] = {
    T.ACADEMIC_MEDICAL_CENTER: 3.0,
    T.INTEGRATED_HEALTH_SYSTEM: 2.9,
    T.PAYER: 2.7,
    T.COMMUNITY_HOSPITAL: 2.5,
    T.FQHC: 2.4,
    T.PUBLIC_HEALTH_AGENCY: 2.3,
    T.OTHER: 2.3,
}
SIZE_SHIFT: dict[str, float] = {S.SMALL: -0.25, S.MEDIUM: 0.0, S.LARGE: 0.15, S.VERY_LARGE: 0.3}
COMMITMENT_SHIFT: dict[str, float] = {
    "secure": 0.45,
    "safe": 0.35,
    "accountable": 0.15,
    "effective": 0.1,
    "efficient": 0.0,
    "transparent": -0.1,
    "accessible": -0.1,
    "engaged": -0.3,
    "adaptive": -0.35,
    "fair": -0.4,
}
TYPE_COMMITMENT_SHIFT: dict[tuple[str, str], float] = {
    (T.PUBLIC_HEALTH_AGENCY, "fair"): 0.7,
    (T.PUBLIC_HEALTH_AGENCY, "engaged"): 0.5,
    (T.PUBLIC_HEALTH_AGENCY, "safe"): -0.4,
    (T.FQHC, "accessible"): 0.6,
    (T.FQHC, "fair"): 0.5,
    (T.FQHC, "secure"): -0.3,
    (T.PAYER, "efficient"): 0.5,
    (T.PAYER, "safe"): -0.5,
    (T.ACADEMIC_MEDICAL_CENTER, "adaptive"): 0.5,
    (T.ACADEMIC_MEDICAL_CENTER, "accessible"): -0.3,
    (T.INTEGRATED_HEALTH_SYSTEM, "efficient"): 0.3,
}

TAKE_PART = 0.93  # share of organizations with an assessment in a closed cycle
CLOSED_STATUSES: dict[str | None, int] = {A.ACCEPTED: 88, A.SUBMITTED: 12}
# The open cycle: None is "not started" (no assessment row).
CURRENT_STATUSES: dict[str | None, int] = {
    None: 15,
    A.DRAFT: 30,
    A.SUBMITTED: 20,
    A.RETURNED: 8,
    A.ACCEPTED: 27,
}
# The named demo organizations in the open cycle, so that every demo sign-in has something to do.
NAMED_CURRENT: dict[str, str | None] = {
    "northlake": A.DRAFT,
    "riverbend": A.SUBMITTED,
    "cascade": A.ACCEPTED,
    "harbor": None,
    "keystone": A.RETURNED,
    "prairie": A.DRAFT,
}
NOT_APPLICABLE = 0.025
LATE = 0.06  # share of a closed cycle's submissions made between its due and closing days
LATE_NAMED = {"keystone"}  # a named organization whose earlier submissions were late
DUE_DAYS_AHEAD = 12  # the open cycle falls due this many days after the day it is seeded
CLOSES_AFTER_DUE = 16
EXTENDED = ("keystone", 14, "Their quality lead is on leave until the new year.")  # days past close

TOPICS: dict[str, list[str]] = {
    "engaged": ["the patient and family advisory council", "co-design sessions with residents"],
    "safe": ["harm event reviews", "the falls and pressure injury bundle"],
    "effective": ["guideline adherence audits", "the clinical effectiveness dashboard"],
    "efficient": ["waste and low-value care reviews", "length-of-stay huddles"],
    "fair": ["outcomes stratified by race, language and income", "the health equity plan"],
    "accessible": ["appointment wait-time reports", "interpreter and transport services"],
    "accountable": ["board quality committee reports", "the published performance scorecard"],
    "transparent": ["public quality reporting", "open notes and shared decision aids"],
    "secure": ["data access reviews", "the privacy and security incident log"],
    "adaptive": ["rapid improvement cycles", "the learning health system workshop"],
}
SOURCES = [
    "Minutes of the quality committee",
    "The annual quality report",
    "A dashboard reviewed monthly",
    "An internal audit",
    "Policy documents and training records",
    "Meeting notes of the improvement team",
]
VERBS = ["described", "documented", "showed progress on", "summarized", "tracked"]
NA_REASONS = [
    "We do not provide this service; it is contracted to a partner organization.",
    "Our parent system holds this responsibility and reports on it.",
    "Not part of our mission as a payer.",
    "No inpatient care at our sites.",
]
UP_NOTES = [
    "Moved up after a new review routine was put in place.",
    "Improved: the plan from the last cycle was carried out.",
    "Better now that the data are reviewed monthly.",
]
DOWN_NOTES = [
    "Slipped back after the lead for this work left.",
    "Lower than last cycle: the programme paused during a system migration.",
    "Rated more strictly this year after peer discussion.",
]
OTHER_NOTES = [
    "Discussed with the executive team.",
    "Evidence gathered by the quality office.",
    "Practice varies between sites.",
]
ACTION_VERBS = ["Extend", "Formalize", "Measure and report", "Train staff on", "Review"]
COMMENTS = [
    "Please add evidence for the levels above 3; the documents cited do not show them.",
    "The improvement plan does not cover the weakest commitment yet.",
    "Several answers have no evidence; add at least a short description for each.",
]


@dataclass
class SeedCounts:
    """What was created, for the command's summary line."""

    organizations: int = 0
    people: int = 0
    cycles: int = 0
    assessments: int = 0
    answers: int = 0
    scores: int = 0
    assignments: int = 0
    action_items: int = 0
    review_comments: int = 0
    rating_rounds: int = 0
    ratings: int = 0


@dataclass
class _Org:
    """An organization's hidden traits: how good, how fast it improves, where it stands out."""

    organization: Organization
    skill: float
    trend: float
    affinity: dict[str, float]
    criterion_offset: dict[str, float]  # by criterion code, shared by the rubric versions
    members: dict[str, tuple[int, int]] = field(default_factory=dict)  # role: (membership, user)
    previous: dict[str, int | None] = field(default_factory=dict)  # criterion code: level


def consortium_is_seeded() -> bool:
    """True once cycles exist: generating again would clash with them or double the data."""
    return Cycle.objects.exists()


def consortium_generate(
    *,
    organizations: int,
    cycles: int,
    rubric: Rubric,
    named: Sequence[Organization],
    reviewer: User,
    password_hash: str,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    earlier_rubric: Rubric | None = None,
) -> SeedCounts:
    """Generate `organizations` (the named ones included) and `cycles` cycles of assessments.

    Call inside a transaction on a database without cycles; `password_hash` is set on every
    generated person (hashing thousands of passwords one by one would take minutes). The open
    cycle's dates count from `today` (settings.TIME_ZONE's by default), so that a demo seeded
    on any day has an open cycle with days left. With `earlier_rubric`, the closed cycles use
    it and the open one `rubric`, so the demo crosses a rubric version through its crosswalk.
    """
    today = today or timezone.localdate()
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible on purpose
    counts = SeedCounts()
    generated = _organizations_create(rng, organizations - len(named), named)
    counts.organizations = len(named) + len(generated)
    counts.people = (
        _members_create(rng, generated, password_hash)
        + Membership.objects.filter(organization__in=named).count()
    )
    everyone = [*named, *generated]
    by_rubric = {r.pk: _criteria(r) for r in (earlier_rubric, rubric) if r is not None}
    codes = list(dict.fromkeys(c.code for cs in by_rubric.values() for c in cs))
    orgs = [_traits(rng, o, by_rubric[rubric.pk], codes) for o in everyone]
    _members_load(orgs)
    years = range(CURRENT_YEAR - cycles + 1, CURRENT_YEAR + 1)
    for index, year in enumerate(years):
        used = rubric if year == CURRENT_YEAR or earlier_rubric is None else earlier_rubric
        cycle = Cycle.objects.create(name=str(year), rubric=used, **_dates(year, today))
        counts.cycles += 1
        _cycle_fill(rng, cycle, index, orgs, by_rubric[used.pk], reviewer, counts, today)
    _named_extras(orgs, reviewer, today, counts)
    _demo_rounds(rng, orgs, {o.pk for o in named}, password_hash, today, counts)
    return counts


def _criteria(rubric: Rubric) -> list[Criterion]:
    return list(
        Criterion.objects.filter(commitment__rubric=rubric)
        .select_related("commitment")
        .order_by("commitment__order", "order")
    )


def _dates(year: int, today: date) -> dict[str, object]:
    """A closed cycle: March to October. The open one: due and closing soon after `today`."""
    if year != CURRENT_YEAR:
        return {
            "opens_on": date(year, 3, 1),
            "due_on": date(year, 10, 15),
            "closes_on": date(year, 10, 31),
            "status": Cycle.Status.CLOSED,
        }
    due_on = max(date(year, 10, 15), today + timedelta(days=DUE_DAYS_AHEAD))
    return {
        "opens_on": min(date(year, 3, 1), due_on),
        "due_on": due_on,
        "closes_on": due_on + timedelta(days=CLOSES_AFTER_DUE),
        "status": Cycle.Status.OPEN,
    }


# --- Organizations and people -------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _organizations_create(
    rng: random.Random, count: int, named: Sequence[Organization]
) -> list[Organization]:
    # Every type first, then enough peers for each named organization's peer group to pass the
    # privacy threshold, then the usual mix; every region among the first five.
    profiles = [(t, max(SIZE_WEIGHTS[t], key=SIZE_WEIGHTS[t].__getitem__)) for t in TYPE_WEIGHTS]
    for organization in named:
        profiles += [(organization.type, organization.size_band)] * (MIN_PEERS - 1)
    while len(profiles) < count:
        kind = _weighted(rng, TYPE_WEIGHTS)
        profiles.append((kind, _weighted(rng, SIZE_WEIGHTS[kind])))
    profiles = profiles[:count]
    rng.shuffle(profiles)
    regions = list(REGION_WEIGHTS)
    rows = []
    for i, (kind, size) in enumerate(profiles, start=1):
        region = regions[i - 1] if i <= len(regions) else _weighted(rng, REGION_WEIGHTS)
        name = f"{rng.choice(PLACES)} {TYPE_SUFFIX[kind]} {i:04d}"
        rows.append(
            Organization(name=name, slug=slugify(name), type=kind, region=region, size_band=size)
        )
    return Organization.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _members_create(rng: random.Random, generated: list[Organization], password_hash: str) -> int:
    joined = datetime(CURRENT_YEAR - 3, 1, 1, tzinfo=UTC)
    roles = [Membership.Role.LEAD, Membership.Role.CONTRIBUTOR, Membership.Role.VIEWER]
    users = [
        User(
            email=f"{role}@{organization.slug}.demo.lhs.test",
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            password=password_hash,
            date_joined=joined,
        )
        for organization in generated
        for role in roles
    ]
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    memberships = [
        Membership(user=users[3 * i + j], organization=organization, role=role)
        for i, organization in enumerate(generated)
        for j, role in enumerate(roles)
    ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
    return len(memberships)


def _traits(
    rng: random.Random, organization: Organization, criteria: list[Criterion], codes: list[str]
) -> _Org:
    commitments = dict.fromkeys(c.commitment.code for c in criteria)
    return _Org(
        organization=organization,
        skill=rng.gauss(0, 0.4),
        trend=rng.gauss(0.2, 0.25),  # per cycle; about one organization in five slips back
        affinity={code: rng.gauss(0, 0.3) for code in commitments},
        criterion_offset={code: rng.gauss(0, 0.3) for code in codes},
    )


def _members_load(orgs: list[_Org]) -> None:
    by_id = {o.organization.pk: o for o in orgs}
    for m_id, org_id, user_id, role in Membership.objects.filter(
        organization_id__in=list(by_id)
    ).values_list("pk", "organization_id", "user_id", "role"):
        by_id[org_id].members[role] = (m_id, user_id)


# --- Cycles of assessments ----------------------------------------------------------------------


def _moment(rng: random.Random, year: int, first_day: int, last_day: int) -> datetime:
    start = datetime(year, 3, 1, 9, tzinfo=UTC)
    return start + timedelta(days=rng.randint(first_day, last_day), minutes=rng.randint(0, 480))


def _status(rng: random.Random, org: _Org, current: bool) -> str | None:
    slug = org.organization.slug
    if current:
        if slug in NAMED_CURRENT:
            return NAMED_CURRENT[slug]
        return rng.choices(list(CURRENT_STATUSES), weights=list(CURRENT_STATUSES.values()))[0]
    if slug in NAMED_CURRENT:
        return A.ACCEPTED
    if rng.random() > TAKE_PART:
        return None
    return rng.choices(list(CLOSED_STATUSES), weights=list(CLOSED_STATUSES.values()))[0]


class _Buffer:
    """Rows waiting for one bulk insert per model, written when enough have gathered."""

    def __init__(self) -> None:
        self.rows: dict[type[Model], list[Model]] = {}

    def add(self, row: Model) -> None:
        self.rows.setdefault(type(row), []).append(row)

    def flush_if_full(self) -> None:
        if len(self.rows.get(Answer, [])) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        for model, rows in self.rows.items():
            model._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)
        self.rows = {}


def _cycle_fill(
    rng: random.Random,
    cycle: Cycle,
    index: int,
    orgs: list[_Org],
    criteria: list[Criterion],
    reviewer: User,
    counts: SeedCounts,
    today: date,
) -> None:
    year = int(cycle.name)
    current = cycle.status == Cycle.Status.OPEN
    plan: list[tuple[_Org, Assessment]] = []
    waiting_late = False
    for org in orgs:
        status = _status(rng, org, current)
        if status is None:
            continue
        assessment = Assessment(
            organization=org.organization,
            cycle=cycle,
            status=status,
            created_by_id=org.members[Membership.Role.LEAD][1],
        )
        if status != A.DRAFT:
            assessment.submitted_at = _moment(rng, year, 20, 90 if current else 200)
            late = org.organization.slug in LATE_NAMED or rng.random() < LATE
            # One still waiting for review at least, so that the queue shows a late one.
            late = late or (status == A.SUBMITTED and not waiting_late)
            if not current and late:  # after the due day, before the close
                waiting_late = waiting_late or status == A.SUBMITTED
                span = (cycle.closes_on - cycle.due_on).days
                assessment.submitted_at = datetime(
                    year, cycle.due_on.month, cycle.due_on.day, 15, tzinfo=UTC
                ) + timedelta(days=rng.randint(1, span))
            assessment.submitted_by_id = assessment.created_by_id
        if status in (A.ACCEPTED, A.RETURNED):
            assert assessment.submitted_at is not None  # noqa: S101 - set just above
            assessment.reviewed_at = assessment.submitted_at + timedelta(days=rng.randint(2, 30))
            assessment.reviewed_by = reviewer
            if status == A.RETURNED:
                assessment.returned_at = assessment.reviewed_at
        plan.append((org, assessment))
    Assessment.objects.bulk_create([a for _, a in plan], batch_size=BATCH_SIZE)
    Assessment.objects.filter(cycle=cycle).update(created_at=datetime(year, 3, 2, 9, tzinfo=UTC))
    counts.assessments += len(plan)

    buffer = _Buffer()
    for org, assessment in plan:
        _assessment_fill(rng, buffer, org, assessment, index, criteria, reviewer, counts, today)
        buffer.flush_if_full()
    buffer.flush()
    scored = [a for _, a in plan if a.overall_score is not None]
    Assessment.objects.bulk_update(scored, ["overall_score"], batch_size=500)
    # auto_now fields took the clock's time; give them the cycle's instead.
    moment = datetime(year, 4, 1, 9, tzinfo=UTC)
    ActionItem.objects.filter(assessment__cycle=cycle).update(created_at=moment, updated_at=moment)
    Assignment.objects.filter(assessment__cycle=cycle).update(assigned_at=moment)


def _level(rng: random.Random, org: _Org, criterion: Criterion, i: int, index: int) -> int:
    kind, size = org.organization.type, org.organization.size_band
    code = criterion.commitment.code
    mean = (
        TYPE_MEAN[kind]
        + SIZE_SHIFT[size]
        + COMMITMENT_SHIFT.get(code, 0.0)
        + TYPE_COMMITMENT_SHIFT.get((kind, code), 0.0)
        + org.skill
        + org.affinity[code]
        + org.criterion_offset[criterion.code]
        + org.trend * index
    )
    return min(5, max(1, round(mean + rng.gauss(0, 0.3))))


def _sentence(rng: random.Random, code: str, name: str, year: int) -> str:
    topic = rng.choice(TOPICS.get(code, [f"our {name.lower()} work"]))
    return f"{rng.choice(SOURCES)} {rng.choice(VERBS)} {topic} ({year})."


def _assessment_fill(
    rng: random.Random,
    buffer: _Buffer,
    org: _Org,
    assessment: Assessment,
    index: int,
    criteria: list[Criterion],
    reviewer: User,
    counts: SeedCounts,
    today: date,
) -> None:
    year = int(assessment.cycle.name)
    lead_m, lead_u = org.members[Membership.Role.LEAD]
    helper_m, helper_u = org.members.get(Membership.Role.CONTRIBUTOR, (lead_m, lead_u))
    answerer: dict[str, int] = {}
    for code, commitment in {c.commitment.code: c.commitment for c in criteria}.items():
        membership, user = (helper_m, helper_u) if rng.random() < 0.5 else (lead_m, lead_u)
        answerer[code] = user
        buffer.add(
            Assignment(
                assessment_id=assessment.pk, commitment_id=commitment.pk, membership_id=membership
            )
        )
        counts.assignments += 1

    draft = assessment.status == A.DRAFT
    answered = set(range(len(criteria)))
    if draft:
        order = list(range(len(criteria)))
        rng.shuffle(order)
        answered = set(order[: round(len(order) * rng.uniform(0.15, 0.85))])
    last = assessment.submitted_at or _moment(rng, year, 10, 60)
    levels: list[int | None] = []
    for i, criterion in enumerate(criteria):
        if i not in answered:
            buffer.add(Answer(assessment_id=assessment.pk, criterion_id=criterion.pk))
            levels.append(None)
            continue
        code = criterion.commitment.code
        # Ids, not instances: setting a relation costs more than the row itself at this count.
        answer = Answer(
            assessment_id=assessment.pk,
            criterion_id=criterion.pk,
            evidence=_sentence(rng, code, criterion.commitment.name, year),
            confidence=rng.choices(["low", "medium", "high"], weights=[2, 5, 3])[0],
            answered_by_id=answerer[code],
            updated_at=last - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600)),
            version=1,
        )
        if rng.random() < NOT_APPLICABLE:
            answer.not_applicable = True
            answer.na_reason = rng.choice(NA_REASONS)
            levels.append(None)
        else:
            level = _level(rng, org, criterion, i, index)
            answer.level = level
            levels.append(level)
            before = org.previous.get(criterion.code)
            if before is not None and before != level:
                answer.notes = rng.choice(UP_NOTES if level > before else DOWN_NOTES)
            elif rng.random() < 0.15:
                answer.notes = rng.choice(OTHER_NOTES)
        if rng.random() < 0.2:
            answer.evidence_links = [f"https://intranet.example.org/{org.organization.slug}/{code}"]
        buffer.add(answer)
        counts.answers += 1
    if draft:
        return
    for criterion, level_given in zip(criteria, levels, strict=True):
        org.previous[criterion.code] = level_given
    scores = _scores_add(buffer, assessment, criteria, levels, counts)
    _plan_add(rng, buffer, org, assessment, criteria, levels, scores, counts, today)
    if assessment.status == A.RETURNED:
        weakest = _weakest(scores)
        commitment = next(c.commitment for c in criteria if c.commitment.code == weakest[0])
        criterion = next(c for c in criteria if c.commitment_id == commitment.pk)
        general = Thread(assessment=assessment)
        on_criterion = Thread(assessment=assessment, criterion=criterion)
        buffer.add(general)
        buffer.add(on_criterion)
        when = assessment.returned_at or assessment.reviewed_at or timezone.now()
        buffer.add(
            Comment(thread=general, body=rng.choice(COMMENTS), author=reviewer, created_at=when)
        )
        buffer.add(
            Comment(
                thread=on_criterion,
                body=f"{commitment.name}: please say what the evidence for this level is.",
                author=reviewer,
                created_at=when,
            )
        )
        counts.review_comments += 2


def _scores_add(
    buffer: _Buffer,
    assessment: Assessment,
    criteria: list[Criterion],
    levels: list[int | None],
    counts: SeedCounts,
) -> dict[str, Decimal | None]:
    """What commitment_scores_store would store at submission (kept when returned)."""
    scores = commitment_scores(
        ScoredAnswer(c.commitment.code, c.weight, level)
        for c, level in zip(criteria, levels, strict=True)
    )
    commitments = {c.commitment.code: c.commitment for c in criteria}
    for code, score in scores.items():
        pairs = [
            (c, lv) for c, lv in zip(criteria, levels, strict=True) if c.commitment.code == code
        ]
        buffer.add(
            CommitmentScore(
                assessment_id=assessment.pk,
                commitment_id=commitments[code].pk,
                score=score,
                answered=sum(1 for _, lv in pairs if lv is not None),
                # every criterion of a submitted assessment is answered: no level means N/A
                not_applicable=sum(1 for _, lv in pairs if lv is None),
            )
        )
        counts.scores += 1
    assessment.overall_score = overall_score(scores)
    return scores


def _weakest(scores: dict[str, Decimal | None]) -> list[str]:
    ranked = sorted((s, i, code) for i, (code, s) in enumerate(scores.items()) if s is not None)
    return [code for _, _, code in ranked]


def _plan_add(
    rng: random.Random,
    buffer: _Buffer,
    org: _Org,
    assessment: Assessment,
    criteria: list[Criterion],
    levels: list[int | None],
    scores: dict[str, Decimal | None],
    counts: SeedCounts,
    today: date,
) -> None:
    """Two or three actions on the weakest commitments, each aimed at its weakest criterion;
    the open cycle's fall due around `today`, some already past (overdue while not done)."""
    year = int(assessment.cycle.name)
    current = assessment.cycle.status == Cycle.Status.OPEN
    statuses = (
        {"planned": 6, "in_progress": 4}
        if current
        else {"done": 5, "in_progress": 2, "planned": 1, "dropped": 1}
    )
    owners = [user for _, user in org.members.values()]
    for code in _weakest(scores)[: rng.randint(2, 3)]:
        candidates: list[tuple[int, int]] = []
        for i, (c, level) in enumerate(zip(criteria, levels, strict=True)):
            if c.commitment.code == code and level is not None and level < 5:
                candidates.append((level, i))
        if not candidates:
            continue
        level, i = min(candidates)
        criterion = criteria[i]
        topic = rng.choice(TOPICS.get(code, [f"{criterion.commitment.name.lower()} practice"]))
        buffer.add(
            ActionItem(
                assessment=assessment,
                commitment=criterion.commitment,
                criterion=criterion,
                target_level=level + 1,
                title=f"{rng.choice(ACTION_VERBS)} {topic}"[:200],
                description=(
                    f"Reach level {level + 1} on {criterion.code.upper()} by the next cycle."
                ),
                owner_id=rng.choice(owners),
                due_date=(
                    today + timedelta(days=rng.randint(-45, 240))
                    if current
                    else date(year + 1, rng.randint(1, 12), 28)
                ),
                status=_weighted(rng, statuses),
            )
        )
        counts.action_items += 1


def _named_extras(orgs: list[_Org], reviewer: User, today: date, counts: SeedCounts) -> None:
    """What each named organization's people should find on their home page: Northlake's draft
    has answers carried forward to confirm and two actions (one overdue); Keystone's returned
    assessment has an extension past the close."""
    by_slug = {o.organization.slug: o for o in orgs}
    current = Cycle.objects.get(status=Cycle.Status.OPEN)
    northlake = by_slug.get("northlake")
    draft = Assessment.objects.filter(
        cycle=current, organization__slug="northlake", status=A.DRAFT
    ).first()
    if northlake is not None and draft is not None:
        previous = (
            Assessment.objects.filter(organization__slug="northlake")
            .exclude(pk=draft.pk)
            .select_related("cycle__rubric")
            .order_by("-cycle__opens_on")
            .first()
        )
        _northlake_carried(draft, previous)
        Assessment.objects.filter(pk=draft.pk).update(carried_from=previous)
        # Each aimed one level above one of its weakest answers, like every seeded action.
        weakest: dict[int, Answer] = {}
        for a in (
            Answer.objects.filter(assessment=draft, level__lt=5)
            .select_related("criterion__commitment")
            .order_by("level", "criterion__commitment__order", "criterion__order")
        ):
            weakest.setdefault(a.criterion.commitment.pk, a)
        aims = list(weakest.values())[:2]
        _, lead = northlake.members[Membership.Role.LEAD]
        _, contributor = northlake.members[Membership.Role.CONTRIBUTOR]
        plans = (
            ("Publish the board quality minutes", lead, -6, "in_progress"),
            ("Survey patients on shared decisions", contributor, 20, "planned"),
        )
        for aim, (title, owner, days, status) in zip(aims, plans, strict=False):
            ActionItem.objects.create(
                assessment=draft, commitment=aim.criterion.commitment, criterion=aim.criterion,
                target_level=min(5, (aim.level or 0) + 1), title=title, owner_id=owner,
                due_date=today + timedelta(days=days), status=status,
            )  # fmt: skip
            counts.action_items += 1
    slug, days, reason = EXTENDED
    if Assessment.objects.filter(cycle=current, organization__slug=slug).exists():
        Extension.objects.create(
            cycle=current,
            organization=by_slug[slug].organization,
            until=current.closes_on + timedelta(days=days),
            reason=reason,
            granted_by=reviewer,
            granted_at=datetime.combine(today, datetime.min.time(), tzinfo=UTC),
        )
    _keystone_conversation(by_slug.get(slug), current, reviewer)
    # Half the waiting submissions of the open cycle are assigned to the demo reviewer, so the
    # queue's "Assigned to me" and "Take it" both show.
    waiting = Assessment.objects.filter(cycle=current, status=A.SUBMITTED).order_by("pk")
    Assessment.objects.filter(pk__in=list(waiting.values_list("pk", flat=True)[::2])).update(
        reviewer=reviewer
    )


def _northlake_carried(draft: Assessment, previous: Assessment | None) -> None:
    """Four of Northlake's answers carried from its last cycle, to confirm. When that cycle
    was on the earlier rubric version, two of them crossed a split or a merge of the
    crosswalk (and say so), carrying what the earlier answers held."""
    every = list(
        Answer.objects.filter(assessment=draft)
        .select_related("criterion")
        .order_by("criterion__commitment__order", "criterion__order")
    )
    answered = [a for a in every if a.level is not None]
    if previous is None or previous.cycle.rubric_id == draft.cycle.rubric_id:
        Answer.objects.filter(pk__in=[a.pk for a in answered[:4]]).update(carried_forward=True)
        return
    walk = crosswalk(source=previous.cycle.rubric, target=draft.cycle.rubric)
    old = {
        a.criterion.code: a
        for a in Answer.objects.filter(assessment=previous).select_related("criterion")
    }

    def sources(answer: Answer) -> list[Answer]:
        lineage = walk.lineage[answer.criterion.code]
        return [old[c] for c in lineage.sources if c in old and old[c].is_answered]

    # Any split or merged criterion will do (the carried answer fills it); same ones that
    # were already answered, as a lead who started from last cycle would find them.
    looks = [
        a for a in every if walk.lineage[a.criterion.code].kind in Answer.LOOK_KINDS and sources(a)
    ]
    same = [a for a in answered if walk.lineage[a.criterion.code].comparable]
    for answer in [*looks[:2], *same[: 4 - min(2, len(looks))]]:
        olds = sources(answer)
        if not olds:
            continue
        for name, value in carried_fields(olds).items():
            setattr(answer, name, value)
        answer.carried_forward = True
        answer.carried_kind = walk.lineage[answer.criterion.code].kind
        answer.carried_from_codes = ", ".join(a.criterion.code for a in olds)
        answer.save()


def _keystone_conversation(org: _Org | None, cycle: Cycle, reviewer: User) -> None:
    """Keystone's lead has answered one of the reviewer's threads, which is still open, and
    the reviewer followed up: a conversation to read on the scoring and the review page."""
    if org is None:
        return
    thread = (
        Thread.objects.filter(assessment__cycle=cycle, assessment__organization=org.organization)
        .exclude(criterion=None)
        .first()
    )
    if thread is None:
        return
    _, lead = org.members[Membership.Role.LEAD]
    first = thread.comments.order_by("created_at").first()
    start = first.created_at if first is not None else timezone.now()
    Comment.objects.bulk_create(
        [
            Comment(
                thread=thread, author_id=lead, created_at=start + timedelta(days=2),
                body="The partner roles are in the board quality committee charter (section 4). "
                "We will attach it and the 2026 minutes.",
            ),
            Comment(
                thread=thread, author=reviewer, created_at=start + timedelta(days=3),
                body="Thanks. Please also show that partners were paid for their time: the "
                "level asks for compensation policies.",
            ),
        ]
    )  # fmt: skip


RATED_COMMITMENTS = ("engaged", "fair")  # where partners' ratings matter most
RATIONALES = {
    1: "I have not seen this happen.",
    2: "It happens now and then, when someone pushes for it.",
    3: "It is the usual way, though not everywhere.",
    4: "It happens reliably and we can show it.",
    5: "It is how we work, and others learn from us.",
}


def _demo_rounds(
    rng: random.Random,
    orgs: list[_Org],
    named: set[int],
    password_hash: str,
    today: date,
    counts: SeedCounts,
) -> None:
    """A rating round on Engaged and Fair for each named organization still writing its open
    cycle's assessment: its contributor, its viewer and two partners invited; all but the
    second partner have submitted, and partners rate some criteria two levels away from staff,
    so the consensus view shows disagreement and partners' voice."""
    current = Cycle.objects.get(status=Cycle.Status.OPEN)
    for org in orgs:
        slug = org.organization.slug
        if org.organization.pk not in named:
            continue
        assessment = Assessment.objects.filter(
            cycle=current, organization=org.organization, status__in=(A.DRAFT, A.RETURNED)
        ).first()
        if assessment is None:
            continue
        lead = User.objects.get(pk=org.members[Membership.Role.LEAD][1])
        rnd = round_open(
            assessment=assessment,
            commitments=list(current.rubric.commitments.filter(code__in=RATED_COMMITMENTS)),
            closes_on=today + timedelta(days=14),
            named=False,
            by=lead,
        )
        counts.rating_rounds += 1
        partners = []
        for n in (1, 2):
            user = User.objects.create(
                email=f"partner{n}@{slug}.demo.lhs.test",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                password=password_hash,
            )
            Membership.objects.create(
                user=user, organization=org.organization, role=Membership.Role.PARTNER
            )
            partners.append(user)
        staff = [
            User.objects.get(pk=org.members[role][1])
            for role in (Membership.Role.CONTRIBUTOR, Membership.Role.VIEWER)
        ]
        criteria = round_criteria(rnd)
        for i, user in enumerate([*staff, *partners]):
            rater = rater_invite(rnd=rnd, user=user, is_partner=user in partners, by=lead)
            if i == 3:
                continue  # the second partner has not started: their home page shows the round
            for j, criterion in enumerate(criteria):
                base = 2 + (j % 3)  # staff between 2 and 4
                level = min(5, base + 2) if user in partners and j % 2 == 0 else base
                if i == 1 and j == len(criteria) - 1:
                    rating = RatingInput(None, True, "I do not know enough about this one.")
                else:
                    level = max(1, min(5, level + rng.choice((-1, 0, 0, 1)) * (i == 0)))
                    rating = RatingInput(level, False, RATIONALES[level])
                rating_save(rater=rater, criterion=criterion, data=rating)
                counts.ratings += 1
            rater_submit(rater=rater)
