"""Times handed to the Django-free intel core: naive, in local time (as its data files have them)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def local_naive(moment: datetime | None) -> datetime | None:
    """`moment` in local time without its zone; a naive moment is taken as local already."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment
