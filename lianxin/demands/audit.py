"""`lianxin measures audit`: every published figure recomputed from the timeline events alone, compared with
what `measures.measures_compute` / `measures_grouped` publish.

The recomputation shares no query with the measures: it reads the events of every demand that has one in
the period (each demand's whole timeline, so "first" steps are judged over its history), replays them with
`judging.judgements_from_events` and counts in Python — city-wide, per unit and per area. The demand
measures are counted from the events too: received = the submit event in the period; closed = the last
closing event (rate or close) in the period with no reopen after it, resolved as that event says;
协办按时率 counts each assisting unit's replayed step once its opinion was given or its due time passed
(as of the audit's `now`); an assisting unit's late opinion is its own, not the demand's overdue;
transfers (紧急转办) = received in the period and a transfer event on the timeline;
overdue = received in the period and a deadline missed on the timeline (a red card of the sweep, a sign or
reply after its due time) or, for a demand still open, late now (the one figure that reads the present
due time, from the demand row, because "late now" is a state, not an event). Imported demands (their
submit event's channel) are history and count nowhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from lianxin.demands.choices import OPEN_STATUSES, Action, Channel, Closure, Satisfaction
from lianxin.demands.judging import Step, judgements_from_events
from lianxin.demands.measures import (
    AGAINST_DUE,
    ANCHORS,
    JUDGED,
    ONCE_DUE,
    day_bounds,
    measures_compute,
    measures_grouped,
)
from lianxin.demands.models import Demand, DemandEvent, JudgementKind

# code → what a replayed step must be to count (denominator, numerator)
GOOD = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
CLOSING = (Action.RATE, Action.CLOSE)
REOPENING = (Action.REOPEN, Action.CITIZEN_REOPEN)


@dataclass
class _Event:
    action: str
    created_at: datetime
    data: dict[str, Any]
    to_status: str


@dataclass
class Difference:
    scope: str  # "city", "unit:<id>", "area:<id>"
    code: str
    published: tuple[int, int]
    recomputed: tuple[int, int]


@dataclass
class AuditResult:
    start: date
    end: date
    demands_read: int = 0
    events_read: int = 0
    scopes: int = 0
    figures: int = 0
    differences: list[Difference] = field(default_factory=list)
    undated_steps: int = 0  # dispatches/replies whose events carry no due time (left out of on-time rates)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": [self.start.isoformat(), self.end.isoformat()],
            "demands_read": self.demands_read,
            "events_read": self.events_read,
            "scopes": self.scopes,
            "figures": self.figures,
            "undated_steps": self.undated_steps,
            "differences": [
                {
                    "scope": d.scope,
                    "code": d.code,
                    "published": list(d.published),
                    "recomputed": list(d.recomputed),
                }
                for d in self.differences
            ],
        }


def _timelines(lo: datetime, hi: datetime, *, chunk: int = 2000) -> Iterator[tuple[int, list[_Event]]]:
    """(demand id, its whole timeline) for every demand with an event in [lo, hi)."""
    ids = list(
        DemandEvent.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .order_by()
        .values_list("demand_id", flat=True)
        .distinct()
    )
    ids.sort()
    for i in range(0, len(ids), chunk):
        part = ids[i : i + chunk]
        rows = (
            DemandEvent.objects.filter(demand_id__in=part)
            .order_by("demand_id", "created_at", "id")
            .values_list("demand_id", "action", "created_at", "data", "to_status")
        )
        current: int | None = None
        events: list[_Event] = []
        for demand_id, action, created_at, data, to_status in rows.iterator(chunk_size=5000):
            if demand_id != current:
                if current is not None:
                    yield current, events
                current, events = demand_id, []
            events.append(_Event(action, created_at, data or {}, to_status))
        if current is not None:
            yield current, events


def _step_counts(code: str, step: Step, lo: datetime, hi: datetime, now: datetime) -> tuple[int, int]:
    """(numerator, denominator) that one replayed step adds to `code` in [lo, hi), as of `now`."""
    kind, _numerator_q = JUDGED[code]
    if step.kind != kind or not step.first or step.excluded or not lo <= step.at < hi:
        return 0, 0
    if code in AGAINST_DUE and step.due_at is None:
        return 0, 0
    if code in ONCE_DUE and step.done_at is None and step.due_at is not None and step.due_at > now:
        return 0, 0  # still in time: not judged yet
    if kind == JudgementKind.RATING and not step.satisfaction:
        return 0, 0
    met = {
        "response_rate": step.done_at is not None and step.due_at is not None and step.done_at <= step.due_at,
        "contact_rate": step.done_at is not None and step.due_at is not None and step.done_at <= step.due_at,
        "ontime_rate": step.done_at is not None and step.due_at is not None and step.done_at <= step.due_at,
        "return_rate": step.returned,
        "reopen_rate": step.reopened,
        "avg_handling_hours": step.handling_seconds is not None,
        "resolution_rate": step.resolved is True,
        "satisfaction_rate": step.satisfaction in GOOD,
        "satisfaction_score": True,
        "assist_ontime_rate": step.done_at is not None
        and step.due_at is not None
        and step.done_at <= step.due_at,
    }[code]
    return int(met), 1


def _missed(events: list[_Event], steps: list[Step]) -> bool:
    if any(e.action == Action.URGE and e.data.get("red") for e in events):
        return True
    return any(
        s.due_at is not None
        and s.done_at is not None
        and s.done_at > s.due_at
        and s.kind not in (JudgementKind.RATING, JudgementKind.ASSIST)  # an assisting unit's lateness
        for s in steps
    )


def _closed(events: list[_Event], lo: datetime, hi: datetime) -> str | None:
    """The closure ("resolved"/"not_resolved") when the demand's last closing event is in [lo, hi) and no
    reopen followed it; else None."""
    last = None
    for e in events:
        if e.action in CLOSING:
            last = e
        elif e.action in REOPENING:
            last = None
    if last is None or not lo <= last.created_at < hi:
        return None
    resolved = last.data.get("resolved") is True
    return Closure.RESOLVED if resolved else Closure.NOT_RESOLVED


def measures_audit(*, start: date, end: date, now: datetime | None = None) -> AuditResult:
    """Recompute the period's figures from events and compare them with the published ones."""
    now = now or timezone.now()
    lo, hi = day_bounds(start, end)
    result = AuditResult(start, end)
    # scope key → code → [numerator, denominator]
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    demand_rows: dict[int, tuple[int | None, int | None, str, datetime | None]] = {}
    timelines = list(_timelines(lo, hi))
    ids = [demand_id for demand_id, _ in timelines]
    for i in range(0, len(ids), 5000):
        for row in Demand.objects.filter(pk__in=ids[i : i + 5000]).only(
            "pk", "area_id", "lead_unit_id", "status", "due_at"
        ):
            demand_rows[row.pk] = (row.area_id, row.lead_unit_id, row.status, row.due_at)
    for demand_id, events in timelines:
        result.demands_read += 1
        result.events_read += len(events)
        if not events or (
            events[0].action == Action.SUBMIT and events[0].data.get("channel") == Channel.IMPORT
        ):
            continue
        area_id, lead_unit_id, status, due_at = demand_rows.get(demand_id, (None, None, "", None))
        steps = judgements_from_events(events)
        result.undated_steps += sum(
            1 for s in steps if s.kind != JudgementKind.RATING and s.due_at is None and lo <= s.at < hi
        )
        for step in steps:
            for code in JUDGED:
                n, d = _step_counts(code, step, lo, hi, now)
                if d:
                    for key in ("city", f"unit:{step.unit_id}", f"area:{area_id}"):
                        counts[key][code][0] += n
                        counts[key][code][1] += d
        demand_counts: Counter[str] = Counter()
        submitted = events[0]
        if submitted.action == Action.SUBMIT and lo <= submitted.created_at < hi:
            demand_counts["received"] += 1
            demand_counts["direct"] += any(e.action == Action.ANSWER for e in events)
            demand_counts["transfer"] += any(e.action == Action.TRANSFER for e in events)
            late_now = status in OPEN_STATUSES and due_at is not None and due_at < now
            if _missed(events, steps) or late_now:
                demand_counts["overdue"] += 1
        closure = _closed(events, lo, hi)
        if closure is not None:
            demand_counts["closed"] += 1
            demand_counts[f"closed_{closure}"] += 1
        for key in ("city", f"unit:{lead_unit_id}", f"area:{area_id}"):
            c = counts[key]
            for code in ("received",):
                c[code][0] += demand_counts["received"]
                c[code][1] += demand_counts["received"]
            c["direct_rate"][0] += demand_counts["direct"]
            c["direct_rate"][1] += demand_counts["received"]
            c["overdue"][0] += demand_counts["overdue"]
            c["overdue"][1] += demand_counts["received"]
            c["transfer_count"][0] += demand_counts["transfer"]
            c["transfer_count"][1] += demand_counts["received"]
            for code in ("closed_resolved", "closed_not_resolved"):
                c[code][0] += demand_counts[code]
                c[code][1] += demand_counts["closed"]
    _compare(result, counts, start, end, now)
    return result


def _compare(
    result: AuditResult, counts: dict[str, dict[str, list[int]]], start: date, end: date, now: datetime
) -> None:
    published: dict[str, dict[str, tuple[int, int]]] = {
        "city": {
            code: (v.numerator, v.denominator)
            for code, v in measures_compute(start=start, end=end, now=now).items()
        }
    }
    for by in ("unit", "area"):
        for key, values in measures_grouped(start=start, end=end, by=by, now=now).items():
            published[f"{by}:{key}"] = values
    codes = list(ANCHORS)
    for scope in sorted(set(published) | set(counts)):
        if scope.endswith(":None"):
            continue  # demands without a unit or an area: counted in the city's figures
        result.scopes += 1
        mine = counts.get(scope, {})
        theirs = published.get(scope, {})
        for code in codes:
            recomputed = tuple(mine.get(code, [0, 0]))
            shown = tuple(theirs.get(code, (0, 0)))
            result.figures += 1
            if recomputed != shown:
                result.differences.append(Difference(scope, code, shown, recomputed))  # type: ignore[arg-type]
