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


OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED, Status.REPLIED}
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
