"""What mediation adds to demand pages (registered with lianxin.demands.extensions in
MediationConfig.ready): the panel 「矛盾纠纷调处」 listing the cases opened from the demand (linked where
the viewer may open them) and, for staff who may open cases, the link to open one from it."""

from __future__ import annotations

from django.http import HttpRequest

from lianxin.demands import extensions
from lianxin.demands.extensions import Panel
from lianxin.demands.models import Demand
from lianxin.mediation.access import case_visible_q
from lianxin.mediation.models import Case
from lianxin.mediation.transitions import OPENERS


def mediation_panel(request: HttpRequest | None, *, demand: Demand) -> Panel | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_role(*OPENERS):
        return None  # citizens and the public see nothing of mediation
    cases = list(Case.objects.filter(demand=demand).order_by("-opened_at", "-pk")[:20])
    visible = set(
        Case.objects.filter(case_visible_q(user), pk__in=[c.pk for c in cases]).values_list("pk", flat=True)
    )
    rows = [{"case": c, "linked": c.pk in visible} for c in cases]
    return Panel("mediation/_demand_panel.html", {"rows": rows, "demand": demand, "may_open": True})


def register() -> None:
    extensions.panel_register("mediation", mediation_panel)
