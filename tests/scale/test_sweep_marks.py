"""The deadline sweep reads only what passed since its last run, and writes no indexed column."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from lianxin.demands import sweep
from lianxin.demands.choices import Status, WarningLevel
from lianxin.demands.models import DeadlineSweep, Demand
from tests.demands.factories import make_demand

SWEEP_WRITES = {"warning_level", "was_overdue", "urge_count"}


def _names(q: Q) -> set[str]:
    out = set()
    for child in q.children:
        if isinstance(child, Q):
            out |= _names(child)
        else:
            out.add(child[0].split("__")[0])
    return out


def test_no_index_of_the_demands_table_names_a_column_the_sweep_writes():
    """So a marked row is rewritten in place on PostgreSQL (HOT): no index entry per marked row."""
    for index in Demand._meta.indexes:
        named = {f.lstrip("-") for f in index.fields} | (
            _names(index.condition) if index.condition else set()
        )
        assert not named & SWEEP_WRITES, index.name
    for f in Demand._meta.concrete_fields:
        if f.name in SWEEP_WRITES:
            assert not (f.db_index or f.unique), f.name


def test_a_run_reads_only_the_times_passed_since_the_last_one(world):
    first = make_demand(world, Status.DISPATCHED)
    swept = first.due_at + timedelta(minutes=1)
    assert sweep.deadline_sweep(now=swept).red == 1
    state = DeadlineSweep.objects.get()
    assert state.swept_to == swept and state.full_at == swept
    # a deadline that passed long before the last run (an import) is not read by the next run …
    old = make_demand(world, Status.DISPATCHED)
    Demand.objects.filter(pk=old.pk).update(
        due_at=swept - timedelta(days=3), warn_at=swept - timedelta(days=4), warning_level=WarningLevel.NONE
    )
    later = swept + timedelta(minutes=5)
    assert sweep.deadline_sweep(now=later).red == 0
    # … but by the next full run (every FULL_EVERY), which catches it once
    full = swept + sweep.FULL_EVERY + timedelta(minutes=1)
    assert sweep.deadline_sweep(now=full).red == 1
    assert DeadlineSweep.objects.get().full_at == full
    old.refresh_from_db()
    assert old.warning_level == WarningLevel.RED and old.urge_count == 1


def test_a_deadline_passing_after_the_last_run_is_marked_by_the_next(world):
    sweep.deadline_sweep(now=make_demand(world, Status.ACCEPTED).created_at)
    d = make_demand(world, Status.DISPATCHED)
    assert sweep.deadline_sweep(now=d.warn_at + timedelta(seconds=1)).yellow == 1
    assert sweep.deadline_sweep(now=d.due_at + timedelta(seconds=1)).red == 1
    d.refresh_from_db()
    assert d.warning_level == WarningLevel.RED and d.was_overdue


def test_a_clock_before_the_cursor_reads_everything(world):
    d = make_demand(world, Status.DISPATCHED)
    sweep.deadline_sweep(now=d.due_at + timedelta(days=30))  # marks d
    Demand.objects.filter(pk=d.pk).update(warning_level=WarningLevel.NONE)
    assert sweep.deadline_sweep(now=d.due_at + timedelta(minutes=1)).red == 1
