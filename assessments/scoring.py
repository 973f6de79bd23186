"""Maturity scores, as pure functions of levels and weights (no database, no Django models).

- A commitment's score is the weight-weighted mean of the levels of its answered criteria;
  criteria marked not applicable (or not yet answered) are left out. No answered criterion
  means no score (None), never zero.
- The overall score is the plain mean of the commitments that have a score.
- Scores are rounded half up to two decimals, and the overall score is computed from the
  rounded commitment scores, so anyone recomputing it from stored commitment scores gets the
  same number.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")
MIN_LEVEL, MAX_LEVEL = 1, 5


@dataclass(frozen=True)
class ScoredAnswer:
    """One criterion's answer: its commitment, its weight, and its level (None for N/A)."""

    commitment: str
    weight: Decimal
    level: int | None


def _round(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def weighted_score(answers: Iterable[tuple[Decimal, int | None]]) -> Decimal | None:
    """Weighted mean of (weight, level) pairs, levels of None left out; None if nothing left."""
    total = Decimal(0)
    weights = Decimal(0)
    for weight, level in answers:
        if level is None:
            continue
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            raise ValueError(f"A level is 1 to 5, not {level}.")
        if weight <= 0:
            raise ValueError(f"A weight is greater than 0, not {weight}.")
        total += weight * level
        weights += weight
    if weights == 0:
        return None
    return _round(total / weights)


def commitment_scores(answers: Iterable[ScoredAnswer]) -> dict[str, Decimal | None]:
    """Each commitment's score, in the order the commitments first appear."""
    grouped: dict[str, list[tuple[Decimal, int | None]]] = {}
    for a in answers:
        grouped.setdefault(a.commitment, []).append((a.weight, a.level))
    return {code: weighted_score(pairs) for code, pairs in grouped.items()}


def overall_score(scores: Mapping[str, Decimal | None]) -> Decimal | None:
    """Mean of the commitments that have a score; None when none has."""
    present = [s for s in scores.values() if s is not None]
    if not present:
        return None
    return _round(sum(present, Decimal(0)) / len(present))
