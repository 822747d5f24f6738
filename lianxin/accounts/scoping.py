"""Scoping helpers: every list and detail is filtered through these, so no role sees more than it needs.
`unit_q` limits to records of the user's unit; `area_q` to the user's area subtree. Apps combine
them with their own rules (e.g. a handler sees demands where its unit is lead or assisting).
"""

from __future__ import annotations

from django.db.models import Q

from lianxin.accounts.models import Viewer

NOTHING = Q(pk__in=[])


def area_q(user: Viewer, field: str = "area") -> Q:
    """Records whose `field` (an Area FK) lies in the user's area subtree; nothing without a scope."""
    if user is None or not user.is_authenticated:
        return NOTHING
    if user.sees_all:
        return Q()
    area = user.area_scope
    if area is None:
        return NOTHING
    return area.subtree_q(field)


def unit_q(user: Viewer, field: str = "unit") -> Q:
    """Records whose `field` (a Unit FK) is the user's unit; nothing without a unit."""
    if user is None or not user.is_authenticated:
        return NOTHING
    if user.sees_all:
        return Q()
    if user.unit_id is None:
        return NOTHING
    return Q(**{f"{field}_id": user.unit_id})
