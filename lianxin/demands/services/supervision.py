"""Across demands and over them: 并单, 督办 and 催办."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User
from lianxin.core.errors import Conflict, ValidationFailed
from lianxin.core.notify import Message
from lianxin.core.params import by_id
from lianxin.demands.choices import Action, Status
from lianxin.demands.models import Demand
from lianxin.demands.notifications import notify_roles, notify_unit
from lianxin.demands.services.common import (
    end_stage,
    enter,
    lock,
    now_or,
    record_event,
    save,
)


@transaction.atomic
def demand_merge(
    *, demand: Demand, actor: User, parent: Demand | int, note: str = "", now: datetime | None = None
) -> Demand:
    """并单: an open demand → merged into an open parent; it follows the parent from then on."""
    d = lock(demand, actor, Action.MERGE)  # first: a role that may not merge gets 403, whatever the parent
    if not isinstance(parent, Demand):
        found: Demand | None = by_id(Demand, parent)
        if found is None:
            raise ValidationFailed(_("主工单不存在"), fields={"parent": [_("主工单不存在")]})
        parent = found
    if parent.pk == demand.pk:
        raise ValidationFailed(_("不能并入自身"), fields={"parent": [_("不能并入自身")]})
    target = Demand.objects.select_for_update().get(pk=parent.pk)
    if not target.is_open:
        raise Conflict(_("主工单已结束，不能并入"), code="parent_not_open")
    moment = now_or(now)
    before = enter(d, Action.MERGE)
    d.merged_into, d.closed_at = target, moment
    end_stage(d)
    save(d)
    record_event(
        d,
        actor,
        Action.MERGE,
        before,
        note=note,
        data={"parent": target.pk, "parent_ticket": target.ticket_no},
        now=moment,
    )
    record_event(
        target,
        actor,
        Action.MERGE,
        target.status,
        note=_("并入工单 %(ticket)s") % {"ticket": d.ticket_no} + (f"：{note}" if note else ""),
        data={"child": d.pk, "child_ticket": d.ticket_no},
        now=moment,
    )
    Demand.objects.filter(merged_into=d).update(merged_into=target)
    return d


@transaction.atomic
def demand_supervise(*, demand: Demand, actor: User, note: str = "", now: datetime | None = None) -> Demand:
    """督办: flags an open demand as supervised and tells the lead unit; the state does not change."""
    d = lock(demand, actor, Action.SUPERVISE)
    moment = now_or(now)
    d.supervised = True
    save(d)
    record_event(d, actor, Action.SUPERVISE, d.status, note=note, now=moment)
    if d.lead_unit_id:
        notify_unit(
            d,
            title=Message(
                gettext_noop("督办 %(ticket)s：%(title)s"), {"ticket": d.ticket_no, "title": d.title}
            ),
            body=note,
            kind="supervise",
        )
    return d


@transaction.atomic
def demand_urge(
    *, demand: Demand, actor: User | None, note: str = "", system: bool = False, now: datetime | None = None
) -> Demand:
    """催办: reminds the lead unit (or the operators before dispatch); the state does not change."""
    d = lock(demand, actor, Action.URGE, system=system)
    moment = now_or(now)
    d.urge_count += 1
    save(d)
    record_event(
        d,
        actor if not system else None,
        Action.URGE,
        d.status,
        note=note,
        data={"system": system},
        now=moment,
    )
    title = Message(gettext_noop("催办 %(ticket)s：%(title)s"), {"ticket": d.ticket_no, "title": d.title})
    if d.lead_unit_id and d.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        notify_unit(d, title=title, body=note, kind="urge")
    else:
        notify_roles(d, Role.OPERATOR, title=title, body=note, kind="urge")
    return d
