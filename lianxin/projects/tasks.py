"""Background work of the 民生实事 ledger: the daily red card of overdue milestones."""

from __future__ import annotations

from lianxin.core.tasks import crontab, periodic
from lianxin.projects.services import milestones_overdue_mark


@periodic(crontab(hour="0", minute="20"))
def milestones_overdue_task() -> int:
    """Every day 00:20: mark the milestones past their date (red card) and tell the responsible cadre."""
    return milestones_overdue_mark()
