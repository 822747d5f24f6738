"""The judged steps of a demand (`Judgement` rows), replayed from its timeline events alone.

`judgements_from_events` is a pure function of the events: the dispatches (with the sign and reply due
times each dispatch event records), signs, returns, extensions, replies, ratings and reopens. The services
call `judgements_sync` after writing an event, in the same transaction, so the table the rates count is
always the replay of the timeline; `lianxin measures audit` replays every demand again and compares.

Rules (docs/demands.md "Measures"):
- a dispatch to a unit is judged for 及时签收: met when the unit signed **or returned** it by the sign due
  time; a missed limit stays missed after a return, a withdrawal (撤回) and a re-dispatch (the next unit
  gets its own row); a withdrawal within the limit voids that dispatch's row;
- a dispatch that records a contact due time is judged for 先行联系 (响应率): met when the handler
  recorded the first contact with the caller by then; a return or withdrawal before that time voids it;
- a reply is judged for 按时办结 against the reply due time in force when it was given (extensions
  included); a later reopen (the operator's, or the citizen's own 群众申请重办) marks it `reopened` and
  the next reply is a new row;
- a reply sent back by the review (答复审核, `return_reply`) is void when the event says it counts
  against on-time (`counts`): the next reply is judged against the due time in force; otherwise the
  returned reply stays the judged one and the next is a later row;
- every rating is a row; the measures count the first of each demand and unit (`first`), so a 重办
  followed by a new 满意 never erases the first 不满意;
- each assisting unit a dispatch newly asks (its event records `assisting` and `assist_due`) is judged
  for 协办意见 (协办按时率), counted against that unit: met when its opinion (`assist_opinion`) was given
  by the due time; not given by then is missed (the measure counts a step without an opinion once its
  due time has passed). A unit kept by a re-dispatch keeps its step; a unit dropped (a re-dispatch
  without it, a withdrawal) before its due time without an opinion has its step void, after that a
  missed opinion stays missed; so has a unit whose opinion the lead's reply did not wait for (a reply
  before the due time: it could no longer give it);
- an imported demand (its submit event's channel is `import`) is history: it has no judged steps;
- an upheld appeal (考核申诉, the `decide_appeal` event with `upheld`) marks every step of the appealing
  unit on the demand `excluded`: it leaves that unit's (and the city's) rates and is listed with its
  reason instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.utils.dateparse import parse_datetime

from lianxin.demands.choices import Action, Channel
from lianxin.demands.models import Demand, DemandEvent, Judgement, JudgementKind


class EventLike(Protocol):
    action: str
    created_at: datetime
    data: dict[str, Any]


@dataclass
class Step:
    """A judged step as the replay finds it (the fields of `Judgement`)."""

    kind: str
    unit_id: int | None
    at: datetime
    due_at: datetime | None = None
    done_at: datetime | None = None
    first: bool = True
    returned: bool = False
    reopened: bool = False
    satisfaction: str = ""
    resolved: bool | None = None
    handling_seconds: int | None = None
    excluded: bool = False
    key: tuple[Any, ...] = field(default=(), repr=False)

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.kind,
            self.unit_id,
            self.at,
            self.due_at,
            self.done_at,
            self.first,
            self.returned,
            self.reopened,
            self.satisfaction,
            self.resolved,
            self.handling_seconds,
            self.excluded,
        )


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return parse_datetime(value)
    return None


class _Replay:
    """The state of one demand's replay: the unit it is with, the open sign and reply steps, the reply
    due time in force."""

    def __init__(self, submitted: datetime) -> None:
        self.submitted = submitted
        self.steps: list[Step] = []
        self.seen: set[tuple[str, int | None]] = set()
        self.unit: int | None = None
        self.sign: Step | None = None
        self.reply: Step | None = None
        self.reply_due: datetime | None = None
        self.excluded_units: set[int] = set()
        self.contact: Step | None = None
        self.assist: dict[int, Step] = {}  # the open 协办 steps by assisting unit

    def add(self, step: Step) -> Step:
        key = (step.kind, step.unit_id)
        step.first = key not in self.seen
        self.seen.add(key)
        self.steps.append(step)
        return step

    def dispatch(self, at: datetime, data: dict[str, Any]) -> None:
        self.unit = data.get("unit")
        self.reply_due = _when(data.get("reply_due"))
        self.sign = self.add(Step(JudgementKind.SIGN, self.unit, at, due_at=_when(data.get("sign_due"))))
        contact_due = _when(data.get("contact_due"))  # dispatches since 先行联系 was measured carry it
        self.contact = (
            self.add(Step(JudgementKind.CONTACT, self.unit, at, due_at=contact_due)) if contact_due else None
        )
        self._assisting(at, data)

    def _assisting(self, at: datetime, data: dict[str, Any]) -> None:
        """The assisting units of a dispatch: new ones get a step, dropped ones leave (`_drop_assist`)."""
        units = {u for u in data.get("assisting") or () if isinstance(u, int)}
        for unit in [u for u in self.assist if u not in units]:
            self._drop_assist(unit, at)
        due = _when(data.get("assist_due"))  # dispatches since 协办意见 was measured carry it
        if due is None:
            return
        for unit in sorted(units - set(self.assist)):
            self.assist[unit] = self.add(Step(JudgementKind.ASSIST, unit, at, due_at=due))

    def _drop_assist(self, unit: int, at: datetime) -> None:
        step = self.assist.pop(unit)
        if step.done_at is None and step.due_at is not None and at <= step.due_at:
            self.steps.remove(step)
            if step.first:
                self.seen.discard((step.kind, step.unit_id))

    def assist_opinion(self, at: datetime, data: dict[str, Any]) -> None:
        step = self.assist.get(data.get("unit"))  # type: ignore[arg-type]
        if step is not None and step.done_at is None:
            step.done_at = at

    def _void_contact(self, at: datetime) -> None:
        """A dispatch taken back (returned, withdrawn) before the caller was due to be reached was not the
        unit's to contact: its 先行联系 step is void; after the due time a missed contact stays missed."""
        contact = self.contact
        if (
            contact is not None
            and contact.done_at is None
            and contact.due_at is not None
            and at <= contact.due_at
        ):
            self.steps.remove(contact)
            if contact.first:
                self.seen.discard((contact.kind, contact.unit_id))
        self.contact = None

    def first_contact(self, at: datetime, data: dict[str, Any]) -> None:
        if self.contact is not None and self.contact.done_at is None:
            self.contact.done_at = at

    def withdraw(self, at: datetime, data: dict[str, Any]) -> None:
        self._void_contact(at)
        for unit in list(self.assist):
            self._drop_assist(unit, at)
        sign = self.sign
        if sign is not None and sign.done_at is None and sign.due_at is not None and at <= sign.due_at:
            # withdrawn within the unit's sign limit: that dispatch is not the unit's to answer for
            self.steps.remove(sign)
            if sign.first:
                self.seen.discard((sign.kind, sign.unit_id))
        self.sign, self.unit = None, None

    def sign_(self, at: datetime, data: dict[str, Any]) -> None:
        if self.sign is not None and self.sign.done_at is None:
            self.sign.done_at = at

    def return_(self, at: datetime, data: dict[str, Any]) -> None:
        self._void_contact(at)
        if self.sign is not None:
            self.sign.returned = True
            self.sign.done_at = self.sign.done_at or at

    def reopen(self, at: datetime, data: dict[str, Any]) -> None:
        if self.reply is not None:
            self.reply.reopened = True
        self.new_due(at, data)

    def new_due(self, at: datetime, data: dict[str, Any]) -> None:
        self.reply_due = _when(data.get("reply_due") or data.get("new_due")) or self.reply_due

    def reply_(self, at: datetime, data: dict[str, Any]) -> None:
        for unit, step in list(self.assist.items()):
            if step.done_at is None:
                self._drop_assist(unit, at)  # void before its due time, missed after
        self.reply = self.add(
            Step(
                JudgementKind.REPLY,
                self.unit,
                at,
                due_at=_when(data.get("due")) or self.reply_due,
                done_at=at,
                handling_seconds=max(0, int((at - self.submitted).total_seconds())),
            )
        )

    def return_reply(self, at: datetime, data: dict[str, Any]) -> None:
        """答复退回 by the review: when it counts against on-time (`counts`), the returned reply is void
        and the next one is judged against the due time in force; else the returned one stays judged."""
        reply = self.reply
        if data.get("counts", True) and reply is not None and reply in self.steps:
            self.steps.remove(reply)
            if reply.first:
                self.seen.discard((reply.kind, reply.unit_id))
        self.reply = None
        self.new_due(at, data)

    def rate(self, at: datetime, data: dict[str, Any]) -> None:
        resolved = data.get("resolved")
        self.add(
            Step(
                JudgementKind.RATING,
                data.get("unit", self.unit),  # a merged caller rates the parent's unit
                at,
                satisfaction=str(data.get("satisfaction") or ""),
                resolved=resolved if isinstance(resolved, bool) else None,
            )
        )

    def decide_appeal(self, at: datetime, data: dict[str, Any]) -> None:
        if data.get("upheld") is True and isinstance(data.get("unit"), int):
            self.excluded_units.add(data["unit"])

    def finish(self) -> list[Step]:
        for step in self.steps:
            step.excluded = step.unit_id in self.excluded_units
        return self.steps


_HANDLERS = {
    Action.DISPATCH: _Replay.dispatch,
    Action.WITHDRAW: _Replay.withdraw,
    Action.SIGN: _Replay.sign_,
    Action.RETURN: _Replay.return_,
    Action.REOPEN: _Replay.reopen,
    Action.CITIZEN_REOPEN: _Replay.reopen,  # 群众申请重办 reopens as the operator's 重办 does
    Action.REFUSE_RETURN: _Replay.new_due,
    Action.APPROVE_EXTENSION: _Replay.new_due,
    Action.REPLY: _Replay.reply_,
    Action.RETURN_REPLY: _Replay.return_reply,
    Action.RATE: _Replay.rate,
    Action.DECIDE_APPEAL: _Replay.decide_appeal,
    Action.FIRST_CONTACT: _Replay.first_contact,
    Action.ASSIST_OPINION: _Replay.assist_opinion,
}
# Actions whose events change a demand's judged steps (the services sync after these).
JUDGED_ACTIONS = frozenset(_HANDLERS)


def judgements_from_events(events: Sequence[EventLike]) -> list[Step]:
    """The judged steps of one demand from its events in timeline order (see the module docstring)."""
    if not events:
        return []
    if events[0].action == Action.SUBMIT and (events[0].data or {}).get("channel") == Channel.IMPORT:
        return []
    replay = _Replay(events[0].created_at)
    for event in events:
        handler = _HANDLERS.get(event.action)  # type: ignore[call-overload]  # action codes are str
        if handler is not None:
            handler(replay, event.created_at, event.data or {})
    return replay.finish()


def judgement_row(demand_id: int, step: Step, model: type[Judgement] = Judgement) -> Judgement:
    """An unsaved row of `model` (the data migration passes its historical model) for one step."""
    return model(
        demand_id=demand_id,
        unit_id=step.unit_id,
        kind=step.kind,
        at=step.at,
        due_at=step.due_at,
        done_at=step.done_at,
        first=step.first,
        returned=step.returned,
        reopened=step.reopened,
        satisfaction=step.satisfaction,
        resolved=step.resolved,
        handling_seconds=step.handling_seconds,
        # (the historical model of the backfill migration has no `excluded`; no step there is)
        **({"excluded": True} if step.excluded else {}),
    )


def judgements_sync(demand: Demand | int) -> None:
    """Rewrite one demand's judged steps from its timeline (call inside the action's transaction)."""
    demand_id = demand if isinstance(demand, int) else demand.pk
    events = list(
        DemandEvent.objects.filter(demand_id=demand_id)
        .order_by("created_at", "id")
        .only("action", "created_at", "data")
    )
    steps = judgements_from_events(events)
    stored = list(Judgement.objects.filter(demand_id=demand_id).order_by("at", "id"))
    if [_stored_tuple(j) for j in stored] == [s.as_tuple() for s in steps]:
        return
    Judgement.objects.filter(demand_id=demand_id).delete()
    Judgement.objects.bulk_create([judgement_row(demand_id, s) for s in steps])


def _stored_tuple(j: Judgement) -> tuple[Any, ...]:
    return (
        j.kind,
        j.unit_id,
        j.at,
        j.due_at,
        j.done_at,
        j.first,
        j.returned,
        j.reopened,
        j.satisfaction,
        j.resolved,
        j.handling_seconds,
        j.excluded,
    )


def judgements_rebuild(demand_ids: Iterable[int], *, batch: int = 500) -> int:
    """Replay and store the judged steps of many demands (data migration, `lianxin measures rebuild`);
    returns how many demands were replayed."""
    ids = list(demand_ids)
    for i in range(0, len(ids), batch):
        for demand_id in ids[i : i + batch]:
            judgements_sync(demand_id)
    return len(ids)
