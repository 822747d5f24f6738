"""Query parameters of the API's list filters, read strictly: a malformed value is a 400 naming the
parameter (the pages, whose query strings people edit by hand, ignore them instead)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from lianxin.core.dates import EARLIEST, LATEST, parse_day
from lianxin.core.errors import ValidationFailed
from lianxin.core.params import as_id

SINCE = OpenApiParameter(
    "since", OpenApiTypes.DATE, description="from this day on (ISO `YYYY-MM-DD`, 1970-01-01 … 2100-12-31)"
)
UNTIL = OpenApiParameter("until", OpenApiTypes.DATE, description="up to and including this day (ISO)")


def refuse(name: str, message: str) -> ValidationFailed:
    """The 400 of a bad query parameter `name`."""
    return ValidationFailed(
        _("参数 %(name)s 有误：%(message)s") % {"name": name, "message": message},
        fields={name: [message]},
    )


def day_param(params: Mapping[str, Any], name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_day(raw)
    except ValueError:
        raise refuse(
            name, _("日期应为 YYYY-MM-DD，在 %(lo)s 至 %(hi)s 之间") % {"lo": EARLIEST, "hi": LATEST}
        ) from None


def since_until(params: Mapping[str, Any]) -> tuple[date | None, date | None]:
    """`since` and `until` (inclusive days); `until` before `since` is refused naming `until`."""
    since, until = day_param(params, "since"), day_param(params, "until")
    if since and until and until < since:
        raise refuse("until", _("不能早于 since"))
    return since, until


def id_param(params: Mapping[str, Any], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    pk = as_id(raw)
    if pk is None:
        raise refuse(name, _("应为正整数 id"))
    return pk


def bool_param(params: Mapping[str, Any], name: str) -> bool | None:
    raw = (params.get(name) or "").strip().lower()
    if not raw:
        return None
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise refuse(name, _("应为 true 或 false"))


def choice_param(params: Mapping[str, Any], name: str, choices: list[str] | tuple[str, ...]) -> str | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise refuse(name, _("应为 %(choices)s 之一") % {"choices": ", ".join(choices)})
    return raw
