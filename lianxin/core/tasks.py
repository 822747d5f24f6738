"""Background tasks of the core, and the periodic-task hook that other apps use.

Apps register periodic work with `periodic(crontab(...))` below (Huey's db_periodic_task),
for example the demand deadline sweep; the worker of `lianxin serve` or `lianxin run_huey` runs them.
One-off work goes through the outbox (lianxin.core.outbox): its handlers are registered here and in
the other apps' `tasks` modules, which the worker imports.
"""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lianxin.core import sms  # noqa: F401 - registers the SMS delivery handler in the worker
from lianxin.core.notify import NOTIFY_TASK, notification_deliver
from lianxin.core.outbox import outbox_handler, outbox_reconcile

periodic = db_periodic_task
__all__ = ["crontab", "periodic", "notification_deliver_handler", "outbox_reconcile_task"]


class DeliveryFailed(Exception):
    pass


@outbox_handler(NOTIFY_TASK)
def notification_deliver_handler(payload: dict[str, Any]) -> None:
    """External delivery of notifications (idempotent: a sender that already sent is skipped)."""
    ids = [int(i) for i in payload["ids"]]
    if notification_deliver(ids):
        raise DeliveryFailed(f"{ids}: some senders failed; the outbox retries")


@periodic(crontab(minute="*"))
def outbox_reconcile_task() -> int:
    """Every minute: queue again the outbox rows whose worker died or whose queueing failed."""
    return outbox_reconcile()
