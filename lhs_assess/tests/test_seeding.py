"""`make demo` data: organizations of several kinds, each with a lead, contributor and viewer."""

import hashlib
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Avg
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionItem, Answer, Assessment, Comment, Cycle, Extension
from assessments.services import commitment_scores_store
from commitments.models import Criterion, Rubric
from commitments.selectors import published_rubric
from lhs_assess.management.commands.seed_demo import DEMO_ORGANIZATIONS
from organizations.access import user_is_admin, user_is_staff
from organizations.models import Membership, Organization, User
from organizations.tests.factories import ensure_groups

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_groups() -> None:
    """Seeding puts staff in the groups a data migration made; a transactional test run
    earlier in the same process has flushed them, so put them back first."""
    ensure_groups()


@override_settings(DEBUG=True)
def test_demo_data_is_complete_and_seeding_twice_changes_nothing() -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    assert Organization.objects.count() == 6
    assert len(set(Organization.objects.values_list("type", flat=True))) == 6
    assert len(set(Organization.objects.values_list("region", flat=True))) >= 4
    for organization in Organization.objects.all():
        roles = sorted(
            Membership.objects.filter(organization=organization).values_list("role", flat=True)
        )
        assert roles == ["contributor", "lead", "viewer"]
    assert user_is_staff(User.objects.get(email="staff@demo.lhs.test"))
    assert not user_is_admin(User.objects.get(email="staff@demo.lhs.test"))
    assert user_is_admin(User.objects.get(email="admin@demo.lhs.test"))


@override_settings(DEBUG=True)
def test_a_demo_lead_signs_in_and_sees_their_members(client: Client) -> None:
    call_command("seed_demo")
    client.post(
        reverse("account_login"),
        {"login": "lead@harbor.demo.lhs.test", "password": "demo-password-2026"},
    )
    html = client.get(reverse("organizations:members", args=["harbor"])).content.decode()
    assert "viewer@harbor.demo.lhs.test" in html
    assert client.get(reverse("organizations:members", args=["keystone"])).status_code == 404


@override_settings(DEBUG=False)
def test_demo_data_is_refused_without_debug() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo")


# --- The generated consortium (lhs_assess/seeding.py) -------------------------------------------


def _consortium(organizations: int = 12, cycles: int = 2, seed: int | None = None) -> str:
    args = ["--organizations", str(organizations), "--cycles", str(cycles)]
    if seed is not None:
        args += ["--seed", str(seed)]
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def rubric() -> Rubric:
    call_command("load_rubric", "--publish", stdout=StringIO())
    found = published_rubric()
    assert found is not None
    return found


def _digest() -> str:
    """Everything that must not depend on the run: organizations, answers, plans, scores."""
    org, cycle = "assessment__organization__slug", "assessment__cycle__name"
    parts = [
        Organization.objects.order_by("slug").values_list("slug", "type", "region", "size_band"),
        Answer.objects.order_by(org, cycle, "criterion__code").values_list(
            org, cycle, "assessment__status", "criterion__code", "level", "not_applicable",
            "na_reason", "evidence", "notes", "confidence",
        ),
        ActionItem.objects.order_by(org, cycle, "criterion__code").values_list(
            org, cycle, "criterion__code", "target_level", "status", "title", "due_date"
        ),
        Assessment.objects.order_by("organization__slug", "cycle__name").values_list(
            "organization__slug", "cycle__name", "overall_score", "submitted_at", "reviewed_at"
        ),
    ]  # fmt: skip
    return hashlib.sha256(repr([list(p) for p in parts]).encode()).hexdigest()


def _wipe() -> None:
    Assessment.objects.all().delete()
    Cycle.objects.all().delete()
    Organization.objects.all().delete()
    User.objects.all().delete()


@pytest.mark.usefixtures("rubric")
def test_the_same_seed_gives_the_same_consortium_and_another_seed_another() -> None:
    _consortium(seed=7)
    first = _digest()
    _wipe()
    _consortium(seed=7)
    assert _digest() == first
    _wipe()
    _consortium(seed=8)
    assert _digest() != first


def test_cycles_are_years_and_the_open_one_is_on_the_newest_rubric(rubric: Rubric) -> None:
    out = _consortium(cycles=3)
    cycles = list(Cycle.objects.order_by("name").values_list("name", "status", "rubric__version"))
    # Closed cycles on the version before, which the crosswalk connects to the newest.
    assert rubric.version == "2026.2"
    assert cycles == [
        ("2024", "closed", "2026.1"),
        ("2025", "closed", "2026.1"),
        ("2026", "open", "2026.2"),
    ]
    assert "Seeded 12 organizations, 36 people, 3 cycles" in out


@pytest.mark.usefixtures("rubric")
def test_organizations_cover_every_type_region_and_size_with_three_members_each() -> None:
    _consortium()
    assert Organization.objects.count() == 12
    for name, field in [("type", Organization.Type), ("region", Organization.Region),
                        ("size_band", Organization.SizeBand)]:  # fmt: skip
        assert set(Organization.objects.values_list(name, flat=True)) == set(field.values)
    for organization in Organization.objects.all():
        roles = sorted(
            organization.memberships.exclude(role="partner").values_list("role", flat=True)
        )
        assert roles == ["contributor", "lead", "viewer"]


@pytest.mark.usefixtures("rubric")
def test_named_organizations_writing_the_open_cycle_have_a_round_with_disagreement() -> None:
    from ratings.models import Rater, Round
    from ratings.selectors import round_view

    _consortium()
    rounds = list(Round.objects.select_related("assessment__organization"))
    assert rounds
    for rnd in rounds:
        assert rnd.assessment.status in ("draft", "returned")
        assert Rater.objects.filter(round=rnd, is_partner=True).count() == 2
        assert Rater.objects.filter(round=rnd, submitted_at__isnull=True).count() == 1
        view = round_view(rnd=rnd)
        assert any(row.spread.disagreement for row in view.criteria)
        assert any(row.partners_differ for row in view.criteria)
        assert view.alpha.value is not None  # three submitted


@pytest.mark.usefixtures("rubric")
def test_each_named_peer_group_reaches_the_privacy_threshold_in_the_demo_size() -> None:
    _consortium(organizations=60, cycles=1)
    for slug, _name, type_, _region, size in DEMO_ORGANIZATIONS:
        peers = Organization.objects.filter(type=type_, size_band=size).count()
        assert peers >= 5, slug


@pytest.mark.usefixtures("rubric")
def test_the_open_cycle_has_every_status_and_closed_ones_are_submitted_or_accepted() -> None:
    _consortium()
    current = set(Assessment.objects.filter(cycle__name="2026").values_list("status", flat=True))
    assert current == set(Assessment.Status.values)
    started = Assessment.objects.filter(cycle__name="2026").values("organization")
    assert Organization.objects.exclude(pk__in=started).exists()  # someone has not started
    closed = set(Assessment.objects.filter(cycle__name="2025").values_list("status", flat=True))
    assert closed <= {"submitted", "accepted"}
    for assessment in Assessment.objects.filter(status="returned"):
        assert Comment.objects.filter(thread__assessment=assessment).exists()
        assert assessment.returned_at is not None
        assert assessment.reviewed_at is not None


@pytest.mark.usefixtures("rubric")
def test_answers_are_complete_once_submitted_and_partial_in_drafts() -> None:
    _consortium()
    for assessment in Assessment.objects.select_related("cycle"):
        criteria = Criterion.objects.filter(commitment__rubric=assessment.cycle.rubric_id).count()
        answered = sum(r.is_answered for r in assessment.answers.all())
        assert assessment.answers.count() == criteria
        if assessment.status == "draft":
            assert 0 < answered < criteria
            assert assessment.overall_score is None
            assert not assessment.scores.exists()
        else:
            assert answered == criteria
            assert assessment.submitted_at is not None
    answered = Answer.objects.exclude(level=None)
    assert answered.exclude(evidence="").count() == answered.count()
    assert answered.exclude(confidence="").count() == answered.count()
    assert Answer.objects.filter(not_applicable=True).exclude(na_reason="").exists()


@pytest.mark.usefixtures("rubric")
def test_stored_scores_are_what_submission_would_store() -> None:
    _consortium()
    submitted = Assessment.objects.exclude(status="draft")
    assert submitted.count() > 10
    for assessment in submitted:
        fields = ("commitment__code", "score", "answered", "not_applicable")
        stored = sorted(assessment.scores.values_list(*fields))
        overall = assessment.overall_score
        commitment_scores_store(assessment=assessment)
        assessment.refresh_from_db()
        assert overall == assessment.overall_score
        assert stored == sorted(assessment.scores.values_list(*fields))


@pytest.mark.usefixtures("rubric")
def test_levels_differ_by_peer_group_and_move_between_cycles() -> None:
    _consortium(organizations=30, cycles=3)
    by_type = dict(
        Answer.objects.exclude(level=None)
        .values("assessment__organization__type")
        .annotate(mean=Avg("level"))
        .values_list("assessment__organization__type", "mean")
    )
    assert by_type["amc"] > by_type["community_hospital"] > by_type["public_health"]
    by_cycle = dict(
        Assessment.objects.exclude(overall_score=None)
        .values("cycle__name")
        .annotate(mean=Avg("overall_score"))
        .values_list("cycle__name", "mean")
    )
    assert by_cycle["2024"] < by_cycle["2026"]
    # Change notes explain answers that moved; some organizations got worse.
    assert Answer.objects.filter(notes__startswith="Slipped back").exists()
    assert Answer.objects.filter(notes__startswith="Moved up").exists()


@pytest.mark.usefixtures("rubric")
def test_action_items_aim_above_the_weakest_answers() -> None:
    _consortium()
    items = ActionItem.objects.select_related("assessment", "criterion")
    assert items.exists()
    for item in items:
        assert item.criterion is not None
        assert item.target_level is not None
        level = Answer.objects.get(assessment=item.assessment, criterion=item.criterion).level
        assert level is not None
        assert item.target_level == level + 1


@pytest.mark.usefixtures("rubric")
def test_a_generated_lead_signs_in_with_the_demo_password(client: Client) -> None:
    _consortium()
    lead = Membership.objects.filter(role="lead").exclude(
        organization__slug__in=[o[0] for o in DEMO_ORGANIZATIONS]
    ).select_related("user", "organization").first()  # fmt: skip
    assert lead is not None
    client.post(
        reverse("account_login"), {"login": lead.user.email, "password": "demo-password-2026"}
    )
    response = client.get(reverse("organizations:members", args=[lead.organization.slug]))
    assert response.status_code == 200


@pytest.mark.usefixtures("rubric")
def test_seeding_twice_adds_nothing_and_says_why() -> None:
    _consortium()
    before = (Organization.objects.count(), User.objects.count(), Answer.objects.count())
    out = _consortium()
    assert "already holds cycles" in out
    assert (Organization.objects.count(), User.objects.count(), Answer.objects.count()) == before


def test_a_consortium_needs_a_published_rubric() -> None:
    with pytest.raises(CommandError, match="load_rubric --publish"):
        _consortium()
    assert not Organization.objects.exists()


@pytest.mark.usefixtures("rubric")
def test_a_consortium_counts_the_named_organizations() -> None:
    with pytest.raises(CommandError, match="at least 6"):
        _consortium(organizations=3)


@pytest.mark.usefixtures("rubric")
def test_the_demo_has_due_dates_late_submissions_overdue_actions_and_an_extension() -> None:
    """Whatever day it is seeded, the open cycle is open with days left, so the demo's to-do
    lists and read-only rules have something to show."""
    _consortium(cycles=2)
    today = timezone.localdate()
    current = Cycle.objects.get(name="2026")
    assert current.opens_on <= today < current.due_on < current.closes_on
    assert not current.is_closed(today)
    earlier = Cycle.objects.get(name="2025")
    assert (earlier.due_on, earlier.closes_on) == (date(2025, 10, 15), date(2025, 10, 31))
    late = [a for a in Assessment.objects.filter(cycle=earlier) if a.is_late]
    assert "keystone" in {a.organization.slug for a in late}
    assert all(a.submitted_at.date() <= earlier.closes_on for a in late)
    northlake = Assessment.objects.get(cycle=current, organization__slug="northlake")
    overdue = [i for i in northlake.action_items.all() if i.is_overdue]
    assert [i.title for i in overdue] == ["Publish the board quality minutes"]
    carried = northlake.answers.filter(carried_forward=True)
    assert carried.count() == 4
    # Its last cycle was on 2026.1: two of the four crossed a split or a merge, and say so.
    kinds = sorted(carried.values_list("carried_kind", flat=True))
    assert len([k for k in kinds if k in ("split", "merged")]) == 2
    assert len([k for k in kinds if k in ("same", "reworded")]) == 2
    extension = Extension.objects.get()
    assert (extension.organization.slug, extension.cycle) == ("keystone", current)
    assert extension.until > current.closes_on
