"""A report whose last cycle was scored on another rubric version reads the crosswalk: levels
compare only where a criterion stayed the same or was reworded, and the trend says which
commitments changed underneath it. Every report says how to read its ordinal scores."""

import io

import pytest
from django.core.management import call_command

from assessments.models import Assessment
from assessments.services import assessment_submit
from assessments.tests.factories import answer_all, open_cycle, started, submitted
from commitments.models import Criterion, Rubric
from organizations.tests.factories import organization_with_lead
from reports.render import render_document
from reports.selectors import MaturityNumbers, level_profile, maturity_numbers

pytestmark = pytest.mark.django_db


@pytest.fixture
def across() -> MaturityNumbers:
    call_command("load_rubric", "--publish", stdout=io.StringIO())
    old, new = Rubric.objects.get(version="2026.1"), Rubric.objects.get(version="2026.2")
    organization, lead = organization_with_lead(name="Crossing Health")
    codes = Criterion.objects.filter(commitment__rubric=old).values_list("code", flat=True)
    submitted(
        organization=organization,
        by=lead,
        cycle=open_cycle(by=lead, rubric=old, name="2025"),
        levels=dict.fromkeys(codes, 2),
    )
    second = started(
        organization=organization, by=lead, cycle=open_cycle(by=lead, rubric=new, name="2026")
    )
    new_codes = Criterion.objects.filter(commitment__rubric=new).values_list("code", flat=True)
    answer_all(assessment=second, by=lead, levels=dict.fromkeys(new_codes, 2) | {"engaged-1": 4})
    assessment_submit(assessment=second, by=lead)
    return maturity_numbers(assessment=Assessment.objects.get(pk=second.pk))


def test_levels_compare_only_through_same_or_reworded_criteria(across: MaturityNumbers) -> None:
    assert across.previous_cycle == "2025"
    assert across.previous_version == "2026.1"
    assert [(c.criterion_code, c.before, c.after) for c in across.changes] == [("engaged-1", 2, 4)]
    assert {nc.criterion_code: nc.lineage for nc in across.not_comparable} == {
        "safe-5": "new in this version",
        "effective-3": "merged from EFFECTIVE-3, ADAPTIVE-4",
        "effective-5": "new in this version",
        "accessible-2": "split from ACCESSIBLE-2",
        "accessible-5": "split from ACCESSIBLE-2",
        "accountable-5": "new in this version",
        "transparent-5": "new in this version",
        "secure-3": "merged from SAFE-4, SECURE-3",
        "adaptive-5": "new in this version",
    }


def test_the_trend_across_versions_marks_the_commitments_that_changed(
    across: MaturityNumbers,
) -> None:
    assert across.trend_cycles == ["2025", "2026"]
    (brk,) = across.trend_breaks
    assert (brk.before_version, brk.after_version) == ("2026.1", "2026.2")
    changed = dict(brk.commitments)
    assert set(changed) == {
        "Safe", "Effective", "Accessible", "Accountable", "Transparent", "Secure", "Adaptive",
    }  # fmt: skip
    assert changed["Accountable"] == (
        "accountable-5 (new in this version)",
        "accountable-4 (retired)",
    )
    assert "Engaged" not in changed  # its five criteria are the same: its trend compares


def test_the_report_says_how_to_read_scores_and_what_is_not_comparable(
    across: MaturityNumbers,
) -> None:
    html = render_document(across, [])
    assert "How to read scores" in html
    assert "Median" in html
    assert "not directly comparable between 2025 and 2026" in html
    assert "Criteria not comparable with 2025" in html
    assert "SECURE-3" in html


def test_median_and_distribution_stand_beside_the_mean(across: MaturityNumbers) -> None:
    engaged = next(c for c in across.commitments if c.code == "engaged")
    assert engaged.distribution == (0, 4, 0, 1, 0)
    assert engaged.median == 2.0
    assert engaged.score == 2.4
    assert across.overall_distribution == (0, 43, 0, 1, 0)


def test_level_profile_of_nothing_is_empty() -> None:
    assert level_profile([]) == (None, (0, 0, 0, 0, 0))
    assert level_profile([1, 5]) == (3.0, (1, 0, 0, 0, 1))
