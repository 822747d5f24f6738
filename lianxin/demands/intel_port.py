"""The seam between demands and text mining: a typed port that an intel adapter registers.

`lianxin.analysis` (the Django adapter of `lianxin.intel`) registers its implementation of `IntelPort`
when its app is ready (`AnalysisConfig.ready`); without it, `NoIntel` answers every call with the
empty answer, so demands work with the analysis app absent. The functions below are what demands code
calls: each catches a failing adapter and gives the empty answer instead, because intake must never fail
when a model is missing or broken. `demand_changed` is called explicitly by the services (in the saving
transaction), not by a signal. Intel's panels on demand pages go through `lianxin.demands.extensions`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from lianxin.demands.models import Demand
from lianxin.org.models import Area

logger = logging.getLogger("lianxin.demands.intel")
T = TypeVar("T")


class IntelPort(Protocol):
    def suggest_category(self, text: str) -> list[dict[str, Any]]:
        """[{"category": name, "score": float, "id": Category id | None}, …] best first."""
        ...

    def stored_suggestions(self, demand: Demand) -> dict[str, Any] | None:
        """What intel stored for `demand` at intake ({"categories", "urgency"}); None when nothing."""
        ...

    def detect_urgency(self, text: str) -> str:
        """ "normal" | "urgent" | "critical" as intel judges the text."""
        ...

    def similar_for_text(self, *, title: str, content: str, area: Area | None, limit: int) -> list[int]:
        """Ids of open demands like a text being written, best first."""
        ...

    def similar_demand_ids(self, demand: Demand, limit: int) -> list[int] | None:
        """Ids of demands similar to `demand`, best first; None when intel cannot say."""
        ...

    def detect_pii(self, text: str) -> list[dict[str, Any]]:
        """Personal data found in free text: [{"kind", "start", "end"}]."""
        ...

    def mask_pii(self, text: str, *, official: bool = False) -> str:
        """`text` with personal data in free text masked; `official` (a unit's reply) keeps the unit's
        published contact lines (landlines, hotlines, office address) readable."""
        ...

    def suggest_units(self, *, text: str, area: Area | None, limit: int) -> list[dict[str, Any]]:
        """Units to lead a demand, best first: [{"unit_id", "name", "score", "reasons", "confident"}]."""
        ...

    def reply_check(self, demand: Demand, text: str) -> dict[str, Any] | None:
        """A draft reply's quality before it is sent: {"score", "flags" (names), "serious"}; None: no check."""
        ...

    def demand_changed(self, demand: Demand, *, created: bool) -> None:
        """A demand was stored (inside the saving transaction): log the change, queue the checks after
        commit. Must not raise into the caller's transaction."""
        ...


def _digits_masked(text: str) -> str:
    return re.sub(r"\d{7,}", lambda m: "*" * len(m.group(0)), text or "")


class NoIntel:
    """The port when no adapter is installed: empty answers, and masking that still never shows a raw
    phone or ID number (every run of 7+ digits masked)."""

    def suggest_category(self, text: str) -> list[dict[str, Any]]:
        return []

    def stored_suggestions(self, demand: Demand) -> dict[str, Any] | None:
        return None

    def detect_urgency(self, text: str) -> str:
        return ""

    def similar_for_text(self, *, title: str, content: str, area: Area | None, limit: int) -> list[int]:
        return []

    def similar_demand_ids(self, demand: Demand, limit: int) -> list[int] | None:
        return None

    def detect_pii(self, text: str) -> list[dict[str, Any]]:
        return []

    def mask_pii(self, text: str, *, official: bool = False) -> str:
        return _digits_masked(text)

    def suggest_units(self, *, text: str, area: Area | None, limit: int) -> list[dict[str, Any]]:
        return []

    def reply_check(self, demand: Demand, text: str) -> dict[str, Any] | None:
        return None

    def demand_changed(self, demand: Demand, *, created: bool) -> None:
        return None


NO_INTEL = NoIntel()
_registered: list[IntelPort] = []


def register(port: IntelPort) -> None:
    """Install `port` (called once by the adapter's AppConfig.ready; a second call replaces it)."""
    _registered[:] = [port]


def unregister() -> None:
    _registered.clear()


def port() -> IntelPort:
    return _registered[0] if _registered else NO_INTEL


def _guarded(name: str, call: Callable[[IntelPort], T], fallback: Callable[[], T]) -> T:
    adapter = port()
    try:
        return call(adapter)
    except Exception as exc:  # noqa: BLE001 - a broken model must not block a citizen's submission
        logger.warning("intel %s failed: %s", name, type(exc).__name__)
        return fallback()


def suggest_category(text: str) -> list[dict[str, Any]]:
    return _guarded("suggest_category", lambda p: p.suggest_category(text) or [], list)


def stored_suggestions(demand: Demand) -> dict[str, Any] | None:
    return _guarded("stored_suggestions", lambda p: p.stored_suggestions(demand), lambda: None)


def detect_urgency(text: str) -> str:
    return _guarded("detect_urgency", lambda p: p.detect_urgency(text) or "", str)


def similar_for_text(*, title: str, content: str, area: Area | None = None, limit: int = 5) -> list[int]:
    return _guarded(
        "similar_for_text",
        lambda p: p.similar_for_text(title=title, content=content, area=area, limit=limit) or [],
        list,
    )


def similar_demand_ids(demand: Demand, limit: int = 5) -> list[int] | None:
    return _guarded("similar_demand_ids", lambda p: p.similar_demand_ids(demand, limit), lambda: None)


def detect_pii(text: str) -> list[dict[str, Any]]:
    return _guarded("detect_pii", lambda p: p.detect_pii(text) or [], list)


def mask_pii(text: str, *, official: bool = False) -> str:
    """`text` with personal data masked; when the adapter fails, every digit run of 7+ digits is masked
    (never the raw phone or ID number). `official`: a unit's reply, whose published lines stay readable."""
    return _guarded(
        "mask_pii", lambda p: p.mask_pii(text or "", official=official), lambda: _digits_masked(text)
    )


def suggest_units(*, text: str, area: Area | None = None, limit: int = 3) -> list[dict[str, Any]]:
    return _guarded("suggest_units", lambda p: p.suggest_units(text=text, area=area, limit=limit) or [], list)


def reply_check(demand: Demand, text: str) -> dict[str, Any] | None:
    return _guarded("reply_check", lambda p: p.reply_check(demand, text), lambda: None)


def demand_changed(demand: Demand, *, created: bool = False) -> None:
    _guarded("demand_changed", lambda p: p.demand_changed(demand, created=created), lambda: None)


def similar_demands(demand: Demand, limit: int = 5) -> list[Demand]:
    """Similar demands for the operator's detail page: intel when present, otherwise the most recent
    demands of the same category in the same area (a plain database query)."""
    ids = similar_demand_ids(demand, limit=limit)
    if ids:
        found = {d.pk: d for d in Demand.objects.filter(pk__in=ids).exclude(pk=demand.pk)}
        return [found[i] for i in ids if i in found][:limit]
    if not demand.category_id and not demand.area_id:
        return []
    qs = Demand.objects.exclude(pk=demand.pk).only(
        "id", "ticket_no", "title", "status", "closure", "created_at"
    )
    if demand.category_id:
        qs = qs.filter(category_id=demand.category_id)
    if demand.area_id:
        qs = qs.filter(area_id=demand.area_id)
    return list(qs.order_by("-created_at")[:limit])
