"""答复审核: replies to demands that match an admin's `ReplyReviewRule` (a category subtree and/or a lead
unit) are held (`Demand.reply_held`) until the centre reviews them — the citizen does not see a held reply
on the tracking page, in the API or in a notification. The operator or supervisor approves it (the
citizen is told then, and the follow-up clock starts) or sends it back to the handler with a reason.

Whether a reply sent back counts against the unit's on-time rate is `LIANXIN_REVIEW_RETURN_COUNTS_ONTIME`
(default True): when it counts, the returned reply is void and the next reply is judged against the reply
due time in force before (replayed in `judging.py`); when it does not, the returned reply is the one judged
and the handler gets a fresh reply due time for the new one."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import User
from lianxin.core.notify import Message
from lianxin.demands.choices import Action, Stage
from lianxin.demands.deadlines import deadline_policy
from lianxin.demands.models import AttachmentPurpose, Demand, DemandAttachment, ReplyReviewRule
from lianxin.demands.notifications import notify_requester, notify_unit
from lianxin.demands.services.common import (
    enter,
    limits_of,
    lock,
    now_or,
    record_event,
    required_text,
    save,
    set_stage,
)


def return_counts_ontime() -> bool:
    """Whether a reply sent back by the review counts against the unit's on-time rate."""
    return bool(getattr(settings, "LIANXIN_REVIEW_RETURN_COUNTS_ONTIME", True))


def review_rule_for(demand: Demand) -> ReplyReviewRule | None:
    """The first active review rule the demand's reply matches (category subtree and/or lead unit)."""
    for rule in ReplyReviewRule.objects.filter(is_active=True).select_related("category"):
        if rule.matches(demand):
            return rule
    return None


def reply_released(demand: Demand) -> None:
    """Tell the caller (and every merged caller, who rates it on their own) that the answer is there."""
    for caller in [demand, *Demand.objects.filter(merged_into=demand).select_related("requester")]:
        notify_requester(
            caller,
            title=Message(gettext_noop("您的诉求 %(ticket)s 已答复，请评价"), {"ticket": caller.ticket_no}),
            body=demand.reply_text[:200],
        )


@transaction.atomic
def demand_approve_reply(
    *, demand: Demand, actor: User, note: str = "", now: datetime | None = None
) -> Demand:
    """答复审核通过: a held reply is released to the citizen (told now); the follow-up clock starts now.
    A reply not held — already seen by the citizen, or never under review — is a Conflict
    (`reply_already_seen`), nothing written."""
    moment = now_or(now)
    d = lock(demand, actor, Action.APPROVE_REPLY, moment=moment)
    before = enter(d, Action.APPROVE_REPLY)
    d.reply_held = False
    d.followup_due_at = deadline_policy().followup_due(moment, limits_of(d))
    set_stage(d, Stage.FOLLOWUP, moment, d.followup_due_at)
    save(d)
    record_event(d, actor, Action.APPROVE_REPLY, before, note=(note or "").strip(), now=moment)
    reply_released(d)
    return d


@transaction.atomic
def demand_return_reply(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """答复退回: a held reply goes back to the handler (in_progress) with the reviewer's reason; the
    citizen never saw it. The reply due time is the one in force when it counts against on-time
    (`return_counts_ontime`), else a fresh one from now. Conflict `reply_already_seen` for a reply not
    held."""
    reason = required_text(reason, "reason", _("请填写退回理由"))
    moment = now_or(now)
    d = lock(demand, actor, Action.RETURN_REPLY, moment=moment)
    before = enter(d, Action.RETURN_REPLY)
    counts = return_counts_ontime()
    d.reply_held = False
    d.reply_text, d.outcome, d.replied_at = "", "", None
    # the returned reply's files go with it: kept for staff, never shown with the next reply
    returned_files = list(
        DemandAttachment.objects.filter(demand=d, purpose=AttachmentPurpose.REPLY).values_list(
            "pk", flat=True
        )
    )
    DemandAttachment.objects.filter(pk__in=returned_files).update(purpose=AttachmentPurpose.RETURNED)
    d.followup_due_at = None
    if not counts or d.reply_due_at is None:
        d.reply_due_at = deadline_policy().reply_due(moment, limits_of(d))
    set_stage(d, Stage.REPLY, moment, d.reply_due_at)
    save(d)
    record_event(
        d,
        actor,
        Action.RETURN_REPLY,
        before,
        note=reason,
        # the returned text stays on the reply's own event (its note, encrypted): not copied into `data`,
        # which is stored in clear
        data={"counts": counts, "reply_due": d.reply_due_at.isoformat(), "files_returned": returned_files},
        now=moment,
    )
    notify_unit(
        d,
        title=Message(gettext_noop("答复被退回 %(ticket)s，请重新答复"), {"ticket": d.ticket_no}),
        body=reason,
    )
    return d
