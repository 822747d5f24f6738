"""Codes of the mediation domain (矛盾纠纷调处). Wire codes are English; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisputeType(models.TextChoices):
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    FAMILY = "family", _("婚姻家庭")
    LAND = "land", _("土地山林")
    PROPERTY = "property", _("物业纠纷")
    LABOUR = "labour", _("劳资纠纷")
    DEMOLITION = "demolition", _("征地拆迁")
    TRAFFIC = "traffic", _("交通事故")
    CONTRACT = "contract", _("合同债务")
    OTHER = "other", _("其他")


class Risk(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")
    MAJOR = "major", _("重大")


RISK_ORDER = [Risk.LOW, Risk.MEDIUM, Risk.HIGH, Risk.MAJOR]
RISK_RANK: dict[str, int] = {r: i for i, r in enumerate(RISK_ORDER)}


class Level(models.TextChoices):
    """The level that handles a case, from the lowest (网格) to the highest (县)."""

    GRID = "grid", _("网格")
    VILLAGE = "village", _("村（社区）")
    TOWN = "town", _("乡镇（街道）")
    COUNTY = "county", _("县（区）")


LEVEL_ORDER = [Level.GRID, Level.VILLAGE, Level.TOWN, Level.COUNTY]
LEVEL_RANK: dict[str, int] = {lv: i for i, lv in enumerate(LEVEL_ORDER)}


class Source(models.TextChoices):
    DIRECT = "direct", _("直接受理")
    DEMAND = "demand", _("诉求工单")
    VISIT = "visit", _("民情走访")


class Status(models.TextChoices):
    OPEN = "open", _("已受理")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("已达成协议")
    REFERRED = "referred", _("已移交")
    WITHDRAWN = "withdrawn", _("已撤回")
    CLOSED = "closed", _("已结案")


ACTIVE_STATUSES = frozenset({Status.OPEN, Status.MEDIATING})
# Concluded: the mediation itself is over (agreement reached or not reached and referred).
CONCLUDED_STATUSES = frozenset({Status.AGREED, Status.REFERRED, Status.CLOSED})


class Action(models.TextChoices):
    OPEN = "open", _("受理")
    ASSIGN = "assign", _("指派调解员")
    SET_RISK = "set_risk", _("调整风险等级")
    SESSION = "session", _("调解")
    ESCALATE = "escalate", _("提级调处")
    EXTEND = "extend", _("延长调解期限")
    DRAFT = "draft", _("拟定协议")
    AGREE = "agree", _("达成协议")
    REFER = "refer", _("调解不成，移交")
    WITHDRAW = "withdraw", _("撤回")
    FOLLOW_UP = "follow_up", _("履行回访")
    CLOSE = "close", _("结案")
    RED_CARD = "red_card", _("超期红牌")


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("单位组织")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他当事人")


class ReferralTo(models.TextChoices):
    ARBITRATION = "arbitration", _("仲裁")
    COURT = "court", _("人民法院")
    PETITION = "petition", _("信访")
    OTHER = "other", _("其他部门")


class Performance(models.TextChoices):
    PERFORMED = "performed", _("已履行")
    PARTLY = "partly", _("部分履行")
    NOT_PERFORMED = "not_performed", _("未履行")
