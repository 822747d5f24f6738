"""`{% demand_panel name key=value … %}`: a panel another app registered for demand pages
(lianxin.demands.extensions), or nothing when that app is absent or its panel fails. The demands
templates load only this library, so they render whichever apps are installed. The panel renders in the
page's own context, as an inclusion tag would (no second run of the context processors)."""

from __future__ import annotations

from typing import Any

from django import template

from lianxin.demands import extensions

register = template.Library()


@register.simple_tag(takes_context=True)
def demand_panel(context: template.Context, name: str, **values: Any) -> str:
    found = extensions.panel(name, context.get("request"), **values)
    if found is None or context.template is None:
        return ""
    panel_template = context.template.engine.get_template(found.template)
    inner = context.new(found.values)
    if "csrf_token" in context:
        inner["csrf_token"] = context["csrf_token"]
    return panel_template.render(inner)
