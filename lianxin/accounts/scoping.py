"""Scoping helpers: every list and detail is filtered through these, so no role sees more than it needs.

`unit_q` limits to records of the user's unit; `area_q` to the user's area subtree. Apps combine
them with their own rules (e.g. a handler sees demands where its unit is lead or assisting).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

NOTHING = Q(pk__in=[])


def area_q(user: Any, field: str = "area") -> Q:
    """Records whose `field` (an Area FK) lies in the user's area subtree; nothing without a scope."""
    if getattr(user, "sees_all", False):
        return Q()
    area = getattr(user, "area_scope", None)
    if area is None:
        return NOTHING
    return area.subtree_q(field)


def unit_q(user: Any, field: str = "unit") -> Q:
    """Records whose `field` (a Unit FK) is the user's unit; nothing without a unit."""
    if getattr(user, "sees_all", False):
        return Q()
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None:
        return NOTHING
    return Q(**{f"{field}_id": unit_id})
