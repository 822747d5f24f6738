"""Users with roles, a unit and an area scope. Roles decide what a user may do; unit and area decide
what they may see (lianxin.accounts.scoping)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, TypeAlias

from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.db import models, transaction
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
ROLE_CODES = frozenset(Role.values)


def role_codes(roles: Iterable[str]) -> tuple[str, ...]:
    """`roles`, each checked to be a code of `Role`: a code that is not one (a typo such as "opertor")
    raises ValueError naming it, instead of quietly matching nobody."""
    checked = tuple(roles)
    for role in checked:
        if role not in ROLE_CODES:
            raise ValueError(f"unknown role code {role!r}; the roles are {', '.join(Role.values)}")
    return checked


def role_q(role: str) -> Q:
    """Users holding `role` (roles are stored comma-separated; no code is a substring of another).
    Raises ValueError for a code that is not a `Role`."""
    (code,) = role_codes([role])
    return Q(roles__regex=rf"(^|,){code}(,|$)")


class LianxinUserManager(UserManager["User"]):
    def with_role(self, role: str) -> models.QuerySet[User]:
        """Users holding `role`; ValueError for a code that is not a `Role` (`role_q`)."""
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

    objects: ClassVar[LianxinUserManager] = LianxinUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_hash = phone_index(self.phone or "")
        self.roles = ",".join(sorted({r.strip() for r in (self.roles or "").split(",") if r.strip()}))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = frozenset(kwargs["update_fields"])  # read here and by Django
        if not self._ends_token(kwargs.get("update_fields")):
            super().save(*args, **kwargs)
            return
        from lianxin.accounts.services import token_revoke  # services import this module

        with transaction.atomic():
            super().save(*args, **kwargs)
            token_revoke(user=self)

    def _ends_token(self, update_fields: frozenset[str] | None) -> bool:
        """Whether this save stores a different password hash than the database holds, or deactivates
        the user: either ends the user's API token, as a new password ends their other sessions.

        Comparing the stored row catches every way a password changes (`set_password` from the admin,
        the `changepassword` command or a form, `set_unusable_password`, a hash assigned directly) at
        the price of one query when an existing user is saved with those fields. A rehash at login after
        a hasher upgrade counts too, once, as it does for Django's sessions.
        """
        if self.pk is None or (update_fields is not None and not {"password", "is_active"} & update_fields):
            return False
        stored = User.objects.filter(pk=self.pk).values_list("password", "is_active").first()
        if stored is None:
            return False
        password, was_active = stored
        return password != self.password or (was_active and not self.is_active)

    @property
    def role_list(self) -> list[str]:
        return [r for r in (self.roles or "").split(",") if r]

    def has_role(self, *roles: str) -> bool:
        """Whether the user holds any of `roles` (a superuser holds admin). Raises ValueError for a code
        that is not a `Role`, so a typo fails loudly instead of refusing everyone."""
        asked = role_codes(roles)
        mine = set(self.role_list)
        if self.is_superuser:
            mine.add(Role.ADMIN)
        return any(r in mine for r in asked)

    @property
    def is_staff_member(self) -> bool:
        return self.has_role(*STAFF_ROLES)

    @property
    def sees_all(self) -> bool:
        return self.has_role(*SEE_ALL_ROLES)


# Whoever looks at a record: a signed-in user, the anonymous visitor of a public page, or nobody (a task).
Viewer: TypeAlias = User | AnonymousUser | None
