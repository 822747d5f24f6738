"""The Chinese working-day calendar: statutory holidays and make-up workdays (调休).

Order of authority for a date: the admin table `CalendarDay` → the bundled `chinesecalendar` for
the years it covers → weekends-only (Mon–Fri work) for uncovered years, which `uncovered_years()`
reports so admins see a warning (admin pages and `manage.py check`).
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar

from lianxin.demands.models import CalendarDay

_OVERRIDES_TTL = 60.0
_lock = threading.Lock()
_overrides: dict[date, bool] | None = None
_overrides_loaded_at = 0.0


def overrides_clear() -> None:
    """Forget cached admin overrides (called when a CalendarDay row changes)."""
    global _overrides
    with _lock:
        _overrides = None


def _admin_overrides() -> dict[date, bool]:
    global _overrides, _overrides_loaded_at
    now = time.monotonic()
    with _lock:
        if _overrides is not None and now - _overrides_loaded_at < _OVERRIDES_TTL:
            return _overrides
    loaded = dict(CalendarDay.objects.values_list("date", "is_workday"))
    with _lock:
        _overrides, _overrides_loaded_at = loaded, now
    return loaded


@lru_cache(maxsize=64)
def year_is_covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _bundled_is_workday(day: date) -> bool:
    if year_is_covered(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    table = _admin_overrides() if overrides is None else overrides
    if day in table:
        return table[day]
    return _bundled_is_workday(day)


def add_working_days(start: datetime, days: int, overrides: dict[date, bool] | None = None) -> datetime:
    """The moment `days` working days after `start`.

    Counting starts the day after `start`; the due time keeps the clock time of `start` when `start`
    falls on a working day. Started on a rest day, the clock starts at the next working day's
    beginning, so the due time is the end (23:59:59) of the `days`-th working day.
    """
    if days <= 0:
        return start
    table = _admin_overrides() if overrides is None else overrides
    day = start.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, table):
            counted += 1
    if is_working_day(start.date(), table):
        return start.replace(year=day.year, month=day.month, day=day.day)
    return start.replace(
        year=day.year, month=day.month, day=day.day, hour=23, minute=59, second=59, microsecond=0
    )


def working_days_between(start: date, end: date, overrides: dict[date, bool] | None = None) -> int:
    """Working days in the half-open interval (start, end]."""
    table = _admin_overrides() if overrides is None else overrides
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, table)
    return count


def uncovered_years(years: list[int] | None = None) -> list[int]:
    """Years (this one and the next by default) counted weekends-only unless admins fill CalendarDay."""
    years = years or [date.today().year, date.today().year + 1]
    missing = []
    for year in years:
        if year_is_covered(year):
            continue
        if not CalendarDay.objects.filter(date__year=year).exists():
            missing.append(year)
    return missing
