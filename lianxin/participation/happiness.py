"""The happiness index (幸福指数): a documented method free of Django, fed by `selectors.survey_index`.

1. Each scale answer is normalised to 0–100: (value − 1) / (top − 1) × 100 (1–5 or 1–10 scales).
2. A response's **dimension score** is the mean of its normalised answers of that dimension
   (收入/就业, 住房, 教育, 医疗, 社保, 治安, 环境, 公共服务).
3. A response's **index** is the weighted mean of the dimension scores it has, the weights of the
   dimensions it lacks left out (re-normalised): Σ wᵢ·sᵢ / Σ wᵢ over answered dimensions.
4. An area's index is the mean of its responses' indexes, with a 95 % confidence interval
   mean ± 1.96 · s / √n (s the sample standard deviation). An area with fewer than the minimum sample
   (`conf.MIN_SAMPLE`) gets no index (`published=False`), only its count.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Z95 = 1.96


def normalise(value: float, top: int) -> float:
    return (value - 1.0) / (top - 1.0) * 100.0


def dimension_scores(answers: Iterable[tuple[str, float, int]]) -> dict[str, float]:
    """(dimension, value, top of scale) of one response → {dimension: score 0–100}."""
    sums: dict[str, list[float]] = defaultdict(list)
    for dim, value, top in answers:
        if dim:
            sums[dim].append(normalise(value, top))
    return {d: round(sum(v) / len(v), 4) for d, v in sums.items()}


def response_index(scores: Mapping[str, float], weights: Mapping[str, float]) -> float | None:
    total = sum(weights.get(d, 0.0) for d in scores)
    if total <= 0:
        return None
    return sum(weights.get(d, 0.0) * s for d, s in scores.items()) / total


@dataclass
class IndexFigure:
    key: object
    n: int
    published: bool
    index: float | None = None
    low: float | None = None
    high: float | None = None
    dimensions: dict[str, float] = field(default_factory=dict)


def index_of(
    rows: Iterable[tuple[object, Mapping[str, float]]], weights: Mapping[str, float], *, min_sample: int
) -> dict[object, IndexFigure]:
    """rows of (group key, dimension scores) → the index of each group (one pass, running sums)."""
    n: dict[object, int] = defaultdict(int)
    s1: dict[object, float] = defaultdict(float)
    s2: dict[object, float] = defaultdict(float)
    dims: dict[object, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))  # type: ignore[arg-type]
    for key, scores in rows:
        value = response_index(scores, weights)
        if value is None:
            continue
        n[key] += 1
        s1[key] += value
        s2[key] += value * value
        for d, s in scores.items():
            acc = dims[key][d]
            acc[0] += s
            acc[1] += 1
    out: dict[object, IndexFigure] = {}
    for key, count in n.items():
        mean = s1[key] / count
        if count < max(min_sample, 2):
            out[key] = IndexFigure(key=key, n=count, published=False)
            continue
        var = max(s2[key] - count * mean * mean, 0.0) / (count - 1)
        half = Z95 * math.sqrt(var / count)
        out[key] = IndexFigure(
            key=key,
            n=count,
            published=True,
            index=round(mean, 2),
            low=round(mean - half, 2),
            high=round(mean + half, 2),
            dimensions={d: round(a[0] / a[1], 2) for d, a in dims[key].items() if a[1]},
        )
    return out


@dataclass
class Sums:
    """Running sums of one group of responses: n, Σ index, Σ index², and per dimension (Σ score, n)."""

    n: int = 0
    s1: float = 0.0
    s2: float = 0.0
    dims: dict[str, list[float]] = field(default_factory=dict)

    def add(self, other: Sums) -> None:
        self.n += other.n
        self.s1 += other.s1
        self.s2 += other.s2
        for d, (s, k) in other.dims.items():
            acc = self.dims.setdefault(d, [0.0, 0])
            acc[0] += s
            acc[1] += k


def figure_of(key: object, sums: Sums, *, min_sample: int) -> IndexFigure:
    """The index with its 95 % interval from running sums (exactly what `index_of` computes)."""
    n = sums.n
    if n < max(min_sample, 2):
        return IndexFigure(key=key, n=n, published=False)
    mean = sums.s1 / n
    var = max(sums.s2 - n * mean * mean, 0.0) / (n - 1)
    half = Z95 * math.sqrt(var / n)
    return IndexFigure(
        key=key,
        n=n,
        published=True,
        index=round(mean, 2),
        low=round(mean - half, 2),
        high=round(mean + half, 2),
        dimensions={d: round(s / k, 2) for d, (s, k) in sums.dims.items() if k},
    )
