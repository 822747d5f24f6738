"""The similar-demand index: one shared, persistent index built by the background worker, read by every
web process through memory mapping.

Rules:
- **Window.** The index holds the open demands created in the last `WINDOW_DAYS` days — what similarity
  compares (a match must also lie in the same street as the query when both are known, unless the
  texts are near-identical: "same problem, same place"). Demands are indexed with their coordinates
  (their own, else their area's).
- **Stored terms.** Each demand of the window has one `SimilarEntry` row: its hashed term weights,
  named places and text area, segmented once (`entries_refresh`; again only when its title or content
  changes). Every build compiles rows; none re-segments text.
- **Change rows.** Every saved demand writes a `SimilarChange` row in its transaction (the intel port's
  `demand_changed`). The worker (`index_build`, every minute) reads the rows after the current
  generation's watermark, refreshes those demands' entries and writes the next generation — the last
  one's rows minus the changed and aged-out demands, plus the changed ones still in the window — when
  `REFRESH_CHANGES` changes are pending or the oldest is `REFRESH_SECONDS` old.
- **Files.** Generations live on the shared media volume (`MEDIA_ROOT/analysis/similar/`, see
  `similar_store`); CURRENT names the one to read, only after it was written and read back whole.
- **Web processes.** `index_sync` maps the current generation (milliseconds, memory shared through the
  page cache) and folds in the change rows written since (at most every `FOLD_SECONDS`), using the stored entries (a demand the worker
  has not seen yet is segmented here: a few at most). When there is no valid generation, or it is more
  than `OVERLAY_MAX` changes behind, the index is **not ready**: `IndexNotReady` is raised, the demand
  pages answer without the similar list and say so (`index_status`), and the worker rebuilds. Only a
  window of at most `SMALL_WINDOW` demands (a new or small installation, the tests) is built by the
  process itself, from the database, as before.
- **Bad files.** A generation that is missing, incomplete or corrupt (sizes, shapes; the worker also
  checks every CRC) is never served; the worker rebuilds it from the entries.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from lianxin.analysis import similar_store as store
from lianxin.analysis.clock import local_naive
from lianxin.analysis.models import SimilarChange, SimilarEntry
from lianxin.demands.choices import OPEN_STATUSES
from lianxin.demands.models import Demand
from lianxin.intel.similar import demand_terms
from lianxin.intel.text import normalize

logger = logging.getLogger("lianxin.analysis")

WINDOW_DAYS = 90
SMALL_WINDOW = 2000  # a window this small is built by the process itself when no generation is ready
OVERLAY_MAX = 20000  # change rows past the generation a web process folds in; beyond: not ready
REFRESH_CHANGES = 5000  # pending changes that make the worker write a new generation at once …
REFRESH_SECONDS = 300  # … or the age of the oldest pending change that does
REBUILD_SECONDS = 6 * 3600  # a process-built (small) index is rebuilt this often (demands age out)
FOLD_EVERY = 500  # a process-built index folds its changes into its base after this many
FOLD_SECONDS = 1.0  # a process serving a generation reads the change rows at most this often
PRUNE_CHECK_SECONDS = (
    5.0  # the change log is pruned after a day: whether it was pruned past us is asked this often
)
SYNC_BATCH = 5000
FILL_BATCH = 2000
FILL_SECONDS = 45.0  # one worker run segments new demands for at most this long, then the next run goes on
OVERLAP = 200  # change rows re-read behind the watermark: a transaction may commit after a later one
BUILD_LOCK = "lianxin:analysis:similar-build"


class IndexNotReady(Exception):
    """No generation of the shared index can be served yet (being built, stale or rebuilt)."""


def index_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "analysis" / "similar"


def _street_of(path: str) -> str:
    """The street-level ancestor path of an area path (city/district/street/...)."""
    parts = path.split("/")
    return "/".join(parts[:3]) if len(parts) >= 3 else ""


def _open_q(now: datetime | None = None) -> Q:
    since = (now or timezone.now()) - timedelta(days=WINDOW_DAYS)
    return Q(status__in=list(OPEN_STATUSES), created_at__gte=since)


_ROW = ("id", "title", "content", "created_at", "lat", "lng", "area__path", "area__lat", "area__lng")


def _text_hash(title: str, content: str) -> str:
    return hashlib.blake2b(f"{title}\n{content}".encode(), digest_size=16).hexdigest()


def _timestamp(moment: datetime | None) -> float:
    local = local_naive(moment)
    return local.timestamp() if local is not None else float("nan")


def _entry_from_row(row: tuple[Any, ...]) -> tuple[store.Entry, SimilarEntry]:
    """Segment one demand row: the entry the index uses and the row that stores it."""
    pk, title, content, created, lat, lng, path, area_lat, area_lng = row
    if lat is None or lng is None:
        lat, lng = area_lat, area_lng
    weights, places, text_area = demand_terms(f"{title}\n{content}")
    packed = store.terms_pack(weights)
    stored = SimilarEntry(
        demand_id=pk,
        text_hash=_text_hash(title, content),
        terms=packed,
        places=list(places),
        text_area=text_area,
        street=_street_of(path or ""),
        created_at=created,
        lat=lat,
        lng=lng,
    )
    return _entry_of(stored), stored


def _entry_of(stored: SimilarEntry) -> store.Entry:
    columns, weights = store.terms_unpack(stored.terms)
    return store.Entry(
        id=stored.demand_id,
        columns=columns,
        weights=weights,
        places=tuple(stored.places or ()),
        area=normalize(stored.text_area),
        street=stored.street,
        time=_timestamp(stored.created_at),
        lat=stored.lat,
        lng=stored.lng,
    )


def _entries_for_rows(rows: list[tuple[Any, ...]], *, write: bool) -> list[store.Entry]:
    """Entries of window demand rows: the stored ones whose text is unchanged, the others segmented
    (and stored when `write`, as the worker does)."""
    if not rows:
        return []
    stored = {e.demand_id: e for e in SimilarEntry.objects.filter(demand_id__in=[r[0] for r in rows])}
    out, fresh = [], []
    for row in rows:
        pk, title, content, created, lat, lng, path, area_lat, area_lng = row
        have = stored.get(pk)
        if have is not None and have.text_hash == _text_hash(title, content):
            if lat is None or lng is None:
                lat, lng = area_lat, area_lng
            street = _street_of(path or "")
            if (have.lat, have.lng, have.street, have.created_at) != (lat, lng, street, created):
                have.lat, have.lng, have.street, have.created_at = lat, lng, street, created
                fresh.append(have)
            out.append(_entry_of(have))
            continue
        entry, row_to_store = _entry_from_row(row)
        out.append(entry)
        fresh.append(row_to_store)
    if write and fresh:
        SimilarEntry.objects.bulk_create(
            fresh,
            update_conflicts=True,
            unique_fields=["demand"],
            update_fields=["text_hash", "terms", "places", "text_area", "street", "created_at", "lat", "lng"],
        )
    return out


def _window_rows(ids: Iterable[int], now: datetime | None = None) -> list[tuple[Any, ...]]:
    return list(Demand.objects.filter(_open_q(now), pk__in=list(ids)).values_list(*_ROW))


def entries_refresh(demand_ids: Iterable[int], *, now: datetime | None = None) -> list[store.Entry]:
    """Bring the stored entries of `demand_ids` up to date (the worker's step for changed demands): the
    ones in the window are stored (segmented when new or their text changed), the others deleted.
    Returns the entries of those in the window."""
    ids = list(set(demand_ids))
    out: list[store.Entry] = []
    for k in range(0, len(ids), FILL_BATCH):
        chunk = ids[k : k + FILL_BATCH]
        with transaction.atomic():
            rows = _window_rows(chunk, now)
            inside = {r[0] for r in rows}
            SimilarEntry.objects.filter(demand_id__in=[i for i in chunk if i not in inside]).delete()
            out.extend(_entries_for_rows(rows, write=True))
    return out


def entries_fill(*, seconds: float | None = None, now: datetime | None = None) -> tuple[int, bool]:
    """Segment and store the window demands that have no entry yet, in id order, for at most `seconds`
    (resumable: the next call goes on). Returns (entries written, whether the window is complete)."""
    start, seconds = time.monotonic(), FILL_SECONDS if seconds is None else seconds
    missing = (
        Demand.objects.filter(_open_q(now))
        .filter(~Exists(SimilarEntry.objects.filter(demand_id=OuterRef("pk"))))
        .order_by("pk")
    )
    written, last = 0, 0
    while True:
        rows = list(missing.filter(pk__gt=last).values_list(*_ROW)[:FILL_BATCH])
        if not rows:
            return written, True
        with transaction.atomic():
            stored = [_entry_from_row(row)[1] for row in rows]
            SimilarEntry.objects.bulk_create(stored, ignore_conflicts=True)
        written += len(rows)
        last = rows[-1][0]
        if time.monotonic() - start > seconds:
            return written, False


def entries_prune(*, now: datetime | None = None) -> int:
    """Delete the entries of demands no longer in the window (closed, merged, aged out, deleted)."""
    inside = Demand.objects.filter(_open_q(now), pk=OuterRef("demand_id"))
    deleted, _ = SimilarEntry.objects.filter(~Exists(inside)).delete()
    return deleted


def _entries_all(now: datetime | None = None) -> Iterator[list[store.Entry]]:
    """The stored entries of the whole window, in batches (keyset order)."""
    since = (now or timezone.now()) - timedelta(days=WINDOW_DAYS)
    last = 0
    while True:
        batch = list(
            SimilarEntry.objects.filter(demand_id__gt=last, created_at__gte=since).order_by("demand_id")[
                :SYNC_BATCH
            ]
        )
        if not batch:
            return
        last = batch[-1].demand_id
        yield [_entry_of(e) for e in batch]


# --- the worker: generations ------------------------------------------------------------------------------


def _changes_after(watermark: int, seen: set[int], limit: int | None = None) -> list[tuple[int, int]]:
    qs = (
        SimilarChange.objects.filter(id__gt=watermark - OVERLAP).order_by("id").values_list("id", "demand_id")
    )
    rows = list(qs[:limit] if limit else qs)
    return [(cid, did) for cid, did in rows if cid not in seen]


def _log_pruned_past(watermark: int) -> bool:
    oldest = SimilarChange.objects.order_by("id").values_list("id", flat=True).first()
    return oldest is not None and watermark > 0 and oldest > watermark + 1


def _seen_after(rows: Iterable[tuple[int, int]], watermark: int, previous: set[int]) -> set[int]:
    return {cid for cid in {*previous, *(c for c, _ in rows)} if cid > watermark - OVERLAP}


def _info(watermark: int, seen: set[int], started: float, kind: str) -> dict[str, Any]:
    return {
        "watermark": watermark,
        "seen": sorted(seen),
        "built_at": time.time(),
        "seconds": round(time.monotonic() - started, 3),
        "kind": kind,
        "window_days": WINDOW_DAYS,
    }


def index_build(*, force: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """The worker's step (see the module rules): fill missing entries, then write a new generation when
    there is none that is valid (full build from the stored entries) or when enough changes are pending
    (incremental). One worker at a time (a cache lock). Returns what it did."""
    token = uuid.uuid4().hex
    if not cache.add(BUILD_LOCK, token, timeout=3600):
        return {"done": "locked"}
    try:
        return _index_build(force=force, now=now)
    finally:
        if cache.get(BUILD_LOCK) == token:
            cache.delete(BUILD_LOCK)


def _index_build(*, force: bool, now: datetime | None) -> dict[str, Any]:
    root = index_root()
    started = time.monotonic()
    base: store.Segment | None = None
    try:
        base = store.load(root, full=True)
    except store.SnapshotInvalid as exc:
        if store.current_generation(root) is not None:
            logger.warning("similar index generation unusable, rebuilding: %s", exc)
    if base is not None and _log_pruned_past(int(base.meta["watermark"])):
        logger.warning("similar index generation behind the pruned change log, rebuilding")
        base = None
    generation = (store.current_generation(root) or 0) + 1
    if base is None:
        # full build: every window demand needs its entry first (segmented once, resumable)
        watermark = SimilarChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        written, complete = entries_fill(now=now)
        if not complete:
            return {"done": "filling", "entries_written": written}
        seen = set(
            SimilarChange.objects.filter(id__gt=watermark - OVERLAP, id__lte=watermark).values_list(
                "id", flat=True
            )
        )
        # changes committed during the fill are folded in by the next run (watermark taken before it)
        entries_prune(now=now)
        builder = store.RowsBuilder()
        for batch in _entries_all(now):
            builder.add(batch)
        segment = builder.finish()
        store.snapshot_write(
            root, segment, generation=generation, info=_info(watermark, seen, started, "full")
        )
        store.generations_prune(root)
        return {"done": "full", "generation": generation, "n": segment.n, "entries_written": written}
    watermark, seen = int(base.meta["watermark"]), set(base.meta.get("seen") or ())
    changes = _changes_after(watermark, seen)
    cutoff = _timestamp((now or timezone.now()) - timedelta(days=WINDOW_DAYS))
    aged = int(np.count_nonzero(np.asarray(base.times) < cutoff))
    if not changes and not aged and not force:
        return {"done": "current", "generation": generation - 1}
    oldest_age = time.time() - float(base.meta.get("built_at") or 0)
    if not force and len(changes) < REFRESH_CHANGES and oldest_age < REFRESH_SECONDS:
        return {"done": "pending", "changes": len(changes), "generation": generation - 1}
    ids = {did for _, did in changes}
    entries = entries_refresh(ids, now=now)
    keep = np.asarray(base.times) >= cutoff
    keep[base.slots_of(ids)] = False
    segment = store.segment_merge(base, keep, entries)
    new_watermark = max([watermark, *(cid for cid, _ in changes)])
    info = _info(new_watermark, _seen_after(changes, new_watermark, seen), started, "incremental")
    store.snapshot_write(root, segment, generation=generation, info=info)
    store.generations_prune(root)
    return {"done": "incremental", "generation": generation, "n": segment.n, "changes": len(changes)}


# --- web processes: the view of the index ---------------------------------------------------------------


@dataclass
class _IndexState:
    index: store.Segment | None = None  # the base: a mapped generation, or built here (small window)
    generation: int | None = None  # None: built by this process
    watermark: int = 0
    built_at: float = 0.0
    seen: set[int] = field(default_factory=set)
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    dead_df: dict[int, int] = field(default_factory=dict)
    overlay: dict[int, store.Entry] = field(default_factory=dict)
    overlay_segment: store.Segment | None = None
    folded_at: float = 0.0  # when this process last read the change rows
    prune_checked_at: float = (
        0.0  # when this process last asked whether the log was pruned past its watermark
    )
    bad_generation: int | None = None  # a generation that failed to load (not tried again)
    reason: str = ""  # why the index is not ready ("" when it is)


_state = _IndexState()
_lock = threading.RLock()


def _small_window() -> bool:
    return Demand.objects.filter(_open_q())[: SMALL_WINDOW + 1].count() <= SMALL_WINDOW


def _adopt(base: store.Segment, *, generation: int | None, watermark: int, seen: set[int]) -> None:
    _state.bad_generation = None
    _state.index, _state.generation = base, generation
    _state.watermark, _state.seen = watermark, seen
    _state.built_at = time.monotonic()
    _state.dead = np.zeros(base.n, dtype=bool)
    _state.dead_df, _state.overlay, _state.overlay_segment = {}, {}, None
    _state.reason, _state.folded_at = "", 0.0


def index_rebuild() -> store.Segment:
    """Build this process's index of a small window straight from the database (no worker needed)."""
    with _lock:
        watermark = SimilarChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        rows = list(Demand.objects.filter(_open_q()).values_list(*_ROW))
        segment = store.segment_build(_entries_for_rows(rows, write=False))
        seen = set(
            SimilarChange.objects.filter(id__gt=watermark - OVERLAP, id__lte=watermark).values_list(
                "id", flat=True
            )
        )
        _adopt(segment, generation=None, watermark=watermark, seen=seen)
        return segment


def _not_ready(reason: str) -> IndexNotReady:
    _state.index, _state.generation, _state.reason = None, None, reason
    return IndexNotReady(reason)


def _base_sync() -> None:
    """Map the current generation when it is new to this process (and valid); else keep what it has;
    else build a small window here; else the index is not ready."""
    root = index_root()
    generation = store.current_generation(root)
    if generation is not None and generation not in (_state.generation, _state.bad_generation):
        try:
            base = store.load(root, generation=generation)
        except store.SnapshotInvalid as exc:
            logger.warning("similar index generation %s not served: %s", generation, exc)
            _state.bad_generation = generation
        else:
            seen = set(base.meta.get("seen") or ())
            _adopt(base, generation=generation, watermark=int(base.meta["watermark"]), seen=seen)
            return
    if _state.index is not None and (
        _state.generation is not None or time.monotonic() - _state.built_at < REBUILD_SECONDS
    ):
        return
    if _small_window():
        index_rebuild()
        return
    raise _not_ready("building")


def index_sync() -> list[store.Part]:
    """The index as this process serves it — the base with the changes since folded in — or
    IndexNotReady (see the module rules)."""
    with _lock:
        _base_sync()
        if _state.generation is not None and time.monotonic() - _state.folded_at < FOLD_SECONDS:
            return _parts()  # folded moments ago: at most FOLD_SECONDS behind, no query
        now = time.monotonic()
        if now - _state.prune_checked_at >= PRUNE_CHECK_SECONDS:
            if _log_pruned_past(_state.watermark):
                if _state.generation is None:
                    index_rebuild()
                else:
                    raise _not_ready("stale")
            _state.prune_checked_at = now
        rows = _changes_after(_state.watermark, _state.seen, limit=OVERLAY_MAX + OVERLAP)
        if len(rows) >= OVERLAY_MAX:
            if _state.generation is None:
                index_rebuild()
                rows = []
            else:
                raise _not_ready("stale")
        if rows:
            _fold(rows)
        _state.folded_at = time.monotonic()
        if _state.generation is None and len(_state.overlay) >= FOLD_EVERY:
            index_rebuild()
        return _parts()


def _parts() -> list[store.Part]:
    assert _state.index is not None
    parts = [store.Part(_state.index, _state.dead)]
    if _state.overlay_segment is not None:
        overlay = _state.overlay_segment
        parts.append(store.Part(overlay, np.zeros(overlay.n, dtype=bool)))
    return parts


def _fold(rows: list[tuple[int, int]]) -> None:
    base = _state.index
    assert base is not None
    ids = {did for _, did in rows}
    slots = base.slots_of(ids)
    newly_dead = slots[~_state.dead[slots]]
    if newly_dead.size:
        _state.dead[newly_dead] = True
        for column in base.columns_of(newly_dead):
            _state.dead_df[int(column)] = _state.dead_df.get(int(column), 0) + 1
    for demand_id in ids:
        _state.overlay.pop(demand_id, None)
    for entry in _entries_for_rows(_window_rows(ids), write=False):
        _state.overlay[entry.id] = entry
    entries = list(_state.overlay.values())
    _state.overlay_segment = store.segment_build(entries) if entries else None
    _state.watermark = max(_state.watermark, max(cid for cid, _ in rows))
    _state.seen = _seen_after(rows, _state.watermark, _state.seen)


def index_forget() -> None:
    """Drop this process's view (the next query maps or builds it again)."""
    global _state
    with _lock:
        _state = _IndexState()


@dataclass(frozen=True)
class IndexStatus:
    ready: bool
    reason: str  # "" | "building" | "stale"
    generation: int | None
    size: int


def index_status() -> IndexStatus:
    """Whether this process can answer similar-demand queries now (syncing if it has to)."""
    try:
        parts = index_sync()
    except IndexNotReady as exc:
        return IndexStatus(False, str(exc), None, 0)
    return IndexStatus(True, "", _state.generation, sum(p.alive for p in parts))


def similar_query(
    *,
    text: str,
    area_path: str = "",
    lat: float | None = None,
    lng: float | None = None,
    when: datetime | None = None,
    exclude: int | None = None,
    limit: int = 5,
) -> list[store.Hit]:
    """Open demands about the same problem and place as `text`, best first; IndexNotReady while the
    shared index cannot be served."""
    parts = index_sync()
    weights, places, text_area = _query_terms(text, exclude)
    street = _street_of(area_path)
    hits = store.search(
        parts,
        weights=weights,
        places=places,
        area=text_area,
        time=_timestamp(when or timezone.now()),
        lat=lat,
        lng=lng,
        limit=limit * 4,
        exclude=exclude,
        window_days=WINDOW_DAYS,
        removed_df=_state.dead_df,
    )
    out = [
        h
        for h in hits
        if not (street and h.street and h.street != street and h.text_score < store.NEAR_IDENTICAL)
    ]
    return out[:limit]


def _query_terms(text: str, demand_id: int | None) -> tuple[dict[int, float], tuple[str, ...], str]:
    """The query's terms: a demand's stored ones when `text` is its unchanged text (its detail page — no
    segmenting, and no segmenter to load in a fresh process), else the text segmented now."""
    if demand_id is not None:
        stored = SimilarEntry.objects.filter(demand_id=demand_id).first()
        if stored is not None and stored.text_hash == _text_hash(*_title_content(text)):
            columns, values = store.terms_unpack(stored.terms)
            return (
                dict(zip(columns.tolist(), values.astype(np.float64).tolist(), strict=True)),
                tuple(stored.places or ()),
                normalize(stored.text_area),
            )
    return demand_terms(text)


def _title_content(text: str) -> tuple[str, str]:
    title, _, content = text.partition("\n")
    return title, content


def changes_prune(*, keep_hours: int = 24) -> int:
    """Delete change rows older than `keep_hours` (a generation behind them is rebuilt)."""
    cutoff = timezone.now() - timedelta(hours=keep_hours)
    last = (
        SimilarChange.objects.filter(created_at__lt=cutoff)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if last is None:
        return 0
    deleted, _ = SimilarChange.objects.filter(id__lte=last).delete()
    return deleted
