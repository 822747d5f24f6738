"""The demands event listener of the notices app (registered in `NoticesConfig.ready`): in the
transaction that writes the events, the notices they owe (an SMS row and its outbox item each)."""

from __future__ import annotations

from lianxin.demands.choices import Action, Status
from lianxin.demands.models import DemandEvent


def events_heard(events: list[DemandEvent]) -> None:
    # most events owe no SMS: the cheap test first, no query for them
    owing = [
        e
        for e in events
        if (e.action == Action.SUBMIT and e.to_status == Status.SUBMITTED)
        or (e.to_status == Status.REPLIED and e.from_status != Status.REPLIED)
        or e.action == Action.APPROVE_REPLY  # a reply held for 答复审核, released
        or e.action == Action.MERGE  # merged into a demand already answered
    ]
    if owing:
        from lianxin.notices.services import notices_for_events

        notices_for_events(owing)
