"""Cursor pagination for the API's large lists: stable under inserts, no COUNT(*), no deep OFFSET.

`?cursor=` is the opaque token of a `next`/`previous` link; `?page_size=` 1 … 200. A malformed cursor or
page size is a 400 naming it (DRF's own cursor answers a 404).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from lianxin.core.errors import ValidationFailed
from lianxin.core.params import as_id


class CursorPage(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: Any = "-id"

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationFailed(
                _("参数 cursor 无效，请使用列表返回的 next/previous 链接"),
                fields={"cursor": [_("无效的游标")]},
            ) from None

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        size = as_id(raw)
        if size is None or size > self.max_page_size:
            raise ValidationFailed(
                _("参数 page_size 应为 1 至 %(max)d 的整数") % {"max": self.max_page_size},
                fields={"page_size": [_("1 至 %(max)d") % {"max": self.max_page_size}]},
            )
        return size


def cursor_by(*ordering: str) -> type[CursorPage]:
    """A CursorPage ordered by `ordering` (the first field should be unique or nearly so; the rest
    break ties so the order is total)."""
    name = "CursorBy_" + "_".join(o.replace("-", "desc_") for o in ordering)
    return type(name, (CursorPage,), {"ordering": tuple(ordering)})
