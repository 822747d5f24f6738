"""民生实事 (办实事): the public ledger of committed projects.

A project comes from a poll of the participation app, from a hot issue of the analysis app, or is set by a
unit (`source` + `source_ref`, unique together, so creating it again returns the same project). It has a
goal, a responsible unit and cadre, a budget, milestones with due dates in order, progress reports with
photos, citizens' comments (moderated), and a completion acceptance (验收) with a satisfaction survey.

Its workflow (`transitions.TABLE`): 拟定 draft → 实施中 in_progress → 待验收 pending_acceptance → 已完成
completed, or 已终止 terminated from any open state; every step writes a `ProjectEvent` in the same
transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    POLL = "poll", _("民意征集投票")
    HOT_ISSUE = "hot_issue", _("热点问题")
    UNIT = "unit", _("单位拟定")


class Status(models.TextChoices):
    DRAFT = "draft", _("拟定")
    IN_PROGRESS = "in_progress", _("实施中")
    PENDING_ACCEPTANCE = "pending_acceptance", _("待验收")
    COMPLETED = "completed", _("已完成")
    TERMINATED = "terminated", _("已终止")


OPEN_STATUSES = (Status.DRAFT, Status.IN_PROGRESS, Status.PENDING_ACCEPTANCE)
# What the public ledger shows: a project once it is committed (started), never a draft.
PUBLIC_STATUSES = (Status.IN_PROGRESS, Status.PENDING_ACCEPTANCE, Status.COMPLETED, Status.TERMINATED)


class Action(models.TextChoices):
    CREATE = "create", _("拟定项目")
    START = "start", _("启动实施")
    SUBMIT = "submit", _("提请验收")
    ACCEPT = "accept", _("验收通过")
    SEND_BACK = "send_back", _("验收不通过")
    TERMINATE = "terminate", _("终止")
    MILESTONE_ADD = "milestone_add", _("新增节点")
    MILESTONE_DONE = "milestone_done", _("节点完成")
    MILESTONE_OVERDUE = "milestone_overdue", _("节点逾期（红牌）")
    PROGRESS = "progress", _("进展报告")


class Project(models.Model):
    title = models.CharField(_("项目名称"), max_length=200)
    goal = models.TextField(_("目标"))
    area = models.ForeignKey(
        "org.Area", on_delete=models.PROTECT, related_name="projects", verbose_name=_("区域")
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(_("来源编号"), max_length=100, blank=True, default="")
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("责任单位"),
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("责任干部"),
    )
    budget = models.DecimalField(_("预算（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Red card: the project has at least one milestone past its due date and not done.
    overdue = models.BooleanField(_("逾期"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="projects_created",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("民生实事项目")
        verbose_name_plural = _("民生实事项目")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~Q(source_ref=""),
                name="project_unique_source_ref",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="project_budget_ge_0"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="project_status_created"),
            models.Index(fields=["cadre", "status"], name="project_cadre_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


class Milestone(models.Model):
    """A step of a project with its due date; the due dates follow the order (`seq`)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    seq = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("节点"), max_length=200)
    due = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    overdue_marked_at = models.DateTimeField(_("红牌时间"), null=True, blank=True)

    class Meta:
        ordering = ["project_id", "seq"]
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        constraints = [models.UniqueConstraint(fields=["project", "seq"], name="milestone_unique_seq")]
        indexes = [
            models.Index(fields=["due"], condition=Q(done_on__isnull=True), name="milestone_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.title}"

    @property
    def is_overdue(self) -> bool:
        return self.overdue_marked_at is not None and self.done_on is None

    @property
    def late(self) -> bool:
        """Done after its due date, or marked overdue (a missed date stays missed once done)."""
        return self.overdue_marked_at is not None or (self.done_on is not None and self.done_on > self.due)


class ProgressReport(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    milestone = models.ForeignKey(
        Milestone,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("节点"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("报告人"),
    )
    date = models.DateField(_("日期"))
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")

    def __str__(self) -> str:
        return f"{self.date} {self.text[:20]}"


def _photo_path(instance: ProgressPhoto, filename: str) -> str:
    return f"projects/{instance.report.project_id}/{instance.report_id}-{filename}"


class ProgressPhoto(models.Model):
    """A photo of a progress report. Public projects' photos are public (the ledger is open), served by
    `projects:photo` with the rule of the project page, never from MEDIA_URL."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=_photo_path)
    content_type = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("进展照片")
        verbose_name_plural = _("进展照片")

    def __str__(self) -> str:
        return self.image.name


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已公开")
    REJECTED = "rejected", _("未通过")


class Comment(models.Model):
    """A citizen's comment on a project: plain text, size-limited, shown once a moderator approves it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("留言人"),
    )
    nickname = models.CharField(_("昵称"), max_length=30, blank=True)
    text = models.TextField(_("留言"))
    status = models.CharField(
        _("状态"), max_length=20, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("群众留言")
        verbose_name_plural = _("群众留言")
        indexes = [models.Index(fields=["project", "status"], name="project_comment_status")]

    def __str__(self) -> str:
        return self.text[:30]


class Rating(models.Model):
    """One satisfaction rating (1–5) of a project in acceptance, per verified identity: `identity` is the
    blind index of the verified phone (`core.crypto.phone_index`), never the phone itself."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    identity = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("满意度"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        constraints = [
            models.UniqueConstraint(fields=["project", "identity"], name="rating_once_per_identity"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.score}"


class Acceptance(models.Model):
    """The completion acceptance (验收): opened when the project is submitted, decided by a supervisor
    or admin, recording the survey's result at the moment of the decision."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="acceptance")
    opened_at = models.DateTimeField(_("提请验收时间"))
    decided_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    passed = models.BooleanField(_("验收通过"), null=True, blank=True)
    opinion = models.TextField(_("验收意见"), blank=True)
    ratings = models.PositiveIntegerField(_("评价人数"), default=0)
    average = models.DecimalField(_("平均满意度"), max_digits=3, decimal_places=2, null=True, blank=True)
    satisfied_share = models.DecimalField(_("满意率"), max_digits=5, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("验收")
        verbose_name_plural = _("验收")

    def __str__(self) -> str:
        return f"{self.project} 验收"


class ProjectEvent(models.Model):
    """The project's timeline: every action, who took it, when, from which state to which."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("项目动态")
        verbose_name_plural = _("项目动态")
        indexes = [models.Index(fields=["project", "created_at"], name="project_event_time")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action}"
