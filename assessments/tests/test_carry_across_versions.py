"""Starting a 2026.2 assessment from a 2026.1 one carries answers through the crosswalk:
same and reworded carry as they were, split and merged carry to be checked one by one,
new criteria start empty, and a retired criterion's plan item stays with its commitment."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from assessments.models import ActionItem, Answer, Assessment
from assessments.selectors import previous_answers
from assessments.services import (
    ActionInput,
    action_item_save,
    answers_keep_unchanged,
    answers_to_keep,
    assessment_start,
    assessment_submit,
)
from assessments.tests.factories import answer_all, open_cycle, started
from commitments.models import Commitment, Criterion, Rubric
from organizations.models import Membership, Organization, User
from organizations.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

# 2026.1 levels that differ from 3, chosen so each crosswalk kind shows what it does.
BEFORE = {
    "engaged-1": 4,  # same
    "accountable-2": 2,  # reworded
    "accessible-2": 5,  # split into accessible-2 and accessible-5
    "safe-4": 4,  # merged with secure-3 into secure-3
    "secure-3": 2,
    "accountable-4": 5,  # retired
    "effective-3": None,  # merged with adaptive-4 (N/A here) into effective-3
}


@pytest.fixture
def lead() -> User:
    return UserFactory()


@pytest.fixture
def org(lead: User) -> Organization:
    organization = OrganizationFactory()
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    return organization


@pytest.fixture
def carried(org: Organization, lead: User) -> Assessment:
    call_command("load_rubric", "--publish", stdout=io.StringIO())
    old = Rubric.objects.get(version="2026.1")
    new = Rubric.objects.get(version="2026.2")
    first = started(organization=org, by=lead, cycle=open_cycle(by=lead, rubric=old, name="2025"))
    codes = Criterion.objects.filter(commitment__rubric=old).values_list("code", flat=True)
    levels = dict.fromkeys(codes, 3) | BEFORE
    answer_all(assessment=first, by=lead, levels=levels, evidence="Minutes", notes="Why")
    Answer.objects.filter(assessment=first, criterion__code="safe-4").update(
        evidence="Hazard log", evidence_links=["https://example.org/hazards"]
    )
    accountable = Commitment.objects.get(rubric=old, code="accountable")
    for code in ("accountable-4", "secure-3"):
        criterion = Criterion.objects.get(commitment__rubric=old, code=code)
        data = ActionInput(f"Plan for {code}", "", criterion, 4, lead, None, "planned")
        commitment = accountable if code == "accountable-4" else criterion.commitment
        action_item_save(assessment=first, commitment=commitment, data=data, by=lead)
    assessment_submit(assessment=first, by=lead)
    return assessment_start(
        organization=org,
        cycle=open_cycle(by=lead, rubric=new, name="2026"),
        by=lead,
        carry_forward=True,
    )


def _answer(assessment: Assessment, code: str) -> Answer:
    return assessment.answers.select_related("criterion").get(criterion__code=code)


def test_same_and_reworded_criteria_carry_their_answer_to_confirm(carried: Assessment) -> None:
    same, reworded = _answer(carried, "engaged-1"), _answer(carried, "accountable-2")
    assert (same.level, same.carried_forward, same.carried_kind) == (4, True, "same")
    assert (reworded.level, reworded.carried_kind) == (2, "reworded")
    assert reworded.evidence == "Minutes"
    assert reworded.notes_carried
    assert not reworded.needs_a_look
    assert reworded.blocker == "carried forward from the last cycle — confirm or change it"


def test_a_split_criterion_carries_to_each_part_to_be_checked(carried: Assessment) -> None:
    parts = [_answer(carried, code) for code in ("accessible-2", "accessible-5")]
    assert [(a.level, a.carried_kind, a.carried_from_codes) for a in parts] == [
        (5, "split", "accessible-2"),
        (5, "split", "accessible-2"),
    ]
    assert all(a.needs_a_look for a in parts)
    assert "ACCESSIBLE-2, which was split" in (parts[1].blocker or "")


def test_a_merged_criterion_carries_the_lower_level_and_both_evidences(
    carried: Assessment,
) -> None:
    merged = _answer(carried, "secure-3")
    assert (merged.level, merged.carried_kind) == (2, "merged")
    assert merged.carried_from_codes == "safe-4, secure-3"
    assert merged.evidence == "SAFE-4: Hazard log\n\nSECURE-3: Minutes"
    assert merged.evidence_links == ["https://example.org/hazards"]
    assert "which was merged" in (merged.blocker or "")


def test_a_merge_of_a_level_and_a_not_applicable_carries_the_level(carried: Assessment) -> None:
    # adaptive-4 was 3, effective-3 N/A: the merged criterion takes the one level there was.
    merged = _answer(carried, "effective-3")
    assert (merged.level, merged.not_applicable, merged.carried_kind) == (3, False, "merged")


def test_new_criteria_start_empty(carried: Assessment) -> None:
    for code in ("safe-5", "effective-5", "accountable-5", "transparent-5", "adaptive-5"):
        new = _answer(carried, code)
        assert (new.level, new.carried_forward, new.carried_kind) == (None, False, "")
    assert carried.answers.count() == 44


def test_keep_all_unchanged_leaves_split_and_merged_answers_to_confirm_one_by_one(
    carried: Assessment, lead: User
) -> None:
    listed = answers_to_keep(assessment=carried)
    codes = {a.criterion.code for a in listed}
    assert not codes & {"accessible-2", "accessible-5", "secure-3", "effective-3"}
    assert "engaged-1" in codes
    assert "accountable-2" in codes
    answers_keep_unchanged(assessment=carried, by=lead, expected=len(listed))
    left = set(
        carried.answers.filter(carried_forward=True).values_list("criterion__code", flat=True)
    )
    assert left == {"accessible-2", "accessible-5", "secure-3", "effective-3"}


def test_plan_items_follow_their_criterion_and_a_retired_ones_stays_with_its_commitment(
    carried: Assessment,
) -> None:
    items = {
        i.title: (i.commitment.code, i.criterion.code if i.criterion else None)
        for i in ActionItem.objects.filter(assessment=carried).select_related(
            "commitment", "criterion"
        )
    }
    assert items == {
        "Plan for accountable-4": ("accountable", None),
        "Plan for secure-3": ("secure", "secure-3"),
    }


def test_the_scoring_page_shows_last_cycles_answer_through_the_crosswalk(
    carried: Assessment,
) -> None:
    secure = Commitment.objects.get(rubric=carried.cycle.rubric, code="secure")
    shown = previous_answers(assessment=carried, commitment=secure)
    assert shown["secure-3"].level == 2
    assert shown["secure-3"].via == "merged from SAFE-4, SECURE-3"
    assert not shown["secure-3"].comparable
    assert shown["secure-1"].via == "same as SECURE-1"
    assert shown["secure-1"].comparable


def test_the_scoring_page_shows_levels_as_checklists_evidence_and_where_an_answer_came_from(
    client: Client, carried: Assessment, lead: User
) -> None:
    client.force_login(lead)
    html = client.get(reverse("assessments:commitment", args=[carried.pk, "accessible"])).content
    page = html.decode()
    assert "the minimum evidence that counts" in page
    assert "at least 75% of applicable units" in page  # level 3's evidence
    assert "3 · Implemented — All of: (1) " in page
    assert "through the rubric's crosswalk (split from ACCESSIBLE-2)" in page
    assert "In 2025 (split from ACCESSIBLE-2)" in page
    # "Keep all unchanged" counts the three same criteria here, not the two split ones.
    assert re.search(r"Keep all <span data-to-confirm-n>3</span> unchanged", page)
