"""Handling by the lead unit: 签收, extensions (申请/批准/驳回延期) and 答复; and the assisting units' part
(协办签收, 协办意见)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User
from lianxin.core.errors import Conflict, ValidationFailed
from lianxin.core.notify import Message
from lianxin.demands.choices import Action, ContactMethod, Outcome, Stage
from lianxin.demands.deadlines import deadline_policy
from lianxin.demands.models import Demand, DemandEvent
from lianxin.demands.notifications import notify_roles, notify_unit
from lianxin.demands.services.common import (
    MAX_CONTENT,
    assist_request_for,
    choice_of,
    enter,
    limits_of,
    lock,
    now_or,
    record_event,
    required_text,
    save,
    set_stage,
)
from lianxin.demands.services.review import reply_released, review_rule_for
from lianxin.demands.workdays import add_working_days


@transaction.atomic
def demand_sign(*, demand: Demand, actor: User, note: str = "", now: datetime | None = None) -> Demand:
    """签收: dispatched → in_progress, by a handler of the lead unit; the reply clock is already running."""
    d = lock(demand, actor, Action.SIGN)
    moment = now_or(now)
    before = enter(d, Action.SIGN)
    d.signed_at = moment
    if d.sign_due_at and moment > d.sign_due_at:
        d.was_overdue = True
    set_stage(d, Stage.REPLY, d.dispatched_at or moment, d.reply_due_at)
    save(d)
    record_event(d, actor, Action.SIGN, before, note=note, now=moment)
    return d


@transaction.atomic
def demand_request_extension(
    *, demand: Demand, actor: User, days: int, reason: str, now: datetime | None = None
) -> Demand:
    """申请延期: once per demand, before the reply is due, for 1..N working days."""
    reason = required_text(reason, "reason", _("请填写延期理由"))
    policy = deadline_policy()
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationFailed(_("延期天数无效"), fields={"days": [_("请填写整数")]}) from None
    if not 1 <= days <= policy.extension_limit_days():
        raise ValidationFailed(
            _("延期天数无效"),
            fields={"days": [_("1 到 %(n)d 个工作日") % {"n": policy.extension_limit_days()}]},
        )
    moment = now_or(now)
    d = lock(demand, actor, Action.REQUEST_EXTENSION, moment=moment)
    base = timezone.localtime(d.reply_due_at or moment)
    d.extension_pending_until = add_working_days(base, days)
    save(d)
    record_event(
        d,
        actor,
        Action.REQUEST_EXTENSION,
        d.status,
        note=reason,
        data={"days": days, "until": d.extension_pending_until.isoformat()},
        now=moment,
    )
    notify_roles(
        d,
        Role.OPERATOR,
        Role.SUPERVISOR,
        title=Message(
            gettext_noop("延期申请 %(ticket)s（%(days)s 个工作日）"), {"ticket": d.ticket_no, "days": days}
        ),
        body=reason,
    )
    return d


@transaction.atomic
def demand_approve_extension(
    *, demand: Demand, actor: User, note: str = "", now: datetime | None = None
) -> Demand:
    """批准延期: the pending request becomes the new reply due time."""
    moment = now_or(now)
    d = lock(demand, actor, Action.APPROVE_EXTENSION, moment=moment)
    old_due, new_due = d.reply_due_at, d.extension_pending_until
    assert new_due is not None  # common.refusal: there is a request to approve
    d.reply_due_at, d.extension_pending_until = new_due, None
    d.extension_count += 1
    set_stage(d, Stage.REPLY, moment, d.reply_due_at)
    save(d)
    record_event(
        d,
        actor,
        Action.APPROVE_EXTENSION,
        d.status,
        note=note,
        data={"old_due": old_due.isoformat() if old_due else None, "new_due": new_due.isoformat()},
        now=moment,
    )
    notify_unit(d, title=Message(gettext_noop("延期已批准 %(ticket)s"), {"ticket": d.ticket_no}), body=note)
    return d


@transaction.atomic
def demand_deny_extension(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """驳回延期: the request is dropped; the deadline stays."""
    reason = required_text(reason, "reason", _("请填写驳回理由"))
    moment = now_or(now)
    d = lock(demand, actor, Action.DENY_EXTENSION, moment=moment)
    d.extension_pending_until = None
    save(d)
    record_event(d, actor, Action.DENY_EXTENSION, d.status, note=reason, now=moment)
    notify_unit(d, title=Message(gettext_noop("延期被驳回 %(ticket)s"), {"ticket": d.ticket_no}), body=reason)
    return d


@transaction.atomic
def demand_reply(
    *, demand: Demand, actor: User, text: str, outcome: str, now: datetime | None = None
) -> Demand:
    """答复: in_progress → replied, with the answer text and outcome; the follow-up clock starts."""
    text = required_text(text, "text", _("请填写答复内容"), max_len=MAX_CONTENT)
    choice_of(outcome, Outcome, "outcome")
    minimum = settings.LIANXIN_REPLY_RESOLVED_MIN_CHARS
    if outcome == Outcome.RESOLVED and len(text) < minimum:
        problem = _("标记为已解决的答复须写明办理了什么（至少 %(n)d 字）") % {"n": minimum}
        raise ValidationFailed(problem, fields={"text": [problem]}, code="reply_too_thin")
    d = lock(demand, actor, Action.REPLY)
    moment = now_or(now)
    before = enter(d, Action.REPLY)
    d.reply_text, d.outcome, d.replied_at = text, outcome, moment
    d.extension_pending_until = None
    d.handling_seconds = int((moment - d.created_at).total_seconds())
    if d.reply_due_at and moment > d.reply_due_at:
        d.was_overdue = True
    d.followup_due_at = deadline_policy().followup_due(moment, limits_of(d))
    set_stage(d, Stage.FOLLOWUP, moment, d.followup_due_at)
    rule = review_rule_for(d)
    d.reply_held = rule is not None  # 答复审核: the citizen sees it once the centre approves
    save(d)
    due = {"due": d.reply_due_at.isoformat()} if d.reply_due_at else {}
    held = {"held": True, "review_rule": rule.pk} if rule is not None else {}
    record_event(
        d, actor, Action.REPLY, before, note=text, data={"outcome": outcome, **due, **held}, now=moment
    )
    if rule is not None:
        notify_roles(
            d,
            Role.OPERATOR,
            Role.SUPERVISOR,
            title=Message(gettext_noop("答复待审核 %(ticket)s"), {"ticket": d.ticket_no}),
            body=text[:200],
        )
    else:
        reply_released(d)
    return d


@transaction.atomic
def demand_first_contact(
    *, demand: Demand, actor: User, method: str, note: str = "", now: datetime | None = None
) -> Demand:
    """先行联系: a handler of the lead unit records the first contact with the caller (a call, a visit, a
    message) for the current dispatch; judged for 响应率 against the dispatch's contact due time. Once
    per dispatch."""
    if method not in ContactMethod.values:
        message = _("联系方式应为：%(methods)s") % {
            "methods": "、".join(str(m) for m in ContactMethod.labels)
        }
        raise ValidationFailed(message, fields={"method": [message]})
    moment = now_or(now)
    d = lock(demand, actor, Action.FIRST_CONTACT, moment=moment)
    events = DemandEvent.objects.filter(demand_id=d.pk)
    dispatched = events.filter(action=Action.DISPATCH).order_by("-created_at", "-id").first()
    if dispatched is not None and events.filter(action=Action.FIRST_CONTACT, id__gt=dispatched.pk).exists():
        raise Conflict(_("本次派单已记录先行联系"), code="first_contact_recorded")
    before = enter(d, Action.FIRST_CONTACT)
    record_event(
        d, actor, Action.FIRST_CONTACT, before, note=(note or "").strip(), data={"method": method}, now=moment
    )
    return d


@transaction.atomic
def demand_assist_sign(*, demand: Demand, actor: User, note: str = "", now: datetime | None = None) -> Demand:
    """协办签收: a handler of an assisting unit signs for its part (dispatched or in progress; the status
    stays). Once per request; refused (409) once signed or once the opinion is given."""
    moment = now_or(now)
    d = lock(demand, actor, Action.ASSIST_SIGN, moment=moment)
    request = assist_request_for(d, actor.unit_id)
    assert request is not None  # common.refusal: the actor's unit has an active request
    request.signed_at, request.signed_by = moment, actor
    request.save(update_fields=["signed_at", "signed_by"])
    before = enter(d, Action.ASSIST_SIGN)  # the status stays; the version too (the lead's forms stay valid)
    record_event(
        d,
        actor,
        Action.ASSIST_SIGN,
        before,
        note=(note or "").strip(),
        data={"unit": request.unit_id, "request": request.pk},
        now=moment,
    )
    return d


@transaction.atomic
def demand_assist_opinion(*, demand: Demand, actor: User, text: str, now: datetime | None = None) -> Demand:
    """提交协办意见: a handler of an assisting unit gives its unit's opinion to the lead unit (dispatched or
    in progress; the status stays), signing for it too if nobody had. Once per request: a second one,
    or one after the reply, is refused (409). Judged for 协办按时率 against the request's due time
    (judging.py); staff only, never on the citizen's timeline."""
    text = required_text(text, "text", _("请填写协办意见"), max_len=MAX_CONTENT)
    moment = now_or(now)
    d = lock(demand, actor, Action.ASSIST_OPINION, moment=moment)
    request = assist_request_for(d, actor.unit_id)
    assert request is not None  # common.refusal: the actor's unit has an active request
    request.opinion, request.submitted_at, request.submitted_by = text, moment, actor
    if request.signed_at is None:
        request.signed_at, request.signed_by = moment, actor
    request.save(update_fields=["opinion", "submitted_at", "submitted_by", "signed_at", "signed_by"])
    before = enter(d, Action.ASSIST_OPINION)  # the status and the version stay, as for 先行联系
    record_event(
        d,
        actor,
        Action.ASSIST_OPINION,
        before,
        note=text,
        data={
            "unit": request.unit_id,
            "request": request.pk,
            "due": request.due_at.isoformat(),
            "late": moment > request.due_at,
        },
        now=moment,
    )
    if d.lead_unit_id:
        notify_unit(
            d,
            title=Message(
                gettext_noop("协办意见已提交 %(ticket)s：%(unit)s"),
                {"ticket": d.ticket_no, "unit": request.unit.name},
            ),
            body=text[:200],
        )
    return d
