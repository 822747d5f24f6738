"""Calendar days typed by people (query parameters, forms): ISO format, within the years the system serves.

A day far outside them (0001-01-01, 9999-12-31) is not a date anyone means, and turning it into an aware
datetime or adding a day to it overflows; so it is refused here, like a malformed one.
"""

from __future__ import annotations

from datetime import date

EARLIEST = date(1970, 1, 1)
LATEST = date(2100, 12, 31)


def parse_day(text: str) -> date:
    """`YYYY-MM-DD` → date; ValueError when malformed or outside EARLIEST…LATEST."""
    day = date.fromisoformat(text)
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{text!r} is outside {EARLIEST.isoformat()} … {LATEST.isoformat()}")
    return day
