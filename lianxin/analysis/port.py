"""This app's implementation of the demands app's intel port (`lianxin.demands.intel_port.IntelPort`),
registered in `AnalysisConfig.ready`. Each method hands plain values to the adapter's services and
modules; the port's callers catch what they raise."""

from __future__ import annotations

from typing import Any

from lianxin.analysis import intake, replies, routing, services
from lianxin.demands.models import Demand
from lianxin.org.models import Area


class AnalysisIntel:
    def suggest_category(self, text: str) -> list[dict[str, Any]]:
        return services.suggest_category(text)

    def stored_suggestions(self, demand: Demand) -> dict[str, Any] | None:
        return services.stored_suggestions(demand)

    def detect_urgency(self, text: str) -> str:
        return services.detect_urgency(text)

    def similar_for_text(self, *, title: str, content: str, area: Area | None, limit: int) -> list[int]:
        return services.similar_for_text(title=title, content=content, area=area, limit=limit)

    def similar_demand_ids(self, demand: Demand, limit: int) -> list[int] | None:
        return services.similar_demand_ids(demand, limit=limit)

    def detect_pii(self, text: str) -> list[dict[str, Any]]:
        return services.detect_pii(text)

    def mask_pii(self, text: str, *, official: bool = False) -> str:
        return services.mask_pii(text, official=official)

    def reply_check(self, demand: Demand, text: str) -> dict[str, Any] | None:
        return replies.reply_draft_check(demand=demand, text=text)

    def demand_changed(self, demand: Demand, *, created: bool) -> None:
        intake.demand_changed(demand, created=created)

    def suggest_units(self, *, text: str, area: Area | None, limit: int) -> list[dict[str, Any]]:
        return routing.suggest_units(text=text, area=area, limit=limit)
