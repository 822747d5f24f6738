"""Check sets that measure intel against known answers (used by the benchmarks and the tests).

- Similar demands: the messages of 附件3.xlsx form the index. Queries are (a) every message that has
  exact duplicates there (same 留言详情 after normalising; truth: its duplicates), (b) hand-written
  near-duplicates of other messages (truth: the message paraphrased, and its duplicates), and (c)
  hand-written hard negatives — same place and another problem, or the same problem elsewhere
  (truth: nothing). For the written queries, everything the index returned at a low threshold (0.3)
  was judged by hand and the other reports of the same problem at the same place were added to the
  truth (`also_same`: pooled judgement). For exact-duplicate queries the truth is only the duplicates,
  so other people's reports of the same problem count as wrong there: that precision is a lower bound.
- Reply quality: hand labels (1 poor, 2 fair, 3 good) of replies in 附件4.xlsx; the score should rank
  them — Spearman's rho over all, and AUC of good against poor.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from lianxin.intel.data import Message
from lianxin.intel.similar import OpenDemand, SimilarIndex
from lianxin.intel.text import normalize


@dataclass(frozen=True)
class SimilarQuery:
    kind: str  # "exact_duplicate" | "near_duplicate" | "different"
    text: str
    truth: frozenset[str]
    exclude: str | None = None


@dataclass
class PrecisionRecall:
    returned: int = 0
    correct: int = 0
    expected: int = 0
    found: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.correct / self.returned if self.returned else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def similar_queries(messages: Sequence[Message], written: Path) -> list[SimilarQuery]:
    """The similar-demand check set over `messages` (附件3) and the hand-written rows in `written`."""
    groups: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        key = normalize(message.content) or message.text
        if len(key) >= 20:
            groups[key].append(message.id)
    group_of = {mid: ids for ids in groups.values() if len(ids) > 1 for mid in ids}
    by_id = {m.id: m for m in messages}
    queries: list[SimilarQuery] = []
    for mid in sorted(group_of, key=lambda x: (len(x), x)):
        others = frozenset(group_of[mid]) - {mid}
        queries.append(SimilarQuery("exact_duplicate", by_id[mid].text, others, exclude=mid))
    with written.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] == "near_duplicate":
                source = row["source_id"]
                also = row.get("also_same", "").split()
                truth = frozenset({source, *group_of.get(source, []), *also})
                queries.append(SimilarQuery("near_duplicate", row["text"], truth))
            else:
                queries.append(SimilarQuery("different", row["text"], frozenset()))
    return queries


def similar_index_of(
    messages: Sequence[Message], *, window_days: float | None = None, **options: float
) -> SimilarIndex:
    """An index over `messages`, by default with no time window (the check data spans years)."""
    index = SimilarIndex(window_days=window_days, **options)
    index.add_many(OpenDemand(id=m.id, text=m.text, time=m.time) for m in messages)
    return index


def similar_evaluate(
    index: SimilarIndex, queries: Sequence[SimilarQuery], *, limit: int = 5
) -> PrecisionRecall:
    """Run every query and count what came back against the truth."""
    result = PrecisionRecall()
    for query in queries:
        got = {str(m.id) for m in index.query(query.text, limit=limit, exclude=query.exclude)}
        correct = len(got & query.truth)
        expected = min(len(query.truth), limit)
        result.returned += len(got)
        result.correct += correct
        result.expected += expected
        result.found += min(correct, expected)
        kind = result.by_kind.setdefault(
            query.kind, {"queries": 0, "returned": 0, "correct": 0, "expected": 0}
        )
        kind["queries"] += 1
        kind["returned"] += len(got)
        kind["correct"] += correct
        kind["expected"] += expected
    return result


@dataclass(frozen=True)
class RankQuality:
    n: int
    spearman: float
    auc_good_vs_poor: float


def rank_quality(scores: Sequence[float], labels: Sequence[int]) -> RankQuality:
    """How well `scores` order hand `labels` (1 poor … 3 good): Spearman's rho, and the AUC of telling
    a good reply (3) from a poor one (1) — the chance a random good one outscores a random poor one."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=int)
    rho = float(spearmanr(s, y).statistic) if len(set(y.tolist())) > 1 else float("nan")
    good, poor = s[y == 3], s[y == 1]
    if good.size and poor.size:
        wins = (good[:, None] > poor[None, :]).sum() + 0.5 * (good[:, None] == poor[None, :]).sum()
        auc = float(wins / (good.size * poor.size))
    else:
        auc = float("nan")
    return RankQuality(n=len(y), spearman=rho, auc_good_vs_poor=auc)
