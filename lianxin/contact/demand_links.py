"""What contact work adds to demand pages and records (registered with lianxin.demands.extensions in
ContactConfig.ready): the visit a demand came from (来源走访)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lianxin.contact.access import may_view_cadre
from lianxin.contact.selectors import visit_of_demand
from lianxin.demands import extensions
from lianxin.demands.extensions import Panel
from lianxin.demands.models import Demand


def visit_source(request: HttpRequest | None, *, demand: Demand) -> Panel:
    """「来源走访」 of a demand raised on a visit: linked for users who may see the visit (the visit page's
    own rule), plain text for the others; nothing for demands of other channels (no query either)."""
    visit = visit_of_demand(demand)
    if visit is None:
        return Panel("contact/_visit_source.html", {"visit": None})
    user = getattr(request, "user", None)
    values: dict[str, Any] = {
        "visit": visit,
        "linked": user is not None and may_view_cadre(user, visit.cadre),
    }
    return Panel("contact/_visit_source.html", values)


def visit_id(demand: Demand) -> int | None:
    visit = visit_of_demand(demand)
    return visit.pk if visit is not None else None


def register() -> None:
    extensions.panel_register("visit_source", visit_source)
    extensions.lookups_register(visit_id=visit_id)
