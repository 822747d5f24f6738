"""Pages of the assistance ledger: the cadre's workbench (my households, follow-ups due), a new plan,
and the plan's file with its forms. A file outside the user's scope is a 404 (`selectors.plan_get`);
each POST calls one service and shows a refusal on the page, naming the field."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.accounts.http import UserRequest
from lianxin.accounts.models import Role, User, role_q
from lianxin.accounts.permissions import role_required
from lianxin.assistance import access, services
from lianxin.assistance.models import (
    APPLICATION_KINDS,
    FollowUpKind,
    MeasureKind,
    MeasureStatus,
    Outcome,
    PlanStatus,
)
from lianxin.assistance.selectors import (
    eligible_households,
    follow_up_list,
    measure_list,
    plan_get,
    workbench_get,
)
from lianxin.assistance.transitions import TABLE
from lianxin.contact.models import Household
from lianxin.core.dates import parse_day
from lianxin.core.errors import ApplicationError
from lianxin.core.masking import mask_address, mask_phone
from lianxin.core.params import as_id, as_page, by_id

ROLES = (Role.CADRE, Role.SUPERVISOR, Role.ADMIN)
PAGE = 50


def _day(raw: str | None) -> date | None:
    text = (raw or "").strip()
    try:
        return parse_day(text) if text else None
    except ValueError:
        return None


@role_required(*ROLES)
def workbench(request: UserRequest) -> HttpResponse:
    page = as_page(request.GET.get("page"))
    wb = workbench_get(user=request.user, limit=PAGE, offset=(page - 1) * PAGE)
    return render(
        request, "assistance/workbench.html", {"wb": wb, "page": page, "has_next": len(wb.plans) == PAGE}
    )


@role_required(*ROLES)
def plan_new(request: UserRequest) -> HttpResponse:
    households = list(eligible_households(user=request.user)[:500])
    cadres = (
        list(User.objects.filter(role_q(Role.CADRE), is_active=True).order_by("username")[:500])
        if request.user.has_role(Role.SUPERVISOR, Role.ADMIN)
        else [request.user]
    )
    context: dict[str, Any] = {"households": households, "cadres": cadres, "today": timezone.localdate()}
    if request.method == "POST":
        post = request.POST
        household = by_id(Household.objects.select_related("area"), post.get("household"))
        cadre = by_id(User, post.get("cadre")) if post.get("cadre") else request.user
        try:
            if household is None:
                raise Http404
            plan = services.plan_create(
                actor=request.user,
                household=household,
                cadre=cadre or request.user,
                needs=post.get("needs", ""),
                start=_day(post.get("start")),  # type: ignore[arg-type]  # None is refused, naming `start`
                every_days=as_id(post.get("every_days")) or 0,
            )
        except ApplicationError as exc:
            context.update({"error": exc, "posted": post})
            return render(request, "assistance/plan_new.html", context, status=exc.status)
        return redirect("assistance:plan", pk=plan.pk)
    return render(request, "assistance/plan_new.html", context)


def _plan_context(request: UserRequest, pk: int) -> dict[str, Any]:
    plan = plan_get(user=request.user, pk=pk)
    rel = access.relations(request.user, plan)
    whole = access.PAIRED in rel
    h = plan.household
    allowed = {a for a, row in TABLE.items() if plan.status in row.sources and rel & row.roles}
    return {
        "plan": plan,
        "household": h,
        "phone": h.phone if whole else mask_phone(h.phone),
        "address": h.address
        if whole
        else (mask_address(h.address, keep=min(6, len(h.address) // 2)) if h.address else ""),
        "measures": list(measure_list(plan=plan)),
        "follow_ups": list(follow_up_list(plan=plan)),
        "events": list(plan.events.select_related("actor").order_by("-created_at", "-pk")[:50]),
        "allowed": allowed,
        "measure_kinds": MeasureKind.choices,
        "measure_statuses": MeasureStatus.choices,
        "application_kinds": [str(k) for k in APPLICATION_KINDS],
        "follow_up_kinds": FollowUpKind.choices,
        "outcomes": Outcome.choices,
        "cadres": (
            list(User.objects.filter(role_q(Role.CADRE), is_active=True).order_by("username")[:500])
            if "pair" in allowed
            else []
        ),
        "today": timezone.localdate(),
        "overdue": plan.status == PlanStatus.ACTIVE and plan.next_due < timezone.localdate(),
    }


@login_required
def plan_detail(request: UserRequest, pk: int) -> HttpResponse:
    """A household's file: 404 to everyone but its paired cadre, the area's supervisor and admins,
    whatever their role (an operator, who sees every demand, does not see it)."""
    return render(request, "assistance/plan.html", _plan_context(request, pk))


@login_required
@require_POST
def plan_act(request: UserRequest, pk: int, form: str) -> HttpResponse:
    """One POST door of the plan page: `form` is follow_up, measure, measure_status, assess or pair."""
    plan = plan_get(user=request.user, pk=pk)
    post = request.POST
    try:
        if form == "follow_up":
            services.follow_up_log(
                plan=plan,
                actor=request.user,
                day=_day(post.get("date")),  # type: ignore[arg-type]  # None is refused, naming `date`
                note=post.get("note", ""),
                kind=post.get("kind", FollowUpKind.VISIT),
            )
        elif form == "measure":
            services.measure_add(
                plan=plan,
                actor=request.user,
                kind=post.get("kind", ""),
                detail=post.get("detail", ""),
                status=post.get("status", ""),
                day=_day(post.get("date")),  # type: ignore[arg-type]
                amount=post.get("amount") or None,
            )
        elif form == "measure_status":
            m = by_id(plan.measures.all(), post.get("measure"))
            if m is None:
                raise Http404
            services.measure_status_set(measure=m, actor=request.user, status=post.get("status", ""))
        elif form == "assess":
            services.plan_assess(
                plan=plan,
                actor=request.user,
                outcome=post.get("outcome", ""),
                reason=post.get("reason", ""),
                day=_day(post.get("date")),
            )
        elif form == "pair":
            cadre = by_id(User, post.get("cadre"))
            services.plan_pair(plan=plan, actor=request.user, cadre=cadre)  # type: ignore[arg-type]  # None refused
        else:
            raise Http404
    except ApplicationError as exc:
        context = _plan_context(request, pk)
        context.update({"error": exc, "error_form": form, "posted": post})
        return render(request, "assistance/plan.html", context, status=exc.status)
    messages.success(request, _("已保存"))
    if plan_get_or_none(request.user, pk) is None:  # paired away from a cadre who no longer sees it
        return redirect("assistance:workbench")
    return redirect("assistance:plan", pk=pk)


def plan_get_or_none(user: User, pk: int) -> Any:
    try:
        return plan_get(user=user, pk=pk)
    except ApplicationError:
        return None
