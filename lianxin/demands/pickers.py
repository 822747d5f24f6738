"""The dispatch form's learned unit suggestions (issue 17 part 1, the web side): the router's top three
lead units for the demand, with their scores and reasons, shown beside the routing rules' proposal in the
operator's dispatch form; one click picks a unit in the lead-unit picker (demands/pickers.js).

The suggestions come through the intel port (`intel_port.suggest_units`): nothing without the analysis
app or a trained router, and a failing router shows nothing. Registered as the panel `unit_suggestions`
in `DemandsConfig.ready`; `{% demand_panel "unit_suggestions" demand=demand %}` renders it.
"""

from __future__ import annotations

from django.http import HttpRequest

from lianxin.demands import extensions, intel_port
from lianxin.demands.callers import may_look_up
from lianxin.demands.choices import Status
from lianxin.demands.extensions import Panel
from lianxin.demands.models import Demand

TOP = 3


def unit_suggestions(request: HttpRequest | None, *, demand: Demand) -> Panel | None:
    user = getattr(request, "user", None)
    if not may_look_up(user):  # operators only, as the caller history
        return None
    text = "\n".join(t for t in (demand.title or "", demand.content or "") if t)
    rows = []
    for s in intel_port.suggest_units(text=text, area=demand.area, limit=TOP + 1):
        unit_id = s.get("unit_id")
        if not unit_id:
            continue
        if demand.status == Status.RETURNED and unit_id == demand.lead_unit_id:
            continue  # reviewing a return: never offer the unit that just returned it first
        rows.append(
            {
                "unit_id": unit_id,
                "name": s.get("name", ""),
                "pct": round(100 * float(s.get("score") or 0)),
                "reasons": [str(r) for r in s.get("reasons") or []][:3],
                "confident": bool(s.get("confident")),
            }
        )
        if len(rows) == TOP:
            break
    return Panel("demands/_unit_suggestions.html", {"rows": rows, "demand": demand})


def register() -> None:
    extensions.panel_register("unit_suggestions", unit_suggestions)
