from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """The in-app inbox: every notification lands here, whatever other senders are configured."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=40, default="info")
    # Text in the default language (senders, admin, search); the inbox shows `display_title`.
    title = models.CharField(_("标题"), max_length=200)
    # A translatable title (lianxin.core.notify.Message): Chinese msgid with named %-placeholders.
    title_msgid = models.CharField(_("标题原文"), max_length=200, blank=True)
    title_params = models.JSONField(_("标题参数"), default=dict, blank=True)
    # Text in the default language; the inbox shows `display_body`.
    body = models.TextField(_("内容"), blank=True)
    # A body the system wrote: [msgid, params] pairs of lianxin.core.notify.Message, one per line;
    # empty for bodies people typed, which are shown as stored.
    body_msgs = models.JSONField(_("内容原文"), default=list, blank=True)
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
