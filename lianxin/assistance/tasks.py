"""Background work of the assistance ledger: the daily reminder of follow-ups falling due."""

from __future__ import annotations

from lianxin.assistance.services import follow_up_reminders_send
from lianxin.core.tasks import crontab, periodic


@periodic(crontab(hour="8", minute="10"))
def follow_up_reminders_task() -> int:
    """Every day 08:10: remind each paired cadre of the follow-ups due within three days or overdue."""
    return follow_up_reminders_send()
