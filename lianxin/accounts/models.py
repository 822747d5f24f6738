"""Users with roles, a unit and an area scope. Roles decide what a user may do; unit and area decide
what they may see (lianxin.accounts.scoping)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.crypto import EncryptedTextField, phone_index


class Role(models.TextChoices):
    CITIZEN = "citizen", _("群众")
    OPERATOR = "operator", _("受理员")
    HANDLER = "handler", _("承办人")
    CADRE = "cadre", _("领导干部")
    SUPERVISOR = "supervisor", _("督查")
    EDITOR = "editor", _("编辑")
    ADMIN = "admin", _("管理员")


STAFF_ROLES = frozenset({Role.OPERATOR, Role.HANDLER, Role.CADRE, Role.SUPERVISOR, Role.EDITOR, Role.ADMIN})
# Roles that see every record regardless of unit or area.
SEE_ALL_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.OPERATOR})


def role_q(role: str) -> Q:
    """Users holding `role` (roles are stored comma-separated; no code is a substring of another)."""
    return Q(roles__regex=rf"(^|,){role}(,|$)")


class LianxinUserManager(UserManager["User"]):
    def with_role(self, role: str) -> models.QuerySet[User]:
        return self.get_queryset().filter(role_q(role))


class User(AbstractUser):
    roles = models.CharField(
        _("角色"), max_length=120, blank=True, default=Role.CITIZEN, help_text=_("逗号分隔的角色代码")
    )
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("所属单位"),
    )
    area_scope = models.ForeignKey(
        "org.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scoped_users",
        verbose_name=_("管辖区域"),
    )
    post = models.CharField(_("职务"), max_length=80, blank=True)
    title = models.CharField(_("职级"), max_length=80, blank=True)
    phone = EncryptedTextField(_("手机号"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)

    objects = LianxinUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        self.phone_hash = phone_index(self.phone or "")
        self.roles = ",".join(sorted({r.strip() for r in (self.roles or "").split(",") if r.strip()}))
        super().save(*args, **kwargs)

    @property
    def role_list(self) -> list[str]:
        return [r for r in (self.roles or "").split(",") if r]

    def has_role(self, *roles: str) -> bool:
        mine = set(self.role_list)
        if self.is_superuser:
            mine.add(Role.ADMIN)
        return any(r in mine for r in roles)

    @property
    def is_staff_member(self) -> bool:
        return self.has_role(*STAFF_ROLES)

    @property
    def sees_all(self) -> bool:
        return self.has_role(*SEE_ALL_ROLES)
