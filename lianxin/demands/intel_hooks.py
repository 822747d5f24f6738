"""Call-sites for the text-mining module (lianxin.intel via the lianxin.analysis adapter).

Intake must never fail because intel is missing or broken: each hook returns an empty answer then.
The adapter is looked up at call time, so installing it later needs no change here.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("lianxin.demands.intel")


def _adapter() -> Any | None:
    try:
        from lianxin.analysis import services  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - intel absent or failing to import: intake goes on without it
        return None
    return services


def _call(name: str, *args: Any, default: Any, **kwargs: Any) -> Any:
    adapter = _adapter()
    func = getattr(adapter, name, None) if adapter else None
    if func is None:
        return default
    try:
        return func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a broken model must not block a citizen's submission
        logger.warning("intel hook %s failed: %s", name, type(exc).__name__)
        return default


def suggest_category(text: str) -> list[dict[str, Any]]:
    """[{"category": name, "score": float}, …] best first; [] without intel."""
    return _call("suggest_category", text, default=[]) or []


def stored_suggestions(demand) -> dict[str, Any] | None:
    """What intel stored for `demand` at intake ({"categories", "urgency"}); None when nothing."""
    return _call("stored_suggestions", demand, default=None)


def detect_urgency(text: str) -> str:
    """ "normal" | "urgent" | "critical" as intel judges the text; "" without intel."""
    return _call("detect_urgency", text, default="") or ""


def similar_for_text(*, title: str, content: str, area: Any = None, limit: int = 5) -> list[int]:
    """Ids of open demands like a text being written, best first; [] without intel."""
    return _call("similar_for_text", title=title, content=content, area=area, limit=limit, default=[]) or []


def detect_pii(text: str) -> list[dict[str, Any]]:
    """Personal data found in free text ([{"kind", "start", "end"}]); [] without intel."""
    return _call("detect_pii", text, default=[]) or []


def mask_pii(text: str) -> str:
    """`text` with personal data in free text (phones, ID numbers, named addresses) masked; without
    intel, the text with every digit run of 7+ digits masked (never the raw phone or ID number)."""
    masked = _call("mask_pii", text or "", default=None)
    if masked is None:
        import re

        return re.sub(r"\d{7,}", lambda m: "*" * len(m.group(0)), text or "")
    return masked


def similar_demand_ids(demand, limit: int = 5) -> list[int] | None:
    """Ids of demands similar to `demand`, best first; None when intel is unavailable."""
    return _call("similar_demand_ids", demand, limit=limit, default=None)


def similar_demands(demand, limit: int = 5):
    """Similar demands for the operator's detail page: intel when present, otherwise the most recent
    demands of the same category in the same area (a plain database query)."""
    from lianxin.demands.models import Demand

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
