"""How far apart raters are: the spread of one criterion's ratings, and the agreement of a
whole round as Krippendorff's alpha for ordinal data with a bootstrap confidence interval.

Pure functions of the levels (1-5; None for "don't know", which counts as a missing value);
nothing here reads the database.
"""

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np

LEVELS = (1, 2, 3, 4, 5)
# Raters who differ by this many levels or more on a criterion are flagged for discussion.
DISAGREEMENT_LEVELS = 2
# Fewer raters than this and alpha is not shown: two people say little about reliability.
MIN_RATERS_FOR_ALPHA = 3
BOOTSTRAP_SAMPLES = 1000


@dataclass(frozen=True)
class Spread:
    """The ratings of one criterion: how many, and how far apart."""

    count: int  # raters who gave a level
    dont_know: int
    low: int | None
    high: int | None
    median: float | None
    q1: float | None
    q3: float | None

    @property
    def range(self) -> int | None:
        return None if self.low is None or self.high is None else self.high - self.low

    @property
    def iqr(self) -> float | None:
        return None if self.q1 is None or self.q3 is None else self.q3 - self.q1

    @property
    def disagreement(self) -> bool:
        return self.range is not None and self.range >= DISAGREEMENT_LEVELS


def spread(levels: Sequence[int | None]) -> Spread:
    """Range, median and quartiles of the levels given; None ("don't know") is counted apart.

    Quartiles are the medians of the lower and upper halves (Tukey's hinges, the median itself
    left out of both halves when the count is odd), which people can check by hand.
    """
    given = sorted(level for level in levels if level is not None)
    unknown = len(levels) - len(given)
    if not given:
        return Spread(0, unknown, None, None, None, None, None)
    half = len(given) // 2
    lower, upper = given[:half], given[len(given) - half :]
    return Spread(
        count=len(given),
        dont_know=unknown,
        low=given[0],
        high=given[-1],
        median=float(statistics.median(given)),
        q1=float(statistics.median(lower)) if lower else float(given[0]),
        q3=float(statistics.median(upper)) if upper else float(given[-1]),
    )


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's ordinal alpha of a round, or why there is none."""

    value: float | None
    low: float | None  # 95% bootstrap interval
    high: float | None
    raters: int
    units: int  # criteria rated by at least two raters
    reason: str = ""  # why value is None


def _matrix(table: Sequence[Sequence[int | None]]) -> np.ndarray:
    return np.array([[np.nan if v is None else float(v) for v in row] for row in table])


def _alpha(matrix: np.ndarray) -> float | None:
    # Units with fewer than two values carry no pairs; with none left, or one value used
    # throughout (no variation to explain), alpha is undefined.
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    kept = matrix[:, pairable]
    values = kept[~np.isnan(kept)]
    if kept.shape[1] == 0 or len(set(values.tolist())) < 2:
        return None
    value = float(
        krippendorff.alpha(
            reliability_data=kept, value_domain=list(LEVELS), level_of_measurement="ordinal"
        )
    )
    return None if math.isnan(value) else value


def ordinal_alpha(
    table: Sequence[Sequence[int | None]], *, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> Alpha:
    """Alpha of a table of levels, a row per rater and a column per criterion (None: not
    rated, or "don't know").

    The interval resamples criteria with replacement `samples` times (a seeded generator, so
    the same ratings always give the same interval) and takes the 2.5th and 97.5th percentiles.
    """
    raters = sum(1 for row in table if any(v is not None for v in row))
    matrix = _matrix(table) if table else np.zeros((0, 0))
    units = int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum()) if matrix.size else 0
    if raters < MIN_RATERS_FOR_ALPHA:
        return Alpha(None, None, None, raters, units, "too few raters")
    value = _alpha(matrix)
    if value is None:
        return Alpha(None, None, None, raters, units, "no variation to measure")
    rng = random.Random(seed)  # noqa: S311 - resampling for an interval, not a secret
    columns = matrix.shape[1]
    found = []
    for _ in range(samples):
        picked = [rng.randrange(columns) for _ in range(columns)]
        resampled = _alpha(matrix[:, picked])
        if resampled is not None:
            found.append(resampled)
    if not found:
        return Alpha(value, None, None, raters, units)
    low, high = np.percentile(found, [2.5, 97.5])
    return Alpha(value, float(low), float(high), raters, units)
