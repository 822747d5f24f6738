"""The panels intel puts on the demands app's pages, registered with `lianxin.demands.extensions` in
`AnalysisConfig.ready` (`{% demand_panel name … %}` in demands templates), so that the demands app
neither loads this app's template tags nor knows these panels exist.

`intake` — for the operator accepting: the top-3 categories with
probabilities, the lead unit the routing rules would propose for each, the urgency proposal; each row's
button only picks its category (and 特急, when intel suspects it) in the demands 受理 form, the page's one
accept button (demands/pickers.js). `reply_quality` — the reply's score and flags before the
follow-up call. `status` — for admins: why there are no suggestions. `similar_status` — for staff
who see similar demands: while the shared similar-demand index is being built (or rebuilt), the page
says that the similar list is missing for now (the intake panel says it too). Each panel swallows its
own failures: a page never breaks because of intel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest

from lianxin.accounts.models import Role
from lianxin.analysis.intake import pii_labels, signal_lines
from lianxin.analysis.replies import flag_labels
from lianxin.analysis.selectors import classifier_status, demand_intel_get
from lianxin.analysis.services import reply_assess
from lianxin.analysis.similar import index_status
from lianxin.core.notify import enumeration
from lianxin.demands import extensions
from lianxin.demands.choices import Urgency
from lianxin.demands.extensions import Panel
from lianxin.demands.models import Demand
from lianxin.demands.routing import routing_propose, routing_rules
from lianxin.org.models import Category

logger = logging.getLogger("lianxin.analysis")


def intake(
    request: HttpRequest | None,
    demand: Demand,
    suggestions: dict[str, Any] | None,
    categories: Iterable[Category] | None = None,
) -> dict[str, Any]:
    """`categories`: the first-level active categories the page's 受理 form lists, when the page has them
    already (queried once); otherwise read here."""
    out: dict[str, Any] = {"demand": demand, "rows": [], "urgency": "", "intel": None, "request": request}
    try:
        suggestions = suggestions or {}
        cats = suggestions.get("categories") or []
        # suggestions are first-level categories: the list the operator picks from holds them all
        if categories is None:
            categories = Category.objects.filter(level=1, is_active=True).only("id", "name")
        out["categories"] = list(categories)
        found = {c.pk: c for c in out["categories"]}
        rules = routing_rules() if cats else []
        for c in cats:
            category = found.get(c.get("id"))
            proposal = routing_propose(category=category, area=demand.area, rules=rules) if category else None
            out["rows"].append(
                {
                    "name": c.get("category"),
                    "pct": round(100 * float(c.get("score") or 0)),
                    "category": category,
                    "unit": proposal.unit if proposal else None,
                }
            )
        out["urgency"] = _urgency_label(suggestions.get("urgency", ""))
        out["similar_pending"] = _similar_pending(request)
        intel = out["intel"] = demand_intel_get(demand=demand)
        if intel is not None:
            out["signals"] = enumeration(signal_lines(intel.urgency_reason))
            out["pii"] = enumeration(pii_labels(intel.pii_kinds or []))
        user = getattr(request, "user", None)
        if user is not None and user.has_role(Role.ADMIN):
            status = classifier_status()
            out["status"] = None if status.ok else status
    except Exception:
        logger.exception("intel intake block failed for demand %s", getattr(demand, "pk", None))
    return out


def _similar_pending(request: HttpRequest | None) -> bool:
    """Whether the similar-demand index is not ready in this process (the list is left out); asked once
    per request, however many panels show it."""
    known = getattr(request, "_similar_pending", None)
    if known is not None:
        return bool(known)
    try:
        pending = not index_status().ready
    except Exception:
        logger.exception("similar index status failed")
        pending = True
    if request is not None:
        request._similar_pending = pending  # type: ignore[attr-defined]
    return pending


def similar_status(request: HttpRequest | None, demand: Demand | None = None) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not user.has_role(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
    ):
        return {"pending": False}
    return {"pending": _similar_pending(request)}


def _urgency_label(code: str) -> str:
    return str(Urgency(code).label) if code in Urgency.values else code


def reply_quality(request: HttpRequest | None, demand: Demand) -> dict[str, Any]:
    if not getattr(demand, "reply_text", ""):
        return {"a": None}
    try:
        assessment = reply_assess(demand=demand)
    except Exception:
        logger.exception("reply quality failed for demand %s", getattr(demand, "pk", None))
        return {"a": None}
    return {"a": assessment, "flags": flag_labels(assessment.flags) if assessment else []}


def status(request: HttpRequest | None) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_role(Role.ADMIN):
        return {"status": None}
    try:
        return {"status": classifier_status()}
    except Exception as exc:  # noqa: BLE001
        return {"status": {"ok": False, "message": f"智能分析状态不可用：{type(exc).__name__}"}}


def panels_register() -> None:
    for name, context_of, template in (
        ("intake", intake, "analysis/_intake.html"),
        ("reply_quality", reply_quality, "analysis/_reply_quality.html"),
        ("status", status, "analysis/_status.html"),
        ("similar_status", similar_status, "analysis/_similar_status.html"),
    ):
        extensions.panel_register(name, _source(context_of, template))


def _source(context_of: Callable[..., dict[str, Any]], template: str) -> Callable[..., Panel]:
    def source(request: HttpRequest | None, **values: Any) -> Panel:
        return Panel(template, context_of(request, **values))

    return source
