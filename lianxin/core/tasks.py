"""Background tasks of the core, and the periodic-task hook that other apps use.

Apps register periodic work with `periodic(crontab(...))` below (Huey's db_periodic_task),
for example the demand deadline sweep; the worker of `lianxin serve` or `lianxin run_huey` runs them.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from lianxin.core.notify import notification_deliver

periodic = db_periodic_task
__all__ = ["crontab", "periodic", "notification_deliver_task"]


class DeliveryFailed(Exception):
    pass


@db_task(retries=3, retry_delay=30)
def notification_deliver_task(notification_ids: list[int]) -> None:
    if notification_deliver(notification_ids):
        raise DeliveryFailed(f"{notification_ids}: some senders failed; Huey retries")
