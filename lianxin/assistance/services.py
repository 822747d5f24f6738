"""Writes of the assistance ledger. Keyword-only, atomic, each step checked against `transitions.TABLE`
(NotFound for a plan the actor may not see — never a 403 that would confirm the file exists —,
PermissionDenied for a relation the row does not name, Conflict for a state it does not start from) and
written with its `PlanEvent` in the same transaction. Bad input is refused naming the field before
anything is written.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User, Viewer
from lianxin.assistance import access
from lianxin.assistance.models import (
    ACTION_STATUSES,
    APPLICATION_KINDS,
    APPLICATION_STATUSES,
    FollowUp,
    FollowUpKind,
    Measure,
    MeasureKind,
    MeasureStatus,
    Outcome,
    Plan,
    PlanAction,
    PlanEvent,
    PlanStatus,
)
from lianxin.assistance.transitions import TABLE
from lianxin.contact.models import Household, HouseholdTag
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.notify import Message, month_day, notify

# Households in difficulty: the contact app's tags that make a household eligible for a plan.
ELIGIBLE_TAGS = (HouseholdTag.HARDSHIP, HouseholdTag.DIBAO, HouseholdTag.ZERO_EMPLOYMENT)
MAX_TEXT = 5000
DEFAULT_EVERY_DAYS = 30
# A reminder goes out this many days before a follow-up is due (and once more is not sent for that date).
REMIND_DAYS_BEFORE = 3


def _refuse(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _text(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise _refuse(field, message, "required")
    if len(text) > MAX_TEXT:
        raise _refuse(field, _("最多 %(n)d 字") % {"n": MAX_TEXT}, "too_long")
    return text


def _day(value: Any, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _refuse(field, _("请填写日期"), "required")
    if value > timezone.localdate():
        raise _refuse(field, _("日期不能晚于今天"))
    return value


def _every(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
        raise _refuse("every_days", _("回访周期须为 1 到 366 天"))
    return value


def _label(action: str) -> str:
    return str(PlanAction(action).label)


def _lock(plan: Plan | int, actor: Viewer, action: str) -> Plan:
    pk = plan if isinstance(plan, int) else plan.pk
    locked = (
        Plan.objects.select_for_update(of=("self",)).select_related("household__area").filter(pk=pk).first()
    )
    if locked is None:
        raise NotFound(_("帮扶档案不存在或无权查看"))
    rel = access.relations(actor, locked)
    if not rel:
        raise NotFound(_("帮扶档案不存在或无权查看"))
    row = TABLE[action]
    if not rel & row.roles:
        raise PermissionDenied(_("当前角色无权执行「%(action)s」") % {"action": _label(action)})
    if locked.status not in row.sources:
        raise Conflict(
            _("帮扶计划当前状态为「%(status)s」，不能执行「%(action)s」")
            % {"status": locked.get_status_display(), "action": _label(action)},
            code="invalid_transition",
        )
    return locked


def _event(
    plan: Plan, actor: Viewer, action: str, before: str, data: dict[str, Any] | None = None
) -> PlanEvent:
    return PlanEvent.objects.create(
        plan=plan,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=before,
        to_status=plan.status,
        data=data or {},
        created_at=timezone.now(),
    )


def _cadre_check(cadre: Any) -> None:
    if not isinstance(cadre, User) or not cadre.is_active or not cadre.has_role(Role.CADRE):
        raise _refuse("cadre", _("结对干部须为在职的领导干部"))


def plan_create(
    *,
    actor: User,
    household: Household,
    cadre: User,
    needs: str,
    start: date,
    every_days: int = DEFAULT_EVERY_DAYS,
) -> Plan:
    """建立帮扶计划 for a household in difficulty (tagged 困难户, 低保 or 零就业家庭 in the contact app),
    pairing it with a cadre. Who: an admin, a supervisor whose scope contains the household, or a cadre
    the household is assigned to in the contact app, who pairs it with themself. One active plan per
    household (Conflict `plan_exists`). The first follow-up is due `every_days` after `start`."""
    if actor is None or not actor.is_authenticated:
        raise NotFound(_("联系户不存在或无权查看"))
    if not Household.objects.filter(access.household_q(actor), pk=household.pk).exists():
        raise NotFound(_("联系户不存在或无权查看"))
    overseer = access.is_admin(actor) or access.supervises(actor, household.area)
    if not overseer and cadre.pk != actor.pk:
        raise PermissionDenied(_("干部只能为自己联系的困难户建立本人结对的帮扶计划"))
    errors: dict[str, list[str]] = {}
    if not set(household.tag_list) & set(ELIGIBLE_TAGS):
        errors["household"] = [_("仅困难户、低保户、零就业家庭可建立帮扶计划")]
    try:
        _cadre_check(cadre)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    for field, check in (
        ("needs", lambda: _text(needs, "needs", _("请填写困难与需求"))),
        ("start", lambda: _day(start, "start")),
        ("every_days", lambda: _every(every_days)),
    ):
        try:
            check()
        except ValidationFailed as exc:
            errors[field] = exc.fields[field]
    if errors:
        raise ValidationFailed(_("帮扶计划信息有误"), fields=errors)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                household=household,
                cadre=cadre,
                needs=needs.strip(),
                start=start,
                every_days=every_days,
                next_due=start + timedelta(days=every_days),
                created_by=actor,
            )
            _event(plan, actor, PlanAction.CREATE, "", {"cadre": cadre.pk})
    except IntegrityError:
        raise Conflict(_("该户已有进行中的帮扶计划"), code="plan_exists") from None
    return plan


def _measure_status_check(kind: str, status: str) -> None:
    allowed = APPLICATION_STATUSES if kind in APPLICATION_KINDS else ACTION_STATUSES
    if status not in allowed:
        raise _refuse(
            "status",
            _("该类措施的状态须为 %(values)s 之一") % {"values": ", ".join(str(s) for s in allowed)},
        )


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _refuse("amount", _("金额须为数字")) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("10000000000"):
        raise _refuse("amount", _("金额须为不小于 0 的数"))
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def measure_add(
    *, plan: Plan, actor: User, kind: str, detail: str, status: str, day: date, amount: Any = None
) -> Measure:
    """A measure of the plan: employment referral, a 低保 or 临时救助 application (status applied,
    approved or rejected), medical, education, housing or other help (planned, in progress, done); dated
    no earlier than the plan's start and not in the future."""
    if kind not in MeasureKind.values:
        raise _refuse("kind", _("措施类型须为 %(values)s 之一") % {"values": ", ".join(MeasureKind.values)})
    _measure_status_check(kind, status)
    text = _text(detail, "detail", _("请填写措施内容"))
    when = _day(day, "date")
    money = _amount(amount)
    p = _lock(plan, actor, PlanAction.MEASURE_ADD)
    if when < p.start:
        raise _refuse("date", _("措施日期不能早于帮扶计划开始日期（%(day)s）") % {"day": p.start.isoformat()})
    m = Measure.objects.create(plan=p, kind=kind, detail=text, status=status, date=when, amount=money)
    p.save(update_fields=["updated_at"])
    _event(p, actor, PlanAction.MEASURE_ADD, p.status, {"measure": m.pk, "kind": kind, "status": status})
    return m


@transaction.atomic
def measure_status_set(*, measure: Measure, actor: User, status: str) -> Measure:
    """The progress of a measure (an application approved or rejected, a measure carried out); a
    decided application or a done measure no longer changes (Conflict `measure_closed`)."""
    p = _lock(measure.plan_id, actor, PlanAction.MEASURE_STATUS)
    m = Measure.objects.select_for_update().get(pk=measure.pk)
    _measure_status_check(m.kind, status)
    if m.status in (MeasureStatus.APPROVED, MeasureStatus.REJECTED, MeasureStatus.DONE):
        raise Conflict(_("该措施已有结果，不能再改变状态"), code="measure_closed")
    before = m.status
    m.status = status
    m.save(update_fields=["status", "updated_at"])
    _event(p, actor, PlanAction.MEASURE_STATUS, p.status, {"measure": m.pk, "from": before, "to": status})
    return m


@transaction.atomic
def follow_up_log(
    *, plan: Plan, actor: User, day: date, note: str, kind: str = FollowUpKind.VISIT
) -> FollowUp:
    """跟踪回访 by the paired cadre: dated on or after the plan's start (a follow-up dated before the
    plan is refused naming `date`) and not in the future. It is on time when on or before the date it
    was due; the next one falls due `every_days` after it."""
    if kind not in FollowUpKind.values:
        raise _refuse("kind", _("回访方式须为 %(values)s 之一") % {"values": ", ".join(FollowUpKind.values)})
    when = _day(day, "date")
    text = _text(note, "note", _("请填写回访情况"))
    p = _lock(plan, actor, PlanAction.FOLLOW_UP)
    if when < p.start:
        raise _refuse(
            "date",
            _("回访日期不能早于帮扶计划开始日期（%(day)s）") % {"day": p.start.isoformat()},
            "before_plan",
        )
    last = p.follow_ups.order_by("-date").values_list("date", flat=True).first()
    if last is not None and when < last:
        raise _refuse(
            "date", _("回访日期不能早于上一次回访（%(day)s）") % {"day": last.isoformat()}, "out_of_order"
        )
    f = FollowUp.objects.create(
        plan=p, cadre=actor, date=when, kind=kind, note=text, due=p.next_due, on_time=when <= p.next_due
    )
    p.next_due = when + timedelta(days=p.every_days)
    p.save(update_fields=["next_due", "updated_at"])
    _event(
        p,
        actor,
        PlanAction.FOLLOW_UP,
        p.status,
        {"follow_up": f.pk, "on_time": f.on_time, "due": f.due.isoformat()},
    )
    return f


@transaction.atomic
def plan_assess(*, plan: Plan, actor: User, outcome: str, reason: str, day: date | None = None) -> Plan:
    """The outcome: 脱困 (the plan ends, lifted) or still in need (it goes on); both with the reason,
    dated no earlier than the plan's start."""
    if outcome not in Outcome.values:
        raise _refuse("outcome", _("评估结果须为 %(values)s 之一") % {"values": ", ".join(Outcome.values)})
    text = _text(reason, "reason", _("请填写评估说明"))
    when = _day(day or timezone.localdate(), "date")
    action = PlanAction.LIFT if outcome == Outcome.LIFTED else PlanAction.ASSESS
    p = _lock(plan, actor, action)
    if when < p.start:
        raise _refuse("date", _("评估日期不能早于帮扶计划开始日期"))
    before = p.status
    p.status = TABLE[action].target_for(before)
    p.outcome, p.outcome_reason, p.outcome_on = outcome, text, when
    p.save()
    _event(p, actor, action, before, {"outcome": outcome, "on": when.isoformat()})
    return p


@transaction.atomic
def plan_pair(*, plan: Plan, actor: User, cadre: User) -> Plan:
    """调整结对干部: an overseer pairs the household with another cadre."""
    _cadre_check(cadre)
    p = _lock(plan, actor, PlanAction.PAIR)
    before_cadre = p.cadre_id
    p.cadre = cadre
    p.reminded_for = None
    p.save()
    _event(p, actor, PlanAction.PAIR, p.status, {"from": before_cadre, "to": cadre.pk})
    return p


def follow_up_reminders_send(*, today: date | None = None) -> int:
    """Remind each paired cadre of the follow-ups due within REMIND_DAYS_BEFORE days (or overdue) that
    they were not yet reminded of for that due date: one notification per cadre listing the households,
    the plans marked reminded in the same transaction, so a second run sends nothing. Returns the
    number of plans reminded."""
    day = today or timezone.localdate()
    horizon = day + timedelta(days=REMIND_DAYS_BEFORE)
    with transaction.atomic():
        plans = list(
            Plan.objects.select_for_update(of=("self",))
            .filter(status=PlanStatus.ACTIVE, next_due__lte=horizon)
            .exclude(reminded_for__isnull=False, reminded_for__gte=F("next_due"))
            .select_related("household", "cadre")
            .order_by("cadre_id", "next_due", "pk")
        )
        by_cadre: dict[int, list[Plan]] = {}
        for p in plans:
            by_cadre.setdefault(p.cadre_id, []).append(p)
        for group in by_cadre.values():
            cadre = group[0].cadre
            notify(
                [cadre],
                title=Message(gettext_noop("有 %(n)d 户帮扶对象需要跟踪回访"), {"n": len(group)}),
                body=[
                    Message(
                        gettext_noop("%(household)s：应于 %(day)s 前回访"),
                        {"household": str(p.household), "day": month_day(p.next_due)},
                    )
                    for p in group[:50]
                ],
                link=reverse("assistance:workbench"),
                kind="warning",
            )
        ids = [p.pk for p in plans]
        for i in range(0, len(ids), 500):
            Plan.objects.filter(pk__in=ids[i : i + 500]).update(reminded_for=F("next_due"))
    return len(plans)
