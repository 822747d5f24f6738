"""Settings of the mediation app, read with their defaults here until `lianxin/settings/base.py` carries
them (the app does not own that file; see docs/mediation.md)."""

from __future__ import annotations

from django.conf import settings


def mediation_days() -> int:
    """人民调解法 §28: a mediation ends within 30 days of acceptance unless the parties agree otherwise."""
    return int(getattr(settings, "LIANXIN_MEDIATION_DAYS", 30))


def due_soon_days() -> int:
    """The workbench's 「即将到期」: cases due within this many days."""
    return int(getattr(settings, "LIANXIN_MEDIATION_DUE_SOON_DAYS", 7))


def scan_max_bytes() -> int:
    return int(getattr(settings, "LIANXIN_MEDIATION_SCAN_MAX_BYTES", 20 * 1024 * 1024))
