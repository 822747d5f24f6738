"""The demands event listener of the notices app (registered in `NoticesConfig.ready`): in the
transaction that writes the events, the notices they owe (an SMS row and its outbox item each)."""

from __future__ import annotations

from lianxin.demands.models import DemandEvent


def events_heard(events: list[DemandEvent]) -> None:
    # which events owe an SMS is decided once, in notices_for_events (its tests need no query)
    from lianxin.notices.services import notices_for_events

    notices_for_events(events)
