"""What the intel adapter keeps in the database.

- `ClassifierVersion`: a trained demand classifier — the model file's bytes (so every node loads the
  same model, no shared disk needed) and its metadata; exactly one is active (a partial unique index).
- `DemandIntel`: what intel found in one demand at intake (urgency proposal, personal data, category
  suggestions), and what the operator then confirmed (learning from corrections).
- `ReplyAssessment`: the reply-quality score of a demand's reply, summed up per unit.
- `SimilarChange`: an append-only log of demand changes; the background worker folds the rows after
  the shared index's watermark into the next generation, and each web process folds in those written
  since (one indexed query) to stay in sync with the database.
- `SimilarEntry`: the stored terms of one demand of the similar-demand window (open and recent), so the
  shared index is compiled from rows, never by segmenting text again (`lianxin.analysis.similar`).
- `HotIssueRun` / `HotIssue`: hot issues mined from a window (the last 90 days by the periodic job, or one
  chosen on the hot-issue page); an issue links to the earlier occurrence of the same problem (`previous`).
- `RouterVersion`: a trained unit router (派单建议), stored and activated like `ClassifierVersion`;
  retrained from handled demands. `UnitSuccession`: a unit renamed or merged into another from a day
  on (单位沿革), so that the router counts the old unit's demands for its successor.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("训练中")
    READY = "ready", _("可用")
    FAILED = "failed", _("失败")


class ModelSource(models.TextChoices):
    UPLOAD = "upload", _("上传模型文件")
    RETRAIN = "retrain", _("用已办结工单重新训练")


class ClassifierVersion(models.Model):
    name = models.CharField(_("名称"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=ModelSource.choices)
    state = models.CharField(_("状态"), max_length=20, choices=ModelState.choices, default=ModelState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    message = models.TextField(_("说明"), blank=True, default="")
    is_active = models.BooleanField(_("当前使用"), default=False)
    data = models.BinaryField(_("模型文件"), null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(_("大小(字节)"), default=0)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    n_train = models.PositiveIntegerField(_("训练样本数"), default=0)
    labels = models.JSONField(_("分类标签"), default=list, blank=True)
    cv = models.JSONField(_("交叉验证"), null=True, blank=True)
    info = models.JSONField(_("模型元数据"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("发起人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="classifier_one_active"
            )
        ]
        verbose_name = _("分类模型版本")
        verbose_name_plural = _("分类模型版本")

    def __str__(self) -> str:
        return f"#{self.pk} {self.name or self.get_source_display()}"

    @property
    def cv_macro_f1(self) -> float | None:
        return (self.cv or {}).get("macro_f1")


class DemandIntel(models.Model):
    demand = models.OneToOneField(
        "demands.Demand", on_delete=models.CASCADE, related_name="intel", verbose_name=_("工单")
    )
    urgency = models.CharField(_("研判紧急程度"), max_length=10, blank=True, default="")
    urgency_reason = models.CharField(_("研判依据"), max_length=300, blank=True, default="")
    pii_kinds = models.JSONField(_("文本中的个人信息"), default=list, blank=True)
    suggestions = models.JSONField(_("推荐分类"), default=list, blank=True)
    model_version = models.ForeignKey(
        ClassifierVersion, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("模型版本")
    )
    escalated_at = models.DateTimeField(_("已升级上报"), null=True, blank=True)
    confirmed_category = models.ForeignKey(
        "org.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("确认分类"),
    )
    corrected = models.BooleanField(_("纠正了推荐"), null=True, blank=True)
    created_at = models.DateTimeField(_("研判时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工单智能研判")
        verbose_name_plural = _("工单智能研判")

    def __str__(self) -> str:
        return f"{self.demand_id} {self.urgency}"


class ReplyAssessment(models.Model):
    demand = models.OneToOneField(
        "demands.Demand", on_delete=models.CASCADE, related_name="reply_assessment", verbose_name=_("工单")
    )
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("主办单位"),
    )
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True, db_index=True)
    reply_hash = models.CharField(max_length=64, editable=False)
    score = models.FloatField(_("答复质量得分"))
    relevance = models.FloatField(_("相关性"))
    completeness = models.FloatField(_("完整性"))
    timeliness = models.FloatField(_("及时性"), null=True, blank=True)
    working_days = models.IntegerField(_("用时(工作日)"), null=True, blank=True)
    found = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(_("问题标记"), default=list, blank=True)
    flagged = models.BooleanField(_("有问题标记"), default=False)
    scored_at = models.DateTimeField(_("评分时间"), auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["unit", "replied_at"], name="reply_assess_unit")]
        verbose_name = _("答复质量")
        verbose_name_plural = _("答复质量")

    def __str__(self) -> str:
        return f"{self.demand_id} {self.score:.0f}"


class SimilarChange(models.Model):
    """One row per saved demand; the id is the watermark of the per-process similar index."""

    demand_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("工单变更记录")
        verbose_name_plural = _("工单变更记录")

    def __str__(self) -> str:
        return f"#{self.pk} demand {self.demand_id}"


class SimilarEntry(models.Model):
    """The similar-demand index's stored form of one open, recent demand (written by the worker)."""

    demand = models.OneToOneField(
        "demands.Demand", on_delete=models.CASCADE, primary_key=True, related_name="similar_entry"
    )
    text_hash = models.CharField(max_length=32)  # of title + content: changed text is segmented again
    terms = models.BinaryField()  # int32 hashed columns then float32 weights (similar_store.terms_pack)
    places = models.JSONField(default=list, blank=True)
    text_area = models.CharField(max_length=32, blank=True, default="")
    street = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(db_index=True)  # the demand's: entries leave the window by age
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("相似诉求索引条目")
        verbose_name_plural = _("相似诉求索引条目")

    def __str__(self) -> str:
        return f"demand {self.demand_id}"


class RunState(models.TextChoices):
    RUNNING = "running", _("运行中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败")


class HotIssueRun(models.Model):
    window_start = models.DateTimeField(_("窗口开始"))
    window_end = models.DateTimeField(_("窗口结束"))
    state = models.CharField(_("状态"), max_length=20, choices=RunState.choices, default=RunState.RUNNING)
    n_messages = models.PositiveIntegerField(_("诉求数"), default=0)
    message = models.TextField(_("说明"), blank=True, default="")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("发起人")
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    seconds = models.FloatField(_("用时(秒)"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("热点挖掘")
        verbose_name_plural = _("热点挖掘")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_state_display()}"


class HotIssue(models.Model):
    run = models.ForeignKey(
        HotIssueRun, on_delete=models.CASCADE, related_name="issues", verbose_name=_("批次")
    )
    rank = models.PositiveSmallIntegerField(_("排名"))
    heat = models.FloatField(_("热度"))
    place_or_group = models.CharField(_("地点/人群"), max_length=200, blank=True)
    summary = models.CharField(_("问题描述"), max_length=300)
    start = models.DateTimeField(_("起始时间"), null=True, blank=True)
    end = models.DateTimeField(_("截止时间"), null=True, blank=True)
    area = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("区域")
    )
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    n_messages = models.PositiveIntegerField(_("诉求数"), default=0)
    n_users = models.PositiveIntegerField(_("人数"), default=0)
    components = models.JSONField(default=dict, blank=True)
    demands = models.ManyToManyField("demands.Demand", related_name="hot_issues", verbose_name=_("证据诉求"))
    # The same problem at the same place (or for the same group) before a gap: a recurrence. `previous` is
    # the stored issue of an earlier run (or of this one) holding its evidence, when there is one;
    # `previous_info` always says when it was, how many demands and which (start, end, n_messages,
    # summary, demand_ids).
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recurrences",
        verbose_name=_("此前同一问题"),
    )
    previous_info = models.JSONField(_("此前同一问题（概要）"), default=dict, blank=True)

    class Meta:
        ordering = ["run", "rank"]
        verbose_name = _("热点问题")
        verbose_name_plural = _("热点问题")

    def __str__(self) -> str:
        return f"{self.rank}. {self.summary}"


class RouterVersion(models.Model):
    """A trained unit router: the model file's bytes and metadata; at most one is active."""

    name = models.CharField(_("名称"), max_length=100, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=ModelState.choices, default=ModelState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    message = models.TextField(_("说明"), blank=True, default="")
    is_active = models.BooleanField(_("当前使用"), default=False)
    data = models.BinaryField(_("模型文件"), null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(_("大小(字节)"), default=0)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    n_train = models.PositiveIntegerField(_("训练样本数"), default=0)
    n_units = models.PositiveIntegerField(_("单位数"), default=0)
    cv = models.JSONField(_("交叉验证"), null=True, blank=True)
    info = models.JSONField(_("模型元数据"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="router_one_active"
            )
        ]
        verbose_name = _("派单模型版本")
        verbose_name_plural = _("派单模型版本")

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def cv_accuracy(self) -> float | None:
        """Accuracy of the first suggestion on the out-of-fold training demands."""
        return (self.cv or {}).get("accuracy_at_1")


class UnitSuccession(models.Model):
    """`old_unit` was renamed to, or merged into, `new_unit` on `since` (单位沿革)."""

    old_unit = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("原单位")
    )
    new_unit = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("承继单位")
    )
    since = models.DateField(_("生效日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["old_unit", "since"]
        constraints = [
            models.UniqueConstraint(fields=["old_unit", "new_unit"], name="unit_succession_unique"),
            models.CheckConstraint(
                condition=~Q(old_unit=models.F("new_unit")), name="unit_succession_not_self"
            ),
        ]
        verbose_name = _("单位沿革")
        verbose_name_plural = _("单位沿革")

    def __str__(self) -> str:
        return f"{self.old_unit} → {self.new_unit}"
