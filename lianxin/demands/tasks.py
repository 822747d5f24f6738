"""Background work of the demand app: the periodic deadline sweep."""

from __future__ import annotations

import logging

from lianxin.core.tasks import crontab, periodic
from lianxin.demands.sweep import deadline_sweep

logger = logging.getLogger("lianxin.demands")


@periodic(crontab(minute="*/5"))
def deadline_sweep_task() -> None:
    result = deadline_sweep()
    if result.yellow or result.red:
        logger.info("deadline sweep: %s yellow, %s red", result.yellow, result.red)
