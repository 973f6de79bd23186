"""The report as people read it: commitments by name, criterion codes upper-case."""

import re

import pytest

from assessments.models import ActionItem
from assessments.services import ActionInput, action_item_save, assessment_submit
from assessments.tests.factories import answer_all, open_cycle, started
from commitments.models import Commitment, Criterion
from reports.render import render_document
from reports.selectors import maturity_chart_numbers, maturity_numbers

from . import consortium

pytestmark = pytest.mark.django_db

LOWER_CODE = re.compile(r"\bc\d(-\d)?\b")  # c1, c2-3: codes as stored, not as shown


def _text(html: str) -> list[str]:
    """The document's visible lines, without its style sheet."""
    html = re.sub(r"<style\b.*?</style>", "", html, flags=re.DOTALL)
    lines = (" ".join(part.split()) for part in re.split(r"<[^>]+>", html))
    return [line for line in lines if line]


def test_commitments_by_name_and_criterion_codes_upper_case(settings) -> None:
    settings.PEER_MIN_GROUP_SIZE = 1  # peer tables from the one organization of 2027
    rubric, _, assessments = consortium.build(count=1)  # 2026: c1 1.00, c2 2.00
    organization = assessments[0].organization
    lead = organization.memberships.get().user
    cycle = open_cycle(by=lead, rubric=rubric, name="2027")
    assessment = started(organization=organization, by=lead, cycle=cycle)
    c1 = Commitment.objects.get(rubric=rubric, code="c1")
    criterion = Criterion.objects.get(commitment=c1, code="c1-2")
    data = ActionInput("Partner seats", "", criterion, 3, lead, None, ActionItem.Status.PLANNED)
    action_item_save(assessment=assessment, commitment=c1, data=data, by=lead)
    answer_all(assessment=assessment, by=lead, levels=dict(consortium.LEVELS[0], **{"c1-2": 3}))
    numbers = maturity_numbers(assessment=assessment_submit(assessment=assessment, by=lead))

    text = _text(render_document(numbers, []))
    assert [t for t in text if LOWER_CODE.search(t)] == []
    assert "C1-2" in text  # what changed since 2026, and the plan's criterion
    # The scores table, the four peer groups' tables and the plan: the name alone.
    assert text.count("Commitment 1") == 1 + 4 + 1
    labels = maturity_chart_numbers(numbers).heatmap.labels
    assert labels[0] == ["C1-1: 1", "C1-2: 3", "C1-3: 1"]

    numbers.plan = []
    text = _text(render_document(numbers, []))
    assert "No actions are planned yet for Commitment 1, Commitment 2." in text
