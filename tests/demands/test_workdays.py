from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.demands.models import CalendarDay
from lianxin.demands.workdays import (
    add_working_days,
    is_working_day,
    overrides_clear,
    uncovered_years,
    working_days_between,
    year_is_covered,
)

NO_OVERRIDES: dict = {}


def test_national_day_break_2025():
    # 2025-10-01..08 off; Sunday 09-28 and Saturday 10-11 are make-up workdays.
    for day in range(1, 9):
        assert not is_working_day(date(2025, 10, day), NO_OVERRIDES)
    assert is_working_day(date(2025, 9, 28), NO_OVERRIDES)
    assert is_working_day(date(2025, 10, 11), NO_OVERRIDES)
    # Tuesday 30 Sept 10:00 + 1 working day → Thursday 9 Oct 10:00.
    assert add_working_days(datetime(2025, 9, 30, 10, 0), 1, NO_OVERRIDES) == datetime(2025, 10, 9, 10, 0)


def test_spring_festival_2026():
    # 2026 春节: 15–23 Feb off; Saturday 14 Feb and 28 Feb are make-up workdays.
    assert is_working_day(date(2026, 2, 14), NO_OVERRIDES)
    for day in range(15, 24):
        assert not is_working_day(date(2026, 2, day), NO_OVERRIDES)
    assert add_working_days(datetime(2026, 2, 13, 9, 0), 2, NO_OVERRIDES) == datetime(2026, 2, 24, 9, 0)


def test_year_boundary_new_year():
    # 2025-12-31 (Wed) + 1 working day: 1 Jan 2026 is a holiday (1–3 Jan off) → Sunday 4 Jan is a make-up day.
    result = add_working_days(datetime(2025, 12, 31, 15, 0), 1, NO_OVERRIDES)
    assert result.date() > date(2026, 1, 1) and is_working_day(result.date(), NO_OVERRIDES)


def test_starting_on_rest_day_runs_to_end_of_day():
    saturday = datetime(2026, 3, 7, 11, 0)
    assert add_working_days(saturday, 1, NO_OVERRIDES) == datetime(2026, 3, 9, 23, 59, 59)


def test_uncovered_year_is_weekends_only_and_reported(db):
    assert not year_is_covered(2040)
    assert is_working_day(date(2040, 1, 2), NO_OVERRIDES)  # a Monday
    assert not is_working_day(date(2040, 1, 7), NO_OVERRIDES)  # a Saturday
    assert 2040 in uncovered_years([2040])
    CalendarDay.objects.create(date=date(2040, 1, 2), is_workday=False, name="元旦")
    assert 2040 not in uncovered_years([2040])


def test_admin_override_wins(db):
    overrides_clear()
    CalendarDay.objects.create(date=date(2026, 3, 9), is_workday=False, name="特殊放假")
    assert not is_working_day(date(2026, 3, 9))
    CalendarDay.objects.create(date=date(2026, 3, 8), is_workday=True, name="调休上班")
    assert is_working_day(date(2026, 3, 8))
    overrides_clear()


moments = st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2045, 12, 1))


@settings(max_examples=150, deadline=None)
@given(start=moments, days=st.integers(min_value=1, max_value=30))
def test_result_is_a_working_day_and_counts_exactly(start, days):
    due = add_working_days(start, days, NO_OVERRIDES)
    assert due > start
    assert is_working_day(due.date(), NO_OVERRIDES)
    assert working_days_between(start.date(), due.date(), NO_OVERRIDES) == days


@settings(max_examples=100, deadline=None)
@given(start=moments, a=st.integers(min_value=1, max_value=15), b=st.integers(min_value=1, max_value=15))
def test_monotonic_in_days(start, a, b):
    lo, hi = sorted((a, b))
    assert add_working_days(start, lo, NO_OVERRIDES) <= add_working_days(start, hi, NO_OVERRIDES)


@settings(max_examples=60, deadline=None)
@given(start=moments)
def test_zero_days_is_identity(start):
    assert add_working_days(start, 0, NO_OVERRIDES) == start


@pytest.mark.parametrize("days", [3, 5, 10, 15])
def test_reply_limits_never_shorter_than_calendar_days(days):
    start = datetime(2026, 9, 29, 9, 0)  # just before National Day
    assert add_working_days(start, days, NO_OVERRIDES) - start >= timedelta(days=days)
