"""Dispatch: 派单 to a lead unit (the routing rules propose one), 退单 by the unit and the operator's
review of it (驳回退单, or dispatching again)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User
from lianxin.core.errors import ValidationFailed
from lianxin.core.notify import Message
from lianxin.demands.choices import Action, Stage, Status
from lianxin.demands.deadlines import deadline_policy
from lianxin.demands.models import AssistRequest, Demand
from lianxin.demands.notifications import notify_roles, notify_unit
from lianxin.demands.routing import routing_propose
from lianxin.demands.services.common import (
    assist_opinion_workdays,
    enter,
    first_contact_hours,
    limits_of,
    lock,
    now_or,
    record_event,
    required_text,
    save,
    set_stage,
)
from lianxin.demands.workdays import add_working_days
from lianxin.org.models import Unit


def _dispatch_unit(unit: Unit | int | None, field: str = "unit") -> Unit:
    if unit is None:
        raise ValidationFailed(_("请选择主办单位"), fields={field: [_("必填")]})
    if not isinstance(unit, Unit):
        found = Unit.objects.filter(pk=unit).first()
        if found is None:
            raise ValidationFailed(_("单位不存在"), fields={field: [_("单位不存在")]})
        unit = found
    if not unit.is_active or not unit.accepts_dispatch:
        raise ValidationFailed(
            _("「%(unit)s」不接收派单") % {"unit": unit.name}, fields={field: [_("该单位不接收派单")]}
        )
    return unit


@transaction.atomic
def demand_dispatch(
    *,
    demand: Demand,
    actor: User,
    unit: Unit | int | None = None,
    assisting_units: Iterable[Unit | int] = (),
    note: str = "",
    now: datetime | None = None,
) -> Demand:
    """派单: accepted or returned (upholding the return) → dispatched to a lead unit.

    Without `unit`, the routing rules propose one (lianxin.demands.routing), falling back to the 兜底
    unit. Sign and reply deadlines start now. Each assisting unit gets a 协办 request due
    `LIANXIN_ASSIST_OPINION_WORKDAYS` working days from now; on a re-dispatch a unit kept keeps its
    request, a unit dropped has its request voided (`_assist_requests_set`).
    """
    d = lock(demand, actor, Action.DISPATCH)
    routed_by = Role.OPERATOR.value
    if unit is None:
        proposal = routing_propose(category=d.category, area=d.area)
        unit, routed_by = (proposal.unit, proposal.reason) if proposal else (None, "")
    lead = _dispatch_unit(unit)
    assisting = [_dispatch_unit(u, "assisting_units") for u in assisting_units]
    assisting = list({u.pk: u for u in assisting if u.pk != lead.pk}.values())
    moment = now_or(now)
    policy, limits = deadline_policy(), limits_of(d)
    previous_unit = d.lead_unit_id
    before = enter(d, Action.DISPATCH)
    d.lead_unit, d.dispatched_at, d.signed_at = lead, moment, None
    d.returned_from = ""
    d.extension_pending_until = None
    d.sign_due_at = policy.sign_due(moment, limits)
    d.reply_due_at = policy.reply_due(moment, limits)
    set_stage(d, Stage.SIGN, moment, d.sign_due_at)
    save(d)
    d.assisting_units.set(assisting)
    assist_due = add_working_days(timezone.localtime(moment), assist_opinion_workdays())
    _assist_requests_set(d, assisting, moment=moment, due=assist_due, fresh=before == Status.ACCEPTED)
    data = {
        "unit": lead.pk,
        "unit_name": lead.name,
        "assisting": [u.pk for u in assisting],
        "routed_by": routed_by,
        "redispatch": before == Status.RETURNED,
        "previous_unit": previous_unit,
        # the due times this dispatch set: the unit is judged against them (judging.py)
        "sign_due": d.sign_due_at.isoformat(),
        "reply_due": d.reply_due_at.isoformat(),
        # 先行联系: the unit must reach the caller by then (响应率, judging.py)
        "contact_due": (moment + timedelta(hours=first_contact_hours())).isoformat(),
        # 协办意见: the assisting units newly asked give their opinion by then (judging.py)
        "assist_due": assist_due.isoformat(),
    }
    record_event(d, actor, Action.DISPATCH, before, note=note, data=data, now=moment)
    notify_unit(
        d,
        title=Message(
            gettext_noop("新派单 %(ticket)s：%(title)s"), {"ticket": d.ticket_no, "title": d.title}
        ),
        body=note,
        include_assisting=True,
    )
    return d


@transaction.atomic
def demand_return(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """退单: dispatched/in_progress → returned, with a reason; an operator reviews it."""
    reason = required_text(reason, "reason", _("请填写退单理由"))
    d = lock(demand, actor, Action.RETURN)
    moment = now_or(now)
    before = enter(d, Action.RETURN)
    d.returned_from, d.return_count = before, d.return_count + 1
    if before == Status.DISPATCHED and d.sign_due_at and moment > d.sign_due_at:
        d.was_overdue = True  # returned unsigned after the sign limit: the missed limit stays missed
    d.extension_pending_until = None
    set_stage(d, Stage.REVIEW, moment, deadline_policy().dispatch_due(moment, limits_of(d)))
    save(d)
    record_event(d, actor, Action.RETURN, before, note=reason, data={"unit": d.lead_unit_id}, now=moment)
    notify_roles(
        d,
        Role.OPERATOR,
        title=Message(gettext_noop("退单待审核 %(ticket)s"), {"ticket": d.ticket_no}),
        body=reason,
    )
    return d


@transaction.atomic
def demand_refuse_return(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """驳回退单: returned → in_progress at the same lead unit, which must handle it."""
    reason = required_text(reason, "reason", _("请填写驳回理由"))
    d = lock(demand, actor, Action.REFUSE_RETURN)
    moment = now_or(now)
    before = enter(d, Action.REFUSE_RETURN)
    d.returned_from = ""
    d.signed_at = d.signed_at or moment
    set_stage(d, Stage.REPLY, moment, d.reply_due_at or deadline_policy().reply_due(moment, limits_of(d)))
    if d.reply_due_at is None:
        d.reply_due_at = d.due_at
    save(d)
    record_event(
        d, actor, Action.REFUSE_RETURN, before, note=reason, data=_due_data(d.reply_due_at), now=moment
    )
    notify_unit(
        d,
        title=Message(gettext_noop("退单被驳回 %(ticket)s，请继续办理"), {"ticket": d.ticket_no}),
        body=reason,
    )
    return d


def _assist_requests_set(
    d: Demand, units: list[Unit], *, moment: datetime, due: datetime | None = None, fresh: bool = False
) -> None:
    """Make the active 协办 requests of `d` those of `units`: a unit already asked keeps its request (its
    sign, its opinion, its due time), a new one gets a request due at `due`, and the request of a unit no
    longer assisting is voided (kept as history, with the time). `fresh`: `d` has no active request (a
    first dispatch, or one after a withdrawal), so there is nothing to read or void."""
    wanted = {u.pk for u in units}
    kept: set[int] = set()
    if not fresh:
        active = AssistRequest.objects.filter(demand=d, voided_at__isnull=True)
        rows = dict(active.values_list("pk", "unit_id"))
        dropped = [pk for pk, unit_id in rows.items() if unit_id not in wanted]
        if dropped:
            AssistRequest.objects.filter(pk__in=dropped).update(voided_at=moment)
        kept = set(rows.values()) & wanted
    new = sorted(wanted - kept)
    if new and due is not None:
        AssistRequest.objects.bulk_create(
            [AssistRequest(demand=d, unit_id=pk, created_at=moment, due_at=due) for pk in new]
        )


def _due_data(due: datetime | None) -> dict[str, str]:
    return {"reply_due": due.isoformat()} if due else {}


@transaction.atomic
def demand_withdraw(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """撤回派单: dispatched (not yet signed) → accepted, back with the operators to dispatch again (改派).

    The unit is told. A withdrawal before the unit's sign limit voids that dispatch's judgement; after
    the limit, the missed sign stays on the unit's record (judging.py)."""
    reason = required_text(reason, "reason", _("请填写撤回理由"))
    moment = now_or(now)
    d = lock(demand, actor, Action.WITHDRAW, moment=moment)
    unit = d.lead_unit
    before = enter(d, Action.WITHDRAW)
    d.lead_unit, d.signed_at, d.sign_due_at, d.reply_due_at = None, None, None, None
    d.dispatch_due_at = deadline_policy().dispatch_due(moment, limits_of(d))
    set_stage(d, Stage.DISPATCH, moment, d.dispatch_due_at)
    save(d)
    d.assisting_units.clear()
    _assist_requests_set(d, [], moment=moment)
    record_event(
        d, actor, Action.WITHDRAW, before, note=reason, data={"unit": unit.pk if unit else None}, now=moment
    )
    if unit is not None:
        notify_unit(
            d,
            title=Message(gettext_noop("工单已撤回 %(ticket)s，不需再办理"), {"ticket": d.ticket_no}),
            body=reason,
            unit_id=unit.pk,
        )
    return d
