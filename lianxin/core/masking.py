"""Masking of personal data for roles that need not see it (and for the public)."""

from __future__ import annotations


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


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
