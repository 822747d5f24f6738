"""The per-process similar-demand index, kept in sync with the database across nodes.

Every saved demand writes a `SimilarChange` row (a post_save signal, in the saving transaction).
Before answering, the index reads the change rows after its watermark — one query on the primary
key — and adds the changed demands that are open and recent, removing the others. It is rebuilt
from scratch when it is older than `REBUILD_SECONDS` (demands age out of the window), or when its
watermark fell behind the pruned log. Demands are indexed with their coordinates (their own, else their
area's), and a match must lie in the same street as the query when both are known: "same problem,
same place".
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from lianxin.analysis.clock import local_naive
from lianxin.analysis.models import SimilarChange
from lianxin.demands.choices import OPEN_STATUSES
from lianxin.demands.models import Demand
from lianxin.intel.similar import OpenDemand, SimilarIndex, SimilarMatch

logger = logging.getLogger("lianxin.analysis")

WINDOW_DAYS = 90
REBUILD_SECONDS = 6 * 3600
SYNC_BATCH = 5000
OVERLAP = 200  # change rows re-read behind the watermark: a transaction may commit after a later one


@dataclass
class _IndexState:
    index: SimilarIndex | None = None
    watermark: int = 0
    built_at: float = 0.0
    streets: dict[Any, str] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)


_state = _IndexState()
_lock = threading.RLock()


def _street_of(path: str) -> str:
    """The street-level ancestor path of an area path (city/district/street/...)."""
    parts = path.split("/")
    return "/".join(parts[:3]) if len(parts) >= 3 else ""


def _open_rows(qs):
    return qs.values_list(
        "id", "title", "content", "created_at", "lat", "lng", "area__path", "area__lat", "area__lng"
    )


def _entry(row) -> tuple[OpenDemand, str]:
    pk, title, content, created, lat, lng, path, area_lat, area_lng = row
    if lat is None or lng is None:
        lat, lng = area_lat, area_lng
    return (
        OpenDemand(id=pk, text=f"{title}\n{content}", time=local_naive(created), lat=lat, lng=lng),
        _street_of(path or ""),
    )


def _open_q() -> Q:
    since = timezone.now() - timedelta(days=WINDOW_DAYS)
    return Q(status__in=list(OPEN_STATUSES), created_at__gte=since)


def index_rebuild() -> SimilarIndex:
    """Build this process's index from every open demand of the window."""
    with _lock:
        watermark = SimilarChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
        index = SimilarIndex(window_days=WINDOW_DAYS)
        streets: dict[Any, str] = {}
        batch: list[OpenDemand] = []
        for row in _open_rows(Demand.objects.filter(_open_q())).iterator(chunk_size=2000):
            entry, street = _entry(row)
            batch.append(entry)
            streets[entry.id] = street
            if len(batch) >= 2000:
                index.add_many(batch)
                batch = []
        if batch:
            index.add_many(batch)
        _state.index, _state.watermark, _state.built_at, _state.streets = (
            index,
            watermark,
            time.monotonic(),
            streets,
        )
        _state.seen = set(
            SimilarChange.objects.filter(id__gt=watermark - OVERLAP, id__lte=watermark).values_list(
                "id", flat=True
            )
        )
        return index


def index_sync() -> SimilarIndex:
    """Bring the index up to date with the database (see the module rules)."""
    with _lock:
        stale = _state.index is None or time.monotonic() - _state.built_at > REBUILD_SECONDS
        if not stale and _state.watermark:
            oldest = SimilarChange.objects.order_by("id").values_list("id", flat=True).first()
            stale = oldest is not None and oldest > _state.watermark + 1
        if stale:
            return index_rebuild()
        index = _state.index
        assert index is not None
        rows = list(
            SimilarChange.objects.filter(id__gt=_state.watermark - OVERLAP)
            .order_by("id")
            .values_list("id", "demand_id")[: SYNC_BATCH + OVERLAP]
        )
        if len(rows) >= SYNC_BATCH + OVERLAP:
            return index_rebuild()
        changes = [(change_id, demand_id) for change_id, demand_id in rows if change_id not in _state.seen]
        if not changes:
            return index
        ids = {demand_id for _, demand_id in changes}
        keep = {row[0]: row for row in _open_rows(Demand.objects.filter(_open_q(), pk__in=ids))}
        for demand_id in ids:
            index.remove(demand_id)
            _state.streets.pop(demand_id, None)
        additions = []
        for row in keep.values():
            entry, street = _entry(row)
            additions.append(entry)
            _state.streets[entry.id] = street
        if additions:
            index.add_many(additions)
        _state.watermark = max(_state.watermark, changes[-1][0])
        _state.seen = {cid for cid, _ in rows if cid > _state.watermark - OVERLAP}
        return index


def index_forget() -> None:
    with _lock:
        _state.index, _state.watermark, _state.built_at, _state.streets, _state.seen = None, 0, 0.0, {}, set()


def similar_query(
    *,
    text: str,
    area_path: str = "",
    lat: float | None = None,
    lng: float | None = None,
    when: datetime | None = None,
    exclude: int | None = None,
    limit: int = 5,
) -> list[SimilarMatch]:
    """Open demands about the same problem and place as `text`, best first."""
    index = index_sync()
    street = _street_of(area_path)
    matches = index.query(
        text, time=local_naive(when or timezone.now()), lat=lat, lng=lng, limit=limit * 4, exclude=exclude
    )
    out = []
    for match in matches:
        other = _state.streets.get(match.id, "")
        if street and other and other != street and match.text_score < index.near_identical:
            continue
        out.append(match)
    return out[:limit]


def changes_prune(*, keep_hours: int = 24) -> int:
    """Delete change rows older than `keep_hours` (processes behind them rebuild)."""
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
