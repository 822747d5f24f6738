"""Caller history at intake (来电历史, issue 16 part 8): while the operator takes a call on the phone-intake
form and types the caller's number, the caller's earlier demands are shown, with a repeat-call alert
when one of them is the same problem within `LIANXIN_REPEAT_CALL_DAYS` days (重复来电).

- **Matching** goes through the phone's blind index (`contact_phone_hash`, `lianxin.core.crypto`): the
  number is never decrypted, compared or searched in the clear, and it is sent by POST (never in a query
  string, which reaches access logs).
- **Same problem**: an earlier demand within the window that the similar-demand check of the intel port
  finds for the text being typed, or of the same category (or its parent) in the same area, or whose
  title says nearly the same (character bigrams). With nothing typed yet, the calls within the window are
  counted and the operator is asked to check.
- **Who**: operators only (the panel and the endpoint: 403 for everyone else). The rows are shown as the
  operator's role lets them read contacts and texts (`selectors.demand_contact`, `demand_texts`), and
  the number itself only masked.
- **Audit**: every lookup is one line of the `lianxin.audit` logger — who, when, how many demands were
  found and their ids, the blind index's first characters (never the number).

`caller_panel` is the panel `caller_history` of the submit page (registered in `DemandsConfig.ready`);
`caller_history_view` is the HTMX endpoint that renders the box.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianxin.accounts.http import UserRequest
from lianxin.accounts.models import Role, Viewer
from lianxin.accounts.permissions import role_required
from lianxin.core.crypto import normalise_phone, phone_index
from lianxin.core.masking import mask_phone
from lianxin.core.params import as_id
from lianxin.demands import extensions, intel_port, selectors
from lianxin.demands.extensions import Panel
from lianxin.demands.models import Demand
from lianxin.org.models import Category

audit_log = logging.getLogger("lianxin.audit")

HISTORY_LIMIT = 20  # rows shown; "more" is said beyond them
MIN_DIGITS = 7  # a local landline; fewer digits are no number to look up
DEFAULT_REPEAT_DAYS = 30
TEXT_OVERLAP = 0.5  # share of the shorter title's character bigrams found in the other: the same words


def repeat_days() -> int:
    try:
        days = int(getattr(settings, "LIANXIN_REPEAT_CALL_DAYS", DEFAULT_REPEAT_DAYS))
    except (TypeError, ValueError):
        days = DEFAULT_REPEAT_DAYS
    return max(days, 1)


def may_look_up(user: Viewer) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(Role.OPERATOR))


@dataclass
class Problem:
    """What the operator has typed of the new demand so far (all optional)."""

    title: str = ""
    content: str = ""
    category_id: int | None = None
    area_id: int | None = None

    @property
    def typed(self) -> bool:
        return bool(self.title.strip() or self.content.strip() or self.category_id)


@dataclass
class CallerHistory:
    phone_masked: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False
    window_days: int = DEFAULT_REPEAT_DAYS
    recent: int = 0  # earlier demands within the window
    repeats: list[dict[str, Any]] = field(default_factory=list)  # of them, the same problem
    judged: bool = False  # whether a problem was typed to compare with


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:])}


def _overlap(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / min(len(x), len(y))


def _same_category(demand: Demand, category: Category | None) -> bool:
    if category is None or demand.category_id is None:
        return False
    mine = {demand.category_id, demand.category.parent_id if demand.category else None} - {None}
    theirs = {category.pk, category.parent_id} - {None}
    return bool(mine & theirs)


def _similar_ids(problem: Problem) -> set[int]:
    if not (problem.title.strip() or problem.content.strip()):
        return set()
    return set(intel_port.similar_for_text(title=problem.title, content=problem.content, limit=50))


def caller_history(
    *, user: Viewer, phone: str, problem: Problem | None = None, now: datetime | None = None
) -> CallerHistory | None:
    """The earlier demands of the caller of `phone` as `user` may read them, newest first; None when
    `phone` holds too few digits to be a number (nothing is looked up, nothing audited)."""
    digits = normalise_phone(phone)
    if len(digits) < MIN_DIGITS:
        return None
    problem = problem or Problem()
    now = now or timezone.now()
    days = repeat_days()
    since = now - timedelta(days=days)
    key = phone_index(digits)
    found = list(
        Demand.objects.filter(selectors.contact_visible_q(user), contact_phone_hash=key)
        .select_related("category", "area", "lead_unit")
        .order_by("-created_at", "-id")[: HISTORY_LIMIT + 1]
    )
    history = CallerHistory(phone_masked=mask_phone(digits), window_days=days, judged=problem.typed)
    history.more = len(found) > HISTORY_LIMIT
    found = found[:HISTORY_LIMIT]
    category = (
        Category.objects.filter(pk=problem.category_id).only("id", "parent_id").first()
        if problem.category_id
        else None
    )
    # the similar-demand check only for a caller with a demand in the window (it is a search of its own)
    any_recent = any(d.created_at >= since for d in found)
    similar = _similar_ids(problem) if any_recent and problem.typed else set()
    for demand in found:
        texts = selectors.demand_texts(user, demand, ("title",))
        contact = selectors.demand_contact(user, demand)
        recent = demand.created_at >= since
        reasons: list[str] = []
        if recent and problem.typed:
            if demand.pk in similar:
                reasons.append("similar")
            if _same_category(demand, category) and (
                not problem.area_id or not demand.area_id or demand.area_id == problem.area_id
            ):
                reasons.append("category_area")
            if problem.title.strip() and _overlap(problem.title, texts["title"]) >= TEXT_OVERLAP:
                reasons.append("title")
        row = {
            "demand": demand,
            "title": texts["title"],
            "contact_name": contact["name"],
            "recent": recent,
            "repeat": bool(reasons),
            "reasons": reasons,
        }
        history.rows.append(row)
        history.recent += recent
        if reasons:
            history.repeats.append(row)
    if history.more:  # the rows shown stop at HISTORY_LIMIT: count the window's calls in full
        history.recent = Demand.objects.filter(
            selectors.contact_visible_q(user), contact_phone_hash=key, created_at__gte=since
        ).count()
    _audit(user, key, history, found)
    return history


def _audit(user: Viewer, key: str, history: CallerHistory, found: list[Demand]) -> None:
    audit_log.info(
        "caller_history lookup user=%s key=%s found=%d%s repeats=%d demands=%s",
        getattr(user, "pk", None),
        key[:12],
        len(found),
        "+" if history.more else "",
        len(history.repeats),
        ",".join(str(d.pk) for d in found),
        extra={
            "audit": "caller_history",
            "actor_id": getattr(user, "pk", None),
            "phone_key": key[:12],
            "demand_ids": [d.pk for d in found],
        },
    )


# --- web -------------------------------------------------------------------------------------------------


def caller_panel(request: HttpRequest | None, **values: Any) -> Panel | None:
    """The box on the phone-intake form that the endpoint fills as the number is typed (operators only)."""
    user = getattr(request, "user", None)
    if not may_look_up(user):
        return None
    return Panel("demands/_caller_history.html", {"box": True})


def _problem(data: Any) -> Problem:
    return Problem(
        title=(data.get("title") or "")[:200],
        content=(data.get("content") or "")[:2000],
        category_id=as_id(data.get("category")),
        area_id=as_id(data.get("area")),
    )


@role_required(Role.OPERATOR)
@require_POST
def caller_history_view(request: UserRequest) -> HttpResponse:
    """The caller-history fragment for the number in `contact_phone` (POST, the form's CSRF token)."""
    history = caller_history(
        user=request.user,
        phone=(request.POST.get("contact_phone") or "")[:30],
        problem=_problem(request.POST),
    )
    response = render(request, "demands/_caller_history.html", {"history": history, "box": False})
    response["Cache-Control"] = "no-store"
    return response


def register() -> None:
    extensions.panel_register("caller_history", caller_panel)
