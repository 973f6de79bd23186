"""The report's numbers, checked against a small consortium computed by hand."""

import pytest

from assessments.models import ActionItem
from assessments.services import ActionInput, action_item_save, assessment_submit
from assessments.tests.factories import answer_all, open_cycle, started, submitted
from commitments.models import Commitment, Criterion
from commitments.tests.factories import make_rubric
from organizations.models import Organization
from organizations.tests.factories import UserFactory, organization_with_lead
from reports.charts import Quartiles
from reports.selectors import maturity_numbers

from . import consortium

pytestmark = pytest.mark.django_db


def test_own_scores_are_the_stored_ones() -> None:
    _, _, assessments = consortium.build()
    numbers = maturity_numbers(assessment=assessments[4])
    assert [(c.code, c.score, c.answered, c.not_applicable) for c in numbers.commitments] == [
        ("c1", 4.14, 3, 0),
        ("c2", 1.80, 2, 1),
    ]
    assert numbers.overall == 2.97  # (4.14 + 1.80) / 2


def test_peer_quartiles_at_k_are_shown_and_match_the_hand_computed_ones(settings) -> None:
    settings.PEER_MIN_GROUP_SIZE = 5
    _, _, assessments = consortium.build()
    groups = {g.key: g for g in maturity_numbers(assessment=assessments[0]).peers}
    assert groups["type"].size == 5
    assert groups["type"].quartiles == {
        "c1": Quartiles(2.0, 3.0, 4.0),
        "c2": Quartiles(2.0, 3.0, 4.0),
    }
    assert groups["all"].quartiles == groups["type"].quartiles


def test_peer_figures_below_k_are_not_returned(settings) -> None:
    settings.PEER_MIN_GROUP_SIZE = 5
    _, _, assessments = consortium.build(count=4)
    groups = maturity_numbers(assessment=assessments[0]).peers
    assert [(g.key, g.size, g.quartiles) for g in groups] == [
        ("type", 4, None),
        ("region", 4, None),
        ("size", 4, None),
        ("all", 4, None),
    ]


def test_a_group_counts_only_submitted_assessments_of_the_same_cycle(settings) -> None:
    settings.PEER_MIN_GROUP_SIZE = 5
    _, cycle, assessments = consortium.build(count=4)
    # A fifth organization of another type in the same cycle: the type group stays at 4.
    other, lead = organization_with_lead(
        type=Organization.Type.PAYER,
        region=Organization.Region.MIDWEST,
        size_band=Organization.SizeBand.MEDIUM,
    )
    submitted(organization=other, by=lead, cycle=cycle, levels=consortium.LEVELS[4])
    # A draft in the same cycle does not count either.
    draft_org, draft_lead = organization_with_lead()
    started(organization=draft_org, by=draft_lead, cycle=cycle)
    groups = {g.key: g for g in maturity_numbers(assessment=assessments[0]).peers}
    assert (groups["type"].size, groups["type"].quartiles) == (4, None)
    assert groups["region"].size == 5
    assert groups["region"].quartiles is not None
    assert groups["all"].size == 5


def test_what_changed_since_the_last_cycle_and_the_trend() -> None:
    rubric, _, assessments = consortium.build(count=1)
    organization = assessments[0].organization
    lead = organization.memberships.get().user
    cycle_2027 = open_cycle(by=lead, rubric=rubric, name="2027")
    levels = dict(consortium.LEVELS[0], **{"c1-2": 3, "c2-3": None})
    second = submitted(organization=organization, by=lead, cycle=cycle_2027, levels=levels)
    numbers = maturity_numbers(assessment=second)
    assert numbers.previous_cycle == "2026"
    assert [(c.criterion_code, c.before, c.after, c.delta) for c in numbers.changes] == [
        ("c1-2", 1, 3, 2),
        ("c2-3", 2, None, None),
    ]
    assert numbers.trend_cycles == ["2026", "2027"]
    # c1 2027: (1.5*1 + 3 + 1) / 3.5 = 1.57; c2 2027: c2-3 N/A -> (1.5*2 + 2) / 2.5 = 2.00
    assert numbers.trend == {"Commitment 1": [1.0, 1.57], "Commitment 2": [2.0, 2.0]}


def test_the_plan_beside_the_weakest_commitments() -> None:
    rubric = make_rubric(commitments=4)  # four commitments: the strongest is left out
    cycle = open_cycle(by=UserFactory(), rubric=rubric, name="2026")
    organization, lead = organization_with_lead()
    assessment = started(organization=organization, by=lead, cycle=cycle)
    commitments = {c.code: c for c in Commitment.objects.filter(rubric=rubric)}
    for code, title in [("c4", "Publish results"), ("c1", "Partner seats")]:
        criterion = Criterion.objects.get(code=f"{code}-1", commitment__rubric=rubric)
        data = ActionInput(title, "", criterion, 3, lead, None, ActionItem.Status.PLANNED)
        action_item_save(assessment=assessment, commitment=commitments[code], data=data, by=lead)
    levels = {f"c{i}-{j}": i for i in range(1, 5) for j in range(1, 4)}  # c1 weakest, c4 best
    levels["c4-1"] = 1  # c4: (1.5*1 + 4 + 4) / 3.5 = 2.71, so c4 beats only c1 and c2
    answer_all(assessment=assessment, by=lead, levels=levels)
    assessment_submit(assessment=assessment, by=lead)
    numbers = maturity_numbers(assessment=assessment)
    assert numbers.weakest == ["c1", "c2", "c4"]  # 1.00, 2.00, 2.71 (c3 is 3.00)
    assert [
        (p.commitment_code, p.title, p.criterion_code, p.target_level) for p in numbers.plan
    ] == [
        ("c1", "Partner seats", "c1-1", 3),
        ("c4", "Publish results", "c4-1", 3),
    ]
