"""The transactional outbox: background work that is written with the change that causes it.

`outbox_add(task, key=..., payload=...)` is called INSIDE the caller's transaction. It writes one
`OutboxItem` row, so the work exists exactly when the change committed (a rollback takes it away too),
and after commit it queues a Huey task that runs the handler registered with `@outbox_handler(task)`.

- At least once: a row is done only when its handler returned. A failure is retried with exponential
  backoff (`LIANXIN_OUTBOX_BACKOFF` seconds, doubled each attempt, at most an hour) until
  `LIANXIN_OUTBOX_MAX_ATTEMPTS`, then left `failed` (shown in /healthz and /metrics).
- Nothing lost: a worker takes a row by a lease (`claimed_until`, `LIANXIN_OUTBOX_TIMEOUT` seconds).
  The reconciler (a Huey periodic task, every minute) queues again every pending row whose lease ran
  out or that was never taken (the queue was down at commit, or a worker was killed mid-task).
- Idempotent: a second add with the same `key` is a no-op; two workers never run one row at once
  (the lease is taken by one conditional UPDATE). A handler may still run twice for one row (a worker
  killed after the handler's effect and before the row was marked done), so each handler must be
  idempotent on its payload.

Handlers live in the apps' `tasks` modules (the worker imports every one of them); the module that
runs a row imports them too when it does not know the task yet.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import db_task

from lianxin.core.models import OutboxItem, OutboxStatus

logger = logging.getLogger("lianxin.outbox")

Handler = Callable[[dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}
__all__ = ["outbox_add", "outbox_handler", "outbox_reconcile", "outbox_run", "outbox_stats"]


def _timeout() -> int:
    return int(getattr(settings, "LIANXIN_OUTBOX_TIMEOUT", 300))


def _max_attempts() -> int:
    return int(getattr(settings, "LIANXIN_OUTBOX_MAX_ATTEMPTS", 10))


def _backoff(attempts: int) -> int:
    base = int(getattr(settings, "LIANXIN_OUTBOX_BACKOFF", 15))
    return int(min(3600, base * 2 ** max(0, attempts - 1)))


def outbox_handler(task: str) -> Callable[[Handler], Handler]:
    """Register `handler(payload)` for `task`; it must be idempotent (it may run more than once)."""

    def register(handler: Handler) -> Handler:
        existing = _HANDLERS.get(task)
        if existing is not None and existing is not handler and existing.__qualname__ != handler.__qualname__:
            raise ValueError(f"outbox task {task!r} already has a handler: {existing!r}")
        _HANDLERS[task] = handler
        return handler

    return register


def outbox_add(task: str, *, key: str, payload: dict[str, Any]) -> None:
    """Add background work in the caller's transaction; it runs after commit (see the module docstring)."""
    if not task or len(task) > 100:
        raise ValueError(f"outbox task name must be 1-100 characters: {task!r}")
    if not key or len(key) > 200:
        raise ValueError(f"outbox key must be 1-200 characters: {key!r}")
    json.dumps(payload)  # a payload that is not JSON fails here, at the call site, not in the worker
    item_id = _insert_once(OutboxItem(key=key, task=task, payload=payload))
    if item_id is None:
        return  # already added (idempotent on key)
    transaction.on_commit(lambda: _enqueue(item_id), robust=True)


def _insert_once(item: OutboxItem) -> int | None:
    """Insert the row unless its key is taken, in one statement (`ON CONFLICT (key) DO NOTHING RETURNING
    id`, PostgreSQL and SQLite ≥ 3.35): no savepoint, so a submission's transaction makes one round trip
    for its outbox row instead of three. The id, or None when the key was there."""
    meta = OutboxItem._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    values = [f.get_db_prep_save(f.pre_save(item, True), connection) for f in fields]
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608 - the model's own names
        f"ON CONFLICT ({quote(meta.get_field('key').column)}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _enqueue(item_id: int, delay: int = 0) -> None:
    """Queue the Huey task of a row; a queue outage is left to the reconciler."""
    try:
        if delay:
            outbox_run_task.schedule((item_id,), delay=delay)
        else:
            outbox_run_task(item_id)
    except Exception:
        logger.exception("queueing outbox item %s failed; the reconciler will queue it", item_id)


def _handler(task: str) -> Handler | None:
    if task not in _HANDLERS:
        autodiscover_modules("tasks")
    return _HANDLERS.get(task)


def _claim(item_id: int) -> bool:
    """Take the lease on a due pending row; False when another worker has it or it is done or not due."""
    now = timezone.now()
    taken = (
        OutboxItem.objects.filter(pk=item_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=_timeout()), attempts=F("attempts") + 1)
    )
    return taken == 1


def outbox_run(item_id: int) -> bool:
    """Run one row if it is due and free; True when its handler ran and the row is done."""
    if not _claim(item_id):
        return False
    item = OutboxItem.objects.get(pk=item_id)
    handler = _handler(item.task)
    try:
        if handler is None:
            raise LookupError(f"no outbox handler registered for {item.task!r}")
        handler(dict(item.payload))
    except Exception as exc:  # noqa: BLE001 - any handler failure is recorded and retried
        _failed(item, exc)
        return False
    OutboxItem.objects.filter(pk=item_id).update(
        status=OutboxStatus.DONE, done_at=timezone.now(), claimed_until=None, last_error=""
    )
    return True


def _failed(item: OutboxItem, exc: Exception) -> None:
    give_up = item.attempts >= _max_attempts()
    delay = _backoff(item.attempts)
    logger.warning(
        "outbox %s (%s) attempt %s failed: %s: %s%s",
        item.pk,
        item.task,
        item.attempts,
        type(exc).__name__,
        exc,
        "; giving up" if give_up else f"; retry in {delay}s",
    )
    OutboxItem.objects.filter(pk=item.pk).update(
        status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        claimed_until=None,
        last_error=f"{type(exc).__name__}: {exc}"[:500],
    )
    if not give_up:
        _enqueue(item.pk, delay=delay)


@db_task()
def outbox_run_task(item_id: int) -> None:
    outbox_run(item_id)


def outbox_reconcile(*, limit: int = 1000, run: bool = False) -> int:
    """Queue again (or, with `run`, run here) every due pending row not taken, or whose lease ran out.

    A row added in the last few seconds is left alone (its own after-commit task is on its way)."""
    now = timezone.now()
    grace = min(30, _timeout())
    due = (
        OutboxItem.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(Q(created_at__lt=now - timedelta(seconds=grace)) | Q(attempts__gt=0))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    for item_id in ids:
        if run:
            outbox_run(item_id)
        else:
            _enqueue(item_id)
    if ids:
        logger.info("outbox reconciler queued %s item(s)", len(ids))
    return len(ids)


def outbox_stats() -> dict[str, Any]:
    """Pending and failed counts and the age in seconds of the oldest pending row (0 when none)."""
    pending = OutboxItem.objects.filter(status=OutboxStatus.PENDING)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    return {
        "pending": pending.count(),
        "failed": OutboxItem.objects.filter(status=OutboxStatus.FAILED).count(),
        "oldest_pending_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0,
    }
