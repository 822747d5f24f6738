"""The action table of an assistance plan: the only registry of its steps.

    (none) ──create──▶ 帮扶中 active ──lift (脱困, reason)──▶ 已脱困 lifted
    active: measure_add, measure_status, follow_up, assess (still in need, reason), pair (new cadre)

Who: PAIRED (the plan's cadre), SCOPED_SUPERVISOR (a supervisor whose area scope contains the
household), ADMIN. A user with none of these relations does not see the plan at all (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lianxin.assistance.access import ADMIN, PAIRED, SCOPED_SUPERVISOR
from lianxin.assistance.models import PlanAction, PlanStatus

SAME = "="
A = PlanAction
S = PlanStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]

    def target_for(self, current: str) -> str:
        return current if self.target == SAME else self.target


def _t(action: str, sources: Iterable[str], target: str, roles: Iterable[str]) -> Transition:
    return Transition(str(action), frozenset(str(s) for s in sources), str(target), frozenset(roles))


EVERYONE = [PAIRED, SCOPED_SUPERVISOR, ADMIN]
OVERSEERS = [SCOPED_SUPERVISOR, ADMIN]

# fmt: off
TABLE: dict[str, Transition] = {t.action: t for t in [
    #  action               from          to         who
    _t(A.MEASURE_ADD,       [S.ACTIVE],   SAME,      EVERYONE),
    _t(A.MEASURE_STATUS,    [S.ACTIVE],   SAME,      EVERYONE),
    _t(A.FOLLOW_UP,         [S.ACTIVE],   SAME,      [PAIRED]),
    _t(A.ASSESS,            [S.ACTIVE],   SAME,      EVERYONE),
    _t(A.LIFT,              [S.ACTIVE],   S.LIFTED,  EVERYONE),
    _t(A.PAIR,              [S.ACTIVE],   SAME,      OVERSEERS),
]}
# fmt: on


def actions_from(status: str) -> list[str]:
    return [a for a, t in TABLE.items() if status in t.sources]
