"""联系群众: contact points (联系点), contact households (联系户), their assignment to cadres, and the
visit diary (民情日记) with the problems raised on visits, each of which becomes a demand."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField, phone_index


class PointKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")


class HouseholdTag(models.TextChoices):
    HARDSHIP = "hardship", _("困难户")
    DIBAO = "dibao", _("低保")
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    ZERO_EMPLOYMENT = "zero_employment", _("零就业家庭")
    DISABILITY = "disability", _("残疾人家庭")
    VETERAN = "veteran", _("退役军人")


class VisitKind(models.TextChoices):
    FIELD = "field", _("走访")
    MEETING = "meeting", _("座谈")
    RECEPTION = "reception", _("接访")
    PHONE = "phone", _("电话")
    ONLINE = "online", _("线上")


class ContactPoint(models.Model):
    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20, choices=PointKind.choices)
    area = models.ForeignKey(
        "org.Area", on_delete=models.PROTECT, related_name="contact_points", verbose_name=_("区域")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("联系点")
        verbose_name_plural = _("联系点")

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    head_name = EncryptedTextField(_("户主姓名"), max_length=60)  # a private person's name
    size = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    address = EncryptedTextField(_("住址"), blank=True, default="")
    contact_point = models.ForeignKey(
        ContactPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name=_("所属联系点"),
    )
    area = models.ForeignKey(
        "org.Area", on_delete=models.PROTECT, related_name="households", verbose_name=_("区域")
    )
    # Comma-separated HouseholdTag codes.
    tags = models.CharField(_("标签"), max_length=200, blank=True, default="")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("联系户")
        verbose_name_plural = _("联系户")

    def __str__(self) -> str:
        return f"{self.head_name}户"

    def save(self, *args, **kwargs):
        self.phone_hash = phone_index(self.phone or "")
        self.tags = ",".join(t for t in dict.fromkeys(x.strip() for x in (self.tags or "").split(",")) if t)
        super().save(*args, **kwargs)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (self.tags or "").split(",") if t]

    @property
    def tag_labels(self) -> list[str]:
        labels = dict(HouseholdTag.choices)
        return [str(labels.get(t, t)) for t in self.tag_list]


class Assignment(models.Model):
    """A cadre is responsible for one contact point or one household from `start` to `end` (open = ongoing)."""

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contact_assignments",
        verbose_name=_("干部"),
    )
    contact_point = models.ForeignKey(
        ContactPoint,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("联系点"),
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("联系户"),
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        ordering = ["cadre_id", "start", "pk"]
        verbose_name = _("联系分工")
        verbose_name_plural = _("联系分工")
        constraints = [
            models.CheckConstraint(
                condition=(Q(contact_point__isnull=False, household__isnull=True))
                | (Q(contact_point__isnull=True, household__isnull=False)),
                name="assignment_point_xor_household",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="assignment_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["cadre", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.contact_point or self.household}"


class Visit(models.Model):
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("干部")
    )
    date = models.DateField(_("日期"), db_index=True)
    kind = models.CharField(_("方式"), max_length=20, choices=VisitKind.choices, default=VisitKind.FIELD)
    contact_point = models.ForeignKey(
        ContactPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("联系点"),
    )
    households = models.ManyToManyField(
        Household, blank=True, related_name="visits", verbose_name=_("走访户")
    )
    # What the cadre heard, from named people at their homes: encrypted like the households' addresses.
    summary = EncryptedTextField(_("民情记录"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("民情日记")
        indexes = [models.Index(fields=["cadre", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.contact_point or ''}".strip()


def _photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"contact/visits/{instance.visit.date:%Y/%m}/{instance.visit_id}-{filename}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("走访记录")
    )
    image = models.ImageField(_("照片"), upload_to=_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self) -> str:
        return self.image.name


class VisitProblem(models.Model):
    """A problem raised on a visit; it is turned into a demand (channel "visit") in the same step."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="problems", verbose_name=_("走访记录")
    )
    # The problem as raised (the demand made from it has its own encrypted copy): encrypted as well.
    title = EncryptedTextField(_("问题"), max_length=200)
    content = EncryptedTextField(_("详情"), blank=True)
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
        verbose_name=_("反映户"),
    )
    demand = models.OneToOneField(
        "demands.Demand",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visit_problem",
        verbose_name=_("转办诉求"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("走访问题")
        verbose_name_plural = _("走访问题")

    def __str__(self) -> str:
        return self.title


class CoverageTarget(models.TextChoices):
    POINT = "point", _("联系点")
    HOUSEHOLD = "household", _("联系户")


class CoverageRule(models.Model):
    """How often each assigned contact point / household must be visited (in calendar months).

    Without rows the defaults apply: each contact point monthly, each household quarterly.
    """

    target = models.CharField(_("对象"), max_length=20, choices=CoverageTarget.choices, unique=True)
    every_months = models.PositiveSmallIntegerField(
        _("走访周期（月）"), default=1, help_text=_("1=每月，3=每季度，6=每半年，12=每年")
    )

    class Meta:
        verbose_name = _("走访覆盖规则")
        verbose_name_plural = _("走访覆盖规则")

    def __str__(self) -> str:
        return f"{self.get_target_display()}: {self.every_months}"
