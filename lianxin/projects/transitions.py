"""The action table of the project workflow: the only registry of what may be done to a project, from
which states, leading where, and by whom.

    拟定 draft ──start──▶ 实施中 in_progress ──submit──▶ 待验收 pending_acceptance ──accept──▶ 已完成 completed
                              ▲                                  │
                              └──────────── send_back ───────────┘
    terminate: draft | in_progress | pending_acceptance ──▶ 已终止 terminated

Rows whose target is SAME are steps that leave the status as it is (milestones, progress, the red card).
Who: role codes of accounts.Role plus RESPONSIBLE (the project's cadre, or a cadre/handler of its
responsible unit) and SYSTEM (the periodic overdue sweep, acting with no user).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lianxin.accounts.models import Role
from lianxin.projects.models import OPEN_STATUSES, Action, Status

SAME = "="
RESPONSIBLE = "responsible"
SYSTEM = "system"

S = Status
R = Role


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]

    def target_for(self, current: str) -> str:
        return current if self.target == SAME else self.target


def _t(action: str, sources: Iterable[str], target: str, roles: Iterable[str]) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(str(r) for r in roles))


MANAGERS = [RESPONSIBLE, R.SUPERVISOR, R.ADMIN]
OVERSEERS = [R.SUPERVISOR, R.ADMIN]

# fmt: off
TABLE: dict[str, Transition] = {t.action: t for t in [
    #  action                   from                                 to                      who
    _t(Action.START,            [S.DRAFT],                           S.IN_PROGRESS,          MANAGERS),
    _t(Action.SUBMIT,           [S.IN_PROGRESS],                     S.PENDING_ACCEPTANCE,   MANAGERS),
    _t(Action.ACCEPT,           [S.PENDING_ACCEPTANCE],              S.COMPLETED,            OVERSEERS),
    _t(Action.SEND_BACK,        [S.PENDING_ACCEPTANCE],              S.IN_PROGRESS,          OVERSEERS),
    _t(Action.TERMINATE,        OPEN_STATUSES,                       S.TERMINATED,           OVERSEERS),
    _t(Action.MILESTONE_ADD,    [S.DRAFT, S.IN_PROGRESS],            SAME,                   MANAGERS),
    _t(Action.MILESTONE_DONE,   [S.IN_PROGRESS],                     SAME,                   MANAGERS),
    _t(Action.PROGRESS,         [S.IN_PROGRESS, S.PENDING_ACCEPTANCE], SAME,                 MANAGERS),
    _t(Action.MILESTONE_OVERDUE, [S.IN_PROGRESS],                    SAME,                   [SYSTEM]),
]}
# fmt: on

# The actions that change the status, offered on the staff page and the transitions API.
STATUS_ACTIONS = [a for a, t in TABLE.items() if t.target != SAME]


def actions_from(status: str) -> list[str]:
    return [a for a, t in TABLE.items() if status in t.sources]
