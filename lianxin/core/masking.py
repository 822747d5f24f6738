"""Masking of personal data for roles that need not see it (and for the public)."""

from __future__ import annotations


def mask_phone(value: str | None) -> str:
    """The digits of a phone number with the middle hidden, as many stars as digits hidden.

    A mobile (11 digits) or a landline with its area code keeps the first 3 and the last 4, the usual
    138****5678. A shorter number (a local landline of 7 or 8 digits, 9–10 with a short area code)
    keeps at most the first 2 and the last 2 and never more than half its digits: 3 + 4 of 7 digits
    would show the whole number and of 8 digits hide only one. Under 7 digits nothing is shown."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    n = len(digits)
    if n >= 11:
        head, tail = 3, 4
    elif n >= 7:
        shown = min(4, n // 2)
        tail = (shown + 1) // 2
        head = shown - tail
    else:
        return "*" * n
    return digits[:head] + "*" * (n - head - tail) + digits[n - tail :]


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 1:
        return "*"
    return value[0] + "*" * (len(value) - 1)


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(value: str | None, keep: int = 6) -> str:
    if not value:
        return ""
    return value[:keep] + ("***" if len(value) > keep else "")
