"""The transition table of the demand workflow (domain.md "States and actions"), in one place.

Each row: action → the states it may start from, the state it leads to (SAME = unchanged), and who
may do it. Role codes are those of accounts.Role plus three relations to the demand:
LEAD_HANDLER (a handler of the demand's lead unit), REQUESTER (the citizen who submitted it, or the
holder of its query code) and SYSTEM (the deadline sweep, acting with no user).
"""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.demands.choices import OPEN_STATUSES, Action, Status

SAME = "="
LEAD_HANDLER = "lead_handler"
REQUESTER = "requester"
SYSTEM = "system"
ANONYMOUS = "anonymous"

S = Status
OPEN = frozenset(OPEN_STATUSES)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]

    def target_for(self, current: str) -> str:
        return current if self.target == SAME else self.target


def _t(action: str, sources, target: str, roles) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles))


# fmt: off
TABLE: dict[str, Transition] = {t.action: t for t in [
    #  action                      from                                 to              who
    _t(Action.SUBMIT,              [],                                  S.SUBMITTED,    ["citizen", "operator", "cadre", ANONYMOUS]),
    _t(Action.ACCEPT,              [S.SUBMITTED],                       S.ACCEPTED,     ["operator"]),
    _t(Action.REJECT,              [S.SUBMITTED],                       S.REJECTED,     ["operator"]),
    _t(Action.DISPATCH,            [S.ACCEPTED, S.RETURNED],            S.DISPATCHED,   ["operator"]),
    _t(Action.SIGN,                [S.DISPATCHED],                      S.IN_PROGRESS,  [LEAD_HANDLER]),
    _t(Action.RETURN,              [S.DISPATCHED, S.IN_PROGRESS],       S.RETURNED,     [LEAD_HANDLER]),
    _t(Action.REFUSE_RETURN,       [S.RETURNED],                        S.IN_PROGRESS,  ["operator"]),
    _t(Action.REQUEST_EXTENSION,   [S.IN_PROGRESS],                     SAME,           [LEAD_HANDLER]),
    _t(Action.APPROVE_EXTENSION,   [S.IN_PROGRESS],                     SAME,           ["operator", "supervisor"]),
    _t(Action.DENY_EXTENSION,      [S.IN_PROGRESS],                     SAME,           ["operator", "supervisor"]),
    _t(Action.REPLY,               [S.IN_PROGRESS],                     S.REPLIED,      [LEAD_HANDLER]),
    _t(Action.RATE,                [S.REPLIED],                         S.CLOSED,       ["operator", REQUESTER]),
    _t(Action.CLOSE,               [S.REPLIED],                         S.CLOSED,       ["operator"]),
    _t(Action.REOPEN,              [S.REPLIED, S.CLOSED],               S.IN_PROGRESS,  ["operator"]),
    _t(Action.MERGE,               OPEN,                                S.MERGED,       ["operator"]),
    _t(Action.SUPERVISE,           OPEN,                                SAME,           ["supervisor", "cadre"]),
    _t(Action.URGE,                OPEN,                                SAME,           ["supervisor", "cadre", SYSTEM]),
]}
# fmt: on

# Actions a client may name in POST /transitions/ (submit has its own door; warn is the sweep's).
API_ACTIONS = [a for a in TABLE if a != Action.SUBMIT]


def transition(action: str) -> Transition:
    return TABLE[action]


def actions_from(status: str) -> list[str]:
    return [a for a, t in TABLE.items() if status in t.sources]
