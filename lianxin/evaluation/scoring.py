"""The composite score and league-table ranking. Django-free apart from reading the weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lianxin.evaluation.models import DEFAULT_WEIGHTS, Measure, ScoreWeight

# Measures where lower is better: the score uses 1 - rate.
INVERTED = frozenset({Measure.RETURN, Measure.REOPEN})


def weights_get() -> dict[str, float]:
    weights = {str(k): float(v) for k, v in DEFAULT_WEIGHTS.items()}
    for row in ScoreWeight.objects.all():
        weights[row.measure] = max(0.0, float(row.weight))
    return weights


def composite_score(values: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Weighted mean (0-100) over the measures that have a value; None when none has.

    A measure without data (no denominator) is left out and its weight redistributed, so a cadre
    without households is neither rewarded nor punished for the missing coverage figure.
    """
    total = 0.0
    weight_sum = 0.0
    for code, weight in weights.items():
        value = values.get(code)
        if value is None or weight <= 0:
            continue
        total += weight * ((1 - value) if code in INVERTED else value)
        weight_sum += weight
    if not weight_sum:
        return None
    return round(100 * total / weight_sum, 1)


def rank(rows: Sequence[Any], key: str = "score") -> list[Any]:
    """Sort rows by score (None last) and set `rank` with ties sharing a place (1, 2, 2, 4)."""
    ordered = sorted(rows, key=lambda r: (getattr(r, key) is None, -(getattr(r, key) or 0), str(r.name)))
    previous = object()
    place = 0
    for index, row in enumerate(ordered, start=1):
        value = getattr(row, key)
        if value is None:
            row.rank = None
            continue
        if value != previous:
            place = index
            previous = value
        row.rank = place
    return ordered
