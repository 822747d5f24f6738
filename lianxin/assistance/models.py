"""帮扶台账: the assistance ledger of households in difficulty.

A household of the contact app tagged 困难户, 低保 or 零就业家庭 (`contact.Household`, linked, never copied)
gets an assistance plan: its needs, the cadre paired with it (结对帮扶), the rhythm of follow-ups, the
measures carried out (employment referral, 低保 / 临时救助 applications with their status, medical,
education, housing), the follow-ups, and the outcome (脱困, or still in need with the reason).

The file is sensitive: only the paired cadre, a supervisor whose area scope contains the household, and
admins see it (`access.py`). Free text about the family (needs, measures, follow-up notes, the outcome's
reason) is encrypted at rest like the contact app's phones and addresses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("帮扶中")
    LIFTED = "lifted", _("已脱困")


class Outcome(models.TextChoices):
    LIFTED = "lifted", _("已脱困")
    STILL_IN_NEED = "still_in_need", _("仍需帮扶")


class MeasureKind(models.TextChoices):
    EMPLOYMENT = "employment", _("就业推荐")
    DIBAO = "dibao", _("低保申请")
    TEMPORARY_RELIEF = "temporary_relief", _("临时救助申请")
    MEDICAL = "medical", _("医疗救助")
    EDUCATION = "education", _("教育资助")
    HOUSING = "housing", _("住房保障")
    OTHER = "other", _("其他")


# Applications go through a decision; the other measures are carried out.
APPLICATION_KINDS = frozenset({MeasureKind.DIBAO, MeasureKind.TEMPORARY_RELIEF})


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("实施中")
    DONE = "done", _("已落实")
    APPLIED = "applied", _("已申请")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未获批")


APPLICATION_STATUSES = (MeasureStatus.APPLIED, MeasureStatus.APPROVED, MeasureStatus.REJECTED)
ACTION_STATUSES = (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS, MeasureStatus.DONE)


class FollowUpKind(models.TextChoices):
    VISIT = "visit", _("入户走访")
    PHONE = "phone", _("电话回访")
    MEETING = "meeting", _("约谈")


class PlanAction(models.TextChoices):
    CREATE = "create", _("建立帮扶计划")
    MEASURE_ADD = "measure_add", _("新增帮扶措施")
    MEASURE_STATUS = "measure_status", _("措施进展")
    FOLLOW_UP = "follow_up", _("跟踪回访")
    ASSESS = "assess", _("评估：仍需帮扶")
    LIFT = "lift", _("评估：脱困")
    PAIR = "pair", _("调整结对干部")


class Plan(models.Model):
    household = models.ForeignKey(
        "contact.Household",
        on_delete=models.PROTECT,
        related_name="assistance_plans",
        verbose_name=_("帮扶户"),
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assistance_plans",
        verbose_name=_("结对干部"),
    )
    needs = EncryptedTextField(_("困难与需求"))
    start = models.DateField(_("开始日期"))
    every_days = models.PositiveSmallIntegerField(_("回访周期（天）"), default=30)
    next_due = models.DateField(_("下次回访日期"))
    # The due date a reminder was last sent for (the reminder task sends one per due date).
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    outcome = models.CharField(_("评估结果"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = EncryptedTextField(_("评估说明"), blank=True, default="")
    outcome_on = models.DateField(_("评估日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("建立人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_due", "pk"]
        verbose_name = _("帮扶计划")
        verbose_name_plural = _("帮扶台账")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="active"), name="assistance_one_active_plan"
            ),
            models.CheckConstraint(
                condition=Q(every_days__gte=1) & Q(every_days__lte=366), name="assistance_every_days"
            ),
        ]
        indexes = [
            models.Index(fields=["cadre", "status", "next_due"], name="assistance_cadre_due"),
            models.Index(fields=["status", "next_due"], name="assistance_due"),
        ]

    def __str__(self) -> str:
        return f"{self.household} 帮扶计划"


class Measure(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("措施类型"), max_length=20, choices=MeasureKind.choices)
    detail = EncryptedTextField(_("措施内容"))
    status = models.CharField(_("状态"), max_length=20, choices=MeasureStatus.choices)
    date = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan_id", "date", "pk"]
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_status_display()}"


class FollowUp(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="follow_ups")
    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("回访日期"))
    kind = models.CharField(
        _("方式"), max_length=20, choices=FollowUpKind.choices, default=FollowUpKind.VISIT
    )
    note = EncryptedTextField(_("回访情况"))
    due = models.DateField(_("应回访日期"))
    on_time = models.BooleanField(_("按时"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("跟踪回访")
        verbose_name_plural = _("跟踪回访")
        indexes = [models.Index(fields=["cadre", "date"], name="assistance_followup_cadre")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.date}"


class PlanEvent(models.Model):
    """The plan's timeline: every step, who took it and when, written in the step's transaction."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=PlanAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("帮扶动态")
        verbose_name_plural = _("帮扶动态")
        indexes = [models.Index(fields=["plan", "created_at"], name="assistance_event_time")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.action}"
