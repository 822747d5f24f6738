"""Background work of contact: the weekly coverage reminder."""

from __future__ import annotations

from lianxin.contact.services import coverage_remind
from lianxin.core.tasks import crontab, periodic


@periodic(crontab(day_of_week="1", hour="8", minute="30"))
def coverage_remind_task() -> int:
    """Every Monday 08:30: remind each cadre with contact points or households not yet visited this cycle."""
    return coverage_remind()
