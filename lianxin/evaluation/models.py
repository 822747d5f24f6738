"""考核评价: weights of the composite score, the cadre's reports (draft → final, archived with a hash,
then read and commented on by a superior) and batch runs of reports for a unit or every cadre."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    """The measures that enter the composite score (domain.md "Measures")."""

    RESPONSE = "response", _("及时签收率")
    ON_TIME = "on_time", _("按时办结率")
    RESOLUTION = "resolution", _("问题解决率")
    SATISFACTION = "satisfaction", _("群众满意率")
    RETURN = "return", _("退单率(逆向)")
    REOPEN = "reopen", _("重办率(逆向)")
    POINT_COVERAGE = "point_coverage", _("联系点走访覆盖率")
    HOUSEHOLD_COVERAGE = "household_coverage", _("联系户走访覆盖率")
    PROBLEMS_SOLVED = "problems_solved", _("走访问题解决率")


DEFAULT_WEIGHTS: dict[str, float] = {
    Measure.RESPONSE: 15,
    Measure.ON_TIME: 20,
    Measure.RESOLUTION: 20,
    Measure.SATISFACTION: 25,
    Measure.RETURN: 5,
    Measure.REOPEN: 5,
    Measure.POINT_COVERAGE: 4,
    Measure.HOUSEHOLD_COVERAGE: 3,
    Measure.PROBLEMS_SOLVED: 3,
}


def measure_choices() -> list[tuple[str, object]]:
    """The measures a weight may be set for: the built-in ones and the duty modules' rates."""
    from lianxin.evaluation.modules import weighted_choices  # the registry is filled when apps are ready

    return [*Measure.choices, *weighted_choices()]


class ScoreWeight(models.Model):
    """Weight of one measure in the composite score; measures without a row use DEFAULT_WEIGHTS."""

    measure = models.CharField(_("指标"), max_length=30, choices=measure_choices, unique=True)
    weight = models.FloatField(_("权重"), default=0)

    class Meta:
        ordering = ["measure"]
        verbose_name = _("考核权重")
        verbose_name_plural = _("考核权重")

    def __str__(self) -> str:
        return f"{self.get_measure_display()}: {self.weight}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FINAL = "final", _("已定稿")


def _archive_path(instance: Report, filename: str) -> str:
    return f"reports/{instance.period}/{instance.cadre_id}/{filename}"


class Report(models.Model):
    """One cadre's report for one period (month, quarter or year). Drafts are regenerated from data with
    the cadre's edits; a final report is frozen: its content, files and SHA-256 never change again."""

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contact_reports",
        verbose_name=_("干部"),
    )
    period = models.CharField(_("报告期"), max_length=7)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    issues_text = models.TextField(_("存在问题"), blank=True)
    plans_text = models.TextField(_("下一步打算"), blank=True)
    # The cadre's edits of the narratives, by section key (content.NARRATIVE_KEYS); a section not here
    # follows the data-drafted text.
    narratives = models.JSONField(_("编辑的叙述"), default=dict, blank=True)
    edited = models.BooleanField(_("已编辑"), default=False)
    content = models.JSONField(_("报告内容"), default=dict, blank=True)
    content_sha256 = models.CharField(_("内容 SHA-256"), max_length=64, blank=True)
    # At finalising: per section, a unified diff from the data-drafted text to the text finalised.
    changes = models.JSONField(_("定稿修改"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_archive_path, blank=True, max_length=300)
    docx = models.FileField(_("DOCX"), upload_to=_archive_path, blank=True, max_length=300)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    docx_sha256 = models.CharField(_("DOCX SHA-256"), max_length=64, blank=True)
    finalised_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period", "cadre_id"]
        constraints = [
            models.UniqueConstraint(fields=["cadre", "period"], name="report_one_per_cadre_period")
        ]
        verbose_name = _("个人联系群众工作报告")
        verbose_name_plural = _("个人联系群众工作报告")

    def __str__(self) -> str:
        return f"{self.cadre} {self.period}"

    @property
    def is_final(self) -> bool:
        return self.status == ReportStatus.FINAL


class ReportComment(models.Model):
    """A superior's comment (批示) on a final report: kept with the archive, never edited or removed."""

    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="comments", verbose_name=_("报告")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("批示人")
    )
    text = models.TextField(_("批示"))
    created_at = models.DateTimeField(_("批示时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("报告批示")
        verbose_name_plural = _("报告批示")

    def __str__(self) -> str:
        return f"{self.report} · {self.author}"


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReportBatch(models.Model):
    """Reports of every cadre of a unit (and its sub-units), or of every cadre (no unit), for a period,
    generated in the background; `done`/`failed` count up as each report is written."""

    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("单位")
    )
    period = models.CharField(_("报告期"), max_length=7)
    fmt = models.CharField(_("格式"), max_length=8, default="pdf")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    errors = models.TextField(_("错误"), blank=True)
    archive = models.FileField(_("压缩包"), upload_to="reports/batches/", blank=True, max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("批量生成报告")
        verbose_name_plural = _("批量生成报告")

    def __str__(self) -> str:
        return f"{self.unit_name} {self.period}"

    @property
    def unit_name(self) -> str:
        return self.unit.name if self.unit is not None else str(_("全部干部"))

    @property
    def running(self) -> bool:
        return self.status in (BatchStatus.PENDING, BatchStatus.RUNNING)

    @property
    def seconds_left(self) -> int | None:
        """Time left at the pace so far (None before the first report is written)."""
        finished = self.done + self.failed
        if self.started_at is None or not finished or not self.running:
            return None
        elapsed = (timezone.now() - self.started_at).total_seconds()
        return int(elapsed / finished * max(0, self.total - finished))

    @property
    def progress(self) -> int:
        return (
            int(100 * (self.done + self.failed) / self.total)
            if self.total
            else (100 if self.finished_at else 0)
        )
