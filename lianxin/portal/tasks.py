"""Background work of the publishing site."""

from __future__ import annotations

from lianxin.core.tasks import crontab, periodic
from lianxin.portal.counter import views_flush


@periodic(crontab(minute="*"))
def portal_views_flush_task() -> int:
    """Store the view counts buffered in the cache (every minute)."""
    return views_flush()
