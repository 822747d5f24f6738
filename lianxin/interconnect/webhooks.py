"""Signed webhooks: which demand events subscribers hear, what they receive, and the reconciler.

Events are mapped from the timeline's actions (`lianxin.demands.choices.Action`): submit → created,
dispatch → dispatched, reply and answer (直接答复) → replied, close, rate (回访评价, which closes) and
reject (不予受理) → closed, and the sweep's automatic 催办 of an overdue demand (urge by the system) →
overdue. The body names the demand by id, ticket, status, type, category and area ids — never its contact,
text or address. The listener writes one `Delivery` per (subscriber, event) in the event's transaction; the
reconciler adds the rows of events that were written without a listener (the PostgreSQL sweep inserts its
overdue events in one SQL statement) and is harmless to repeat (unique rows).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from lianxin.demands.choices import Action
from lianxin.demands.models import DemandEvent
from lianxin.interconnect.conf import conf
from lianxin.interconnect.models import Delivery, Subscriber, WebhookEvent

ACTION_EVENTS: dict[str, str] = {
    Action.SUBMIT: WebhookEvent.CREATED,
    Action.DISPATCH: WebhookEvent.DISPATCHED,
    Action.REPLY: WebhookEvent.REPLIED,
    Action.ANSWER: WebhookEvent.REPLIED,
    Action.CLOSE: WebhookEvent.CLOSED,
    Action.RATE: WebhookEvent.CLOSED,
    Action.REJECT: WebhookEvent.CLOSED,
}
_CACHE_KEY = "interconnect:subscribers"


def webhook_event_of(action: str, actor_id: int | None, data: dict[str, Any] | None) -> str | None:
    if action == Action.URGE:
        return WebhookEvent.OVERDUE if actor_id is None and (data or {}).get("system") else None
    return ACTION_EVENTS.get(action)


def subscribers_active() -> list[tuple[int, frozenset[str], datetime]]:
    """(id, events, created_at) of the active subscribers, cached until one is saved or deleted."""
    found = cache.get(_CACHE_KEY)
    if found is None:
        found = [
            (s.pk, frozenset(s.events or []), s.created_at) for s in Subscriber.objects.filter(is_active=True)
        ]
        cache.set(_CACHE_KEY, found, timeout=300)
    return found


def subscribers_changed(**kwargs: Any) -> None:
    cache.delete(_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(_CACHE_KEY))  # and once the change is visible to all


def webhook_payload(event_kind: str, event: DemandEvent, demand: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": event_kind,
        "event_id": event.pk,
        "action": event.action,
        "occurred_at": event.created_at.isoformat(),
        "demand": {
            "id": event.demand_id,
            "ticket_no": demand.get("ticket_no"),
            "status": event.to_status,
            "type": demand.get("type"),
            "category_id": demand.get("category_id"),
            "area_id": demand.get("area_id"),
        },
    }


def webhook_rows(
    events: list[DemandEvent], demands: dict[int, dict[str, Any]], *, moment: datetime | None = None
) -> list[Delivery]:
    subscribers = subscribers_active()
    if not subscribers:
        return []
    now = moment or timezone.now()
    rows = []
    for event in events:
        kind = webhook_event_of(event.action, event.actor_id, event.data)
        if kind is None:
            continue
        payload = webhook_payload(kind, event, demands.get(event.demand_id, {}))
        for sid, wanted, since in subscribers:
            if kind in wanted and event.created_at >= since - timedelta(seconds=1):
                rows.append(
                    Delivery(
                        subscriber_id=sid,
                        event_id=event.pk,
                        demand_id=event.demand_id,
                        kind=kind,
                        payload=payload,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    return rows


def webhooks_reconcile(*, hours: int | None = None, now: datetime | None = None) -> int:
    """Owe the rows of the last `hours` of events that have none (events written without a listener, or
    while the listener was off); returns how many were added."""
    from lianxin.interconnect.listener import demand_facts

    if not subscribers_active():
        return 0
    moment = now or timezone.now()
    since = moment - timedelta(hours=int(hours or conf("LIANXIN_INTERCONNECT_RECONCILE_HOURS")))
    actions = [*ACTION_EVENTS, Action.URGE]
    qs = DemandEvent.objects.filter(created_at__gte=since, action__in=actions).order_by("id")
    added = 0
    last = 0
    while True:
        events = list(qs.filter(id__gt=last)[:2000])
        if not events:
            return added
        last = events[-1].pk
        rows = webhook_rows(events, demand_facts(events), moment=moment)
        if rows:
            have = set(
                Delivery.objects.filter(
                    subscriber__isnull=False, event_id__in=[e.pk for e in events]
                ).values_list("subscriber_id", "event_id", "kind")
            )
            fresh = [r for r in rows if (r.subscriber_id, r.event_id, r.kind) not in have]
            Delivery.objects.bulk_create(fresh, ignore_conflicts=True)
            added += len(fresh)
