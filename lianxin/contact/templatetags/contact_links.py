"""Links from other apps' pages to contact work: the visit a demand came from (来源走访)."""

from __future__ import annotations

from typing import Any

from django import template

from lianxin.contact.access import may_view_cadre
from lianxin.contact.models import VisitProblem

register = template.Library()


@register.inclusion_tag("contact/_visit_source.html", takes_context=True)
def visit_source(context: dict[str, Any], demand: Any) -> dict[str, Any]:
    """「来源走访」 of a demand raised on a visit: linked for users who may see the visit (the visit page's
    own rule), plain text for the others; nothing for demands of other channels (no query either)."""
    from lianxin.demands.choices import Channel

    if demand is None or demand.channel != Channel.VISIT:
        return {"visit": None}
    problem = (
        VisitProblem.objects.select_related("visit__cadre", "visit__contact_point")
        .filter(demand_id=demand.pk)
        .first()
    )
    if problem is None:
        return {"visit": None}
    request = context.get("request")
    user = getattr(request, "user", None)
    linked = user is not None and may_view_cadre(user, problem.visit.cadre)
    return {"visit": problem.visit, "linked": linked}
