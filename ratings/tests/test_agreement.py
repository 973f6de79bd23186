"""Spread and agreement figures, against examples worked by hand and a published one."""

import pytest

from ratings.agreement import ordinal_alpha, spread

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. University of
# Pennsylvania, Annenberg School for Communication, Departmental Papers 43, section C
# ("nominal, ordinal, interval... data with missing values"): 4 observers, 12 units, values 1-5,
# "." for a missing value. The paper works the coincidence matrix out by hand and gives
# alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval).
N = None
PUBLISHED = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_ordinal_alpha_is_the_published_worked_example() -> None:
    alpha = ordinal_alpha(PUBLISHED, samples=200)
    assert alpha.value == pytest.approx(0.815, abs=0.0005)
    assert alpha.raters == 4
    assert alpha.units == 11  # unit 12 has one value: no pair, no part in alpha


def test_the_bootstrap_interval_holds_the_value_and_is_the_same_each_time() -> None:
    first = ordinal_alpha(PUBLISHED, samples=300, seed=7)
    assert first.low is not None
    assert first.high is not None
    assert first.value is not None
    assert first.low <= first.value <= first.high
    assert first.high - first.low > 0.01  # 11 units: an honest interval is wide
    assert ordinal_alpha(PUBLISHED, samples=300, seed=7) == first


def test_perfect_agreement_is_one_and_reversed_raters_are_below_zero() -> None:
    same = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]
    assert ordinal_alpha(same, samples=50).value == pytest.approx(1.0)
    opposed = [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [1, 2, 3, 4, 5]]
    value = ordinal_alpha(opposed, samples=50).value
    assert value is not None
    assert value < 0


def test_fewer_than_three_raters_gives_no_alpha_but_says_why() -> None:
    alpha = ordinal_alpha([[1, 2, 3], [2, 2, 4], [N, N, N]])
    assert alpha.value is None
    assert alpha.reason == "too few raters"
    assert alpha.raters == 2


def test_one_level_used_by_everyone_has_no_variation_to_measure() -> None:
    alpha = ordinal_alpha([[3, 3], [3, 3], [3, N]])
    assert alpha.value is None
    assert alpha.reason == "no variation to measure"


def test_spread_worked_by_hand() -> None:
    # 1 2 2 4 5 (and one "don't know"): range 4, median 2; lower half 1 2 -> 1.5,
    # upper half 4 5 -> 4.5; IQR 3; raters two or more levels apart: flagged.
    s = spread([4, 2, None, 5, 1, 2])
    assert (s.count, s.dont_know, s.low, s.high) == (5, 1, 1, 5)
    assert (s.median, s.q1, s.q3, s.range, s.iqr) == (2.0, 1.5, 4.5, 4, 3.0)
    assert s.disagreement


def test_one_level_apart_is_not_a_disagreement() -> None:
    s = spread([3, 4, 3, 4])
    assert (s.median, s.q1, s.q3, s.range) == (3.5, 3.0, 4.0, 1)
    assert not s.disagreement


def test_nobody_gave_a_level() -> None:
    s = spread([None, None])
    assert (s.count, s.dont_know, s.median, s.range, s.disagreement) == (0, 2, None, None, False)
