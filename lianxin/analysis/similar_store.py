"""The shared similar-demand index as arrays: built by the background worker, written to the shared media
volume as one directory per generation, memory-mapped by every web process (no Django in this module).

A `Segment` holds documents (open, recent demands) as rows of stored term weights (hashed columns and
sublinear tf, as `lianxin.intel.similar.demand_terms` gives them — computed once per demand and kept in
`analysis.SimilarEntry`, so no segment is ever built by re-segmenting text) in both layouts: by column
(`col_ptr`/`col_rows`/`col_vals`: a query reads only the columns of its words) and by row (`row_ptr`/
`row_cols`/`row_vals`: the next generation keeps or drops rows without touching the database). Beside
them, per document: id, time, coordinates, norm, street and text-area codes, and its named places.

Files: `<root>/gen-<n>/` with one `.npy` per array and `meta.json` (sizes, dtypes, shapes and a CRC32
of every array); `<root>/CURRENT` names the generation to read. A generation is written into
`gen-<n>.tmp`, checked, renamed, and only then named in CURRENT (an atomic replace): a reader never
sees a half-written generation. `load` checks what it can in milliseconds (every file present, sizes
and shapes as the meta says) and raises `SnapshotInvalid` otherwise; `verify` also recomputes the
CRCs (the worker runs it). Scoring follows `lianxin.intel.similar.SimilarIndex.query` rule for rule.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import shutil
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from lianxin.intel.similar import (
    COMMON_DF,
    GENERIC_PLACE_MIN,
    GENERIC_PLACE_SHARE,
    N_FEATURES,
    SimilarIndex,
    places_agree,
)
from lianxin.intel.vectors import smooth_idf

FORMAT = 1
_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(SimilarIndex.__init__).parameters.items()
    if p.default is not inspect.Parameter.empty
}
THRESHOLD: float = _DEFAULTS["threshold"]
RADIUS_M: float = _DEFAULTS["radius_m"]
NEAR_IDENTICAL: float = _DEFAULTS["near_identical"]
PLACE_BONUS: float = _DEFAULTS["place_bonus"]
AREA_BONUS: float = _DEFAULTS["area_bonus"]

ARRAYS = (
    "ids",
    "times",
    "lats",
    "lngs",
    "norms",
    "streets",
    "areas",
    "row_ptr",
    "row_cols",
    "row_vals",
    "col_ptr",
    "col_rows",
    "col_vals",
    "place_ptr",
    "place_ids",
    "df",
    "place_df",
    "id_order",
)


class SnapshotInvalid(Exception):
    """A generation that is missing, incomplete or corrupt: never served, the worker rebuilds it."""


@dataclass(frozen=True)
class Entry:
    """One document as stored: hashed columns with their weights, places, primary text area, street."""

    id: int
    columns: np.ndarray  # int32
    weights: np.ndarray  # float32
    places: tuple[str, ...]
    area: str
    street: str
    time: float  # POSIX seconds, nan unknown
    lat: float | None
    lng: float | None


def terms_pack(weights: dict[int, float]) -> bytes:
    """Stored form of a document's term weights: int32 columns then float32 weights."""
    columns = np.fromiter(weights.keys(), dtype=np.int32, count=len(weights))
    values = np.fromiter(weights.values(), dtype=np.float32, count=len(weights))
    order = np.argsort(columns)
    return columns[order].tobytes() + values[order].tobytes()


def terms_unpack(data: bytes | memoryview) -> tuple[np.ndarray, np.ndarray]:
    raw = bytes(data)
    if len(raw) % 8:
        raise ValueError("stored terms have an odd length")
    n = len(raw) // 8
    return np.frombuffer(raw, dtype=np.int32, count=n), np.frombuffer(raw, dtype=np.float32, offset=4 * n)


@dataclass
class Segment:
    """Documents in the two layouts plus their per-document values (see the module rules)."""

    arrays: dict[str, np.ndarray]
    streets_vocab: list[str]
    areas_vocab: list[str]
    places_vocab: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.arrays["ids"].shape[0])

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["arrays"][name]
        except KeyError:
            raise AttributeError(name) from None

    def slots_of(self, ids: Iterable[int]) -> np.ndarray:
        """Slots of the given document ids (absent ids are skipped)."""
        wanted = np.fromiter(ids, dtype=np.int64)
        if not self.n or not wanted.size:
            return np.zeros(0, dtype=np.int64)
        order = self.arrays["id_order"]
        sorted_ids = self.arrays["ids"][order]
        pos = np.searchsorted(sorted_ids, wanted)
        pos = np.minimum(pos, self.n - 1)
        hit = sorted_ids[pos] == wanted
        return np.asarray(order[pos[hit]], dtype=np.int64)

    def place_count(self, name: str) -> int:
        """How many documents of this segment name the place `name`."""
        codes = self.meta.get("place_codes")
        if codes is None:
            vocab_load(self)
            codes = self.meta["place_codes"] = {p: k for k, p in enumerate(self.places_vocab)}
        k = codes.get(name)
        return 0 if k is None else int(self.arrays["place_df"][k])

    def places_of(self, slot: int) -> tuple[str, ...]:
        ptr = self.arrays["place_ptr"]
        ids = self.arrays["place_ids"][int(ptr[slot]) : int(ptr[slot + 1])]
        return tuple(self.places_vocab[int(i)] for i in ids)

    def columns_of(self, slots: np.ndarray) -> np.ndarray:
        """Every hashed column of the given rows (with repeats across rows)."""
        ptr = self.arrays["row_ptr"]
        cols = self.arrays["row_cols"]
        parts = [cols[int(ptr[s]) : int(ptr[s + 1])] for s in slots]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


class RowsBuilder:
    """Collects documents batch by batch as arrays (never one Python object per document kept), then
    `finish` derives the column layout, frequencies and norms."""

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {
            k: []
            for k in (
                "ids",
                "times",
                "lats",
                "lngs",
                "lengths",
                "cols",
                "vals",
                "streets",
                "areas",
                "place_lengths",
                "place_ids",
            )
        }
        self._codes: dict[str, dict[str, int]] = {"streets": {"": 0}, "areas": {"": 0}, "places": {}}

    def _code(self, kind: str, name: str) -> int:
        codes = self._codes[kind]
        return codes.setdefault(name, len(codes))

    def add(self, entries: Sequence[Entry]) -> RowsBuilder:
        n = len(entries)
        if not n:
            return self
        put = self._parts
        put["ids"].append(np.fromiter((e.id for e in entries), dtype=np.int64, count=n))
        put["times"].append(np.fromiter((e.time for e in entries), dtype=np.float64, count=n))
        put["lats"].append(
            np.fromiter((math.nan if e.lat is None else e.lat for e in entries), dtype=np.float64, count=n)
        )
        put["lngs"].append(
            np.fromiter((math.nan if e.lng is None else e.lng for e in entries), dtype=np.float64, count=n)
        )
        put["lengths"].append(np.fromiter((e.columns.size for e in entries), dtype=np.int64, count=n))
        put["cols"].append(np.concatenate([e.columns for e in entries]).astype(np.int32))
        put["vals"].append(np.concatenate([e.weights for e in entries]).astype(np.float32))
        put["streets"].append(
            np.fromiter((self._code("streets", e.street) for e in entries), dtype=np.int32, count=n)
        )
        put["areas"].append(
            np.fromiter((self._code("areas", e.area) for e in entries), dtype=np.int32, count=n)
        )
        put["place_lengths"].append(
            np.fromiter((len(set(e.places)) for e in entries), dtype=np.int64, count=n)
        )
        codes = [self._code("places", p) for e in entries for p in sorted(set(e.places))]
        put["place_ids"].append(np.asarray(codes, dtype=np.int32))
        return self

    def add_rows(self, base: Segment, slots: np.ndarray) -> RowsBuilder:
        """Copy rows `slots` of `base` as they are stored (codes translated to this builder's)."""
        if not slots.size:
            return self
        vocab_load(base)
        put = self._parts
        for name in ("ids", "times", "lats", "lngs"):
            put[name].append(np.asarray(base.arrays[name][slots]))
        lengths = np.diff(base.row_ptr)[slots].astype(np.int64)
        put["lengths"].append(lengths)
        positions = _positions(np.asarray(base.row_ptr[:-1][slots], dtype=np.int64), lengths)
        put["cols"].append(np.asarray(base.row_cols[positions], dtype=np.int32))
        put["vals"].append(np.asarray(base.row_vals[positions], dtype=np.float32))
        for kind in ("streets", "areas"):
            vocab = getattr(base, f"{kind}_vocab")
            table = np.fromiter((self._code(kind, v) for v in vocab), dtype=np.int32, count=len(vocab))
            put[kind].append(table[np.asarray(base.arrays[kind][slots])])
        place_lengths = np.diff(base.place_ptr)[slots].astype(np.int64)
        put["place_lengths"].append(place_lengths)
        table = np.fromiter(
            (self._code("places", v) for v in base.places_vocab), dtype=np.int32, count=len(base.places_vocab)
        )
        place_positions = _positions(np.asarray(base.place_ptr[:-1][slots], dtype=np.int64), place_lengths)
        put["place_ids"].append(
            table[np.asarray(base.place_ids[place_positions])] if table.size else np.zeros(0, np.int32)
        )
        return self

    def finish(self, *, df: np.ndarray | None = None, n_docs: int | None = None) -> Segment:
        def cat(name: str, dtype: Any) -> np.ndarray:
            parts = self._parts[name]
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        lengths = cat("lengths", np.int64)
        row_ptr = np.zeros(lengths.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=row_ptr[1:])
        place_lengths = cat("place_lengths", np.int64)
        place_ptr = np.zeros(place_lengths.size + 1, dtype=np.int64)
        np.cumsum(place_lengths, out=place_ptr[1:])
        place_ids = cat("place_ids", np.int32)
        vocab = {
            k: [name for name, _ in sorted(v.items(), key=lambda x: x[1])] for k, v in self._codes.items()
        }
        arrays = {
            "ids": cat("ids", np.int64),
            "times": cat("times", np.float64),
            "lats": cat("lats", np.float64),
            "lngs": cat("lngs", np.float64),
            "streets": cat("streets", np.int32),
            "areas": cat("areas", np.int32),
            "row_ptr": row_ptr,
            "row_cols": cat("cols", np.int32),
            "row_vals": cat("vals", np.float32),
            "place_ptr": place_ptr,
            "place_ids": place_ids,
            # places are stored once per document, so a count of codes is a count of documents
            "place_df": np.bincount(place_ids, minlength=len(vocab["places"])).astype(np.int32),
        }
        return _finish(arrays, vocab["streets"], vocab["areas"], vocab["places"], df=df, n_docs=n_docs)


def _positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ranges [start, start + length) as one index array, vectorised."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return offsets + np.arange(total, dtype=np.int64)


def segment_build(
    entries: Sequence[Entry], *, df: np.ndarray | None = None, n_docs: int | None = None
) -> Segment:
    """A segment of `entries`; norms use the idf of `df`/`n_docs` (default: these entries' own)."""
    return RowsBuilder().add(entries).finish(df=df, n_docs=n_docs)


def _finish(
    arrays: dict[str, np.ndarray],
    streets_vocab: list[str],
    areas_vocab: list[str],
    places_vocab: list[str],
    *,
    df: np.ndarray | None = None,
    n_docs: int | None = None,
) -> Segment:
    """Derive the column layout, document frequencies, norms and id order from the row layout."""
    n = int(arrays["ids"].shape[0])
    row_ptr, row_cols, row_vals = arrays["row_ptr"], arrays["row_cols"], arrays["row_vals"]
    own_df = (
        np.bincount(row_cols, minlength=N_FEATURES).astype(np.int32)
        if row_cols.size
        else np.zeros(N_FEATURES, dtype=np.int32)
    )
    matrix = sp.csr_matrix((row_vals, row_cols, row_ptr), shape=(n, N_FEATURES))
    csc = matrix.tocsc()
    csc.sort_indices()
    idf = smooth_idf((own_df if df is None else df).astype(np.float64), n if n_docs is None else n_docs)
    if n:
        weighted = row_vals.astype(np.float64) * idf[row_cols]
        squared = np.add.reduceat(weighted**2, row_ptr[:-1]) if row_cols.size else np.zeros(n)
        squared[np.diff(row_ptr) == 0] = 0.0
        norms = np.sqrt(squared)
        norms[norms == 0] = 1.0
    else:
        norms = np.zeros(0, dtype=np.float64)
    arrays = {
        **arrays,
        "norms": norms,
        "col_ptr": csc.indptr.astype(np.int64),
        "col_rows": csc.indices.astype(np.int32),
        "col_vals": csc.data.astype(np.float32),
        "df": own_df,
        "id_order": np.argsort(arrays["ids"], kind="stable").astype(np.int64),
    }
    return Segment(arrays, streets_vocab, areas_vocab, places_vocab, meta={"n": n, "nnz": int(row_cols.size)})


def segment_merge(base: Segment, keep: np.ndarray, entries: Sequence[Entry]) -> Segment:
    """The next generation: the `keep` rows of `base` (a boolean mask) followed by `entries`, norms
    recomputed with the new collection's idf. Stored rows are copied as they are (no text work)."""
    return RowsBuilder().add_rows(base, np.flatnonzero(keep)).add(entries).finish()


# --- files ---------------------------------------------------------------------------------------------


def _crc(path: Path) -> int:
    crc = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


def snapshot_write(root: Path, segment: Segment, *, generation: int, info: dict[str, Any]) -> Path:
    """Write `segment` as generation `generation` and name it in CURRENT (see the module rules)."""
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"gen-{generation}"
    tmp = root / f"gen-{generation}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    files: dict[str, Any] = {}
    for name in ARRAYS:
        array = np.ascontiguousarray(segment.arrays[name])
        path = tmp / f"{name}.npy"
        np.save(path, array, allow_pickle=False)
        files[name] = {
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "bytes": path.stat().st_size,
            "crc32": _crc(path),
        }
    vocab = {"streets": segment.streets_vocab, "areas": segment.areas_vocab, "places": segment.places_vocab}
    vocab_bytes = json.dumps(vocab, ensure_ascii=False).encode("utf-8")
    (tmp / "vocab.json").write_bytes(vocab_bytes)
    meta = {
        "format": FORMAT,
        "generation": generation,
        "n": segment.n,
        "nnz": int(segment.arrays["row_cols"].shape[0]),
        "files": files,
        "vocab": {"bytes": len(vocab_bytes), "crc32": zlib.crc32(vocab_bytes)},
        **info,
    }
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    for path in tmp.iterdir():
        with path.open("rb") as fh:
            os.fsync(fh.fileno())
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    load(root, generation=generation, full=True)  # read back before anyone is told about it
    pointer = root / "CURRENT.tmp"
    pointer.write_text(json.dumps({"generation": generation}))
    with pointer.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer, root / "CURRENT")
    return final


def current_generation(root: Path) -> int | None:
    """The generation CURRENT names; None when there is none (or CURRENT is unreadable)."""
    try:
        return int(json.loads((root / "CURRENT").read_text())["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(root: Path, *, generation: int | None = None, full: bool = False) -> Segment:
    """Memory-map a generation (CURRENT's by default). Raises SnapshotInvalid when any file is missing,
    or its size or shape differs from meta.json; with `full`, also when a CRC differs."""
    if generation is None:
        generation = current_generation(root)
        if generation is None:
            raise SnapshotInvalid("no CURRENT generation")
    folder = root / f"gen-{generation}"
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") != FORMAT or meta.get("generation") != generation:
            raise SnapshotInvalid(f"generation {generation}: unexpected format")
        arrays: dict[str, np.ndarray] = {}
        for name in ARRAYS:
            spec = meta["files"][name]
            path = folder / f"{name}.npy"
            if path.stat().st_size != spec["bytes"]:
                raise SnapshotInvalid(f"{name}: {path.stat().st_size} bytes, meta says {spec['bytes']}")
            if full and _crc(path) != spec["crc32"]:
                raise SnapshotInvalid(f"{name}: checksum differs")
            array = np.load(path, mmap_mode="r", allow_pickle=False)
            if list(array.shape) != spec["shape"] or array.dtype.str != spec["dtype"]:
                raise SnapshotInvalid(f"{name}: shape or type differs from meta")
            arrays[name] = array
    except SnapshotInvalid:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotInvalid(f"generation {generation}: {type(exc).__name__}: {exc}") from exc
    n = meta["n"]
    sizes = {
        "ids": n,
        "times": n,
        "lats": n,
        "lngs": n,
        "norms": n,
        "streets": n,
        "areas": n,
        "id_order": n,
        "row_ptr": n + 1,
        "place_ptr": n + 1,
        "col_ptr": N_FEATURES + 1,
        "df": N_FEATURES,
        "row_cols": meta["nnz"],
        "row_vals": meta["nnz"],
        "col_rows": meta["nnz"],
        "col_vals": meta["nnz"],
    }
    for name, size in sizes.items():
        if arrays[name].shape[0] != size:
            raise SnapshotInvalid(f"{name}: {arrays[name].shape[0]} rows, expected {size}")
    if n and (int(arrays["row_ptr"][-1]) != meta["nnz"] or int(arrays["col_ptr"][-1]) != meta["nnz"]):
        raise SnapshotInvalid("row or column pointers do not end at the number of terms")
    segment = Segment(arrays, [], [], [], meta=meta)
    segment.meta["folder"] = str(folder)
    segment.meta["vocab_loaded"] = False
    if full:
        vocab_load(segment)
    return segment


def vocab_load(segment: Segment) -> None:
    """Read the street, area and place names of a loaded generation (once, on first need)."""
    if segment.meta.get("vocab_loaded", True):
        return
    folder = Path(segment.meta["folder"])
    try:
        raw = (folder / "vocab.json").read_bytes()
        spec = segment.meta["vocab"]
        if len(raw) != spec["bytes"] or zlib.crc32(raw) != spec["crc32"]:
            raise SnapshotInvalid("vocab.json differs from meta")
        vocab = json.loads(raw.decode("utf-8"))
    except SnapshotInvalid:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise SnapshotInvalid(f"vocab.json: {type(exc).__name__}") from exc
    segment.streets_vocab, segment.areas_vocab, segment.places_vocab = (
        vocab["streets"],
        vocab["areas"],
        vocab["places"],
    )
    if len(segment.places_vocab) != segment.arrays["place_df"].shape[0]:
        raise SnapshotInvalid("places vocabulary differs from place_df")
    segment.meta["vocab_loaded"] = True


def generations_prune(root: Path, *, keep: int = 3) -> None:
    """Delete all but the `keep` newest generations and any unfinished one (readers that still map an
    older one keep their open files)."""
    current = current_generation(root)
    found = []
    for path in root.glob("gen-*"):
        if path.name.endswith(".tmp"):
            shutil.rmtree(path, ignore_errors=True)
            continue
        try:
            found.append(int(path.name[4:]))
        except ValueError:
            continue
    for generation in sorted(found)[:-keep]:
        if generation != current:
            shutil.rmtree(root / f"gen-{generation}", ignore_errors=True)


# --- queries ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    text_score: float
    same_area: bool
    shared_places: tuple[str, ...]
    distance_m: float | None
    street: str


def _scores(
    k: int,
    p: Part,
    columns: np.ndarray,
    q_weight: np.ndarray,
    q_norm: float,
    floor: float,
    time: float | None,
    window_days: float | None,
) -> list[tuple[float, int, int]]:
    """(text score, part, slot) of the live documents of one part sharing a usable word with the query."""
    seg = p.segment
    if not seg.n:
        return []
    ptr = seg.col_ptr
    starts, ends = ptr[columns], ptr[columns + 1]
    lengths = (ends - starts).astype(np.int64)
    total = int(lengths.sum())
    if not total:
        return []
    positions = _positions(np.asarray(starts, dtype=np.int64), lengths)
    rows = np.asarray(seg.col_rows[positions])
    contributions = np.asarray(seg.col_vals[positions], dtype=np.float64) * np.repeat(q_weight, lengths)
    slots, inverse = np.unique(rows, return_inverse=True)
    sums = np.bincount(inverse, weights=contributions)
    keep = ~p.dead[slots]
    slots, sums = slots[keep], sums[keep]
    text = sums / (q_norm * np.asarray(seg.norms[slots]))
    good = text >= floor
    if window_days is not None and time is not None:
        times = np.asarray(seg.times[slots])
        gap = np.abs(times - time) / 86400.0
        good &= np.isnan(times) | (gap <= window_days)
    return [(float(t), k, int(s)) for s, t in zip(slots[good], np.minimum(text[good], 1.0), strict=True)]


def _judge(
    seg: Segment,
    slot: int,
    text_score: float,
    specific: list[str],
    other_places: list[str],
    area: str,
    lat: float | None,
    lng: float | None,
) -> Hit | None:
    """One candidate judged on place (named places, area, distance) and score, as SimilarIndex does."""
    other_area = seg.areas_vocab[int(seg.areas[slot])]
    distance = None
    if lat is not None and lng is not None:
        d = float(
            _haversine_m(float(lat), float(lng), seg.lats[slot : slot + 1], seg.lngs[slot : slot + 1])[0]
        )
        distance = None if math.isnan(d) else d
    shared = places_agree(specific, other_places)
    if specific and other_places and not shared:
        return None  # both name (specific) places, and not the same ones
    # a near-identical text filed under another area is the same demand filed twice
    excused = text_score >= NEAR_IDENTICAL and bool(shared)
    if area and other_area and area != other_area and not excused:
        return None
    if distance is not None and distance > RADIUS_M and not excused:
        return None
    same_area = bool(area and area == other_area) or (distance is not None and distance <= RADIUS_M)
    score = text_score + (PLACE_BONUS if shared else 0.0) + (AREA_BONUS if same_area else 0.0)
    if score < THRESHOLD:
        return None
    street = seg.streets_vocab[int(seg.streets[slot])]
    return Hit(int(seg.ids[slot]), min(1.0, score), text_score, same_area, shared, distance, street)


def _haversine_m(lat1: float, lng1: float, lat2: np.ndarray, lng2: np.ndarray) -> np.ndarray:
    rlat1, rlat2 = math.radians(lat1), np.radians(lat2)
    dlat = rlat2 - rlat1
    dlng = np.radians(lng2) - math.radians(lng1)
    a = np.sin(dlat / 2) ** 2 + math.cos(rlat1) * np.cos(rlat2) * np.sin(dlng / 2) ** 2
    return 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass
class Part:
    """A segment as a query sees it: which of its slots are dead (changed since it was written)."""

    segment: Segment
    dead: np.ndarray  # bool per slot

    @property
    def alive(self) -> int:
        return self.segment.n - int(self.dead.sum())


def search(
    parts: Sequence[Part],
    *,
    weights: dict[int, float],
    places: Sequence[str],
    area: str,
    time: float | None,
    lat: float | None,
    lng: float | None,
    limit: int,
    exclude: int | None,
    window_days: float | None,
    removed_df: dict[int, int] | None = None,
) -> list[Hit]:
    """Documents of `parts` about the same problem and place as the query (SimilarIndex.query's rules).
    `removed_df`: per column, how many dead documents of the parts carry it (taken off the frequencies)."""
    if not weights or limit <= 0:
        return []
    n_docs = sum(p.alive for p in parts)
    if n_docs <= 0:
        return []
    columns = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
    q_tf = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
    df = np.zeros(columns.size, dtype=np.float64)
    for p in parts:
        df += np.asarray(p.segment.df[columns], dtype=np.float64)
    if removed_df:
        df -= np.asarray([removed_df.get(int(c), 0) for c in columns], dtype=np.float64)
    df = np.maximum(df, 0.0)
    q_idf = smooth_idf(df, n_docs)
    q_norm = math.sqrt(float(np.sum((q_tf * q_idf) ** 2))) or 1.0
    usable = df <= max(50, COMMON_DF * n_docs)
    columns, q_weight = columns[usable], (q_tf * q_idf**2)[usable]
    if columns.size == 0:
        return []
    floor = min(THRESHOLD - PLACE_BONUS - AREA_BONUS, NEAR_IDENTICAL)
    place_df: dict[str, int] = {}

    def place_count(name: str) -> int:
        if name not in place_df:
            place_df[name] = sum(p.segment.place_count(name) for p in parts)
        return place_df[name]

    for p in parts:
        vocab_load(p.segment)
    generic = max(GENERIC_PLACE_MIN, GENERIC_PLACE_SHARE * n_docs)
    specific = [pl for pl in places if place_count(pl) <= generic]
    scored: list[tuple[float, int, int]] = []  # (text score, part, slot)
    for k, p in enumerate(parts):
        scored.extend(_scores(k, p, columns, q_weight, q_norm, floor, time, window_days))
    scored.sort(key=lambda x: -x[0])
    results: list[Hit] = []
    for text_score, k, slot in scored[: max(limit * 20, 50)]:
        seg = parts[k].segment
        if exclude is not None and int(seg.ids[slot]) == exclude:
            continue
        other_places = [pl for pl in seg.places_of(slot) if place_count(pl) <= generic]
        hit = _judge(seg, slot, text_score, specific, other_places, area, lat, lng)
        if hit is not None:
            results.append(hit)
    results.sort(key=lambda h: -h.score)
    return results
