"""Deterministic demo data, assembled from each app's loader (settings.LIANXIN_DEMO_LOADERS).

Loaders receive one shared `DemoContext` so later loaders can use earlier ones' objects
(areas, units, users). Everything is seeded so two loads give the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string


class DemoRefused(Exception):
    pass


@dataclass
class DemoContext:
    now: datetime
    rng: random.Random
    objects: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


def demo_allowed() -> bool:
    return not settings.PRODUCTION


def database_is_empty() -> bool:
    return not get_user_model().objects.exists()


def demo_load(*, now: datetime | None = None, seed: int = 20260101) -> DemoContext:
    """Load every app's demo data in one transaction; refuses in production or on a non-empty database."""
    if not demo_allowed():
        raise DemoRefused("Demo data is never loaded in production mode (DEBUG is off).")
    if not database_is_empty():
        raise DemoRefused("The database already has users; demo data loads only into an empty database.")
    ctx = DemoContext(now=now or timezone.now(), rng=random.Random(seed))
    with transaction.atomic():
        for path in settings.LIANXIN_DEMO_LOADERS:
            import_string(path)(ctx)
    return ctx
