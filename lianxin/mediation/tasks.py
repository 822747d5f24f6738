"""Background work of mediation: the overdue sweep (超期红牌)."""

from __future__ import annotations

from lianxin.core.tasks import crontab, periodic
from lianxin.mediation.services import case_red_card_sweep


@periodic(crontab(minute="7"))
def case_red_card_task() -> int:
    """Every hour at :07: red-card the active cases past their 30-day (or agreed) deadline."""
    return case_red_card_sweep()
