"""Interconnection with outside systems (docs/interconnect.md):

- Open311 GeoReport v2: which categories are exposed as services (`Open311Service`, its `Open311Attribute`s),
  the API clients and their hashed keys (`ApiClient`), the Open311 facts of a demand (`Open311Request`,
  personal ones encrypted), and the area polygons that turn lat/long into an area (`AreaShape`).
- Work orders pushed by an upper platform (`Platform`, `WorkOrder`).
- Signed webhooks (`Subscriber`).
- One outbox for everything sent out (`Delivery`: a webhook to a subscriber or a callback to a platform),
  written in the transaction of the demand event it reports, and its attempt log (`DeliveryAttempt`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lianxin.core.crypto import EncryptedTextField


class Datatype(models.TextChoices):
    STRING = "string", "string"
    NUMBER = "number", "number"
    DATETIME = "datetime", "datetime"
    TEXT = "text", "text"
    SINGLE = "singlevaluelist", "singlevaluelist"
    MULTI = "multivaluelist", "multivaluelist"


class Open311Service(models.Model):
    """A category exposed as an Open311 service. Only active rows are services; `public_requests` off keeps
    the service's requests out of public GET (they can still be submitted)."""

    category = models.OneToOneField(
        "org.Category", on_delete=models.CASCADE, related_name="open311_service", verbose_name=_("分类")
    )
    code = models.SlugField(_("服务编码"), max_length=40, unique=True)
    name = models.CharField(_("服务名称"), max_length=100, blank=True, help_text=_("留空则用分类名称"))
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("以逗号分隔"))
    group = models.CharField(_("分组"), max_length=100, blank=True, help_text=_("留空则用顶级分类名称"))
    public_requests = models.BooleanField(_("公开诉求列表"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("Open311 服务")
        verbose_name_plural = _("Open311 服务")

    def __str__(self) -> str:
        return f"{self.code} {self.name or self.category.name}"


class Open311Attribute(models.Model):
    """An extra question of a service (GET services/{code}); answers are added to the demand's content."""

    service = models.ForeignKey(
        Open311Service, on_delete=models.CASCADE, related_name="attributes", verbose_name=_("服务")
    )
    code = models.SlugField(_("编码"), max_length=40)
    description = models.CharField(pgettext_lazy("open311 attribute", "问题"), max_length=200)
    datatype = models.CharField(_("类型"), max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("类型说明"), max_length=200, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    variable = models.BooleanField(_("需要填写"), default=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    values = models.JSONField(
        _("可选值"), default=list, blank=True, help_text=_('列表值的选项：[{"key": "a", "name": "甲"}]')
    )

    class Meta:
        ordering = ["service", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="open311_attribute_code")]
        verbose_name = _("Open311 服务属性")
        verbose_name_plural = _("Open311 服务属性")

    def __str__(self) -> str:
        return f"{self.service.code}.{self.code}"

    def value_keys(self) -> set[str]:
        return {str(v.get("key")) for v in self.values or [] if isinstance(v, dict)}


class ApiClient(models.Model):
    """An Open311 client: its key is shown once when made and stored only as a SHA-256 hash (keys are 32
    random bytes, so a fast hash is safe); `prefix` finds the row. Revoked keys are refused with 403."""

    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("密钥前缀"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    rate_per_minute = models.PositiveIntegerField(_("每分钟请求上限"), default=60)
    is_active = models.BooleanField(_("启用"), default=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311Request(models.Model):
    """The Open311 side of a demand submitted through POST requests: the token, the client, and what the
    spec carries beyond the demand's own fields (encrypted: they may name or locate a person)."""

    demand = models.OneToOneField(
        "demands.Demand", on_delete=models.CASCADE, related_name="open311", verbose_name=_("工单")
    )
    token = models.CharField(_("令牌"), max_length=36, unique=True)
    client = models.ForeignKey(
        ApiClient, null=True, on_delete=models.SET_NULL, related_name="requests", verbose_name=_("客户端")
    )
    address_string = EncryptedTextField(_("地址"), blank=True, default="")
    email = EncryptedTextField(_("电子邮箱"), blank=True, default="")
    media_url = EncryptedTextField(_("图片地址"), blank=True, default="")
    device_id = models.CharField(_("设备号"), max_length=100, blank=True)
    account_id = models.CharField(_("账号"), max_length=100, blank=True)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 诉求")
        verbose_name_plural = _("Open311 诉求")

    def __str__(self) -> str:
        return self.token


class AreaShape(models.Model):
    """The polygon of an area (GeoJSON Polygon or MultiPolygon coordinates, [lng, lat] pairs), with its
    bounding box so that a point is tested only against the shapes whose box holds it."""

    area = models.OneToOneField(
        "org.Area", on_delete=models.CASCADE, related_name="shape", verbose_name=_("区域")
    )
    geometry = models.JSONField(_("边界"))
    min_lat = models.FloatField()
    max_lat = models.FloatField()
    min_lng = models.FloatField()
    max_lng = models.FloatField()
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["min_lat", "max_lat"], name="areashape_lat")]
        verbose_name = _("区域边界")
        verbose_name_plural = _("区域边界")

    def __str__(self) -> str:
        return str(self.area)


class Platform(models.Model):
    """An upper platform (省/国家 12345) that pushes work orders here and hears back at `callback_url`.
    `secret` signs both ways (HMAC-SHA256); `state_url` is its state query, read by reconciliation."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    secret = EncryptedTextField(_("签名密钥"))
    callback_url = models.URLField(_("回调地址"), max_length=300)
    state_url = models.URLField(_("状态查询地址"), max_length=300, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("上级平台")
        verbose_name_plural = _("上级平台")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WorkOrder(models.Model):
    """A work order pushed by a platform, handled as the demand it became; unique on the platform's id,
    so a re-push returns the first acknowledgement."""

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="orders", verbose_name=_("平台")
    )
    order_id = models.CharField(_("平台工单号"), max_length=64)
    demand = models.OneToOneField(
        "demands.Demand", on_delete=models.PROTECT, related_name="work_order", verbose_name=_("工单")
    )
    deadline = models.DateTimeField(_("平台时限"), null=True, blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    received_at = models.DateTimeField(_("接收时间"), db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["platform", "order_id"], name="workorder_platform_id")]
        verbose_name = _("上级工单")
        verbose_name_plural = _("上级工单")

    def __str__(self) -> str:
        return f"{self.platform.code}:{self.order_id}"


class WebhookEvent(models.TextChoices):
    CREATED = "created", _("新建")
    DISPATCHED = "dispatched", _("派单")
    REPLIED = "replied", _("答复")
    CLOSED = "closed", _("办结")
    OVERDUE = "overdue", _("超期")


class Subscriber(models.Model):
    """A webhook receiver: demand events of the chosen kinds, signed with its secret."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=300)
    secret = EncryptedTextField(_("签名密钥"))
    events = models.JSONField(
        _("订阅事件"), default=list, help_text=_("created, dispatched, replied, closed, overdue")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("已放弃")


class Delivery(models.Model):
    """One message owed to one receiver: a webhook (subscriber) or a platform callback (platform). Written
    in the transaction of the event it reports — this row is the outbox; its id is the idempotency key the
    receiver sees (`X-Lianxin-Delivery`). Unique per (receiver, event, kind), so the reconciler and the
    listener never owe the same message twice."""

    subscriber = models.ForeignKey(
        Subscriber,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("订阅"),
    )
    platform = models.ForeignKey(
        Platform,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("平台"),
    )
    event = models.ForeignKey(
        "demands.DemandEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("事件"),
    )
    demand_id = models.BigIntegerField(_("工单"), db_index=True)
    kind = models.CharField(_("类型"), max_length=24)
    payload = models.JSONField(pgettext_lazy("webhook", "内容"))
    status = models.CharField(
        _("状态"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "event", "kind"],
                name="delivery_subscriber_event",
                condition=Q(subscriber__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["platform", "event", "kind"],
                name="delivery_platform_event",
                condition=Q(platform__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due", condition=Q(status="pending")),
        ]
        verbose_name = _("投递")
        verbose_name_plural = _("投递")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery: what the receiver answered (or the error), and how long it took."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("投递")
    )
    at = models.DateTimeField(_("时间"))
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    ms = models.PositiveIntegerField(_("耗时(毫秒)"), default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
