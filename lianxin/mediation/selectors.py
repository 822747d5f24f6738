"""Reads of the mediation app, every one scoped through `access.case_visible_q`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import Role, Viewer
from lianxin.core.errors import NotFound
from lianxin.mediation import conf
from lianxin.mediation.access import case_visible_q, sees_all_cases
from lianxin.mediation.choices import ACTIVE_STATUSES, DisputeType, Level, Risk, Status
from lianxin.mediation.models import Case, CaseMediator
from lianxin.org.models import Area

WORKBENCH_ROWS = 20  # per list; the full lists are the case list's filters


def case_list(
    *,
    user: Viewer,
    mine: bool = False,
    status: str = "",
    overdue: bool | None = None,
    area: Area | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Case]:
    qs = Case.objects.filter(case_visible_q(user)).select_related("area")
    if mine and user is not None and user.is_authenticated:
        qs = qs.filter(pk__in=CaseMediator.objects.filter(user_id=user.pk).values("case_id"))
    if status:
        qs = qs.filter(status=status)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    if area is not None:
        qs = qs.filter(area.subtree_q("area"))
    if since is not None:
        qs = qs.filter(opened_at__date__gte=since)
    if until is not None:
        qs = qs.filter(opened_at__date__lte=until)
    return qs


def case_get(*, user: Viewer, pk: int) -> Case:
    try:
        return (
            Case.objects.filter(case_visible_q(user))
            .select_related("area", "demand", "visit", "opened_by")
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("案件不存在或无权查看")) from None


@dataclass(frozen=True)
class Workbench:
    mine: list[Case]
    due_soon: list[Case]
    overdue: list[Case]


ROW_FIELDS = ("id", "case_no", "title", "type", "risk", "level", "status", "overdue", "due_on", "opened_at")
OWN_CASES_CAP = 2000  # a mediator's active cases read at once to split into the three lists


def workbench(*, user: Viewer, today: date | None = None) -> Workbench:
    """The mediator's workbench: their active cases (nearest deadline first), and of the cases they may
    see the active ones due within `conf.due_soon_days()` days and those past their deadline (red-carded
    or due before today), at most WORKBENCH_ROWS each. A user who sees only the cases they mediate gets
    the three lists from one query of their active cases (index `mediation_mediator_user`); overseers
    and cadres get three queries (the partial index `mediation_active_due` keeps them in deadline order)."""
    today = today or timezone.localdate()
    soon_until = today + timedelta(days=conf.due_soon_days())
    uid = user.pk if user is not None and user.is_authenticated else 0
    own = (
        Case.objects.filter(mediator_links__user_id=uid, status__in=list(ACTIVE_STATUSES))
        .only(*ROW_FIELDS)
        .order_by("due_on", "pk")
    )
    wider = sees_all_cases(user) or bool(
        user is not None and user.is_authenticated and user.has_role(Role.CADRE) and user.area_scope_id
    )
    if not wider:
        rows = list(own[:OWN_CASES_CAP])
        late = [c for c in rows if c.overdue or c.due_on < today]
        soon = [c for c in rows if not c.overdue and today <= c.due_on <= soon_until]
        return Workbench(rows[:WORKBENCH_ROWS], soon[:WORKBENCH_ROWS], late[:WORKBENCH_ROWS])
    active = (
        Case.objects.filter(case_visible_q(user), status__in=list(ACTIVE_STATUSES))
        .only(*ROW_FIELDS)
        .order_by("due_on", "pk")
    )
    soon_qs = active.filter(due_on__gte=today, due_on__lte=soon_until, overdue=False)
    late_qs = active.filter(Q(overdue=True) | Q(due_on__lt=today))
    return Workbench(
        list(own[:WORKBENCH_ROWS]), list(soon_qs[:WORKBENCH_ROWS]), list(late_qs[:WORKBENCH_ROWS])
    )


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def case_stats(*, user: Viewer, since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """Counts of the visible cases opened in the window: by status, type, risk and level, and the rates
    (success = agreed ÷ concluded; 矛盾不上交 = agreed at the level it started at ÷ concluded; performed
    = agreements confirmed performed ÷ agreements)."""
    qs = case_list(user=user, since=since, until=until)
    totals = qs.aggregate(
        total=Count("pk"),
        concluded=Count("pk", filter=Q(concluded_at__isnull=False)),
        agreed=Count("pk", filter=Q(agreed_at__isnull=False)),
        local=Count("pk", filter=Q(agreed_at__isnull=False, escalation_count=0)),
        performed=Count("pk", filter=Q(agreed_at__isnull=False, performance="performed")),
        escalated=Count("pk", filter=Q(escalation_count__gt=0)),
        overdue=Count("pk", filter=Q(overdue=True)),
    )

    def by(field: str, choices: Any) -> list[tuple[str, str, int]]:
        counts = dict(qs.order_by().values_list(field).annotate(n=Count("pk")))
        return [(code, str(label), counts.get(code, 0)) for code, label in choices.choices]

    return {
        **totals,
        "success_rate": _rate(totals["agreed"], totals["concluded"]),
        "local_rate": _rate(totals["local"], totals["concluded"]),
        "performed_rate": _rate(totals["performed"], totals["agreed"]),
        "by_status": by("status", Status),
        "by_type": by("type", DisputeType),
        "by_risk": by("risk", Risk),
        "by_level": by("start_level", Level),
    }
