from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lianxin.core.crypto import EncryptedJSONField, EncryptedTextField
from lianxin.core.masking import MaskedCopyField


class Notification(models.Model):
    """The in-app inbox: every notification lands here, whatever other senders are configured."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=40, default="info")
    # The title, body and their parameters carry the texts of encrypted rows (a demand's title, a
    # return or appeal reason): stored encrypted like them; `title_masked` is what search matches.
    # Text in the default language (senders, admin); the inbox shows `display_title`.
    title = EncryptedTextField(_("标题"), max_length=200)
    title_masked = MaskedCopyField(source="title", masker="lianxin.demands.intel_port.mask_pii")
    # A translatable title (lianxin.core.notify.Message): Chinese msgid with named %-placeholders.
    title_msgid = models.CharField(_("标题原文"), max_length=200, blank=True)
    title_params = EncryptedJSONField(_("标题参数"), default=dict, blank=True)
    # Text in the default language; the inbox shows `display_body`.
    body = EncryptedTextField(pgettext_lazy("message", "内容"), blank=True)
    # A body the system wrote: [msgid, params] pairs of lianxin.core.notify.Message, one per line;
    # empty for bodies people typed, which are shown as stored.
    body_msgs = EncryptedJSONField(_("内容原文"), default=list, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # External deliveries (email, SMS) by sender name → "sent" | "failed: reason".
    deliveries = models.JSONField(_("投递"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language; the stored `title` when there is no msgid or the
        msgid and params do not fit (e.g. a msgid changed after the row was written)."""
        if not self.title_msgid or not isinstance(self.title_params, dict):
            return self.title
        from lianxin.core.notify import Message

        try:
            return Message(self.title_msgid, self.title_params).render()
        except (KeyError, TypeError, ValueError):
            return self.title

    @property
    def display_body(self) -> str:
        """The body in the active language; the stored `body` when it has no messages or any of
        them does not fit, so a reader never sees half a body in one language and half in another."""
        if not self.body_msgs:
            return self.body
        from lianxin.core.notify import Message, render_lines

        try:
            return render_lines(Message.stored(pair) for pair in self.body_msgs)
        except (KeyError, TypeError, ValueError):
            return self.body


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待执行")
    DONE = "done", _("已完成")
    FAILED = "failed", _("已放弃")


class OutboxItem(models.Model):
    """A piece of background work written in the transaction that caused it (lianxin.core.outbox):
    it exists exactly when that transaction committed, and runs after commit, at least once."""

    task = models.CharField(_("任务"), max_length=100)
    # Idempotency key: a second add with the same key is a no-op.
    key = models.CharField(_("键"), max_length=200, unique=True)
    payload = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Not run before this time (the backoff after a failure).
    next_attempt_at = models.DateTimeField(_("下次执行"), default=timezone.now)
    # A worker that took the row holds it until then; past it the reconciler takes it back.
    claimed_until = models.DateTimeField(_("占用至"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self) -> str:
        return f"{self.task} {self.key}"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class SmsMessage(models.Model):
    """One text message (lianxin.core.sms): the phone and the text encrypted (a text carries a tracking
    page's 查询码 or a sign-in code), sent through the outbox."""

    phone = EncryptedTextField(_("手机号"))
    phone_hash = models.CharField(_("手机号索引"), max_length=64, db_index=True)
    text = EncryptedTextField(pgettext_lazy("message", "内容"))
    purpose = models.CharField(_("用途"), max_length=60)
    key = models.CharField(_("键"), max_length=200, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    backend = models.CharField(_("通道"), max_length=100, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    gateway_ref = models.CharField(_("网关编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"


class PhoneCode(models.Model):
    """A 6-digit verification code sent by SMS (lianxin.core.sms): only its keyed hash is kept."""

    phone_hash = models.CharField(_("手机号索引"), max_length=64)
    purpose = models.CharField(_("用途"), max_length=60)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone_hash", "purpose", "created_at"])]
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"
