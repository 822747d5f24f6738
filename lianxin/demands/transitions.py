"""The transition table of the demand workflow (domain.md "States and actions"): the only registry of actions.

Each row: action → the states it may start from, the state it leads to (SAME = unchanged), who may do
it, the service that carries it out, the arguments that service takes from a request (`args`; those
in `required` must be given), and whether the step shows on the citizen's tracking page (`public`).
Everything else is derived from it: the API's action choices and required fields, the one door
`services.demand_transition`, the forms each user is offered, the citizen's timeline, and the target
state every service moves the demand to (`services.common.enter`).

Role codes are those of accounts.Role plus relations to the demand: LEAD_HANDLER (a handler of the
demand's lead unit), ASSIST_HANDLER (a handler of one of its assisting units, with an active
`AssistRequest`), REQUESTER (the citizen who submitted it, or the holder of its query code) and SYSTEM
(the deadline sweep, acting with no user).

Adding an action: a code in `choices.Action`, one row here, one service function (keyword-only, named in
the row), and its tests. `tests/demands/test_action_table.py` checks that every row's service exists
and takes exactly the row's arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from lianxin.accounts.models import Role
from lianxin.demands.choices import OPEN_STATUSES, Action, Status

SAME = "="
LEAD_HANDLER = "lead_handler"
ASSIST_HANDLER = "assist_handler"
REQUESTER = "requester"
SYSTEM = "system"
ANONYMOUS = "anonymous"

# Arguments a request may give as "note" instead (the forms and the API name a refusal's reason "note"
# or "reason"; the service takes `reason`).
NOTE_ALIASES = frozenset({"reason"})

S = Status
R = Role
OPEN = frozenset(OPEN_STATUSES)
SERVICES = "lianxin.demands.services"
# 考核申诉: a unit appeals once it has been judged; the supervisor decides whatever has happened since.
APPEALABLE = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.REPLIED, S.CLOSED})
DECIDABLE = frozenset(S.values) - {S.SUBMITTED, S.ACCEPTED, S.REJECTED}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    service: str  # dotted path of the service function
    args: tuple[str, ...] = ()  # keyword arguments the service takes from a request
    required: tuple[str, ...] = ()  # of those, the ones a request must give (400 naming them)
    public: bool = False  # shown on the citizen's tracking page and timeline

    def target_for(self, current: str) -> str:
        return current if self.target == SAME else self.target

    def run(self) -> Callable[..., Any]:
        """The service function of this action."""
        return _import(self.service)


@cache
def _import(path: str) -> Callable[..., Any]:
    return import_string(path)


def _t(
    action: str,
    sources: Iterable[str],
    target: str,
    roles: Iterable[str],
    service: str,
    args: Iterable[str] = (),
    *,
    required: Iterable[str] = (),
    public: bool = False,
) -> Transition:
    return Transition(
        action,
        frozenset(sources),
        target,
        frozenset(str(r) for r in roles),
        f"{SERVICES}.{service}",
        tuple(args),
        tuple(required),
        public,
    )


# fmt: off
TABLE: dict[str, Transition] = {t.action: t for t in [
    #  action                  from                            to             who                                         service                                 arguments
    _t(Action.SUBMIT,          [],                             S.SUBMITTED,   [R.CITIZEN, R.OPERATOR, R.CADRE, ANONYMOUS], "intake.demand_submit",                 public=True),
    _t(Action.ACCEPT,          [S.SUBMITTED],                  S.ACCEPTED,    [R.OPERATOR],                               "intake.demand_accept",                 ["note", "type", "urgency", "category", "area"], public=True),
    _t(Action.REJECT,          [S.SUBMITTED],                  S.REJECTED,    [R.OPERATOR],                               "intake.demand_reject",                 ["reason"], public=True),
    _t(Action.ANSWER,          [S.SUBMITTED, S.ACCEPTED],      S.REPLIED,     [R.OPERATOR],                               "intake.demand_answer",                 ["text", "article"], required=["text"], public=True),
    _t(Action.DISPATCH,        [S.ACCEPTED, S.RETURNED],       S.DISPATCHED,  [R.OPERATOR],                               "dispatch.demand_dispatch",             ["unit", "assisting_units", "note"], public=True),
    _t(Action.WITHDRAW,        [S.DISPATCHED],                 S.ACCEPTED,    [R.OPERATOR],                               "dispatch.demand_withdraw",             ["reason"]),
    _t(Action.SIGN,            [S.DISPATCHED],                 S.IN_PROGRESS, [LEAD_HANDLER],                             "handling.demand_sign",                 ["note"], public=True),
    _t(Action.RETURN,          [S.DISPATCHED, S.IN_PROGRESS],  S.RETURNED,    [LEAD_HANDLER],                             "dispatch.demand_return",               ["reason"]),
    _t(Action.REFUSE_RETURN,   [S.RETURNED],                   S.IN_PROGRESS, [R.OPERATOR],                               "dispatch.demand_refuse_return",        ["reason"]),
    _t(Action.REQUEST_EXTENSION, [S.IN_PROGRESS],              SAME,          [LEAD_HANDLER],                             "handling.demand_request_extension",    ["days", "reason"], required=["days"]),
    _t(Action.APPROVE_EXTENSION, [S.IN_PROGRESS],              SAME,          [R.OPERATOR, R.SUPERVISOR],                 "handling.demand_approve_extension",    ["note"]),
    _t(Action.DENY_EXTENSION,  [S.IN_PROGRESS],                SAME,          [R.OPERATOR, R.SUPERVISOR],                 "handling.demand_deny_extension",       ["reason"]),
    _t(Action.REPLY,           [S.IN_PROGRESS],                S.REPLIED,     [LEAD_HANDLER],                             "handling.demand_reply",                ["text", "outcome"], required=["text", "outcome"], public=True),
    _t(Action.RATE,            [S.REPLIED, S.MERGED],          S.CLOSED,      [R.OPERATOR, REQUESTER],                    "followup.demand_rate",                 ["satisfaction", "resolved", "note", "code_verified"], required=["satisfaction", "resolved"], public=True),
    _t(Action.CLOSE,           [S.REPLIED],                    S.CLOSED,      [R.OPERATOR],                               "followup.demand_close",                ["note", "resolved"], public=True),
    _t(Action.REOPEN,          [S.REPLIED, S.CLOSED],          S.IN_PROGRESS, [R.OPERATOR],                               "followup.demand_reopen",               ["reason"], public=True),
    _t(Action.MERGE,           OPEN,                           S.MERGED,      [R.OPERATOR],                               "supervision.demand_merge",             ["parent", "note"], required=["parent"], public=True),
    _t(Action.SUPERVISE,       OPEN,                           SAME,          [R.SUPERVISOR, R.CADRE],                    "supervision.demand_supervise",         ["note"]),
    _t(Action.URGE,            OPEN,                           SAME,          [R.SUPERVISOR, R.CADRE, SYSTEM],            "supervision.demand_urge",              ["note"]),
    _t(Action.FIRST_CONTACT,   [S.DISPATCHED, S.IN_PROGRESS],  SAME,          [LEAD_HANDLER],                             "handling.demand_first_contact",        ["method", "note"], required=["method"]),
    _t(Action.APPEAL,          APPEALABLE,                     SAME,          [LEAD_HANDLER],                             "appeals.demand_appeal",                ["reason_kind", "reason"], required=["reason_kind", "reason"]),
    _t(Action.DECIDE_APPEAL,   DECIDABLE,                      SAME,          [R.SUPERVISOR],                             "appeals.demand_decide_appeal",         ["upheld", "note"], required=["upheld"]),
    _t(Action.TRANSFER,        [S.SUBMITTED, S.ACCEPTED],      S.TRANSFERRED, [R.OPERATOR],                               "transfer.demand_transfer",             ["target", "reference", "note"], required=["target"], public=True),
    _t(Action.CONFIRM_TRANSFER, [S.TRANSFERRED],               SAME,          [R.OPERATOR],                               "transfer.demand_confirm_transfer",     ["resolved", "note"], required=["resolved"], public=True),
    _t(Action.APPROVE_REPLY,   [S.REPLIED],                    SAME,          [R.OPERATOR, R.SUPERVISOR],                 "review.demand_approve_reply",          ["note"]),
    _t(Action.RETURN_REPLY,    [S.REPLIED],                    S.IN_PROGRESS, [R.OPERATOR, R.SUPERVISOR],                 "review.demand_return_reply",           ["reason"]),
    _t(Action.ASSIST_SIGN,     [S.DISPATCHED, S.IN_PROGRESS],  SAME,          [ASSIST_HANDLER],                           "handling.demand_assist_sign",          ["note"]),
    _t(Action.ASSIST_OPINION,  [S.DISPATCHED, S.IN_PROGRESS],  SAME,          [ASSIST_HANDLER],                           "handling.demand_assist_opinion",       ["text"], required=["text"]),
    _t(Action.CITIZEN_REOPEN,  [S.REPLIED, S.CLOSED],          S.IN_PROGRESS, [REQUESTER],                                "followup.demand_citizen_reopen",       ["reason", "code_verified"], public=True),
]}
# fmt: on

# Actions a client may name in POST /transitions/ (submit has its own door).
API_ACTIONS = [a for a in TABLE if a != Action.SUBMIT]
# Steps of the timeline the citizen sees (events outside the table, such as attach and warn, never are).
PUBLIC_ACTIONS = frozenset(a for a, t in TABLE.items() if t.public)


def transition(action: str) -> Transition:
    return TABLE[action]


def actions_from(status: str) -> list[str]:
    return [a for a, t in TABLE.items() if status in t.sources]


def missing_arguments(action: str, given: dict[str, Any]) -> list[str]:
    """The row's required arguments that `given` lacks (None or "" count as not given)."""
    return [name for name in TABLE[action].required if given.get(name) in (None, "")]
