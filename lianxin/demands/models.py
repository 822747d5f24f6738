"""The demand work order (诉求工单), its timeline, attachments and the admin-editable policy tables.

State changes happen only through `lianxin.demands.services`; the transition table lives in
`lianxin.demands.transitions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField, NumberIndexField
from lianxin.core.masking import MaskedCopyField
from lianxin.demands.choices import (
    OPEN_STATUSES,
    SUSPECT_LEVELS,
    URGENCY_RANK,
    Action,
    AppealReason,
    AppealStatus,
    Channel,
    Closure,
    DemandType,
    Outcome,
    Satisfaction,
    Stage,
    Status,
    TransferKind,
    Urgency,
    WarningLevel,
)

# Masks personal data in free text (the intel port, imported when a row is first saved).
PII_MASKER = "lianxin.demands.intel_port.mask_pii"


class Demand(models.Model):
    ticket_no = models.CharField(_("工单编号"), max_length=24, unique=True, null=True, blank=True)
    query_code = models.CharField(_("查询码"), max_length=16)
    type = models.CharField(_("诉求类型"), max_length=20, choices=DemandType.choices, default=DemandType.HELP)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    # What intel's intake check proposed from the text when above 一般 (blank otherwise): proposed, not
    # set (decisions 17, 22), so the queue can put a suspected 特急 awaiting acceptance first.
    intel_urgency = models.CharField(
        _("研判紧急程度"), max_length=10, choices=Urgency.choices, blank=True, default="", editable=False
    )
    # Free text may hold personal data (a phone, an ID number, a home address): stored encrypted, read
    # back in clear; the masked copies below are what search matches and what masked roles may read.
    title = EncryptedTextField(_("标题"), max_length=200)
    content = EncryptedTextField(_("内容"))
    category = models.ForeignKey(
        "org.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
        verbose_name=_("分类"),
        db_index=False,  # led by a composite index in Meta.indexes
    )
    area = models.ForeignKey(
        "org.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="demands",
        verbose_name=_("区域"),
        db_index=False,  # led by a composite index in Meta.indexes
    )
    address = EncryptedTextField(_("地址"), max_length=300, blank=True)
    title_masked = MaskedCopyField(source="title", masker=PII_MASKER)
    content_masked = MaskedCopyField(source="content", masker=PII_MASKER)
    address_masked = MaskedCopyField(source="address", masker=PII_MASKER)
    # What roles that see the contact masked see of the address (its beginning: core.masking.mask_address).
    address_prefix = MaskedCopyField(source="address", masker="lianxin.core.masking.mask_address")
    # Blind indexes of the numbers written in title, content and address (a full-view search by number).
    text_numbers = NumberIndexField(sources=("title", "content", "address"))
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices, default=Channel.WEB)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
        verbose_name=_("诉求人账号"),
        db_index=False,  # led by a composite index in Meta.indexes
    )
    contact_name = EncryptedTextField(_("联系人"), blank=True, default="")
    contact_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    # Indexed in Meta.indexes (equality lookups only: no PostgreSQL LIKE index beside them).
    contact_phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    external_id = models.CharField(_("外部编号"), max_length=64, blank=True, default="")

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    closure = models.CharField(_("办结结果"), max_length=20, choices=Closure.choices, blank=True, default="")
    lead_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_demands",
        verbose_name=_("主办单位"),
        db_index=False,  # led by a composite index in Meta.indexes
    )
    assisting_units = models.ManyToManyField(
        "org.Unit", blank=True, related_name="assisting_demands", verbose_name=_("协办单位")
    )
    returned_from = models.CharField(max_length=20, blank=True, default="", editable=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_children",
        verbose_name=_("并入"),
    )

    # A unit's reply may quote the caller's phone or address: encrypted like the texts above (shown
    # masked to the roles that see the contact masked, official-masked to the citizen, at display time).
    reply_text = EncryptedTextField(_("答复内容"), blank=True, default="")
    outcome = models.CharField(_("答复结果"), max_length=20, choices=Outcome.choices, blank=True, default="")
    satisfaction = models.CharField(
        _("满意度"), max_length=24, choices=Satisfaction.choices, blank=True, default=""
    )
    resolved = models.BooleanField(_("问题已解决"), null=True, blank=True)

    created_at = models.DateTimeField(_("提交时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    dispatch_due_at = models.DateTimeField(_("派单时限"), null=True, blank=True)
    sign_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)
    reply_due_at = models.DateTimeField(_("答复时限"), null=True, blank=True)
    followup_due_at = models.DateTimeField(_("回访时限"), null=True, blank=True)
    # The deadline of the current stage; NULL in terminal states. The sweep works on these two columns.
    stage = models.CharField(_("当前环节"), max_length=12, choices=Stage.choices, blank=True, default="")
    due_at = models.DateTimeField(_("当前时限"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    warning_level = models.PositiveSmallIntegerField(
        _("预警"), choices=WarningLevel.choices, default=WarningLevel.NONE
    )
    was_overdue = models.BooleanField(_("曾超期"), default=False)
    # 直接答复办结: answered by the centre at intake (from the knowledge base), never dispatched
    answered_at_intake = models.BooleanField(_("直接答复"), default=False)
    handling_seconds = models.BigIntegerField(_("办理用时(秒)"), null=True, blank=True)
    # 保密/不公开: never on a public board or list; only the caller (their account, the tracking door)
    # and the staff assigned to it see it
    confidential = models.BooleanField(_("保密（不公开）"), default=False)
    # 紧急转办: when the demand was handed to an emergency line (the transfer measure counts these)
    transferred_at = models.DateTimeField(_("紧急转办时间"), null=True, blank=True)
    # 答复审核: the reply matched a review rule and waits for the centre; the citizen does not see it
    reply_held = models.BooleanField(_("答复待审核"), default=False)

    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    extension_pending_until = models.DateTimeField(_("申请延期至"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    urge_count = models.PositiveIntegerField(_("催办次数"), default=0)
    supervised = models.BooleanField(_("督办"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("诉求工单")
        verbose_name_plural = _("诉求工单")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="demand_status_created"),
            models.Index(fields=["lead_unit", "status", "-created_at"], name="demand_unit_status"),
            models.Index(fields=["area", "-created_at"], name="demand_area_created"),
            models.Index(fields=["category", "-created_at"], name="demand_category_created"),
            # Only rows that have the value: every query of these columns names one (a requester's
            # demands, a period of dispatches, replies or ratings), and a new demand has none, so its
            # insert (and the sweep's mark of an open demand) writes no entry in them.
            models.Index(
                fields=["requester", "-created_at"],
                name="demand_requester_set",
                condition=Q(requester__isnull=False),
            ),
            models.Index(
                fields=["dispatched_at"],
                name="demand_dispatched_set",
                condition=Q(dispatched_at__isnull=False),
            ),
            models.Index(
                fields=["replied_at"], name="demand_replied_set", condition=Q(replied_at__isnull=False)
            ),
            models.Index(fields=["rated_at"], name="demand_rated_set", condition=Q(rated_at__isnull=False)),
            models.Index(fields=["contact_phone_hash"], name="demand_phone_hash"),
            models.Index(fields=["external_id"], name="demand_external_id"),
            # The deadline sweep reads the warn and due times that passed since its last run (DeadlineSweep);
            # no index names the cards it writes (warning_level, was_overdue, urge_count), so marking a row
            # is an update in place (HOT) that touches none of the table's indexes. The overdue queue
            # (any card) reads demand_due_any too.
            models.Index(fields=["warn_at"], name="demand_warn_at", condition=Q(warn_at__isnull=False)),
            models.Index(fields=["due_at"], name="demand_due_any", condition=Q(due_at__isnull=False)),
            # Pending extension requests.
            models.Index(
                fields=["extension_pending_until"],
                name="demand_ext_pending",
                condition=Q(extension_pending_until__isnull=False),
            ),
            models.Index(
                fields=["supervised", "-created_at"], name="demand_supervised", condition=Q(supervised=True)
            ),
            # Suspected urgent demands awaiting acceptance (few rows): put first in the 待受理 queue.
            models.Index(
                fields=["-created_at"],
                name="demand_suspected",
                condition=Q(status=Status.SUBMITTED, intel_urgency__in=SUSPECT_LEVELS),
            ),
            # Operator-confirmed 特急 awaiting acceptance (few rows): first of all in the 待受理 queue.
            models.Index(
                fields=["-created_at"],
                name="demand_critical_waiting",
                condition=Q(status=Status.SUBMITTED, urgency=Urgency.CRITICAL),
            ),
            # The workbench's 答复待审核 and 转办待确认 tabs (few rows among many replied/closed ones).
            models.Index(
                fields=["-created_at"],
                name="demand_reply_held",
                condition=Q(status=Status.REPLIED, reply_held=True),
            ),
            models.Index(
                fields=["-created_at"],
                name="demand_transfer_open",
                condition=Q(status=Status.TRANSFERRED, closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_no or '—'} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def suspected_urgency(self) -> str:
        """The urgency intel proposed when it is above this demand's own and the demand still awaits
        acceptance ("urgent" | "critical"), else "" (`selectors.urgency_suspected_q` as a filter)."""
        if self.status != Status.SUBMITTED or self.intel_urgency not in SUSPECT_LEVELS:
            return ""
        if URGENCY_RANK.get(self.intel_urgency, 0) <= URGENCY_RANK.get(self.urgency, 0):
            return ""
        return self.intel_urgency

    @property
    def status_display(self) -> str:
        if self.status == Status.CLOSED and self.closure:
            return str(self.get_closure_display())
        if self.status == Status.REPLIED and self.reply_held:
            return str(_("办理中（答复审核中）"))
        return str(self.get_status_display())


class DeadlineSweep(models.Model):
    """Where the deadline sweep got to (one row): the next run reads only the warn and due times after
    `swept_to` (less a margin), so its cost follows the rows it marks; every `FULL_EVERY` it reads all."""

    key = models.CharField(max_length=20, unique=True, default="deadline")
    swept_to = models.DateTimeField(_("已检查至"))
    full_at = models.DateTimeField(_("上次全量检查"))

    class Meta:
        verbose_name = _("时限检查进度")
        verbose_name_plural = _("时限检查进度")

    def __str__(self) -> str:
        return f"{self.key} {self.swept_to:%Y-%m-%d %H:%M}"


class DemandEvent(models.Model):
    """One row per action on a demand: the timeline. Written in the transaction of the action."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="events", verbose_name=_("工单")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("操作人")
    )
    action = models.CharField(_("动作"), max_length=24, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True, default="")
    to_status = models.CharField(_("新状态"), max_length=20, blank=True, default="")
    # Reasons, replies, appeals and follow-up notes quote people's phones and addresses: encrypted.
    # Nothing filters on it (a raw insert writes `field.get_db_prep_save(text)`, see sweep.py).
    note = EncryptedTextField(_("说明"), blank=True, default="")
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["demand", "created_at"], name="event_demand_time")]
        verbose_name = _("工单日志")
        verbose_name_plural = _("工单日志")

    def __str__(self) -> str:
        return f"{self.demand_id} {self.action}"


class JudgementKind(models.TextChoices):
    SIGN = "sign", _("签收")
    REPLY = "reply", _("答复")
    RATING = "rating", _("评价")
    CONTACT = "contact", _("先行联系")
    ASSIST = "assist", _("协办意见")


class Judgement(models.Model):
    """One judged step of one demand by one unit — a dispatch and whether it was signed (or returned) in
    time, a reply and whether it was on time, a rating — replayed from the demand's timeline
    (`lianxin.demands.judging`) in the transaction of each action. The rates count these rows, so a
    return, a re-dispatch or a reopen never erases an earlier judgement; `first` marks the row a measure
    counts (the first of its kind for that demand and unit), the later ones stay on record."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="judgements", verbose_name=_("工单")
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("单位")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=JudgementKind.choices)
    at = models.DateTimeField(_("时间"))  # the measure's anchor: dispatched, replied or rated at
    due_at = models.DateTimeField(_("时限"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)  # signed/returned, replied
    first = models.BooleanField(_("计入考核"), default=True)
    returned = models.BooleanField(_("退单"), default=False)
    reopened = models.BooleanField(_("重办"), default=False)
    satisfaction = models.CharField(_("满意度"), max_length=20, blank=True, default="")
    resolved = models.BooleanField(_("已解决"), null=True, blank=True)
    handling_seconds = models.PositiveIntegerField(_("办理时长(秒)"), null=True, blank=True)
    # An upheld appeal (考核申诉) takes the step out of the unit's rates; it stays listed with its reason.
    excluded = models.BooleanField(_("申诉核减"), default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["kind", "at"], name="judgement_kind_at"),
            models.Index(fields=["unit", "kind", "at"], name="judgement_unit_kind_at"),
            models.Index(fields=["demand", "kind"], name="judgement_demand_kind"),
        ]
        verbose_name = _("考核记录")
        verbose_name_plural = _("考核记录")

    def __str__(self) -> str:
        return f"{self.demand_id} {self.kind} {self.unit_id}"

    @property
    def met(self) -> bool | None:
        """Signed/returned or replied by the due time (None: not yet done, or no due time)."""
        if self.done_at is None or self.due_at is None:
            return None
        return self.done_at <= self.due_at


class AssistRequest(models.Model):
    """协办: one row per assisting unit of a dispatch — the unit signs for its part and gives its opinion
    to the lead unit by `due_at` (`LIANXIN_ASSIST_OPINION_WORKDAYS` working days after the dispatch).

    Written by the dispatch services in their transaction; a unit dropped by a re-dispatch, or every unit
    of a withdrawn dispatch, has its row voided (`voided_at`), never deleted. Whether it was on time is
    judged from the timeline (`Judgement` kind `assist`, lianxin.demands.judging), not from this row."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="assist_requests", verbose_name=_("工单")
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="assist_requests", verbose_name=_("协办单位")
    )
    created_at = models.DateTimeField(_("派单时间"))
    due_at = models.DateTimeField(_("协办时限"))
    signed_at = models.DateTimeField(_("协办签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("签收人"),
    )
    opinion = EncryptedTextField(_("协办意见"), blank=True, default="")  # may quote the caller
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("提交人"),
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("协办请求")
        verbose_name_plural = _("协办请求")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "unit"],
                condition=Q(voided_at__isnull=True),
                name="assist_one_active_per_unit",
            )
        ]
        indexes = [
            # 待协办: a unit's requests still waiting for its opinion (few rows per unit)
            models.Index(
                fields=["unit", "due_at"],
                name="assist_waiting",
                condition=Q(submitted_at__isnull=True, voided_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} / {self.unit_id}"

    @property
    def is_active(self) -> bool:
        return self.voided_at is None


def _attachment_path(instance: DemandAttachment, filename: str) -> str:
    return f"demands/{instance.demand_id}/{filename}"


class AttachmentPurpose(models.TextChoices):
    SUBMISSION = "submission", _("诉求附件")
    REPLY = "reply", _("答复附件")
    # the files of a reply sent back in 答复审核: kept for staff, never shown with a later reply
    RETURNED = "returned", _("退回答复的附件")


class DemandAttachment(models.Model):
    """A file of a demand: the citizen's (or operator's) submission files, or the handler's reply
    attachments (答复附件: photos of the work done, documents), which the citizen sees with the reply."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("工单")
    )
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)  # a .docx is 71 characters
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    purpose = models.CharField(
        _("用途"), max_length=12, choices=AttachmentPurpose.choices, default=AttachmentPurpose.SUBMISSION
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class IdempotencyRecord(models.Model):
    """A submission's `Idempotency-Key` and the first response; the unique key makes retries safe."""

    key = models.CharField(max_length=128, unique=True)
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="+")
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")

    def __str__(self) -> str:
        return self.key


class RoutingRule(models.Model):
    """Category × area → lead unit. The highest-priority matching rule proposes the unit at dispatch.

    A rule without category matches every category; without area, every area. Category and area
    match their whole subtree. `is_fallback` marks the 兜底 unit used when no other rule matches.
    """

    category = models.ForeignKey(
        "org.Category", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("分类(含下级)")
    )
    area = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("区域(含下级)")
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("主办单位")
    )
    priority = models.IntegerField(_("优先级"), default=100, help_text=_("数字越大越优先"))
    is_fallback = models.BooleanField(_("兜底单位"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-priority", "id"]
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")

    def __str__(self) -> str:
        return f"{self.category or '*'} × {self.area or '*'} → {self.unit}"


class DeadlinePolicy(models.Model):
    """Deadline overrides per type, category (subtree) and urgency; empty fields inherit.

    The most specific matching policies win field by field; whatever no policy sets comes from the
    defaults of domain.md (lianxin.demands.deadlines.DEFAULTS).
    """

    type = models.CharField(_("诉求类型"), max_length=20, choices=DemandType.choices, blank=True)
    category = models.ForeignKey(
        "org.Category", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("分类")
    )
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, blank=True)
    dispatch_minutes = models.PositiveIntegerField(_("派单时限(分钟)"), null=True, blank=True)
    sign_hours = models.PositiveIntegerField(_("签收时限(小时)"), null=True, blank=True)
    sign_working_days = models.PositiveIntegerField(_("签收时限(工作日)"), null=True, blank=True)
    reply_working_days = models.PositiveIntegerField(_("答复时限(工作日)"), null=True, blank=True)
    followup_working_days = models.PositiveIntegerField(_("回访时限(工作日)"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")

    def __str__(self) -> str:
        return (
            f"{self.get_type_display() or '*'} / {self.category or '*'} / {self.get_urgency_display() or '*'}"
        )


class CalendarDay(models.Model):
    """An admin override of the working-day calendar: a holiday or a make-up workday (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是工作日"), help_text=_("勾选 = 调休上班；不勾选 = 放假"))
    name = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'} {self.name}"


class ReplyReviewRule(models.Model):
    """答复审核: replies to demands of this category (its subtree) and/or lead unit are reviewed by the
    centre before the citizen sees them. A rule without category matches every category; without unit,
    every unit."""

    category = models.ForeignKey(
        "org.Category", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("分类(含下级)")
    )
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("主办单位"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("答复审核规则")
        verbose_name_plural = _("答复审核规则")

    def __str__(self) -> str:
        return f"{self.category or '*'} × {self.unit or '*'}"

    def matches(self, demand: Demand) -> bool:
        if self.unit_id is not None and self.unit_id != demand.lead_unit_id:
            return False
        if self.category is None:
            return True
        if demand.category is None:
            return False
        path = self.category.path
        return demand.category.path == path or demand.category.path.startswith(path + "/")


class TransferTarget(models.Model):
    """An emergency line a demand may be handed to (紧急转办): 110/119/120/122 and the utilities'
    emergency lines, managed by the admin."""

    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=10, choices=TransferKind.choices)
    phone = models.CharField(_("电话"), max_length=30)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("紧急转办对象")
        verbose_name_plural = _("紧急转办对象")

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"


class DemandAppeal(models.Model):
    """考核申诉: a unit asks that a demand not count against it (不合理诉求), the supervisor decides. An
    upheld appeal excludes that unit's judged steps of the demand from every rate (the replay of the
    decision event marks them `Judgement.excluded`); the exclusion is listed with its reason."""

    demand = models.ForeignKey(
        Demand, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("工单")
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("申诉单位")
    )
    reason_kind = models.CharField(_("申诉类别"), max_length=20, choices=AppealReason.choices)
    reason = EncryptedTextField(_("申诉理由"))  # appeals and decisions quote the demand: encrypted
    status = models.CharField(
        _("状态"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申诉人")
    )
    filed_at = models.DateTimeField(_("申诉时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = EncryptedTextField(_("审核意见"), blank=True, default="")

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("考核申诉")
        verbose_name_plural = _("考核申诉")
        constraints = [
            models.UniqueConstraint(
                fields=["demand", "unit"],
                condition=models.Q(status="pending"),
                name="appeal_one_pending_per_unit",
            )
        ]
        indexes = [models.Index(fields=["status", "filed_at"], name="appeal_status_filed")]

    def __str__(self) -> str:
        return f"{self.demand_id} / {self.unit_id} {self.get_status_display()}"
