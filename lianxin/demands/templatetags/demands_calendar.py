"""`{% calendar_status %}`: warns the staff who watch deadlines when a year's statutory holidays are not
known (chinesecalendar has no table for it and admins have entered no days), since deadlines in that
year are then counted Monday to Friday."""

from __future__ import annotations

from typing import Any

from django import template

from lianxin.accounts.models import Role
from lianxin.demands.workdays import uncovered_years

register = template.Library()

WATCHERS = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)


@register.inclusion_tag("demands/_calendar_status.html", takes_context=True)
def calendar_status(context: dict[str, Any]) -> dict[str, Any]:
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated or not any(user.has_role(r) for r in WATCHERS):
        return {"years": []}
    return {"years": uncovered_years(), "is_admin": user.has_role(Role.ADMIN)}
