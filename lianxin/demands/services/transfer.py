"""紧急转办: an operator hands a demand to an emergency line (110/119/120/122, a utility's emergency
line: the admin's `TransferTarget` rows), recording to whom, when and the reference number given; the
demand leaves the normal deadlines (no stage, no due time: the sweep never cards it and no on-time
measure judges it), and a follow-up (`demand_confirm_transfer`) records the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.accounts.models import User
from lianxin.core.errors import ValidationFailed
from lianxin.demands.choices import Action
from lianxin.demands.models import Demand, TransferTarget
from lianxin.demands.services.common import end_stage, enter, lock, now_or, record_event, save

MAX_REFERENCE = 60


# The four standard emergency lines (紧急转办), as migration 0013 seeds them; utilities' lines are added by
# the admin. A database emptied after migrating (a flush, a transactional test) gets them back from
# `transfer_targets_ensure` (the demo loader calls it).
STANDARD_TARGETS = [
    ("公安报警", "110", "110", 10),
    ("消防救援", "119", "119", 20),
    ("医疗急救", "120", "120", 30),
    ("交通事故报警", "122", "122", 40),
]


def transfer_targets_ensure() -> None:
    """The standard lines exist (idempotent; an admin's later changes to them are kept)."""
    for name, kind, phone, order in STANDARD_TARGETS:
        TransferTarget.objects.get_or_create(kind=kind, phone=phone, defaults={"name": name, "order": order})


def _target(value: Any) -> TransferTarget:
    """The active transfer target named by `value` (a row or its id); ValidationFailed otherwise."""
    if isinstance(value, TransferTarget):
        pk: Any = value.pk
    else:
        pk = value
    if pk in (None, ""):
        message = _("请选择转办对象")
        raise ValidationFailed(message, fields={"target": [message]})
    try:
        return TransferTarget.objects.get(pk=int(pk), is_active=True)
    except (TransferTarget.DoesNotExist, TypeError, ValueError):
        message = _("转办对象不存在或已停用")
        raise ValidationFailed(message, fields={"target": [message]}) from None


@transaction.atomic
def demand_transfer(
    *,
    demand: Demand,
    actor: User,
    target: Any,
    reference: str | None = "",
    note: str = "",
    now: datetime | None = None,
) -> Demand:
    """紧急转办: submitted or accepted → transferred to an active `TransferTarget` (required: 400 naming
    `target` when missing or unknown, nothing written), with the reference number the line gave.

    The demand's stage ends (no due time): it is outside the normal deadlines from now on."""
    chosen = _target(target)
    reference = (reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        message = _("最多 %(n)d 字") % {"n": MAX_REFERENCE}
        raise ValidationFailed(message, fields={"reference": [message]})
    moment = now_or(now)
    d = lock(demand, actor, Action.TRANSFER, moment=moment)
    before = enter(d, Action.TRANSFER)
    d.transferred_at = moment
    end_stage(d)
    save(d)
    record_event(
        d,
        actor,
        Action.TRANSFER,
        before,
        note=note,
        data={
            "target": chosen.pk,
            "target_name": chosen.name,
            "kind": chosen.kind,
            "phone": chosen.phone,
            "reference": reference,
        },
        now=moment,
    )
    return d


@transaction.atomic
def demand_confirm_transfer(
    *, demand: Demand, actor: User, resolved: bool, note: str = "", now: datetime | None = None
) -> Demand:
    """转办结果确认: the operator's follow-up of a transferred demand records whether the emergency line
    dealt with it (`resolved`, required); once only (Conflict `transfer_confirmed`). The demand stays
    已紧急转办, with the confirmation time as its finish."""
    if not isinstance(resolved, bool):
        raise ValidationFailed(_("resolved 必须为 true 或 false"), fields={"resolved": [_("必填")]})
    moment = now_or(now)
    d = lock(demand, actor, Action.CONFIRM_TRANSFER, moment=moment)
    before = enter(d, Action.CONFIRM_TRANSFER)
    d.resolved = resolved
    d.closed_at = moment
    save(d)
    record_event(
        d, actor, Action.CONFIRM_TRANSFER, before, note=note, data={"resolved": resolved}, now=moment
    )
    return d
