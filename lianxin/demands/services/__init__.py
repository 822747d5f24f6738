"""Every action on a demand, one keyword-only service each, grouped by stage of the closed loop (in the
manner of zulip's `zerver/actions/`): `intake` (submit, attach, accept, reject), `dispatch` (dispatch,
withdraw, return and its review), `handling` (sign, extensions, reply), `followup` (rate, close, reopen) and
`supervision` (merge, supervise, urge), with the assisting units' part (协办签收, 协办意见) in `handling`, `appeals` (考核申诉 and its decision), `transfer` (紧急转办 and its
confirmation), `review` (答复审核: approve or send back a held reply); `common` holds the checks, the lock and the event they share.

The transition table (`lianxin.demands.transitions.TABLE`) names each action's service and arguments;
`demand_transition` is the one door that runs a row for the API and the HTMX forms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from lianxin.accounts.models import User
from lianxin.core.errors import NotFound, ValidationFailed
from lianxin.demands.choices import Action
from lianxin.demands.models import Demand
from lianxin.demands.services.appeals import appeal_exclusions, demand_appeal, demand_decide_appeal
from lianxin.demands.services.common import (
    MAX_CONTENT,
    MAX_TITLE,
    REOPEN_WINDOW_DAYS,
    actor_relations,
    allowed_values,
    limits_of,
    now_or,
    refusal,
)
from lianxin.demands.services.dispatch import (
    demand_dispatch,
    demand_refuse_return,
    demand_return,
    demand_withdraw,
)
from lianxin.demands.services.followup import (
    demand_citizen_reopen,
    demand_close,
    demand_rate,
    demand_reopen,
)
from lianxin.demands.services.handling import (
    demand_approve_extension,
    demand_assist_opinion,
    demand_assist_sign,
    demand_deny_extension,
    demand_first_contact,
    demand_reply,
    demand_request_extension,
    demand_sign,
)
from lianxin.demands.services.intake import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    PHONE_FORMAT_ERROR,
    attachment_sniff,
    demand_accept,
    demand_answer,
    demand_attach,
    demand_intel_suggestions,
    demand_intel_urgency_set,
    demand_reject,
    demand_submit,
    phone_is_plausible,
    query_code_new,
    ticket_no_for,
)
from lianxin.demands.services.review import demand_approve_reply, demand_return_reply
from lianxin.demands.services.supervision import demand_merge, demand_supervise, demand_urge
from lianxin.demands.services.transfer import demand_confirm_transfer, demand_transfer
from lianxin.demands.transitions import NOTE_ALIASES, TABLE

__all__ = [
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_CONTENT",
    "MAX_TITLE",
    "PHONE_FORMAT_ERROR",
    "REOPEN_WINDOW_DAYS",
    "actor_relations",
    "appeal_exclusions",
    "attachment_sniff",
    "demand_accept",
    "demand_answer",
    "demand_appeal",
    "demand_decide_appeal",
    "demand_first_contact",
    "demand_allowed_actions",
    "demand_approve_extension",
    "demand_approve_reply",
    "demand_assist_opinion",
    "demand_assist_sign",
    "demand_attach",
    "demand_citizen_reopen",
    "demand_confirm_transfer",
    "demand_close",
    "demand_deny_extension",
    "demand_dispatch",
    "demand_intel_suggestions",
    "demand_intel_urgency_set",
    "demand_merge",
    "demand_rate",
    "demand_refuse_return",
    "demand_reject",
    "demand_reopen",
    "demand_reply",
    "demand_return_reply",
    "demand_request_extension",
    "demand_return",
    "demand_sign",
    "demand_submit",
    "demand_supervise",
    "demand_transfer",
    "demand_transition",
    "demand_urge",
    "demand_withdraw",
    "limits_of",
    "phone_is_plausible",
    "query_code_new",
    "ticket_no_for",
]


def demand_allowed_actions(*, demand: Demand, actor: User | None, now: datetime | None = None) -> list[str]:
    """Actions of the table the actor could take now (for showing forms; services re-check): the state,
    the role, and the demand's own conditions (an extension to decide, the reopen window…)."""
    relations = actor_relations(actor, demand)
    moment = now_or(now)
    return [
        action
        for action, t in TABLE.items()
        if action != Action.SUBMIT
        and demand.status in t.sources
        and relations & t.roles
        and refusal(action, demand, moment, actor=actor) is None
    ]


def _argument(name: str, args: dict[str, Any]) -> Any:
    """A request's value for one argument of a row: a note is "" when not given, and a reason may be
    given as the note (see transitions.NOTE_ALIASES)."""
    if name == "note":
        return args.get("note") or ""
    if name in NOTE_ALIASES:
        return args.get(name) or args.get("note") or ""
    return args.get(name)


def demand_transition(*, demand: Demand, actor: User | None, action: str, **args: Any) -> Demand:
    """Run `action` (a row of the table) with the arguments its row names, taken from `args`; arguments
    not given are left to the service's defaults, except the row's required ones, which the service then
    refuses by name (a note or reason not given is ""). Unknown actions are ValidationFailed; only `rate`
    and `citizen_reopen` may be taken without a user (by query code)."""
    t = TABLE.get(action) if action != Action.SUBMIT else None
    if t is None:
        raise ValidationFailed(
            _("未知动作 %(action)s") % {"action": repr(action)},
            fields={"action": [allowed_values(a for a in TABLE if a != Action.SUBMIT)]},
        )
    if actor is None and action not in (Action.RATE, Action.CITIZEN_REOPEN):
        raise NotFound(_("工单不存在或无权查看"))
    kwargs: dict[str, Any] = {}
    for name in t.args:
        value = _argument(name, args)
        if value is not None or name in t.required:
            kwargs[name] = value
    return t.run()(demand=demand, actor=actor, **kwargs)
