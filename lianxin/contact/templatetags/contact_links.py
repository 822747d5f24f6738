"""Links from other apps' pages to contact work: the visit a demand came from (来源走访)."""

from __future__ import annotations

from typing import Any

from django import template

from lianxin.contact.access import may_view_cadre
from lianxin.contact.selectors import visit_of_demand

register = template.Library()


@register.inclusion_tag("contact/_visit_source.html", takes_context=True)
def visit_source(context: dict[str, Any], demand: Any) -> dict[str, Any]:
    """「来源走访」 of a demand raised on a visit: linked for users who may see the visit (the visit page's
    own rule), plain text for the others; nothing for demands of other channels (no query either)."""
    visit = visit_of_demand(demand)
    if visit is None:
        return {"visit": None}
    user = getattr(context.get("request"), "user", None)
    return {"visit": visit, "linked": user is not None and may_view_cadre(user, visit.cadre)}
