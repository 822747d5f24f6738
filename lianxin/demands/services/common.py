"""What every demand service shares: the actor's relations, the checks and the lock, the timeline event,
the deadline stage, and validation of typed-in values.

A service runs in one transaction: `lock` takes the demand row (`select_for_update`; SQLite's IMMEDIATE
transactions serialise writers), checks that the caller's copy is current (`version`), that the actor may
see the demand (else NotFound), holds a role for the action (else PermissionDenied) and that the state
allows it (else Conflict); the service then writes the change (`enter` moves the status as the table
says) and its timeline event together. Two concurrent actions on one demand: one wins, the other gets
Conflict.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import Role, User
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.demands import extensions, intel_port
from lianxin.demands.choices import Action, Satisfaction, Stage, Status, WarningLevel
from lianxin.demands.deadlines import Limits, deadline_policy, warn_time
from lianxin.demands.judging import JUDGED_ACTIONS, judgements_sync
from lianxin.demands.models import AssistRequest, Demand, DemandEvent
from lianxin.demands.selectors import demand_is_visible
from lianxin.demands.transitions import (
    ANONYMOUS,
    ASSIST_HANDLER,
    LEAD_HANDLER,
    REQUESTER,
    SYSTEM,
    TABLE,
    Transition,
)

MAX_TITLE = 200
MAX_CONTENT = 5000
REOPEN_WINDOW_DAYS = int(settings.LIANXIN_DEMANDS_REOPEN_DAYS)


def first_contact_hours() -> int:
    """Hours after a dispatch by which the handler must first reach the caller (先行联系, 响应率)."""
    return max(1, int(getattr(settings, "LIANXIN_FIRST_CONTACT_HOURS", 24)))


def citizen_reopen_days() -> int:
    """Days after a reply within which the citizen may ask for 重办 themselves (群众申请重办):
    `LIANXIN_CITIZEN_REOPEN_DAYS`, by default the appeal window (`LIANXIN_APPEAL_WINDOW_DAYS`)."""
    default = getattr(settings, "LIANXIN_APPEAL_WINDOW_DAYS", 10)
    return max(0, int(getattr(settings, "LIANXIN_CITIZEN_REOPEN_DAYS", default)))


def assist_opinion_workdays() -> int:
    """Working days after a dispatch by which each assisting unit gives its opinion (协办意见)."""
    return max(1, int(getattr(settings, "LIANXIN_ASSIST_OPINION_WORKDAYS", 3)))


def assist_request_for(demand: Demand, unit_id: int | None) -> AssistRequest | None:
    """The active 协办 request of `unit_id` on `demand` (None: not an assisting unit now); read once per
    demand instance and unit (the relations and the refusal of one action share it)."""
    if not unit_id or not demand.pk:
        return None
    cache: dict[int, AssistRequest | None] = demand.__dict__.setdefault("_assist_requests", {})
    if unit_id not in cache:
        cache[unit_id] = AssistRequest.objects.filter(
            demand_id=demand.pk, unit_id=unit_id, voided_at__isnull=True
        ).first()
    return cache[unit_id]


def now_or(now: datetime | None = None) -> datetime:
    return now or timezone.now()


def action_label(action: str) -> str:
    return str(Action(action).label)


def actor_relations(actor: User | None, demand: Demand) -> set[str]:
    """The actor's role codes plus their relation to this demand (see transitions.py)."""
    if actor is None or not actor.is_authenticated:
        return {ANONYMOUS}
    relations = set(actor.role_list)
    if actor.is_superuser:
        relations.add(Role.ADMIN)
    if Role.HANDLER in relations and actor.unit_id and actor.unit_id == demand.lead_unit_id:
        relations.add(LEAD_HANDLER)
    elif Role.HANDLER in relations and actor.unit_id and assist_request_for(demand, actor.unit_id):
        relations.add(ASSIST_HANDLER)
    if demand.requester_id and demand.requester_id == actor.pk:
        relations.add(REQUESTER)
    return relations


# 答复审核: the review actions need a held reply; the follow-up of a reply waits until it is released.
REVIEWING = frozenset({Action.APPROVE_REPLY, Action.RETURN_REPLY})
AFTER_REPLY = frozenset({Action.RATE, Action.CLOSE, Action.REOPEN, Action.CITIZEN_REOPEN})
ASSISTING = frozenset({Action.ASSIST_SIGN, Action.ASSIST_OPINION})
EXTENSIONS = frozenset({Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION, Action.DENY_EXTENSION})


def refusal(action: str, d: Demand, moment: datetime, *, actor: User | None = None) -> Conflict | None:
    """Why the demand's own state refuses `action` beyond its status and the actor's role (an
    extension to decide, one extension per demand, before the due time, the reopen window, a lead
    unit, an assisting unit's opinion already given), or None: the services raise it, the forms
    offered leave the action out."""
    if action in ASSISTING:
        return _assist_refusal(action, d, actor)
    if action in EXTENSIONS:
        return _extension_refusal(action, d, moment)
    if action in REVIEWING:
        if not d.reply_held:
            # the citizen has seen it (or it was never held): too late to review
            return Conflict(_("答复已对群众公开（或无需审核），不能再审核"), code="reply_already_seen")
        return None
    if action in AFTER_REPLY and d.reply_held:
        return Conflict(_("答复待审核，审核通过后群众才能看到"), code="reply_under_review")
    if action == Action.RATE and d.status == Status.MERGED:
        # a merged caller rates the answer the parent gave, once it has one (their rating, counted once)
        parent = d.merged_into
        if parent is None or parent.status not in (Status.REPLIED, Status.CLOSED) or parent.reply_held:
            return Conflict(_("合并办理的主工单尚未答复，暂不能评价"), code="parent_not_replied")
    if action == Action.REOPEN:
        if (
            d.status == Status.CLOSED
            and d.closed_at is not None
            and moment - d.closed_at > timedelta(days=REOPEN_WINDOW_DAYS)
        ):
            return Conflict(
                _("办结已超过 %(n)d 天，不能重办") % {"n": REOPEN_WINDOW_DAYS}, code="reopen_window_passed"
            )
        if not d.lead_unit_id:
            return Conflict(_("工单没有主办单位，不能重办"), code="no_unit")
    if action == Action.CITIZEN_REOPEN:
        return _citizen_reopen_refusal(d, moment)
    if action == Action.CONFIRM_TRANSFER and d.closed_at is not None:
        return Conflict(_("转办结果已确认"), code="transfer_confirmed")
    return None


def _extension_refusal(action: str, d: Demand, moment: datetime) -> Conflict | None:
    """An extension to decide; one extension per demand, asked before the reply is due."""
    if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION) and not d.extension_pending_until:
        return Conflict(_("没有待审批的延期申请"), code="no_extension_request")
    if action == Action.REQUEST_EXTENSION:
        if d.extension_count or d.extension_pending_until:
            return Conflict(_("每件工单只能延期一次"), code="extension_used")
        if d.reply_due_at and moment >= d.reply_due_at:
            return Conflict(_("已超过答复时限，不能再申请延期"), code="extension_too_late")
    return None


def _assist_refusal(action: str, d: Demand, actor: User | None) -> Conflict | None:
    """协办: the actor's unit has an active request (the role check saw it); once its opinion is given it
    cannot sign or give it again, and it signs once."""
    request = assist_request_for(d, getattr(actor, "unit_id", None))
    if request is None:
        return Conflict(_("本单位不是该工单的协办单位"), code="not_assisting")
    if request.submitted_at is not None:
        return Conflict(_("本单位已提交协办意见"), code="assist_submitted")
    if action == Action.ASSIST_SIGN and request.signed_at is not None:
        return Conflict(_("本单位已签收协办"), code="assist_signed")
    return None


def _citizen_reopen_refusal(d: Demand, moment: datetime) -> Conflict | None:
    """群众申请重办: within the window after the (latest) reply, unless they said they were satisfied."""
    if not d.lead_unit_id or d.replied_at is None:
        return Conflict(_("该工单不能申请重办，请联系热线"), code="no_unit")
    if d.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED):
        return Conflict(_("您已评价满意，不能申请重办"), code="rated_satisfied")
    days = citizen_reopen_days()
    if moment - d.replied_at > timedelta(days=days):
        return Conflict(
            _("答复已超过 %(n)d 天，不能申请重办") % {"n": days}, code="citizen_reopen_window_passed"
        )
    return None


def _check(demand: Demand, actor: User | None, t: Transition, *, system: bool, code_verified: bool) -> None:
    if system:
        relations = {SYSTEM}
    else:
        if not code_verified and not demand_is_visible(actor, demand):
            raise NotFound(_("工单不存在或无权查看"))
        relations = actor_relations(actor, demand)
        if code_verified:
            relations.add(REQUESTER)
    if not relations & t.roles:
        raise PermissionDenied(
            _("当前角色无权执行「%(action)s」") % {"action": action_label(t.action)}, code="forbidden"
        )
    if demand.status not in t.sources:
        raise Conflict(
            _("工单当前状态为「%(status)s」，不能执行「%(action)s」")
            % {"status": demand.get_status_display(), "action": action_label(t.action)},
            code="invalid_transition",
        )


def lock(
    demand: Demand,
    actor: User | None,
    action: str,
    *,
    system: bool = False,
    code_verified: bool = False,
    moment: datetime | None = None,
) -> Demand:
    """Lock the row and run every check of `action` (the table's, then `refusal` at `moment`); must be
    called inside transaction.atomic()."""
    try:
        locked = Demand.objects.select_for_update().get(pk=demand.pk)
    except Demand.DoesNotExist:
        raise NotFound(_("工单不存在或无权查看")) from None
    _check(locked, actor, TABLE[action], system=system, code_verified=code_verified)
    if locked.version != demand.version:
        raise Conflict(_("工单已被他人处理，请刷新后重试"), code="stale")
    if problem := refusal(action, locked, now_or(moment), actor=actor):
        raise problem
    return locked


def enter(demand: Demand, action: str) -> str:
    """Move `demand` to the state the table gives `action`; returns the state it was in."""
    before = demand.status
    demand.status = TABLE[action].target_for(before)
    return before


def record_event(
    demand: Demand,
    actor: User | None,
    action: str,
    from_status: str,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> DemandEvent:
    event = DemandEvent.objects.create(
        demand=demand,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=demand.status,
        note=note,
        data=data or {},
        created_at=now_or(now),
    )
    if action in JUDGED_ACTIONS:
        judgements_sync(demand.pk)
    extensions.events_recorded([event])
    return event


def set_stage(demand: Demand, stage: str, start: datetime, due: datetime | None) -> None:
    demand.stage = stage
    demand.due_at = due
    demand.warn_at = warn_time(start, due) if due else None
    demand.warning_level = WarningLevel.NONE


def end_stage(demand: Demand) -> None:
    demand.stage, demand.due_at, demand.warn_at, demand.warning_level = (
        Stage.NONE,
        None,
        None,
        WarningLevel.NONE,
    )


def save(demand: Demand) -> None:
    """Store a changed demand with its version bumped, and tell intel (in this transaction)."""
    demand.version += 1
    demand.save()
    intel_port.demand_changed(demand)


def limits_of(demand: Demand) -> Limits:
    return deadline_policy().limits(demand_type=demand.type, urgency=demand.urgency, category=demand.category)


def required_text(value: str | None, field: str, message: str, max_len: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, fields={field: [message]})
    if len(text) > max_len:
        raise ValidationFailed(
            _("%(field)s 过长") % {"field": field}, fields={field: [_("最多 %(n)d 字") % {"n": max_len}]}
        )
    return text


def allowed_values(values: Iterable[str]) -> str:
    return _("可选值：%(values)s") % {"values": ", ".join(values)}


def choice_of(value: str | None, choices: type[TextChoices], field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            _("%(field)s 取值无效") % {"field": field}, fields={field: [allowed_values(choices.values)]}
        )
    return value
