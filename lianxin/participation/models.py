"""群众参与: consultations (征求意见) with adoption feedback, polls (民生实事票决), events (组织群众) with
sign-up and attendance, happiness-index surveys (幸福指数), and one audit timeline for all of them.

Who takes part is an *identity*: "u:<user id>" for a signed-in citizen, or the keyed hash of a phone that
was verified by SMS code for an anonymous one (`services.common.identity_for`). Unique constraints on the
identity make "one identity, one voice" hold in the database, also under concurrent requests.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField

USER = settings.AUTH_USER_MODEL


class Row(models.Model):
    """A row named by its id in the admin and in logs (none of these rows has a title of its own)."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class Subject(models.TextChoices):
    CONSULTATION = "consultation", _("征求意见")
    COMMENT = "comment", _("意见")
    POLL = "poll", _("投票")
    EVENT = "event", _("活动")
    SIGNUP = "signup", _("报名")
    SURVEY = "survey", _("幸福指数调查")


class TimelineEntry(Row):
    """Who did what to which object, written in the transaction of the change (the audit timeline)."""

    subject = models.CharField(_("对象类型"), max_length=20, choices=Subject.choices)
    object_id = models.BigIntegerField(_("对象编号"))
    action = models.CharField(_("动作"), max_length=40)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(
        _("操作人"), max_length=80, blank=True
    )  # "群众" / masked phone for anonymous
    note = EncryptedTextField(_("说明"), blank=True)  # reasons of staff steps, seen by organisers only
    data = models.JSONField(_("数据"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject", "object_id", "at"])]
        verbose_name = _("参与记录")
        verbose_name_plural = _("参与记录")


# ---------------------------------------------------------------- consultations


class ConsultationKind(models.TextChoices):
    POLICY = "policy", _("政策")
    PLAN = "plan", _("规划")
    PROJECT = "project", _("项目")


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("征求中")
    CLOSED = "closed", _("已截止")
    FEEDBACK = "feedback", _("已反馈")


class Consultation(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=ConsultationKind.choices)
    body = models.TextField(_("征求意见稿"))
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    organiser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ConsultationStatus.choices, default=ConsultationStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    feedback_due = models.DateField(_("反馈期限"))
    feedback_summary = models.TextField(_("意见采纳情况说明"), blank=True)
    feedback_published_at = models.DateTimeField(_("反馈发布时间"), null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        ordering = ["-opens_at", "-id"]
        indexes = [
            models.Index(fields=["status", "closes_at"]),
            models.Index(fields=["organiser", "opens_at"]),
        ]
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")

    def __str__(self) -> str:
        return self.title


class ConsultationAttachment(Row):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="participation/consultations/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)


class Question(Row):
    """A closed question of a consultation: one or several of `options`."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("问题"), max_length=300)
    options = models.JSONField(_("选项"), default=list)
    multiple = models.BooleanField(_("多选"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]


class QuestionAnswer(Row):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    identity = models.CharField(max_length=80)
    choices = models.JSONField(default=list)  # option indexes
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "identity"], name="answer_one_per_identity")
        ]


class CommentStatus(models.TextChoices):
    VISIBLE = "visible", _("公开")
    HIDDEN = "hidden", _("已隐藏")


class Outcome(models.TextChoices):
    ADOPTED = "adopted", _("采纳")
    PARTLY = "partly", _("部分采纳")
    NOT_ADOPTED = "not_adopted", _("未采纳")


class FeedbackItem(Row):
    """The answer to one comment or a group of comments of the same substance (意见采纳情况)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="feedback_items")
    outcome = models.CharField(_("采纳情况"), max_length=20, choices=Outcome.choices)
    reason = models.TextField(_("理由"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class Comment(Row):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(_("意见"))
    identity = models.CharField(max_length=80)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    phone = EncryptedTextField(blank=True, default="")  # a verified anonymous phone, for the feedback SMS
    display = models.CharField(max_length=60, blank=True)  # masked name or phone shown with the comment
    status = models.CharField(max_length=10, choices=CommentStatus.choices, default=CommentStatus.VISIBLE)
    hidden_reason = models.CharField(_("隐藏理由"), max_length=200, blank=True)
    support_count = models.PositiveIntegerField(default=0)
    feedback = models.ForeignKey(
        FeedbackItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["consultation", "created_at", "id"])]


class CommentSupport(Row):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="supports")
    identity = models.CharField(max_length=80)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "identity"], name="support_one_per_identity")
        ]


# ---------------------------------------------------------------- polls


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("已公布")


class Electorate(models.TextChoices):
    CITIZENS = "citizens", _("群众")
    REPRESENTATIVES = "representatives", _("代表")


class Poll(Row):
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    electorate = models.CharField(_("投票人"), max_length=20, choices=Electorate.choices)
    representatives: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        USER, blank=True, related_name="+"
    )
    electorate_size = models.PositiveIntegerField(_("应参与人数"), null=True, blank=True)
    max_choices = models.PositiveSmallIntegerField(_("每人最多选"), default=1)
    winners = models.PositiveSmallIntegerField(_("入选项目数"), default=1)
    status = models.CharField(max_length=20, choices=PollStatus.choices, default=PollStatus.DRAFT)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    vote_count = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-opens_at", "-id"]


class Candidate(Row):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="candidates")
    title = models.CharField(_("项目名称"), max_length=200)
    description = models.TextField(_("项目说明"), blank=True)
    budget = models.DecimalField(_("预算(万元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    votes = models.PositiveIntegerField(default=0)
    chosen = models.BooleanField(default=False)
    project_id = models.BigIntegerField(null=True, blank=True)  # projects.Project once created

    class Meta:
        ordering = ["id"]


class Vote(Row):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    identity = models.CharField(max_length=80)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    candidates = models.ManyToManyField(Candidate, related_name="+")
    weight = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "identity"], name="vote_one_per_identity")]


# ---------------------------------------------------------------- events


class EventKind(models.TextChoices):
    MEETING = "meeting", _("群众会")
    COUNCIL = "council", _("议事会")
    HEARING = "hearing", _("听证会")
    DIALOGUE = "dialogue", _("民主恳谈")
    VOLUNTEER = "volunteer", _("志愿服务")


class EventStatus(models.TextChoices):
    PUBLISHED = "published", _("报名中")
    CANCELLED = "cancelled", _("已取消")
    HELD = "held", _("已举行")


class Event(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=EventKind.choices)
    description = models.TextField(_("内容"), blank=True)
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    place = models.CharField(_("地点"), max_length=200)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    confirmed_count = models.PositiveIntegerField(default=0)  # moved only by a conditional UPDATE
    status = models.CharField(max_length=20, choices=EventStatus.choices, default=EventStatus.PUBLISHED)
    minutes = models.TextField(_("会议纪要"), blank=True)
    decisions = models.TextField(_("议定事项"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["organiser", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=models.F("capacity")), name="event_not_over_capacity"
            )
        ]

    def __str__(self) -> str:
        return self.title


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已确认")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")


class SignUp(Row):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="signups")
    identity = models.CharField(max_length=80)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = EncryptedTextField(_("姓名"), blank=True, default="")
    phone = EncryptedTextField(_("电话"), blank=True, default="")
    status = models.CharField(max_length=20, choices=SignUpStatus.choices)
    by_organiser = models.BooleanField(default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "identity"],
                condition=~Q(status="cancelled"),
                name="signup_one_per_identity",
            )
        ]


class FollowUp(Row):
    """A task decided at the event; it can become a demand (the closed loop of 接诉即办)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="followups")
    text = models.CharField(_("事项"), max_length=500)
    demand_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


# ---------------------------------------------------------------- surveys


class Dimension(models.TextChoices):
    INCOME = "income", _("收入/就业")
    HOUSING = "housing", _("住房")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗")
    SECURITY = "social_security", _("社保")
    SAFETY = "safety", _("治安")
    ENVIRONMENT = "environment", _("环境")
    SERVICES = "public_services", _("公共服务")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    SCALE5 = "scale5", _("1–5分")
    SCALE10 = "scale10", _("1–10分")
    TEXT = "text", _("文字")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("收集中")
    CLOSED = "closed", _("已结束")


class Distribution(models.TextChoices):
    OPEN = "open", _("公开链接")
    SAMPLED = "sampled", _("抽样邀请")


class Survey(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("调查期开始"))
    period_end = models.DateField(_("调查期结束"))
    distribution = models.CharField(max_length=20, choices=Distribution.choices, default=Distribution.OPEN)
    weights = models.JSONField(_("维度权重"), default=dict, blank=True)  # empty: the configured defaults
    status = models.CharField(max_length=20, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    response_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-period_start", "-id"]

    def __str__(self) -> str:
        return self.title


class SurveyQuestion(Row):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    options = models.JSONField(default=list, blank=True)
    dimension = models.CharField(max_length=30, choices=Dimension.choices, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]


class SurveyInvite(Row):
    """A sampled respondent: a one-use link token, sent by SMS (the phone is kept encrypted)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=40, unique=True)
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+")
    phone = EncryptedTextField(blank=True, default="")
    used_at = models.DateTimeField(null=True, blank=True)


class SurveyResponse(Row):
    """One response. It holds no personal data: the identity is a keyed hash; `scores` are the
    dimension scores on 0–100 computed when it arrives (happiness.dimension_scores)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+")
    identity = models.CharField(max_length=80)
    invite = models.OneToOneField(SurveyInvite, null=True, blank=True, on_delete=models.SET_NULL)
    scores = models.JSONField(default=dict)
    index = models.FloatField(null=True, blank=True)  # the response's index under the survey's weights
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["survey", "area"])]
        constraints = [
            models.UniqueConstraint(fields=["survey", "identity"], name="response_one_per_identity")
        ]


class SurveyAnswer(Row):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="+")
    value = models.FloatField(null=True, blank=True)  # the scale value or the chosen option index
    choices = models.JSONField(default=list, blank=True)
    text = EncryptedTextField(blank=True)  # a free answer is never published: encrypted
