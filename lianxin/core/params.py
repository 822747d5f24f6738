"""Numbers typed by people into query strings and forms: ids and page numbers, and the records ids name.

`str.isdigit()` is also true of "²" or "١٢" (which `int` refuses) and of a 30-digit number (which no
database integer holds), so every id or page number from outside is read here: ASCII digits within range,
or None. Callers treat None as "not given" or "not found", never as a server error.
"""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1  # the largest bigint primary key
MAX_PAGE = 1_000_000  # far past any list's end, small enough that page × size stays a safe offset


def as_id(value: object) -> int | None:
    """A database id: 1 … MAX_ID from ASCII digits (surrounding spaces allowed); otherwise None."""
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def as_page(value: object) -> int:
    """A page number: 1 … MAX_PAGE; anything else is page 1."""
    number = as_id(value)
    return min(number, MAX_PAGE) if number else 1


def by_id(records: Any, value: object) -> Any | None:
    """The record of `records` (a model or a queryset) whose id `value` names; None when `value` is no
    id (see `as_id`) or names nothing there."""
    pk = as_id(value)
    if pk is None:
        return None
    return getattr(records, "objects", records).filter(pk=pk).first()
