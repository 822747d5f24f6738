"""The composite score, league-table ranking and rate intervals. Django-free apart from reading the weights
and the minimum sample from the database and settings."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from lianxin.evaluation.models import DEFAULT_WEIGHTS, Measure, ScoreWeight

# The normal quantile of a two-sided 95 % interval.
Z95 = 1.959963984540054

# Measures where lower is better: the score uses 1 - rate.
INVERTED = frozenset({Measure.RETURN, Measure.REOPEN})


def weights_get() -> dict[str, float]:
    """Each measure's weight: the built-in defaults, the duty modules' defaults, then the admins' rows."""
    from lianxin.evaluation.modules import default_weights

    weights = {str(k): float(v) for k, v in DEFAULT_WEIGHTS.items()}
    weights.update(default_weights())
    for row in ScoreWeight.objects.all():
        weights[row.measure] = max(0.0, float(row.weight))
    return weights


def composite_score(values: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Weighted mean (0-100) over the measures that have a value; None when none has.

    A measure without data (no denominator) is left out and its weight redistributed, so a cadre
    without households is neither rewarded nor punished for the missing coverage figure.
    """
    from lianxin.evaluation.modules import inverted_codes

    inverted = INVERTED | inverted_codes()
    total = 0.0
    weight_sum = 0.0
    for code, weight in weights.items():
        value = values.get(code)
        if value is None or weight <= 0:
            continue
        total += weight * ((1 - value) if code in inverted else value)
        weight_sum += weight
    if not weight_sum:
        return None
    return round(100 * total / weight_sum, 1)


def rank_min_sample() -> int:
    """The minimum sample before a unit or cadre is ranked (`settings.LIANXIN_RANK_MIN_SAMPLE`)."""
    return max(0, int(settings.LIANXIN_RANK_MIN_SAMPLE))


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a rate `successes / n` (95 % by default); None when n is 0.

    Unlike rate ± z·se it stays within [0, 1] and is not zero-width at 0 % or 100 %: 3 of 3 is
    (0.438, 1.0), 300 of 300 is (0.987, 1.0), which is what a reader of a league table needs to see.
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside [0, {n}]")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # The bounds are exact at 0 and n; clamp the rounding of the float arithmetic to the rate itself.
    low = 0.0 if successes == 0 else min(p, max(0.0, centre - half))
    high = 1.0 if successes == n else max(p, min(1.0, centre + half))
    return low, high


def rank(rows: Sequence[Any], key: str = "score", min_sample: int = 0) -> list[Any]:
    """Sort rows by score and set `rank` with ties sharing a place (1, 2, 2, 4).

    Only rows with a score and a `sample` of at least `min_sample` are ranked; the others (rank None)
    follow, by score: a unit with 2 demands at 100.0 is listed, never placed above one with 200.
    """

    def ranked(row: Any) -> bool:
        return getattr(row, key) is not None and getattr(row, "sample", min_sample) >= min_sample

    ordered = sorted(
        rows,
        key=lambda r: (not ranked(r), getattr(r, key) is None, -(getattr(r, key) or 0), str(r.name)),
    )
    previous = object()
    place = 0
    for index, row in enumerate(ordered, start=1):
        value = getattr(row, key)
        if not ranked(row):
            row.rank = None
            continue
        if value != previous:
            place = index
            previous = value
        row.rank = place
    return ordered
