"""`manage.py check` warns when the working-day calendar falls back to weekends-only."""

from __future__ import annotations

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

from lianxin.demands.workdays import uncovered_years


@register(Tags.database, deploy=True)
def calendar_coverage_check(app_configs, **kwargs):
    try:
        missing = uncovered_years()
    except DatabaseError:
        return []
    return [
        Warning(
            f"Working-day calendar: year {year} is not covered by chinesecalendar and has no CalendarDay rows; "
            "deadlines count Monday–Friday only.",
            hint="Add the year's holidays and make-up workdays in the admin (节假日/调休).",
            id="demands.W001",
        )
        for year in missing
    ]
