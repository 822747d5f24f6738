"""SMS to callers: the notices owed for demands, the answers callers send back, opt-outs and the
gateway's delivery receipts. Phones are kept only encrypted, beside their blind index (`phone_hash`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField
from lianxin.core.models import SmsMessage


class Purpose(models.TextChoices):
    INTAKE = "intake", _("受理告知")
    REPLY = "reply", _("答复告知")
    FOLLOWUP = "followup", _("短信回访")


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", _("已交发送")
    OPTED_OUT = "opted_out", _("已退订，未发送")
    LIMITED = "limited", _("超过当日条数，未发送")


class Notice(models.Model):
    """One SMS a demand owed its caller (one per demand, purpose and round: `key`); the message itself is
    the `core.SmsMessage` of the same key (sent through the outbox)."""

    key = models.CharField(_("键"), max_length=200, unique=True)
    demand = models.ForeignKey("demands.Demand", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    phone_hash = models.CharField(_("手机号索引"), max_length=64, db_index=True)
    status = models.CharField(_("状态"), max_length=12, choices=NoticeStatus.choices)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("短信通知")
        verbose_name_plural = _("短信通知")
        indexes = [models.Index(fields=["phone_hash", "purpose"], name="notice_phone_purpose")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.demand_id}"

    @property
    def sms(self) -> SmsMessage | None:
        """The message sent (same key), when one was."""
        return SmsMessage.objects.filter(key=self.key).first()


class InboundState(models.TextChoices):
    RECORDED = "recorded", _("已记为评价")
    OPTED_OUT = "opted_out", _("退订")
    UNPARSED = "unparsed", _("无法识别")
    UNKNOWN = "unknown", _("无待回访工单")
    AMBIGUOUS = "ambiguous", _("多件待回访工单")
    REFUSED = "refused", _("未能记录")
    HANDLED = "handled", _("已人工处理")


# The states an operator still has to look at (the queue).
OPEN_STATES = (InboundState.UNPARSED, InboundState.UNKNOWN, InboundState.AMBIGUOUS, InboundState.REFUSED)


class InboundSms(models.Model):
    """A message a caller sent (the gateway's callback), once per gateway message id."""

    gateway_id = models.CharField(_("网关消息编号"), max_length=100, unique=True)
    phone = EncryptedTextField(_("手机号"))
    phone_hash = models.CharField(_("手机号索引"), max_length=64, db_index=True)
    text = EncryptedTextField(_("内容"))
    answer = models.CharField(_("识别结果"), max_length=20, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=InboundState.choices)
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    demand = models.ForeignKey(
        "demands.Demand", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey(
        "demands.DemandEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    handled_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("收到的短信")
        verbose_name_plural = _("收到的短信")
        indexes = [models.Index(fields=["state", "received_at"], name="inbound_state_received")]

    def __str__(self) -> str:
        return f"{self.get_state_display()} #{self.pk}"


class OptOut(models.Model):
    """A number that sent 退订/TD: it receives no further notice."""

    phone = EncryptedTextField(_("手机号"))
    phone_hash = models.CharField(_("手机号索引"), max_length=64, unique=True)
    inbound = models.ForeignKey(
        InboundSms, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("退订时间"), default=timezone.now)

    class Meta:
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")

    def __str__(self) -> str:
        return f"{_('退订')} #{self.pk}"


class ReceiptStatus(models.TextChoices):
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("送达失败")


class DeliveryReceipt(models.Model):
    """The gateway's word on one message it sent (by its reference): delivered or failed; the latest
    receipt for a reference replaces an earlier one."""

    ref = models.CharField(_("网关编号"), max_length=100, unique=True)
    sms = models.ForeignKey(
        "core.SmsMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=ReceiptStatus.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)

    class Meta:
        verbose_name = _("送达回执")
        verbose_name_plural = _("送达回执")

    def __str__(self) -> str:
        return f"{self.ref} {self.get_status_display()}"
