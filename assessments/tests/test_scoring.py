"""Scoring against cases computed by hand."""

from decimal import Decimal

import pytest

from assessments.scoring import ScoredAnswer, commitment_scores, overall_score, weighted_score

D = Decimal


def test_equal_weights_give_the_plain_mean() -> None:
    assert weighted_score([(D(1), 2), (D(1), 3), (D(1), 5)]) == D("3.33")  # 10 / 3


def test_weights_pull_the_mean_towards_heavier_criteria() -> None:
    # (1.5*2 + 1*3 + 1*4) / 3.5 = 10 / 3.5 = 2.857142... -> 2.86
    assert weighted_score([(D("1.5"), 2), (D(1), 3), (D(1), 4)]) == D("2.86")


def test_not_applicable_criteria_are_left_out_of_the_mean_and_the_weights() -> None:
    # (2*5 + 1*2) / 3 = 4.00; the N/A criterion's weight 1.5 does not count
    assert weighted_score([(D(2), 5), (D(1), 2), (D("1.5"), None)]) == D("4.00")


def test_all_not_applicable_gives_no_score_rather_than_zero() -> None:
    assert weighted_score([(D(1), None), (D(2), None)]) is None
    assert weighted_score([]) is None


def test_rounding_is_half_up_at_two_places() -> None:
    # (1*3 + 7*2) / 8 = 17/8 = 2.125 -> 2.13 (half up, not banker's 2.12)
    assert weighted_score([(D(1), 3), (D(7), 2)]) == D("2.13")


@pytest.mark.parametrize("level", [0, 6])
def test_a_level_outside_1_to_5_is_an_error(level: int) -> None:
    with pytest.raises(ValueError, match="A level is 1 to 5"):
        weighted_score([(D(1), level)])


def test_a_weight_of_zero_is_an_error() -> None:
    with pytest.raises(ValueError, match="A weight is greater than 0"):
        weighted_score([(D(0), 3)])


def test_commitment_scores_group_answers_by_commitment() -> None:
    answers = [
        ScoredAnswer("safe", D("1.5"), 4),
        ScoredAnswer("fair", D(1), None),
        ScoredAnswer("safe", D(1), 2),
        ScoredAnswer("fair", D(1), None),
        ScoredAnswer("engaged", D(1), 1),
    ]
    # safe: (6 + 2) / 2.5 = 3.20; fair: all N/A; engaged: 1
    assert commitment_scores(answers) == {"safe": D("3.20"), "fair": None, "engaged": D("1.00")}


def test_overall_is_the_mean_of_commitments_that_have_a_score() -> None:
    # (3.20 + 1.00) / 2 = 2.10; fair (None) does not count as zero
    assert overall_score({"safe": D("3.20"), "fair": None, "engaged": D("1.00")}) == D("2.10")


def test_overall_uses_the_rounded_commitment_scores() -> None:
    # 2.86 and 3.33 (rounded) -> 6.19 / 2 = 3.095 -> 3.10
    assert overall_score({"a": D("2.86"), "b": D("3.33")}) == D("3.10")


def test_overall_of_nothing_is_none() -> None:
    assert overall_score({}) is None
    assert overall_score({"fair": None}) is None
