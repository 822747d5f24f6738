"""The deadline sweep: yellow cards (黄牌) before a stage is due, red cards (红牌) after, automatic
催办 to the unit and escalation to supervisors.

Set-based and idempotent: each step is one conditional UPDATE (a row changes only if it is not yet
marked), so several workers running the sweep at once mark and urge every demand exactly once.
On PostgreSQL the red-card UPDATE, its timeline events and the per-unit counts are one statement.
Warnings reset when a demand enters a new stage (services._set_stage), so each stage is judged once.

Cost follows the rows marked: a run reads only the warn and due times that passed since the last run
(`DeadlineSweep.swept_to`, less `MARGIN` for transactions that committed late), through the partial
indexes on `warn_at` and `due_at`; and no index names the columns it writes, so on PostgreSQL each
marked row is rewritten in place (HOT, room kept by the table's fillfactor) — one WAL record, not one
per index. Every `FULL_EVERY` (and when there is no cursor, or `now` lies before it) a run reads every
passed time, catching a stage whose deadline had already passed when it was set (an import).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role
from lianxin.core.notify import Message, notify
from lianxin.demands import extensions
from lianxin.demands.choices import Action, WarningLevel
from lianxin.demands.models import DeadlineSweep, Demand, DemandEvent
from lianxin.demands.notifications import role_users, unit_handlers
from lianxin.org.models import Unit

URGE_NOTE = "系统自动催办：已超过办理时限"
CHUNK = 5000
MARGIN = timedelta(hours=1)
FULL_EVERY = timedelta(hours=1)


@dataclass
class SweepResult:
    yellow: int = 0
    red: int = 0
    red_by_unit: dict[int | None, int] = field(default_factory=dict)
    yellow_by_unit: dict[int | None, int] = field(default_factory=dict)


def _lower_bound(now: datetime) -> datetime | None:
    """The earliest warn/due time this run must read (None: all), see the module rules."""
    state = DeadlineSweep.objects.filter(key="deadline").first()
    if state is None or now < state.swept_to or now - state.full_at >= FULL_EVERY:
        return None
    return state.swept_to - MARGIN


def _advance(now: datetime, *, full: bool) -> None:
    state, created = DeadlineSweep.objects.get_or_create(
        key="deadline", defaults={"swept_to": now, "full_at": now}
    )
    if created:
        return
    changes = {"swept_to": max(state.swept_to, now)}
    if full:
        changes["full_at"] = max(state.full_at, now)
    DeadlineSweep.objects.filter(pk=state.pk).update(**changes)


def _note_stored(text: str) -> str:
    """`text` as the event's note column stores it (encrypted): the raw INSERT bypasses the model."""
    return DemandEvent._meta.get_field("note").get_db_prep_save(text, connection)


def _pg_sweep(now: datetime, lower: datetime | None) -> SweepResult:
    result = SweepResult()
    table, events = Demand._meta.db_table, DemandEvent._meta.db_table
    since = "" if lower is None else "AND warn_at > %s"
    due_since = "" if lower is None else "AND due_at > %s"
    bound = [] if lower is None else [lower]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH u AS (
                UPDATE {table} SET warning_level = %s
                WHERE warning_level = %s AND warn_at <= %s AND due_at > %s AND warn_at IS NOT NULL {since}
                RETURNING lead_unit_id
            ) SELECT lead_unit_id, count(*) FROM u GROUP BY lead_unit_id
            """,  # noqa: S608 - table names come from model metadata, values are parameters
            [WarningLevel.YELLOW, WarningLevel.NONE, now, now, *bound],
        )
        result.yellow_by_unit = {unit: n for unit, n in cursor.fetchall()}
        cursor.execute(
            f"""
            WITH u AS (
                UPDATE {table} SET warning_level = %s, was_overdue = TRUE, urge_count = urge_count + 1
                WHERE warning_level < %s AND due_at <= %s AND due_at IS NOT NULL {due_since}
                RETURNING id, lead_unit_id, status, stage
            ), ev AS (
                INSERT INTO {events} (demand_id, actor_id, action, from_status, to_status, note, data, created_at)
                SELECT id, NULL, %s, status, status, %s,
                       jsonb_build_object('system', true, 'stage', stage, 'red', true), %s
                FROM u
            ) SELECT lead_unit_id, count(*) FROM u GROUP BY lead_unit_id
            """,  # noqa: S608
            [WarningLevel.RED, WarningLevel.RED, now, *bound, Action.URGE, _note_stored(URGE_NOTE), now],
        )
        result.red_by_unit = {unit: n for unit, n in cursor.fetchall()}
        if extensions.has_listeners() and result.red_by_unit:
            # the red cards' urge events, to the listeners (webhooks, exchanges) in this transaction
            # the note is encrypted (no two tokens alike): the red mark in `data` tells the sweep's own
            marked = DemandEvent.objects.filter(
                action=Action.URGE, created_at=now, actor__isnull=True, data__red=True
            )
            for chunk_start in range(0, sum(result.red_by_unit.values()), CHUNK):
                extensions.events_recorded(list(marked.order_by("id")[chunk_start : chunk_start + CHUNK]))
        _notify(result)
        _advance(now, full=lower is None)
    return result


def _generic_sweep(now: datetime, lower: datetime | None) -> SweepResult:
    result = SweepResult()
    yellow: Counter[int | None] = Counter()
    red: Counter[int | None] = Counter()
    warn_since = {} if lower is None else {"warn_at__gt": lower}
    due_since = {} if lower is None else {"due_at__gt": lower}
    while True:
        with transaction.atomic():  # IMMEDIATE on SQLite: one sweeper writes at a time
            warned = list(
                Demand.objects.filter(
                    warning_level=WarningLevel.NONE, warn_at__lte=now, due_at__gt=now, **warn_since
                ).values_list("pk", "lead_unit_id")[:CHUNK]
            )
            if not warned:
                break
            Demand.objects.filter(pk__in=[r[0] for r in warned], warning_level=WarningLevel.NONE).update(
                warning_level=WarningLevel.YELLOW
            )
            yellow.update(r[1] for r in warned)
    while True:
        with transaction.atomic():
            rows = list(
                Demand.objects.filter(
                    warning_level__lt=WarningLevel.RED, due_at__lte=now, **due_since
                ).values_list("pk", "lead_unit_id", "status", "stage")[:CHUNK]
            )
            if not rows:
                break
            Demand.objects.filter(pk__in=[r[0] for r in rows], warning_level__lt=WarningLevel.RED).update(
                warning_level=WarningLevel.RED, was_overdue=True, urge_count=F("urge_count") + 1
            )
            events = DemandEvent.objects.bulk_create(
                [
                    DemandEvent(
                        demand_id=pk,
                        action=Action.URGE,
                        from_status=status,
                        to_status=status,
                        note=URGE_NOTE,
                        data={"system": True, "stage": stage, "red": True},
                        created_at=now,
                    )
                    for pk, _unit, status, stage in rows
                ],
                batch_size=1000,
            )
            extensions.events_recorded(events)
            red.update(r[1] for r in rows)
    result.yellow_by_unit, result.red_by_unit = dict(yellow), dict(red)
    with transaction.atomic():
        _notify(result)
        _advance(now, full=lower is None)
    return result


def _notify(result: SweepResult) -> None:
    result.yellow = sum(result.yellow_by_unit.values())
    result.red = sum(result.red_by_unit.values())
    if not result.yellow and not result.red:
        return
    names: dict[int | None, str] = dict(  # no unit (None): not dispatched, no name
        Unit.objects.filter(
            pk__in=[u for u in {*result.red_by_unit, *result.yellow_by_unit} if u]
        ).values_list("pk", "name")
    )
    for unit_id, count in result.yellow_by_unit.items():
        if unit_id:
            notify(
                unit_handlers([unit_id]),
                title=Message(gettext_noop("黄牌预警：%(count)s 件工单即将到期"), {"count": count}),
                kind="warning",
            )
    for unit_id, count in result.red_by_unit.items():
        if unit_id:
            notify(
                unit_handlers([unit_id]),
                title=Message(gettext_noop("催办：%(count)s 件工单已超期（红牌）"), {"count": count}),
                kind="urge",
            )
    unrouted = result.red_by_unit.get(None, 0)
    if unrouted:
        notify(
            role_users(Role.OPERATOR),
            title=Message(gettext_noop("催办：%(count)s 件工单超期未派单/未审核"), {"count": unrouted}),
            kind="urge",
        )
    if result.red:
        by_count = sorted(result.red_by_unit.items(), key=lambda x: -x[1])
        notify(
            role_users(Role.SUPERVISOR),
            title=Message(gettext_noop("超期升级：本轮新增红牌 %(count)s 件"), {"count": result.red}),
            body=[_unit_line(names.get(u), n) for u, n in by_count[:50]],
            kind="escalation",
        )


def _unit_line(unit_name: str | None, count: int) -> Message:
    """One line of the supervisors' escalation: a unit's new red cards (no unit: not dispatched)."""
    if unit_name is None:
        return Message(gettext_noop("未派单：%(count)s 件"), {"count": count})
    return Message(gettext_noop("%(unit)s：%(count)s 件"), {"unit": unit_name, "count": count})


def deadline_sweep(*, now: datetime | None = None) -> SweepResult:
    """Mark yellow and red cards as of `now`, urge the units and escalate; safe to run concurrently."""
    now = now or timezone.now()
    lower = _lower_bound(now)
    if connection.vendor == "postgresql":
        return _pg_sweep(now, lower)
    return _generic_sweep(now, lower)


def sweep_summary(result: SweepResult) -> str:
    return json.dumps({"yellow": result.yellow, "red": result.red})
