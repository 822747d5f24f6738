"""矛盾纠纷调处: the dispute case, its parties (personal data encrypted), mediators, sessions, follow-ups on
the agreement's performance, and its timeline (`CaseEvent`, written in the transaction of each change)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField, phone_index
from lianxin.core.masking import MaskedCopyField
from lianxin.mediation.choices import (
    DisputeType,
    Level,
    PartyKind,
    PartyRole,
    Performance,
    ReferralTo,
    Risk,
    Source,
    Status,
)

if TYPE_CHECKING:
    from lianxin.accounts.models import User


def _scan_path(instance: Case, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"mediation/agreements/{instance.pk}/signed.{suffix[:5]}"


class Case(models.Model):
    case_no = models.CharField(_("案件编号"), max_length=24, unique=True, null=True, blank=True)
    # The dispute's texts name the parties, their homes, phones and ID numbers: stored encrypted, read
    # back in clear. The title's masked copy is what a search (the admin's) matches.
    title = EncryptedTextField(_("纠纷简题"), max_length=200)
    title_masked = MaskedCopyField(source="title", masker="lianxin.demands.intel_port.mask_pii")
    summary = EncryptedTextField(_("纠纷事实"))
    type = models.CharField(_("纠纷类型"), max_length=20, choices=DisputeType.choices)
    risk = models.CharField(_("风险等级"), max_length=10, choices=Risk.choices, default=Risk.LOW)
    risk_proposed = models.CharField(_("系统建议风险"), max_length=10, choices=Risk.choices, default=Risk.LOW)
    risk_reasons = models.JSONField(_("风险依据"), default=list, blank=True)
    prior_petitions = models.PositiveSmallIntegerField(_("此前信访次数"), default=0)
    area = models.ForeignKey(
        "org.Area", on_delete=models.PROTECT, related_name="mediation_cases", verbose_name=_("发生地")
    )
    start_level = models.CharField(_("首次受理层级"), max_length=10, choices=Level.choices)
    level = models.CharField(_("当前调处层级"), max_length=10, choices=Level.choices)
    escalation_count = models.PositiveSmallIntegerField(_("提级次数"), default=0)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.DIRECT)
    demand = models.ForeignKey(
        "demands.Demand",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_cases",
        verbose_name=_("来源工单"),
    )
    visit = models.ForeignKey(
        "contact.Visit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_cases",
        verbose_name=_("来源走访"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("受理人"),
    )
    mediators: models.ManyToManyField[User, CaseMediator] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CaseMediator",
        related_name="mediation_cases",
        verbose_name=_("调解员"),
    )
    opened_at = models.DateTimeField(_("受理时间"))
    due_on = models.DateField(_("调解期限"))
    overdue = models.BooleanField(_("超期红牌"), default=False)
    red_carded_at = models.DateTimeField(_("红牌时间"), null=True, blank=True)
    # the agreement (调解协议)
    agreement_terms = EncryptedTextField(_("协议内容"), blank=True, default="")
    agreement_scan = models.FileField(_("签字协议扫描件"), upload_to=_scan_path, blank=True, default="")
    agreement_scan_type = models.CharField(max_length=40, blank=True, default="", editable=False)
    agreed_at = models.DateTimeField(_("达成协议时间"), null=True, blank=True)
    performance = models.CharField(
        _("履行情况"), max_length=16, choices=Performance.choices, blank=True, default=""
    )  # the latest follow-up's finding
    # not reached: the referral
    referral_to = models.CharField(
        _("移交去向"), max_length=16, choices=ReferralTo.choices, blank=True, default=""
    )
    referral_body = models.CharField(_("接收机关"), max_length=120, blank=True, default="")
    referral_ref = models.CharField(_("接收文号"), max_length=60, blank=True, default="")
    referred_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("调解终结时间"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("纠纷案件")
        verbose_name_plural = _("纠纷案件")
        indexes = [
            models.Index(fields=["status", "due_on"], name="mediation_status_due"),
            # the workbench's 即将到期 and 已超期 of an overseer: active cases in deadline order
            models.Index(
                fields=["due_on", "id"],
                condition=Q(status__in=["open", "mediating"]),
                name="mediation_active_due",
            ),
            models.Index(fields=["opened_at"], name="mediation_opened"),
        ]

    def __str__(self) -> str:
        return self.case_no or f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in (Status.OPEN, Status.MEDIATING)


class CaseMediator(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediator_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(_("主调解员"), default=False)

    class Meta:
        ordering = ["-lead", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="mediation_mediator_once")]
        # the workbench: a mediator's cases, newest first
        indexes = [models.Index(fields=["user", "case"], name="mediation_mediator_user")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class Party(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("类别"), max_length=14, choices=PartyKind.choices, default=PartyKind.PERSON)
    role = models.CharField(_("身份"), max_length=12, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    name = EncryptedTextField(_("姓名/名称"))
    id_number = EncryptedTextField(_("证件号码"), blank=True, default="")
    phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    address = EncryptedTextField(_("住址"), blank=True, default="")
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.pk}"  # never the name: str() ends up in logs

    def save(self, *args, **kwargs):
        self.phone_hash = phone_index(self.phone or "")
        super().save(*args, **kwargs)


class Session(models.Model):
    """One mediation session (调解记录)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=120, blank=True, default="")
    record = EncryptedTextField(_("调解记录"))
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["held_at", "pk"]
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d}"


class FollowUp(models.Model):
    """A visit on the agreement's performance (履行回访)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    date = models.DateField(_("回访日期"))
    performance = models.CharField(_("履行情况"), max_length=16, choices=Performance.choices)
    note = EncryptedTextField(_("回访情况"), blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("履行回访")
        verbose_name_plural = _("履行回访")

    def __str__(self) -> str:
        return f"{self.case_id} {self.date}"


class CaseEvent(models.Model):
    """The timeline: one row per action, written in the action's transaction."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("动作"), max_length=16)
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12, blank=True, default="")
    note = EncryptedTextField(_("说明"), blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="mediation_event_case"),
            models.Index(fields=["action", "created_at"], name="mediation_event_action"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"
