"""The `area` filter of the API's lists: an area id, meaning the area and its whole subtree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from lianxin.core.api_filters import id_param, refuse
from lianxin.org.models import Area

AREA = OpenApiParameter("area", OpenApiTypes.INT, description="area id: the area and its whole subtree")


def area_param(params: Mapping[str, Any], name: str = "area") -> Area | None:
    """The area `params[name]` names; a value that is no id, or names no area, is a 400 naming `name`."""
    pk = id_param(params, name)
    if pk is None:
        return None
    area = Area.objects.filter(pk=pk).first()
    if area is None:
        raise refuse(name, _("区域 %(id)s 不存在") % {"id": pk})
    return area
