"""The action table of a dispute case: the only registry of what may be done to a case, from which state,
by whom, through which service and with which arguments (as `lianxin/demands/transitions.py` is for
demands). The API's action choices and required fields, the forms a case page offers and the one door
`services.case_act` all read it.

Who: role codes of `accounts.Role` plus the relations MEDIATOR (a mediator of this case), AREA_CADRE (a
cadre whose area scope holds the case's area) and SYSTEM (the overdue sweep, acting with no user).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lianxin.accounts.models import Role
from lianxin.mediation.choices import Action, Status

SAME = "="
MEDIATOR = "mediator"
AREA_CADRE = "area_cadre"
SYSTEM = "system"

S = Status
R = Role
ACTIVE = (S.OPEN, S.MEDIATING)
# Who may open a case (any staff role but the editor); `case_open` makes the opener its mediator when
# the request names none.
OPENERS = (R.OPERATOR, R.HANDLER, R.CADRE, R.SUPERVISOR, R.ADMIN)
OVERSEERS = (R.SUPERVISOR, R.ADMIN)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    service: str  # name of the function in lianxin.mediation.services
    args: tuple[str, ...] = ()
    required: tuple[str, ...] = ()

    def target_for(self, current: str) -> str:
        return current if self.target == SAME else self.target


def _t(
    action: str,
    sources: Iterable[str],
    target: str,
    roles: Iterable[str],
    service: str,
    args: Iterable[str] = (),
    *,
    required: Iterable[str] = (),
) -> Transition:
    return Transition(
        action,
        frozenset(sources),
        target,
        frozenset(str(r) for r in roles),
        service,
        tuple(args),
        tuple(required),
    )


# fmt: off
TABLE: dict[str, Transition] = {t.action: t for t in [
    #  action              from                   to            who                                          service               arguments
    _t(Action.ASSIGN,      ACTIVE,                SAME,         [MEDIATOR, AREA_CADRE, *OVERSEERS],          "case_assign",        ["mediators", "lead", "note"], required=["mediators"]),
    _t(Action.SET_RISK,    [*ACTIVE, S.AGREED],   SAME,         [MEDIATOR, AREA_CADRE, *OVERSEERS],          "case_set_risk",      ["risk", "note"], required=["risk", "note"]),
    _t(Action.SESSION,     ACTIVE,                S.MEDIATING,  [MEDIATOR],                                  "case_session",       ["held_at", "place", "record"], required=["record"]),
    _t(Action.ESCALATE,    ACTIVE,                SAME,         [MEDIATOR, AREA_CADRE, *OVERSEERS],          "case_escalate",      ["level", "mediators", "note"], required=["note"]),
    _t(Action.EXTEND,      ACTIVE,                SAME,         [MEDIATOR, *OVERSEERS],                      "case_extend",        ["due_on", "note"], required=["due_on", "note"]),
    _t(Action.DRAFT,       [S.MEDIATING],         SAME,         [MEDIATOR],                                  "case_draft",         ["terms"], required=["terms"]),
    _t(Action.AGREE,       [S.MEDIATING],         S.AGREED,     [MEDIATOR],                                  "case_agree",         ["terms", "signed_parties", "scan", "note"]),
    _t(Action.REFER,       ACTIVE,                S.REFERRED,   [MEDIATOR, *OVERSEERS],                      "case_refer",         ["referral_to", "referral_body", "referral_ref", "note"], required=["referral_to", "note"]),
    _t(Action.WITHDRAW,    ACTIVE,                S.WITHDRAWN,  [MEDIATOR, *OVERSEERS],                      "case_withdraw",      ["note"], required=["note"]),
    _t(Action.FOLLOW_UP,   [S.AGREED],            SAME,         [MEDIATOR, AREA_CADRE],                      "case_follow_up",     ["date", "performance", "note"], required=["date", "performance"]),
    _t(Action.CLOSE,       [S.AGREED, S.REFERRED], S.CLOSED,    [MEDIATOR, *OVERSEERS],                      "case_close",         ["note"]),
    _t(Action.RED_CARD,    ACTIVE,                SAME,         [SYSTEM],                                    "case_red_card"),
]}
# fmt: on

# What a client may name in POST /mediation/cases/{id}/actions/ (the sweep's red card is not one).
API_ACTIONS = [a for a, t in TABLE.items() if SYSTEM not in t.roles]


def transition(action: str) -> Transition:
    return TABLE[action]


def missing_arguments(action: str, given: dict[str, Any]) -> list[str]:
    return [name for name in TABLE[action].required if given.get(name) in (None, "", [])]
