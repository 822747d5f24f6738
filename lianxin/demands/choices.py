"""Codes of the demand domain (domain.md). Wire codes are English; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemandType(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


# Urgency levels in order, to compare intel's proposal with a demand's own urgency.
URGENCY_RANK: dict[str, int] = {Urgency.NORMAL: 0, Urgency.URGENT: 1, Urgency.CRITICAL: 2}
# The proposals worth flagging before acceptance (疑似紧急 / 疑似特急).
SUSPECT_LEVELS = [Urgency.URGENT, Urgency.CRITICAL]


class Channel(models.TextChoices):
    WEB = "web", _("网站/手机")
    PHONE = "phone", _("电话")
    WALK_IN = "walk_in", _("来访")
    VISIT = "visit", _("民情走访")
    API = "api", _("接口")
    OPEN311 = "open311", _("Open311")
    IMPORT = "import", _("批量导入")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    DISPATCHED = "dispatched", _("已派单")
    IN_PROGRESS = "in_progress", _("办理中")
    RETURNED = "returned", _("已退单")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已并单")
    # 紧急转办: handed to 110/119/120/122 or a utility's emergency line; outside the normal deadlines
    TRANSFERRED = "transferred", _("已紧急转办")


OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.RETURNED,
        Status.REPLIED,
    }
)


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("已解决")
    PARTLY_RESOLVED = "partly_resolved", _("部分解决")
    EXPLAINED = "explained", _("已解释说明")
    NOT_RESPONSIBLE = "not_responsible", _("非本单位职责")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


TERMINAL_STATUSES = frozenset({Status.REJECTED, Status.CLOSED, Status.MERGED})


class Closure(models.TextChoices):
    """How a closed demand ended: kept apart so rates are never inflated by unresolved closures."""

    RESOLVED = "resolved", _("办结·已解决")
    NOT_RESOLVED = "not_resolved", _("办结·未解决")


class Action(models.TextChoices):
    SUBMIT = "submit", _("提交")
    ACCEPT = "accept", _("受理")
    REJECT = "reject", _("不予受理")
    DISPATCH = "dispatch", _("派单")
    SIGN = "sign", _("签收")
    RETURN = "return", _("退单")
    REFUSE_RETURN = "refuse_return", _("驳回退单")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("批准延期")
    DENY_EXTENSION = "deny_extension", _("驳回延期")
    REPLY = "reply", _("答复")
    RATE = "rate", _("回访评价")
    CLOSE = "close", _("办结")
    REOPEN = "reopen", _("重办")
    MERGE = "merge", _("并单")
    SUPERVISE = "supervise", _("督办")
    URGE = "urge", _("催办")
    ANSWER = "answer", _("直接答复")
    WITHDRAW = "withdraw", _("撤回派单")
    FIRST_CONTACT = "first_contact", _("先行联系")
    APPEAL = "appeal", _("考核申诉")
    DECIDE_APPEAL = "decide_appeal", _("申诉审核")
    TRANSFER = "transfer", _("紧急转办")
    CONFIRM_TRANSFER = "confirm_transfer", _("转办结果确认")
    CITIZEN_REOPEN = "citizen_reopen", _("群众申请重办")
    APPROVE_REPLY = "approve_reply", _("答复审核通过")
    RETURN_REPLY = "return_reply", _("答复退回重办")
    # 协办: an assisting unit signs for its part and gives its opinion to the lead unit
    ASSIST_SIGN = "assist_sign", _("协办签收")
    ASSIST_OPINION = "assist_opinion", _("提交协办意见")
    WARN = "warn", _("黄牌预警")
    ATTACH = "attach", _("上传附件")


class TransferKind(models.TextChoices):
    """The emergency lines a demand may be handed to (紧急转办)."""

    POLICE = "110", _("110 公安报警")
    FIRE = "119", _("119 消防救援")
    AMBULANCE = "120", _("120 医疗急救")
    TRAFFIC = "122", _("122 交通事故")
    UTILITY = "utility", _("公用事业抢修")


class ContactMethod(models.TextChoices):
    """How a handler first reached the caller (先行联系)."""

    CALL = "call", _("电话联系")
    VISIT = "visit", _("上门走访")
    MESSAGE = "message", _("短信/留言")


class AppealReason(models.TextChoices):
    """Why a unit says a demand should not count against it (不合理诉求)."""

    OUTSIDE_REMIT = "outside_remit", _("不属于本单位职责")
    VEXATIOUS = "vexatious", _("重复、无理诉求")
    SETTLED = "settled", _("已依法处理终结")


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉不成立")


class WarningLevel(models.IntegerChoices):
    NONE = 0, _("正常")
    YELLOW = 1, _("黄牌")
    RED = 2, _("红牌")


class Stage(models.TextChoices):
    """The stage whose deadline `Demand.due_at` currently tracks."""

    DISPATCH = "dispatch", _("派单")
    SIGN = "sign", _("签收")
    REPLY = "reply", _("答复")
    REVIEW = "review", _("退单审核")
    FOLLOWUP = "followup", _("回访")
    NONE = "", _("无")
