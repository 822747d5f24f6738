"""Demo data of the projects app (filled by the app)."""

from __future__ import annotations

from typing import Any


def load(ctx: Any) -> None:
    """Nothing yet."""
