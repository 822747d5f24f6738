"""The one listener of demand events (`demands.extensions.event_listener_register`): in the transaction
that writes the events it owes their webhooks and platform callbacks (`Delivery` rows). With no subscriber
and no platform it costs nothing (both lists are cached)."""

from __future__ import annotations

from typing import Any

from lianxin.demands.models import Demand, DemandEvent
from lianxin.interconnect.deliveries import delivery_rows_add

FACTS = (
    "id",
    "ticket_no",
    "status",
    "type",
    "category_id",
    "area_id",
    "channel",
    "reply_text",
    "outcome",
    "satisfaction",
    "resolved",
)


def demand_facts(events: list[DemandEvent]) -> dict[int, dict[str, Any]]:
    """What the messages say of each event's demand: from the demand the service holds, else one query."""
    facts: dict[int, dict[str, Any]] = {}
    missing = set()
    for event in events:
        demand = event._state.fields_cache.get("demand")
        if isinstance(demand, Demand):
            facts[event.demand_id] = {name: getattr(demand, name) for name in FACTS}
        else:
            missing.add(event.demand_id)
    missing -= set(facts)
    if missing:
        for row in Demand.objects.filter(pk__in=missing).values(*FACTS):
            facts[row["id"]] = row
    return facts


def events_heard(events: list[DemandEvent]) -> None:
    from lianxin.interconnect.webhooks import subscribers_active, webhook_rows
    from lianxin.interconnect.workorders import callback_rows, platform_codes

    if not events or (not subscribers_active() and not platform_codes()):
        return
    facts = demand_facts(events)
    delivery_rows_add(webhook_rows(events, facts) + callback_rows(events, facts))
