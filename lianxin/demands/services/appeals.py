"""考核申诉: a unit appeals a demand as unreasonable (不合理诉求), a supervisor decides.

An upheld appeal is an event on the timeline (`decide_appeal` with the unit and `upheld`), and the
replay of the judged steps (`lianxin.demands.judging`) marks that unit's steps of the demand
`excluded`: they leave every rate (the unit's and, being additive, the city's) and are listed with the
appeal's reason instead (`appeal_exclusions`). Nothing is removed silently and nothing is deleted.

The window: a unit appeals, and a supervisor decides, while the evaluation month of the unit's first
judged step on the demand is open — until `LIANXIN_APPEAL_WINDOW_DAYS` days after that month ends
(default 10). After it the month's figures are settled: 409 `appeal_period_closed`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User
from lianxin.core.errors import Conflict, ValidationFailed
from lianxin.core.notify import Message
from lianxin.demands.choices import Action, AppealReason, AppealStatus
from lianxin.demands.models import Demand, DemandAppeal, Judgement
from lianxin.demands.notifications import notify_roles, notify_unit
from lianxin.demands.services.common import enter, lock, now_or, record_event, required_text


def appeal_window_days() -> int:
    return max(0, int(getattr(settings, "LIANXIN_APPEAL_WINDOW_DAYS", 10)))


def _month_closes(day: date) -> date:
    """The last day an appeal about a step of `day`'s month may be filed or decided."""
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next + timedelta(days=appeal_window_days() - 1)


def _first_step_day(demand: Demand, unit_id: int) -> date | None:
    at = (
        Judgement.objects.filter(demand_id=demand.pk, unit_id=unit_id)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localtime(at).date() if at is not None else None


def appeal_refusal(action: str, d: Demand, unit_id: int | None, moment: datetime) -> Conflict | None:
    """Why `action` (appeal or decide_appeal) is refused for the unit on this demand, or None."""
    if unit_id is None:
        return Conflict(_("工单没有主办单位，不能申诉"), code="no_unit")
    pending = DemandAppeal.objects.filter(demand_id=d.pk, unit_id=unit_id, status=AppealStatus.PENDING)
    if action == Action.APPEAL and pending.exists():
        return Conflict(_("本单位对该工单已有待审核的申诉"), code="appeal_pending")
    if action == Action.DECIDE_APPEAL and not pending.exists():
        return Conflict(_("该工单没有待审核的申诉"), code="no_appeal")
    first = _first_step_day(d, unit_id)
    if first is None:
        return Conflict(_("本单位在该工单上没有考核环节，无需申诉"), code="nothing_judged")
    closes = _month_closes(first)
    if timezone.localtime(moment).date() > closes:
        return Conflict(
            _("%(month)s 的考核期已于 %(day)s 关闭，不能再申诉或审核")
            % {"month": f"{first:%Y-%m}", "day": closes.isoformat()},
            code="appeal_period_closed",
        )
    return None


@transaction.atomic
def demand_appeal(
    *, demand: Demand, actor: User, reason_kind: str, reason: str, now: datetime | None = None
) -> Demand:
    """考核申诉 by a handler of the lead unit: why the demand should not count against the unit."""
    if reason_kind not in AppealReason.values:
        message = _("申诉类别应为：%(kinds)s") % {
            "kinds": "、".join(str(label) for label in AppealReason.labels)
        }
        raise ValidationFailed(message, fields={"reason_kind": [message]})
    reason = required_text(reason, "reason", _("请填写申诉理由"))
    moment = now_or(now)
    d = lock(demand, actor, Action.APPEAL, moment=moment)
    unit_id = d.lead_unit_id
    if problem := appeal_refusal(Action.APPEAL, d, unit_id, moment):
        raise problem
    assert unit_id is not None
    DemandAppeal.objects.create(
        demand=d, unit_id=unit_id, reason_kind=reason_kind, reason=reason, filed_by=actor, filed_at=moment
    )
    before = enter(d, Action.APPEAL)
    record_event(
        d,
        actor,
        Action.APPEAL,
        before,
        note=reason,
        data={"unit": unit_id, "reason_kind": reason_kind},
        now=moment,
    )
    notify_roles(
        d,
        Role.SUPERVISOR,
        title=Message(gettext_noop("考核申诉待审核 %(ticket)s"), {"ticket": d.ticket_no}),
        body=reason,
        kind="appeal",
    )
    return d


@transaction.atomic
def demand_decide_appeal(
    *, demand: Demand, actor: User, upheld: bool, note: str = "", now: datetime | None = None
) -> Demand:
    """申诉审核 by a supervisor: upheld takes the appealing unit's steps out of its rates (listed with the
    reason); rejected leaves them. Rejecting needs a reason the unit can read."""
    if not isinstance(upheld, bool):
        raise ValidationFailed(_("请选择申诉是否成立"), fields={"upheld": [_("请选择申诉是否成立")]})
    note = (note or "").strip()
    if not upheld:
        note = required_text(note, "note", _("驳回申诉须填写理由"))
    moment = now_or(now)
    d = lock(demand, actor, Action.DECIDE_APPEAL, moment=moment)
    appeal = (
        DemandAppeal.objects.select_for_update()
        .filter(demand_id=d.pk, status=AppealStatus.PENDING)
        .order_by("filed_at", "id")
        .first()
    )
    if appeal is None:
        raise Conflict(_("该工单没有待审核的申诉"), code="no_appeal")
    if problem := appeal_refusal(Action.DECIDE_APPEAL, d, appeal.unit_id, moment):
        raise problem
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.decided_by, appeal.decided_at, appeal.decision_note = actor, moment, note
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    before = enter(d, Action.DECIDE_APPEAL)
    record_event(
        d,
        actor,
        Action.DECIDE_APPEAL,
        before,
        note=note,
        data={"unit": appeal.unit_id, "upheld": upheld, "appeal": appeal.pk},
        now=moment,
    )
    notify_unit(
        d,
        title=Message(
            gettext_noop("申诉成立 %(ticket)s：不计入考核")
            if upheld
            else gettext_noop("申诉不成立 %(ticket)s"),
            {"ticket": d.ticket_no},
        ),
        body=note,
        kind="appeal",
        unit_id=appeal.unit_id,
    )
    return d


def appeal_exclusions(*, start: date, end: date, unit_id: int | None = None) -> QuerySet[DemandAppeal]:
    """The upheld appeals whose steps left the rates of [start, end] (a unit's, or all): the list that
    says what was excluded and why."""
    qs = DemandAppeal.objects.filter(
        status=AppealStatus.UPHELD,
        demand__judgements__excluded=True,
        demand__judgements__at__date__gte=start,
        demand__judgements__at__date__lte=end,
    )
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs.select_related("demand", "unit", "decided_by").distinct().order_by("-decided_at", "-id")
