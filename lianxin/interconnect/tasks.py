"""Background work of the interconnect app: the sender of deliveries (kicked after each commit that owes
messages, and every minute), and the webhook reconciler (every ten minutes)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from lianxin.core.tasks import crontab, periodic
from lianxin.interconnect.deliveries import deliveries_drain
from lianxin.interconnect.webhooks import webhooks_reconcile


@db_task()
def deliveries_send_task() -> None:
    deliveries_drain(seconds=20)


@periodic(crontab(minute="*"))
def deliveries_send_periodic_task() -> None:
    deliveries_drain(seconds=50)


@periodic(crontab(minute="*/10"))
def webhooks_reconcile_task() -> None:
    webhooks_reconcile()
