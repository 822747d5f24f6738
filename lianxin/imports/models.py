"""One import of a message file (issue 16.11) and the analysis of what it brought in (issue 17.7).

A job from the import page is a `draft` while the operator maps the columns, then `pending` (the outbox
row that runs it commits with that change), `running`, `analysing` (the imported demands get the
intake analysis in batches) and `done` — or `failed` with the error. A job from the command line
(`lianxin import demands`) is recorded when the import is over, to carry the analysis and its progress.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    DRAFT = "draft", _("待确认列")
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    ANALYSING = "analysing", _("研判中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class JobSource(models.TextChoices):
    WEB = "web", _("导入页面")
    CLI = "cli", _("命令行")


class ImportJob(models.Model):
    source = models.CharField(_("来源"), max_length=8, choices=JobSource.choices, default=JobSource.WEB)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.DRAFT)
    filename = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(_("文件"), upload_to="imports/", blank=True, max_length=300)
    mapping = models.JSONField(_("列对应"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    imported = models.PositiveIntegerField(_("导入"), default=0)
    duplicates = models.PositiveIntegerField(_("重复"), default=0)
    refused = models.PositiveIntegerField(_("拒收"), default=0)
    refused_rows = models.JSONField(_("拒收行"), default=list, blank=True)
    ignored_columns = models.JSONField(_("未导入的列"), default=list, blank=True)
    notes = models.JSONField(_("说明"), default=list, blank=True)
    demand_ids = models.JSONField(_("导入的工单"), default=list, blank=True)
    analysed = models.PositiveIntegerField(_("已研判"), default=0)
    error = models.TextField(_("错误"), blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (JobStatus.PENDING, JobStatus.RUNNING, JobStatus.ANALYSING)

    @property
    def analysis_total(self) -> int:
        return len(self.demand_ids or [])

    @property
    def analysis_progress(self) -> int:
        total = self.analysis_total
        return int(100 * min(self.analysed, total) / total) if total else (100 if self.finished_at else 0)
