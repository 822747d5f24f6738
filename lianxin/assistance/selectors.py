"""Reads of the assistance ledger, every one scoped by `access.plan_q` (what a user may not see does
not exist for them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import Viewer
from lianxin.assistance import access
from lianxin.assistance.models import FollowUp, Measure, Plan, PlanStatus
from lianxin.contact.models import Household
from lianxin.core.errors import NotFound

# The workbench lists follow-ups due within this many days (and every overdue one).
DUE_WINDOW_DAYS = 7


def plan_list(
    *, user: Viewer, status: str = "", due_by: date | None = None, cadre_id: int | None = None
) -> QuerySet[Plan]:
    qs = Plan.objects.filter(access.plan_q(user))
    if status:
        qs = qs.filter(status=status)
    if due_by is not None:
        qs = qs.filter(status=PlanStatus.ACTIVE, next_due__lte=due_by)
    if cadre_id is not None:
        qs = qs.filter(cadre_id=cadre_id)
    return qs.select_related("household__area", "cadre").order_by("next_due", "pk")


def plan_get(*, user: Viewer, pk: int | None) -> Plan:
    """One plan with its measures and follow-ups; NotFound for a plan outside the user's scope."""
    plan = (
        Plan.objects.filter(access.plan_q(user), pk=pk)
        .select_related("household__area", "household__contact_point", "cadre")
        .prefetch_related("measures", "follow_ups")
        .first()
        if pk
        else None
    )
    if plan is None:
        raise NotFound(_("帮扶档案不存在或无权查看"))
    return plan


@dataclass
class Workbench:
    due: list[Plan]
    plans: list[Plan]
    active: int
    overdue: int
    lifted: int
    today: date


# The workbench shows names, tags and dates: the encrypted columns (needs, phones, addresses) stay unread,
# which is most of the page's time at 100 rows.
LIST_DEFER = (
    "needs",
    "outcome_reason",
    "household__phone",
    "household__address",
    "cadre__phone",
    "cadre__password",
)


def workbench_get(*, user: Viewer, today: date | None = None, limit: int = 50, offset: int = 0) -> Workbench:
    """The cadre's assistance workbench: follow-ups due within a week (overdue first), a page of their
    households in order of the next follow-up, and the counts — a handful of indexed queries whatever the
    size of the ledger."""
    day = today or timezone.localdate()
    base = Plan.objects.filter(access.plan_q(user))
    due = list(
        base.filter(status=PlanStatus.ACTIVE, next_due__lte=day + timedelta(days=DUE_WINDOW_DAYS))
        .select_related("household", "cadre")
        .defer(*LIST_DEFER)
        .order_by("next_due", "pk")[:limit]
    )
    plans = list(
        base.select_related("household", "cadre")
        .defer(*LIST_DEFER)
        .order_by("status", "next_due", "pk")[offset : offset + limit]
    )
    counts = base.aggregate(
        active=Count("pk", filter=Q(status=PlanStatus.ACTIVE)),
        overdue=Count("pk", filter=Q(status=PlanStatus.ACTIVE, next_due__lt=day)),
        lifted=Count("pk", filter=Q(status=PlanStatus.LIFTED)),
    )
    return Workbench(due=due, plans=plans, today=day, **counts)


def eligible_households(*, user: Viewer) -> QuerySet[Household]:
    """Households in difficulty the user may open a plan for, without an active plan."""
    from lianxin.assistance.services import ELIGIBLE_TAGS

    tag_q = Q()
    for tag in ELIGIBLE_TAGS:
        tag_q |= Q(tags__regex=rf"(^|,){tag}(,|$)")
    active = Plan.objects.filter(status=PlanStatus.ACTIVE).values("household_id")
    return (
        Household.objects.filter(access.household_q(user), is_active=True)
        .filter(tag_q)
        .exclude(pk__in=active)
        .select_related("area")
        .distinct()
        .order_by("pk")
    )


def follow_up_list(*, plan: Plan) -> QuerySet[FollowUp]:
    return plan.follow_ups.select_related("cadre").order_by("-date", "-pk")


def measure_list(*, plan: Plan) -> QuerySet[Measure]:
    return plan.measures.order_by("date", "pk")
