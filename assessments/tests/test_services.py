"""The journey's services: start, carry forward, answer, concurrency, submit, resubmit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from assessments.models import ActionItem, Answer, Assessment, CommitmentScore, Cycle
from assessments.services import (
    ActionInput,
    StaleAnswerError,
    action_item_save,
    answer_confirm,
    answers_missing,
    answers_save,
    assessment_start,
    assessment_submit,
    assignment_set,
    evidence_file_add,
)
from assessments.tests.factories import answer, answer_all, open_cycle, started
from commitments.models import Commitment, Criterion, Rubric
from commitments.services import rubric_clone, rubric_publish
from commitments.tests.factories import make_rubric
from consortium.services import assessment_return
from organizations.models import AuditEvent, Membership, Organization, User
from organizations.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def lead() -> User:
    return UserFactory(email="lead@alpha.test")


@pytest.fixture
def org(lead: User) -> Organization:
    organization = OrganizationFactory(slug="alpha")
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    return organization


@pytest.fixture
def rubric() -> Rubric:
    return make_rubric()  # 2 commitments x 3 criteria; weights 1.5, 1, 1


@pytest.fixture
def assessment(org: Organization, lead: User, rubric: Rubric) -> Assessment:
    cycle = open_cycle(by=lead, rubric=rubric, name="2026")
    return started(organization=org, by=lead, cycle=cycle)


ALL = {"c1-1": 2, "c1-2": 3, "c1-3": 4, "c2-1": 5, "c2-2": None, "c2-3": 1}


def test_starting_creates_one_empty_answer_per_criterion(assessment: Assessment) -> None:
    assert assessment.status == Assessment.Status.DRAFT
    assert assessment.answers.count() == 6
    assert not assessment.answers.filter(level__isnull=False).exists()
    assert AuditEvent.objects.filter(action="assessment.start").count() == 1


def test_only_open_cycles_can_be_started(org: Organization, lead: User, rubric: Rubric) -> None:
    cycle = open_cycle(by=lead, rubric=rubric, name="later", opened=False)
    with pytest.raises(ValidationError, match="not open"):
        assessment_start(organization=org, cycle=cycle, by=lead)


def test_one_assessment_per_organization_and_cycle(assessment: Assessment, lead: User) -> None:
    with pytest.raises(ValidationError, match="already started"):
        assessment_start(organization=assessment.organization, cycle=assessment.cycle, by=lead)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(organization=assessment.organization, cycle=assessment.cycle)


def test_saving_answers_bumps_versions_and_keeps_history(
    assessment: Assessment, lead: User
) -> None:
    r = assessment.answers.get(criterion__code="c1-1")
    answers_save(assessment=assessment, answers={r.pk: (0, answer(4))}, by=lead)
    r.refresh_from_db()
    assert (r.level, r.version, r.answered_by) == (4, 1, lead)
    saved = r.history.get()  # answers are bulk-created empty; the save is the first history row
    assert (saved.level, saved.history_user) == (4, lead)


def test_a_stale_save_is_refused_and_nothing_is_saved(assessment: Assessment, lead: User) -> None:
    r1 = assessment.answers.get(criterion__code="c1-1")
    r2 = assessment.answers.get(criterion__code="c1-2")
    colleague = UserFactory()
    answers_save(assessment=assessment, answers={r1.pk: (0, answer(2, notes="mine"))}, by=colleague)
    with pytest.raises(StaleAnswerError) as excinfo:
        answers_save(
            assessment=assessment,
            answers={r2.pk: (0, answer(5)), r1.pk: (0, answer(4, notes="theirs"))},
            by=lead,
        )
    assert excinfo.value.current.notes == "mine"
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert (r1.level, r1.notes, r2.level) == (2, "mine", None)


def test_invalid_answers_are_refused_field_by_field(assessment: Assessment, lead: User) -> None:
    r = assessment.answers.get(criterion__code="c1-1")
    with pytest.raises(ValidationError) as excinfo:
        answers_save(
            assessment=assessment,
            answers={r.pk: (0, answer(None, not_applicable=True, evidence_links=["not a url"]))},
            by=lead,
        )
    errors = excinfo.value.message_dict
    assert set(errors) == {"na_reason", "evidence_links"}
    r.refresh_from_db()
    assert r.version == 0


def test_answers_of_another_assessment_are_refused(
    assessment: Assessment, lead: User, rubric: Rubric
) -> None:
    other_org = OrganizationFactory()
    other = assessment_start(organization=other_org, cycle=assessment.cycle, by=lead)
    foreign = other.answers.first()
    assert foreign is not None
    with pytest.raises(ValidationError, match="does not belong"):
        answers_save(assessment=assessment, answers={foreign.pk: (0, answer(1))}, by=lead)


def test_submit_refuses_and_names_every_missing_criterion(
    assessment: Assessment, lead: User
) -> None:
    answer_all(assessment=assessment, by=lead, levels={"c1-1": 2, "c2-2": None})
    missing = answers_missing(assessment=assessment)
    assert [m.criterion_code for m in missing] == ["c1-2", "c1-3", "c2-1", "c2-3"]
    with pytest.raises(ValidationError, match="4 criteria still need"):
        assessment_submit(assessment=assessment, by=lead)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT


def test_submit_stores_scores_computed_by_hand(assessment: Assessment, lead: User) -> None:
    answer_all(assessment=assessment, by=lead, levels=ALL)
    submitted = assessment_submit(assessment=assessment, by=lead)
    assert submitted.status == Assessment.Status.SUBMITTED
    scores = dict(
        CommitmentScore.objects.filter(assessment=assessment).values_list(
            "commitment__code", "score"
        )
    )
    # c1: (1.5*2 + 3 + 4) / 3.5 = 2.857 -> 2.86; c2: c2-2 N/A, (1.5*5 + 1) / 2.5 = 3.40
    assert scores == {"c1": D("2.86"), "c2": D("3.40")}
    assert submitted.overall_score == D("3.13")  # (2.86 + 3.40) / 2


def test_a_submitted_assessment_is_read_only_until_returned(
    assessment: Assessment, lead: User
) -> None:
    answer_all(assessment=assessment, by=lead, levels=ALL)
    assessment_submit(assessment=assessment, by=lead)
    r = assessment.answers.get(criterion__code="c1-1")
    with pytest.raises(ValidationError, match="submitted"):
        answers_save(assessment=assessment, answers={r.pk: (r.version, answer(5))}, by=lead)
    staff = UserFactory()
    assessment_return(assessment=assessment, by=staff, message="Evidence for c1 is thin.")
    answers_save(assessment=assessment, answers={r.pk: (r.version, answer(5))}, by=lead)
    resubmitted = assessment_submit(assessment=assessment, by=lead)
    # c1 now (1.5*5 + 3 + 4) / 3.5 = 4.14; scores recomputed, not duplicated
    assert CommitmentScore.objects.filter(assessment=assessment).count() == 2
    assert CommitmentScore.objects.get(assessment=assessment, commitment__code="c1").score == D(
        "4.14"
    )
    assert resubmitted.status == Assessment.Status.SUBMITTED


def test_evidence_files_refuse_bad_types_and_sizes(
    assessment: Assessment, lead: User, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    r = assessment.answers.get(criterion__code="c1-1")
    with pytest.raises(ValidationError) as excinfo:
        evidence_file_add(answer=r, upload=SimpleUploadedFile("run.exe", b"MZ"), by=lead)
    assert (
        "only csv, docx, jpeg, jpg, pdf, png, pptx, txt, xlsx files"
        in excinfo.value.message_dict["file"][0]
    )
    big = SimpleUploadedFile("big.pdf", b"0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        evidence_file_add(answer=r, upload=big, by=lead)
    stored = evidence_file_add(
        answer=r, upload=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4"), by=lead
    )
    assert stored.file.path.startswith(str(tmp_path))
    assert f"evidence/{assessment.pk}/{r.pk}/" in stored.file.name


def test_assignments_take_only_editors_of_the_same_organization(
    assessment: Assessment, lead: User
) -> None:
    c1 = Commitment.objects.get(rubric=assessment.cycle.rubric, code="c1")
    viewer = MembershipFactory(organization=assessment.organization, role=Membership.Role.VIEWER)
    outsider = MembershipFactory(role=Membership.Role.CONTRIBUTOR)
    contributor = MembershipFactory(organization=assessment.organization)
    for membership in (viewer, outsider):
        with pytest.raises(ValidationError):
            assignment_set(assessment=assessment, commitment=c1, membership=membership, by=lead)
    assignment = assignment_set(
        assessment=assessment, commitment=c1, membership=contributor, by=lead
    )
    assert assignment is not None
    assert assignment_set(assessment=assessment, commitment=c1, membership=None, by=lead) is None
    assert not assessment.assignments.exists()


def _previous_cycle_done(org: Organization, lead: User, rubric: Rubric) -> Assessment:
    first = started(
        organization=org, by=lead, cycle=open_cycle(by=lead, rubric=rubric, name="2025")
    )
    answer_all(assessment=first, by=lead, levels=ALL, evidence="Minutes of 3 May.")
    c1 = Commitment.objects.get(rubric=rubric, code="c1")
    criterion = Criterion.objects.get(commitment=c1, code="c1-1")
    data = ActionInput("Partner seats", "", criterion, 4, lead, None, ActionItem.Status.PLANNED)
    action_item_save(assessment=first, commitment=c1, data=data, by=lead)
    done = ActionInput("Old, finished", "", None, None, None, None, ActionItem.Status.DONE)
    action_item_save(assessment=first, commitment=c1, data=done, by=lead)
    return assessment_submit(assessment=first, by=lead)


def test_carrying_forward_copies_answers_and_open_actions_flagged_to_confirm(
    org: Organization, lead: User, rubric: Rubric
) -> None:
    _previous_cycle_done(org, lead, rubric)
    new = assessment_start(
        organization=org,
        cycle=open_cycle(by=lead, rubric=rubric, name="2026"),
        by=lead,
        carry_forward=True,
    )
    carried = new.answers.get(criterion__code="c1-1")
    assert (carried.level, carried.carried_forward, carried.evidence) == (
        2,
        True,
        "Minutes of 3 May.",
    )
    assert list(new.action_items.values_list("title", "carried_forward", "target_level")) == [
        ("Partner seats", True, 4)
    ]
    first_missing = answers_missing(assessment=new)[0]
    assert first_missing.reason.startswith("carried forward")
    answer_confirm(answer=carried, by=lead)
    carried.refresh_from_db()
    assert not carried.carried_forward


def test_carrying_forward_takes_only_criteria_that_still_exist(
    org: Organization, lead: User, rubric: Rubric
) -> None:
    _previous_cycle_done(org, lead, rubric)
    draft = rubric_clone(rubric=rubric)
    Criterion.objects.filter(commitment__rubric=draft, code="c1-2").delete()
    Criterion.objects.filter(commitment__rubric=draft, code="c1-3").update(code="c1-9")
    c1 = Commitment.objects.get(rubric=draft, code="c1")
    new_criterion = Criterion.objects.create(commitment=c1, code="c1-4", order=4, prompt="New")
    for n in range(1, 6):
        new_criterion.descriptors.create(level=n, text=f"new {n}")
    v2 = rubric_publish(rubric=draft)
    new = assessment_start(
        organization=org,
        cycle=open_cycle(by=lead, rubric=v2, name="2027"),
        by=lead,
        carry_forward=True,
    )
    carried = dict(new.answers.values_list("criterion__code", "carried_forward"))
    assert carried == {
        "c1-1": True, "c1-9": False, "c1-4": False, "c2-1": True, "c2-2": True, "c2-3": True,
    }  # fmt: skip


def test_carrying_forward_never_reads_another_organizations_answers(
    org: Organization, lead: User, rubric: Rubric
) -> None:
    other = OrganizationFactory()
    other_lead = UserFactory()
    MembershipFactory(organization=other, user=other_lead, role=Membership.Role.LEAD)
    _previous_cycle_done(other, other_lead, rubric)  # only the other organization has history
    with pytest.raises(ValidationError, match="no earlier submitted assessment"):
        assessment_start(
            organization=org,
            cycle=open_cycle(by=lead, rubric=rubric, name="2026"),
            by=lead,
            carry_forward=True,
        )
    fresh = assessment_start(organization=org, cycle=Cycle.objects.get(name="2026"), by=lead)
    assert not fresh.answers.filter(level__isnull=False).exists()


def test_response_constraints_hold_in_the_database(assessment: Assessment) -> None:
    r = assessment.answers.first()
    assert r is not None
    changes = [
        {"level": 6},
        {"level": 3, "not_applicable": True, "na_reason": "x"},
        {"not_applicable": True, "na_reason": ""},
        {"confidence": "certain"},
    ]
    for change in changes:
        with pytest.raises(IntegrityError), transaction.atomic():
            Answer.objects.filter(pk=r.pk).update(**change)
