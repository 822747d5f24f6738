"""The organisation: areas as a tree, units (departments, street and town offices) and categories.

Trees keep a materialised `path` of codes ("330100/330102/330102001"), so a whole subtree is one
indexed prefix query on every database (`path__startswith`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区/县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格")


AREA_LEVEL_ORDER = [AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID]


class TreeNode(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    path = models.CharField(_("路径"), max_length=400, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级深度"), default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        parent = getattr(self, "parent", None)
        self.path = f"{parent.path}/{self.code}" if parent else self.code
        self.depth = parent.depth + 1 if parent else 0
        super().save(*args, **kwargs)

    def contains(self, other: TreeNode | None) -> bool:
        """Whether `other` is this node or lies below it (the rule of `subtree_q`, for one node)."""
        return other is not None and (other.path == self.path or other.path.startswith(self.path + "/"))

    def subtree_q(self, field: str = "") -> models.Q:
        """A Q for this node and everything below it; `field` is the FK name on the queried model."""
        prefix = f"{field}__" if field else ""
        return models.Q(**{f"{prefix}path": self.path}) | models.Q(
            **{f"{prefix}path__startswith": self.path + "/"}
        )


class Area(TreeNode):
    level = models.CharField(_("级别"), max_length=20, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("区域")
        verbose_name_plural = _("区域")

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    CENTER = "center", _("热线中心")
    DEPARTMENT = "department", _("职能部门")
    DISTRICT = "district", _("区县政府")
    STREET = "street", _("街道办事处")
    TOWN = "town", _("乡镇政府")
    COMMUNITY = "community", _("社区/村委会")
    ENTERPRISE = "enterprise", _("公共服务企业")
    OTHER = "other", _("其他")


class Unit(models.Model):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="units", verbose_name=_("所属区域"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级单位"),
    )
    accepts_dispatch = models.BooleanField(_("可接收派单"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    phone = models.CharField(_("办公电话"), max_length=40, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name


class Category(TreeNode):
    """The three-level demand category tree (一级/二级/三级分类)."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    level = models.PositiveSmallIntegerField(_("级别"), default=1)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_in_parent")
        ]
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.level = self.parent.level + 1 if self.parent else 1
        super().save(*args, **kwargs)

    @property
    def root(self) -> Category:
        node = self
        while node.parent is not None:
            node = node.parent
        return node
