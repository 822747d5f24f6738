"""Similar open demands: "which are about the same problem and place?" — for merging (并单) and for the
citizen's "already reported" hint.

How it decides (see docs/intel.md for the check set and its precision/recall):
- *What*: each demand becomes a bag of words (jieba + domain dictionary, stopwords dropped, first
  `INDEX_CHARS` characters) without its place names and area codes, weighted by TF-IDF with the
  document frequencies of the index itself; `text_score` is the cosine of two bags (0…1).
- *Where*: its named places (魅力之城小区, 劳动东路…; one name's core inside the other's counts as the
  same place) and its area (given by the caller, else the most specific area code in the text), and
  coordinates when known. Two demands that both name places but share none, that lie in different
  areas, or whose coordinates are more than `radius_m` apart are not about the same place — unless the
  texts are near-identical (text_score ≥ `near_identical`) and share a named place: one person filing
  twice with another area picked. A shared named place adds `place_bonus` (not a generic one that many
  demands of the index name, such as 物业公司); the same area or being within the radius adds `area_bonus`.
- *When*: only demands within `window_days` of each other are compared (None: no limit).
- A candidate is similar when text_score + bonuses ≥ `threshold`; the best `limit` are returned.

The index is incremental (`add`, `remove`) and answers a query over 100,000 open demands in a few
milliseconds: documents live in column-compressed blocks so that only the columns of the query's words
are read; new documents wait in a small buffer that is sealed into a block every `SEAL_EVERY` adds;
beyond `MAX_BLOCKS` blocks, the two adjacent blocks with the fewest rows are merged.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sp

from lianxin.intel.text import (
    AREA_CODE_RE,
    normalize,
    place_core,
    place_names,
    primary_area,
    tokens,
    without_places,
)
from lianxin.intel.vectors import smooth_idf

INDEX_CHARS = 1000
N_FEATURES = 1 << 20
SEAL_EVERY = 256
MAX_BLOCKS = 16
COMMON_DF = 0.2  # words in more than this share of the index say nothing about sameness
GENERIC_PLACE_SHARE = 0.005  # a place named by more demands than this share (and …
GENERIC_PLACE_MIN = 20  # … more than this many) is generic (物业公司, 公交公司): no place bonus


@dataclass(frozen=True)
class OpenDemand:
    """What the index needs of an open demand. `area` is any area code the caller uses ("" unknown)."""

    id: Hashable
    text: str
    area: str = ""
    time: datetime | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class SimilarMatch:
    id: Hashable
    score: float
    text_score: float
    same_area: bool
    shared_places: tuple[str, ...]
    distance_m: float | None


def _hash(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & (N_FEATURES - 1)


def places_agree(a: Iterable[str], b: Iterable[str]) -> tuple[str, ...]:
    """Named places two demands share: the same name, or one name's core inside the other's
    (万科魅力之城小区 ~ 魅力之城小区)."""
    shared = []
    for x in a:
        for y in b:
            cx, cy = place_core(x), place_core(y)
            if x == y or (min(len(cx), len(cy)) >= 2 and (cx in cy or cy in cx)):
                shared.append(x if len(x) <= len(y) else y)
    return tuple(sorted(set(shared)))


def demand_terms(text: str) -> tuple[dict[int, float], tuple[str, ...], str]:
    """Hashed word weights (sublinear tf) of what a text says is wrong, the places it names, and its
    primary area code.

    Place names and area codes are taken out of the words: where is judged apart from what."""
    body = normalize(text)[:INDEX_CHARS]
    places = tuple(place_names(body))
    counts = Counter(without_places(tokens(AREA_CODE_RE.sub("。", body)), places))
    weights: dict[int, float] = {}
    for term, count in counts.items():
        column = _hash(term)
        weights[column] = weights.get(column, 0.0) + 1.0 + math.log(count)
    return weights, places, primary_area(body)


def _haversine_m(lat1: float, lng1: float, lat2: np.ndarray, lng2: np.ndarray) -> np.ndarray:
    rlat1, rlat2 = math.radians(lat1), np.radians(lat2)
    dlat = rlat2 - rlat1
    dlng = np.radians(lng2) - math.radians(lng1)
    a = np.sin(dlat / 2) ** 2 + math.cos(rlat1) * np.cos(rlat2) * np.sin(dlng / 2) ** 2
    return 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class SimilarIndex:
    """An incremental index of open demands. Thread-safe: one lock guards changes and queries."""

    def __init__(
        self,
        *,
        threshold: float = 0.45,
        window_days: float | None = 90.0,
        radius_m: float = 1000.0,
        near_identical: float = 0.9,
        place_bonus: float = 0.2,
        area_bonus: float = 0.05,
    ) -> None:
        self.threshold = threshold
        self.window_days = window_days
        self.radius_m = radius_m
        self.near_identical = near_identical
        self.place_bonus = place_bonus
        self.area_bonus = area_bonus
        self._lock = threading.RLock()
        self._df = np.zeros(N_FEATURES, dtype=np.int32)
        self._slot_of: dict[Hashable, int] = {}
        self._place_df: Counter[str] = Counter()  # demands naming each place: common ones are generic
        self._ids: list[Hashable] = []
        self._areas: list[str] = []
        self._places: list[tuple[str, ...]] = []
        self._terms: list[np.ndarray | None] = []  # hashed columns per slot, for df upkeep on removal
        self._size = 0  # slots used (alive or not)
        self._alive = np.zeros(0, dtype=bool)
        self._times = np.zeros(0, dtype=np.float64)
        self._lats = np.zeros(0, dtype=np.float64)
        self._lngs = np.zeros(0, dtype=np.float64)
        self._norms = np.zeros(0, dtype=np.float64)
        self._norms_at = 0  # index size when all norms were last computed with the current idf
        self._blocks: list[tuple[int, sp.csc_matrix]] = []  # (first slot, docs x features)
        self._pending: list[tuple[int, dict[int, float]]] = []
        self._pending_block: tuple[int, sp.csc_matrix] | None = None

    # --- changes ---

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, demand_id: object) -> bool:
        return demand_id in self._slot_of

    def add(self, demand: OpenDemand) -> None:
        """Add a demand (replacing an earlier one with the same id)."""
        self.add_many([demand])

    def add_many(self, demands: Iterable[OpenDemand]) -> None:
        """Add demands in bulk (segmentation happens outside the lock)."""
        prepared = []
        for demand in demands:
            weights, places, text_area = demand_terms(demand.text)
            prepared.append((demand, weights, places, normalize(demand.area) or text_area))
        with self._lock:
            self._reserve(self._size + len(prepared))
            for demand, weights, places, area in prepared:
                if demand.id in self._slot_of:
                    self._remove_locked(demand.id, compact=False)  # slots stay put inside the batch
                slot = self._size
                self._size += 1
                columns = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
                self._df[columns] += 1
                self._slot_of[demand.id] = slot
                self._ids.append(demand.id)
                self._areas.append(area)
                self._places.append(places)
                self._place_df.update(set(places))
                self._terms.append(columns.astype(np.int32))
                self._alive[slot] = True
                self._times[slot] = demand.time.timestamp() if demand.time else math.nan
                self._lats[slot] = math.nan if demand.lat is None else float(demand.lat)
                self._lngs[slot] = math.nan if demand.lng is None else float(demand.lng)
                values = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
                self._norms[slot] = self._norm(columns, values)
                self._pending.append((slot, weights))
                if len(self._pending) >= SEAL_EVERY:
                    self._seal()
            self._pending_block = None
            self._compact_if_sparse()

    def _reserve(self, size: int) -> None:
        capacity = self._alive.size
        if size <= capacity:
            return
        new = max(size, 2 * capacity, 1024)
        self._alive = np.concatenate([self._alive, np.zeros(new - capacity, dtype=bool)])
        for name in ("_times", "_lats", "_lngs", "_norms"):
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.full(new - capacity, math.nan)]))

    def _norm(self, columns: np.ndarray, values: np.ndarray, idf: np.ndarray | None = None) -> float:
        if idf is None:
            idf = smooth_idf(self._df[columns], len(self._slot_of))
        return math.sqrt(float(np.sum((values * idf) ** 2))) or 1.0

    def remove(self, demand_id: Hashable) -> bool:
        """Forget a demand (closed, merged, withdrawn). Returns whether it was there."""
        with self._lock:
            return self._remove_locked(demand_id)

    def _remove_locked(self, demand_id: Hashable, *, compact: bool = True) -> bool:
        slot = self._slot_of.pop(demand_id, None)
        if slot is None:
            return False
        self._alive[slot] = False
        self._place_df.subtract(set(self._places[slot]))
        columns = self._terms[slot]
        if columns is not None:
            self._df[columns] -= 1
        self._terms[slot] = None
        if compact:
            self._compact_if_sparse()
        return True

    def _compact_if_sparse(self) -> None:
        if self._size > 4 * SEAL_EVERY and len(self._slot_of) < self._size // 2:
            self._compact()

    def _seal(self) -> None:
        if not self._pending:
            return
        first = self._pending[0][0]
        self._blocks.append((first, self._build(self._pending)))
        self._pending = []
        self._pending_block = None
        while len(self._blocks) > MAX_BLOCKS:
            # merge the adjacent pair with the fewest rows: small new blocks merge often and cheaply,
            # the big old ones rarely (blocks stay in slot order)
            sizes = [block.shape[0] for _, block in self._blocks]
            k = min(range(len(sizes) - 1), key=lambda i: sizes[i] + sizes[i + 1])
            (first, left), (_, right) = self._blocks[k], self._blocks[k + 1]
            self._blocks[k : k + 2] = [(first, sp.vstack([left, right], format="csc"))]

    @staticmethod
    def _build(rows: list[tuple[int, dict[int, float]]]) -> sp.csc_matrix:
        """Rows of consecutive slots as a docs x features column-compressed matrix."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for _, weights in rows:
            indices.extend(weights.keys())
            data.extend(weights.values())
            indptr.append(len(indices))
        matrix = sp.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(rows), N_FEATURES),
        )
        return matrix.tocsc()

    def _compact(self) -> None:
        """Drop removed slots and renumber (demands keep their ids)."""
        self._seal()
        keep = np.flatnonzero(self._alive[: self._size])
        matrix = sp.vstack([block for _, block in self._blocks], format="csr") if self._blocks else None
        self._ids = [self._ids[s] for s in keep]
        self._areas = [self._areas[s] for s in keep]
        self._places = [self._places[s] for s in keep]
        self._terms = [self._terms[s] for s in keep]
        for name in ("_alive", "_times", "_lats", "_lngs", "_norms"):
            setattr(self, name, getattr(self, name)[keep].copy())
        self._size = len(keep)
        self._slot_of = {demand_id: slot for slot, demand_id in enumerate(self._ids)}
        self._blocks = [(0, matrix[keep].tocsc())] if matrix is not None and len(keep) else []
        self._pending_block = None

    # --- queries ---

    def _idf(self) -> np.ndarray:
        return smooth_idf(self._df.astype(np.float64), len(self._slot_of))

    def _blocks_now(self) -> list[tuple[int, sp.csc_matrix]]:
        if self._pending and self._pending_block is None:
            self._pending_block = (self._pending[0][0], self._build(self._pending))
        return list(self._blocks) + ([self._pending_block] if self._pending_block else [])

    def _refresh_norms(self) -> None:
        """Norms are computed with the idf of their day; recompute all when the index grew or shrank
        by a fifth since, so that old and new demands are scored alike."""
        n = len(self._slot_of)
        if self._norms_at and 0.8 * self._norms_at <= n <= 1.2 * self._norms_at:
            return
        idf2 = self._idf() ** 2
        for first, block in self._blocks_now():
            squared = block.multiply(block).tocsr() @ idf2
            self._norms[first : first + block.shape[0]] = np.sqrt(np.maximum(squared, 1e-12))
        self._norms_at = max(n, 1)

    def query(
        self,
        text: str,
        *,
        area: str = "",
        time: datetime | None = None,
        lat: float | None = None,
        lng: float | None = None,
        limit: int = 5,
        exclude: Hashable | None = None,
    ) -> list[SimilarMatch]:
        """Open demands about the same problem and place as `text`, best first (see module rules)."""
        weights, places, text_area = demand_terms(text)
        if not weights or limit <= 0:
            return []
        body_area = normalize(area) or text_area
        with self._lock:
            if not self._slot_of:
                return []
            self._refresh_norms()
            columns = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
            q_tf = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
            q_idf = smooth_idf(self._df[columns], len(self._slot_of))
            q_norm = self._norm(columns, q_tf, q_idf)
            usable = self._df[columns] <= max(50, COMMON_DF * len(self._slot_of))
            columns, q_weight = columns[usable], (q_tf * q_idf**2)[usable]
            if columns.size == 0:
                return []
            numerators = np.zeros(self._size, dtype=np.float64)
            for first, block in self._blocks_now():
                numerators[first : first + block.shape[0]] += block[:, columns] @ q_weight
            alive = self._alive[: self._size]
            candidates = np.flatnonzero((numerators > 0) & alive)
            text_scores = numerators[candidates] / (q_norm * self._norms[candidates])
            floor = min(self.threshold - self.place_bonus - self.area_bonus, self.near_identical)
            keep = text_scores >= floor
            if self.window_days is not None and time is not None:
                times = self._times[candidates]
                gap = np.abs(times - time.timestamp()) / 86400.0
                keep &= np.isnan(times) | (gap <= self.window_days)
            candidates, text_scores = candidates[keep], np.minimum(text_scores[keep], 1.0)
            distances = None
            if lat is not None and lng is not None and candidates.size:
                distances = _haversine_m(
                    float(lat), float(lng), self._lats[candidates], self._lngs[candidates]
                )
            generic = max(GENERIC_PLACE_MIN, GENERIC_PLACE_SHARE * len(self._slot_of))
            specific = [p for p in places if self._place_df[p] <= generic]
            results: list[SimilarMatch] = []
            for k in np.argsort(-text_scores)[: max(limit * 20, 50)]:
                slot = int(candidates[k])
                demand_id = self._ids[slot]
                if exclude is not None and demand_id == exclude:
                    continue
                text_score = float(text_scores[k])
                other_area = self._areas[slot]
                distance = None if distances is None or math.isnan(distances[k]) else float(distances[k])
                other_places = [p for p in self._places[slot] if self._place_df[p] <= generic]
                shared = places_agree(specific, other_places)
                if specific and other_places and not shared:
                    continue  # both name (specific) places, and not the same ones
                # a near-identical text filed under another area is the same demand filed twice
                excused = text_score >= self.near_identical and bool(shared)
                if body_area and other_area and body_area != other_area and not excused:
                    continue
                if distance is not None and distance > self.radius_m and not excused:
                    continue
                same_area = bool(body_area and body_area == other_area) or (
                    distance is not None and distance <= self.radius_m
                )
                score = (
                    text_score
                    + (self.place_bonus if shared else 0.0)
                    + (self.area_bonus if same_area else 0.0)
                )
                if score < self.threshold:
                    continue
                results.append(
                    SimilarMatch(demand_id, min(1.0, score), text_score, same_area, shared, distance)
                )
            results.sort(key=lambda m: -m.score)
            return results[:limit]
