"""The action tables of the four participation workflows: consultation, poll, event, survey.

Each row: action → the states it may start from, the state it leads to (SAME = unchanged), who may do it
(role codes, plus ORGANISER = the user who created the object, and MODERATOR for comment moderation),
and the service that carries it out. `services.common.check` reads these rows; nothing else decides
whether an action is allowed in a state.
"""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.accounts.models import Role
from lianxin.participation.models import ConsultationStatus as CS
from lianxin.participation.models import EventStatus as ES
from lianxin.participation.models import PollStatus as PS
from lianxin.participation.models import SurveyStatus as SS

SAME = "="
ORGANISER = "organiser"
R = Role
OVERSEERS = (R.SUPERVISOR, R.ADMIN)
# Who may create participation objects (a unit's staff or a cadre).
CREATORS = frozenset({R.CADRE, R.HANDLER, R.OPERATOR, R.SUPERVISOR, R.ADMIN})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str

    def target_for(self, current: str) -> str:
        return current if self.target == SAME else self.target


def _t(action: str, sources: list[str], target: str, roles: list[str], label: str) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(str(r) for r in roles), label)


# fmt: off
CONSULTATION: dict[str, Transition] = {t.action: t for t in [
    #  action              from                   to             who
    _t("publish",          [CS.DRAFT],            CS.OPEN,       [ORGANISER, *OVERSEERS], "发布"),
    _t("comment",          [CS.OPEN],             SAME,          [R.CITIZEN, "anonymous"], "发表意见"),
    _t("moderate",         [CS.OPEN, CS.CLOSED, CS.FEEDBACK], SAME, [R.EDITOR, *OVERSEERS, R.CADRE, R.HANDLER], "审核意见"),
    _t("close",            [CS.OPEN],             CS.CLOSED,     [ORGANISER, *OVERSEERS, "system"], "截止"),
    _t("feedback",         [CS.CLOSED],           SAME,          [ORGANISER, *OVERSEERS], "答复意见"),
    _t("publish_feedback", [CS.CLOSED],           CS.FEEDBACK,   [ORGANISER, *OVERSEERS], "发布采纳情况"),
]}

POLL: dict[str, Transition] = {t.action: t for t in [
    _t("open",             [PS.DRAFT],            PS.OPEN,       [ORGANISER, *OVERSEERS], "开始投票"),
    _t("vote",             [PS.OPEN],             SAME,          [R.CITIZEN, "anonymous", "representative"], "投票"),
    _t("close",            [PS.OPEN],             PS.CLOSED,     [ORGANISER, *OVERSEERS, "system"], "截止"),
    _t("publish",          [PS.CLOSED],           PS.PUBLISHED,  [ORGANISER, *OVERSEERS], "公布结果"),
]}

EVENT: dict[str, Transition] = {t.action: t for t in [
    _t("sign_up",          [ES.PUBLISHED],        SAME,          [R.CITIZEN, "anonymous", ORGANISER], "报名"),
    _t("cancel_signup",    [ES.PUBLISHED],        SAME,          [R.CITIZEN, "anonymous", ORGANISER], "取消报名"),
    _t("check_in",         [ES.PUBLISHED, ES.HELD], SAME,        [ORGANISER], "签到"),
    _t("cancel",           [ES.PUBLISHED],        ES.CANCELLED,  [ORGANISER, *OVERSEERS], "取消活动"),
    _t("record_minutes",   [ES.PUBLISHED, ES.HELD], ES.HELD,     [ORGANISER], "记录纪要"),
    _t("follow_up",        [ES.HELD],             SAME,          [ORGANISER], "后续事项"),
]}

SURVEY: dict[str, Transition] = {t.action: t for t in [
    _t("open",             [SS.DRAFT],            SS.OPEN,       [ORGANISER, *OVERSEERS], "开始调查"),
    _t("invite",           [SS.DRAFT, SS.OPEN],   SAME,          [ORGANISER, *OVERSEERS], "抽样邀请"),
    _t("respond",          [SS.OPEN],             SAME,          [R.CITIZEN, "anonymous"], "填写问卷"),
    _t("close",            [SS.OPEN],             SS.CLOSED,     [ORGANISER, *OVERSEERS, "system"], "结束调查"),
]}
# fmt: on

TABLES = {"consultation": CONSULTATION, "poll": POLL, "event": EVENT, "survey": SURVEY}
