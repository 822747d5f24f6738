"""Follow-up: 回访评价, 办结 without a rating, and 重办."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User
from lianxin.core.errors import ValidationFailed
from lianxin.core.notify import Message
from lianxin.demands.choices import Action, Closure, Satisfaction, Stage, Status
from lianxin.demands.deadlines import deadline_policy
from lianxin.demands.models import Demand
from lianxin.demands.notifications import notify_roles, notify_unit
from lianxin.demands.services.common import (
    choice_of,
    end_stage,
    enter,
    limits_of,
    lock,
    now_or,
    record_event,
    required_text,
    save,
    set_stage,
)


@transaction.atomic
def demand_rate(
    *,
    demand: Demand,
    actor: User | None,
    satisfaction: str,
    resolved: bool,
    note: str = "",
    code_verified: bool = False,
    now: datetime | None = None,
) -> Demand:
    """回访评价: replied (or merged, once the parent is answered) → closed. Closed as resolved only when
    the citizen says it is resolved. A merged caller's rating is theirs: one judged rating of the
    parent's lead unit, beside the parent caller's own.

    By the operator's follow-up call, or by the citizen (their account, or the query code).
    An operator reopens a dissatisfied case with `demand_reopen`.
    """
    choice_of(satisfaction, Satisfaction, "satisfaction")
    if not isinstance(resolved, bool):
        raise ValidationFailed(_("resolved 必须为 true 或 false"), fields={"resolved": [_("必填")]})
    d = lock(demand, actor, Action.RATE, code_verified=code_verified)
    moment = now_or(now)
    before = enter(d, Action.RATE)
    d.satisfaction, d.resolved, d.rated_at = satisfaction, resolved, moment
    d.closed_at = moment
    d.closure = Closure.RESOLVED if resolved else Closure.NOT_RESOLVED
    end_stage(d)
    save(d)
    record_event(
        d,
        actor,
        Action.RATE,
        before,
        note=note,
        data={
            "satisfaction": satisfaction,
            "resolved": resolved,
            "by_code": code_verified,
            # a merged caller rates the parent's answer: the unit judged is the parent's lead unit
            **(
                {"unit": d.merged_into.lead_unit_id, "parent": d.merged_into_id}
                if before == Status.MERGED and d.merged_into
                else {}
            ),
        },
        now=moment,
    )
    if satisfaction == Satisfaction.DISSATISFIED:
        notify_roles(
            d,
            Role.OPERATOR,
            title=Message(gettext_noop("群众不满意 %(ticket)s，请研判是否重办"), {"ticket": d.ticket_no}),
        )
    return d


@transaction.atomic
def demand_close(
    *, demand: Demand, actor: User, note: str = "", resolved: bool = False, now: datetime | None = None
) -> Demand:
    """办结 without a rating (e.g. the citizen cannot be reached): resolved only if the operator confirms it.

    The demand is not counted as rated, so the rates are unaffected.
    """
    d = lock(demand, actor, Action.CLOSE)
    moment = now_or(now)
    before = enter(d, Action.CLOSE)
    d.closed_at = moment
    d.closure = Closure.RESOLVED if resolved else Closure.NOT_RESOLVED
    end_stage(d)
    save(d)
    record_event(d, actor, Action.CLOSE, before, note=note, data={"resolved": bool(resolved)}, now=moment)
    return d


@transaction.atomic
def demand_reopen(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """重办: replied or closed (within the reopen window) → in_progress at the same unit, new reply due.

    The earlier rating stays until the citizen rates again, so a reopen never improves the rates.
    """
    reason = required_text(reason, "reason", _("请填写重办理由"))
    moment = now_or(now)
    d = lock(demand, actor, Action.REOPEN, moment=moment)
    return _reopen(d, actor, Action.REOPEN, reason, moment)


@transaction.atomic
def demand_citizen_reopen(
    *,
    demand: Demand,
    actor: User | None,
    reason: str,
    code_verified: bool = False,
    now: datetime | None = None,
) -> Demand:
    """群众申请重办: the citizen (their account, or the query code on the tracking page) who is not
    satisfied with the reply asks for it to be handled again, within `citizen_reopen_days()` of the
    reply; it reopens as the operator's 重办 does (in_progress at the same unit, a new reply due).

    Refused (Conflict) after the window, once they rated 满意/基本满意, or without a unit's reply
    (a 直接答复 goes back to the hotline)."""
    reason = required_text(reason, "reason", _("请填写申请重办的理由"), max_len=500)
    moment = now_or(now)
    d = lock(demand, actor, Action.CITIZEN_REOPEN, code_verified=code_verified, moment=moment)
    d = _reopen(d, actor, Action.CITIZEN_REOPEN, reason, moment, data={"by_code": code_verified})
    notify_roles(
        d,
        Role.OPERATOR,
        title=Message(gettext_noop("群众申请重办 %(ticket)s"), {"ticket": d.ticket_no}),
    )
    return d


def _reopen(
    d: Demand,
    actor: User | None,
    action: str,
    reason: str,
    moment: datetime,
    data: dict[str, object] | None = None,
) -> Demand:
    """Reopen a locked demand: in_progress at its unit with a new reply due, the event, the unit told."""
    before = enter(d, action)
    d.closure, d.closed_at = "", None
    d.reopen_count += 1
    d.signed_at = d.signed_at or moment
    d.reply_due_at = deadline_policy().reply_due(moment, limits_of(d))
    set_stage(d, Stage.REPLY, moment, d.reply_due_at)
    save(d)
    record_event(
        d,
        actor,
        action,
        before,
        note=reason,
        data={"reply_due": d.reply_due_at.isoformat(), **(data or {})},
        now=moment,
    )
    notify_unit(d, title=Message(gettext_noop("工单重办 %(ticket)s"), {"ticket": d.ticket_no}), body=reason)
    return d
