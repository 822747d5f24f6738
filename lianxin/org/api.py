"""The organisation over the API: categories, areas and units. Anyone reads categories and areas (the
public submission names them), staff read units; only admins write.

Trees keep a materialised path, so a node that has children keeps its code and parent (changing either
would move a whole subtree: the admin site's import does that); a node still referred to is not deleted.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from lianxin.core.api_docs import PUBLIC_AUTH, errors, ok_example, request_example
from lianxin.core.api_etag import ETAG_PARAMETERS, NOT_MODIFIED, ETagMixin
from lianxin.core.api_filters import bool_param, choice_param, id_param
from lianxin.core.errors import Conflict, ValidationFailed
from lianxin.org.api_params import AREA, area_param
from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind

TAGS = ["org"]
CATEGORY_LEVELS = 3  # 一级/二级/三级分类
ADMIN = "admin"  # the role code (accounts.models.Role.ADMIN; org sits beside accounts and cannot import it)


def _is_admin(user: Any) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "has_role", lambda *r: False)(ADMIN))


def _is_staff(user: Any) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_staff_member", False))


class ReadAnyoneWriteAdmin(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or _is_admin(request.user)


class ReadStaffWriteAdmin(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return _is_staff(request.user)
        return _is_admin(request.user)


def _inline_enum(choices: type[models.TextChoices], help_text: str) -> serializers.ChoiceField:
    """A choice field documented inline (not as a shared `…Enum` component): the new modules have
    fields named `kind` and `level` too, and component names of the same field name would collide."""

    @extend_schema_field({"type": "string", "enum": list(choices.values), "description": help_text})
    class Inline(serializers.ChoiceField):
        pass

    return Inline(choices=choices.choices, help_text=help_text)


class OrgAreaSerializer(serializers.ModelSerializer):
    level = _inline_enum(AreaLevel, "city | district | street | community | grid")

    class Meta:
        model = Area
        fields = ["id", "code", "name", "level", "parent", "path", "depth", "lat", "lng"]
        read_only_fields = ["path", "depth"]


class OrgCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent", "level", "path", "is_active"]
        read_only_fields = ["level", "path"]


class OrgUnitSerializer(serializers.ModelSerializer):
    kind = _inline_enum(UnitKind, " | ".join(UnitKind.values))

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "area", "parent", "accepts_dispatch", "is_active", "phone"]


def tree_node_save(serializer: serializers.BaseSerializer[Any]) -> None:
    """Save a tree node (area or category) from a validated serializer. A node may not become its own
    parent, nor a category a fourth level (400 naming `parent`); a node with children keeps its code
    and parent (their paths hang on them): 409 otherwise."""
    node = serializer.instance
    data = serializer.validated_data
    parent = data.get("parent", getattr(node, "parent", None))
    if (
        isinstance(serializer, OrgCategorySerializer)
        and parent is not None
        and parent.level >= CATEGORY_LEVELS
    ):
        message = _("诉求分类最多 %(n)d 级") % {"n": CATEGORY_LEVELS}
        raise ValidationFailed(message, fields={"parent": [message]})
    with transaction.atomic():
        if node is not None:
            parent = data.get("parent", node.parent)
            if parent is not None and node.contains(parent):
                raise ValidationFailed(
                    _("上级不能是自己或自己的下级"), fields={"parent": [_("上级不能是自己或自己的下级")]}
                )
            moved = data.get("code", node.code) != node.code or parent != node.parent
            if moved and node.children.exists():
                raise Conflict(_("该节点有下级，不能修改编码或上级"), code="has_children")
        serializer.save()


def node_delete(node: Any) -> None:
    """Delete a node nothing refers to any more; 409 `protected` while something does."""
    try:
        with transaction.atomic():
            node.delete()
    except ProtectedError:
        raise Conflict(_("该记录仍被引用（下级、单位、诉求等），不能删除"), code="protected") from None


class _Writes(viewsets.ModelViewSet):
    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        tree_node_save(serializer)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        tree_node_save(serializer)

    def perform_destroy(self, instance: Any) -> None:
        node_delete(instance)


AREA_EXAMPLE = {
    "id": 3,
    "code": "430104001",
    "name": "望岳街道",
    "level": "street",
    "parent": 2,
    "path": "430100/430104/430104001",
    "depth": 2,
    "lat": 28.23,
    "lng": 112.93,
}
CATEGORY_EXAMPLE = {
    "id": 12,
    "code": "CJ01",
    "name": "城乡建设",
    "parent": None,
    "level": 1,
    "path": "CJ01",
    "is_active": True,
}
UNIT_EXAMPLE = {
    "id": 5,
    "code": "U-ZJ",
    "name": "市住房和城乡建设局",
    "kind": "department",
    "area": 1,
    "parent": None,
    "accepts_dispatch": True,
    "is_active": True,
    "phone": "0731-88880000",
}
PARENT = OpenApiParameter("parent", OpenApiTypes.STR, description="parent id, or `none` for the roots")
LEVEL_AREA = OpenApiParameter("level", OpenApiTypes.STR, enum=AreaLevel.values)
LEVEL_CATEGORY = OpenApiParameter("level", OpenApiTypes.INT, enum=[1, 2, 3])
ACTIVE = OpenApiParameter("active", OpenApiTypes.BOOL, description="admins only; others see active rows")


def _parent_q(params: Any) -> dict[str, Any]:
    raw = (params.get("parent") or "").strip()
    if not raw:
        return {}
    if raw == "none":
        return {"parent__isnull": True}
    return {"parent_id": id_param(params, "parent")}


def _crud_schema(
    name: str, serializer: type, example: dict[str, Any], list_params: list[OpenApiParameter], read_auth: Any
) -> Any:
    """Schema of a read-for-some, write-for-admins model viewset: one entry per operation."""
    read_errors = (400,) if read_auth is PUBLIC_AUTH else (400, 401, 403)
    body = {k: v for k, v in example.items() if k not in ("id", "path", "depth", "level")}
    return extend_schema_view(
        list=extend_schema(
            tags=TAGS,
            summary=f"List {name}",
            parameters=[*list_params, *ETAG_PARAMETERS],
            responses={200: serializer(many=True), 304: NOT_MODIFIED, **errors(*read_errors)},
            examples=[ok_example(f"{name} row", example)],
            auth=read_auth,
        ),
        retrieve=extend_schema(
            tags=TAGS,
            summary=f"One of the {name}",
            parameters=ETAG_PARAMETERS,
            responses={200: serializer, 304: NOT_MODIFIED, **errors(*read_errors[1:], 404)},
            examples=[ok_example(name, example)],
            auth=read_auth,
        ),
        create=extend_schema(
            tags=TAGS,
            summary=f"Create one of the {name} (admin)",
            responses={201: serializer, **errors(400, 401, 403)},
            examples=[request_example("new", body), ok_example("created", example, status=201)],
        ),
        update=extend_schema(
            tags=TAGS,
            summary=f"Replace one of the {name} (admin)",
            responses={200: serializer, **errors(400, 401, 403, 404, 409)},
            examples=[request_example("replace", body), ok_example("replaced", example)],
        ),
        partial_update=extend_schema(
            tags=TAGS,
            summary=f"Change fields of one of the {name} (admin)",
            responses={200: serializer, **errors(400, 401, 403, 404, 409)},
            examples=[request_example("rename", {"name": example["name"]}), ok_example("changed", example)],
        ),
        destroy=extend_schema(
            tags=TAGS,
            summary=f"Delete one of the {name} (admin; 409 while referred to)",
            responses={204: None, **errors(401, 403, 404, 409)},
            examples=[ok_example("deleted", None, status=204)],
        ),
    )


@_crud_schema("areas", OrgAreaSerializer, AREA_EXAMPLE, [LEVEL_AREA, PARENT, AREA], PUBLIC_AUTH)
class AreaViewSet(ETagMixin, _Writes):
    """The area tree (city › district › street › community › grid), in path order."""

    serializer_class = OrgAreaSerializer
    permission_classes = [ReadAnyoneWriteAdmin]

    def get_queryset(self) -> QuerySet[Area]:
        qs = Area.objects.order_by("path")
        if self.action != "list":
            return qs
        params = self.request.query_params
        level = choice_param(params, "level", AreaLevel.values)
        if level:
            qs = qs.filter(level=level)
        area = area_param(params)
        if area is not None:
            qs = qs.filter(area.subtree_q())
        return qs.filter(**_parent_q(params))


@_crud_schema(
    "categories", OrgCategorySerializer, CATEGORY_EXAMPLE, [LEVEL_CATEGORY, PARENT, ACTIVE], PUBLIC_AUTH
)
class CategoryViewSet(ETagMixin, _Writes):
    """The three-level demand category tree, in path order; inactive categories for admins only."""

    serializer_class = OrgCategorySerializer
    permission_classes = [ReadAnyoneWriteAdmin]

    def get_queryset(self) -> QuerySet[Category]:
        qs = Category.objects.order_by("path")
        params = self.request.query_params
        if not _is_admin(self.request.user):
            qs = qs.filter(is_active=True)
        if self.action != "list":
            return qs
        active = bool_param(params, "active")
        if active is not None:
            qs = qs.filter(is_active=active)
        level = choice_param(params, "level", ["1", "2", "3"])
        if level:
            qs = qs.filter(level=int(level))
        return qs.filter(**_parent_q(params))


@_crud_schema(
    "units",
    OrgUnitSerializer,
    UNIT_EXAMPLE,
    [
        AREA,
        OpenApiParameter("kind", OpenApiTypes.STR, enum=UnitKind.values),
        OpenApiParameter("accepts_dispatch", OpenApiTypes.BOOL),
        ACTIVE,
        OpenApiParameter("q", OpenApiTypes.STR, description="name contains"),
    ],
    None,
)
class UnitViewSet(ETagMixin, viewsets.ModelViewSet):
    """Every unit (departments, district, street and town offices, enterprises), for staff; inactive
    units for admins only. `/api/v1/units/` stays the short list of units a demand can be dispatched to."""

    serializer_class = OrgUnitSerializer
    permission_classes = [ReadStaffWriteAdmin]

    def get_queryset(self) -> QuerySet[Unit]:
        qs = Unit.objects.order_by("code")
        params = self.request.query_params
        if not _is_admin(self.request.user):
            qs = qs.filter(is_active=True)
        if self.action != "list":
            return qs
        area = area_param(params)
        if area is not None:
            qs = qs.filter(area.subtree_q("area"))
        kind = choice_param(params, "kind", UnitKind.values)
        if kind:
            qs = qs.filter(kind=kind)
        for name in ("accepts_dispatch", "active"):
            value = bool_param(params, name)
            if value is not None:
                qs = qs.filter(**{"is_active" if name == "active" else name: value})
        q = (params.get("q") or "").strip()
        if q:
            qs = qs.filter(name__icontains=q[:50])
        return qs

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        unit = serializer.instance
        parent = serializer.validated_data.get("parent")
        if unit is not None and parent is not None:
            seen, node = set(), parent
            while node is not None and node.pk not in seen:
                if node.pk == unit.pk:
                    raise ValidationFailed(
                        _("上级单位不能是自己或自己的下级"),
                        fields={"parent": [_("上级单位不能是自己或自己的下级")]},
                    )
                seen.add(node.pk)
                node = node.parent
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance: Unit) -> None:
        node_delete(instance)
