"""Open311 GeoReport v2 over the demands (docs/interconnect.md): the services (exposed categories), a POST
that submits a demand through the demands' intake, and the public reads of requests.

What public reads never show: demands outside the exposed services or in services whose requests are not
public, demands of a confidential type (LIANXIN_OPEN311_CONFIDENTIAL_TYPES, 举报 by default), the contact,
the address (the area's name stands for it) or media of anyone; descriptions and replies pass through
intel's masking of personal data, and lat/long are rounded to 3 decimals (about 100 m).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from lianxin.core.crypto import EncryptedTextField
from lianxin.core.errors import NotFound, ValidationFailed
from lianxin.demands import services as demand_services
from lianxin.demands.choices import OPEN_STATUSES, Channel, Status
from lianxin.demands.models import Demand
from lianxin.intel.pii import mask_pii
from lianxin.interconnect import geo
from lianxin.interconnect.conf import conf
from lianxin.interconnect.models import ApiClient, Datatype, Open311Attribute, Open311Request, Open311Service

# address_string is personal data: it goes on the demand (where operators see it) only when the demand keeps
# its address encrypted; it is always kept, encrypted, on the Open311Request.
ADDRESS_ON_DEMAND = isinstance(Demand._meta.get_field("address"), EncryptedTextField)
CLOSED_STATUSES = frozenset(Status.values) - OPEN_STATUSES
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
ATTRIBUTE_KEY = re.compile(r"^attribute\[([A-Za-z0-9_-]{1,40})\](\[\])?$")


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


# --- services ----------------------------------------------------------------------------------------------


def services_active() -> list[Open311Service]:
    return list(
        Open311Service.objects.filter(is_active=True, category__is_active=True)
        .select_related("category", "category__parent", "category__parent__parent")
        .prefetch_related("attributes")
        .order_by("code")
    )


def service_group(service: Open311Service) -> str:
    if service.group:
        return service.group
    top = service.category
    while top.parent is not None:
        top = top.parent
    return top.name


def service_row(service: Open311Service) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.name or service.category.name,
        "description": service.description,
        "metadata": bool(service.attributes.all()),
        "type": "realtime",
        "keywords": service.keywords,
        "group": service_group(service),
    }


def service_get(code: str) -> Open311Service:
    found = (
        Open311Service.objects.filter(code=code, is_active=True, category__is_active=True)
        .select_related("category")
        .prefetch_related("attributes")
        .first()
    )
    if found is None:
        raise NotFound(_("服务 %(code)s 不存在") % {"code": code}, fields={"service_code": [code]})
    return found


def service_definition(service: Open311Service) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": v.get("key"), "name": v.get("name")} for v in a.values or []],
            }
            for a in service.attributes.all()
        ],
    }


# --- POST requests -----------------------------------------------------------------------------------------


@dataclass
class Posted:
    demand: Demand
    token: str


def _float(raw: str | None, name: str, low: float, high: float, errors: dict[str, list[str]]) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except ValueError:
        errors[name] = [_("应为数字")]
        return None
    if not low <= value <= high:
        errors[name] = [_("应在 %(a)s 到 %(b)s 之间") % {"a": low, "b": high}]
        return None
    return value


def _attribute_answers(service: Open311Service, params: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    known = {a.code: a for a in service.attributes.all()}
    answers: dict[str, Any] = {}
    for key in params:
        match = ATTRIBUTE_KEY.match(key)
        if not match:
            continue
        code = match.group(1)
        attribute = known.get(code)
        if attribute is None:
            errors[f"attribute[{code}]"] = [_("该服务没有此属性")]
            continue
        values = [v for v in params.getlist(key) if v != ""]
        answers[code] = values if attribute.datatype == Datatype.MULTI else (values[0] if values else "")
    for code, attribute in known.items():
        given = answers.get(code)
        if attribute.required and attribute.variable and not given:
            errors[f"attribute[{code}]"] = [_("必填")]
        elif given and attribute.datatype in (Datatype.SINGLE, Datatype.MULTI):
            chosen = given if isinstance(given, list) else [given]
            if not set(chosen) <= attribute.value_keys():
                errors[f"attribute[{code}]"] = [
                    _("可选值：%(v)s") % {"v": ", ".join(sorted(attribute.value_keys()))}
                ]
        elif given and attribute.datatype == Datatype.NUMBER:
            try:
                float(given)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                errors[f"attribute[{code}]"] = [_("应为数字")]
    return answers


def _content(service: Open311Service, description: str, answers: dict[str, Any]) -> str:
    lines = [description or (service.name or service.category.name)]
    labels: dict[str, Open311Attribute] = {a.code: a for a in service.attributes.all()}
    for code, value in answers.items():
        shown = "、".join(value) if isinstance(value, list) else str(value)
        lines.append(f"{labels[code].description}：{shown}")
    return "\n".join(lines)


def _contact_errors(params: Any, errors: dict[str, list[str]]) -> None:
    email = (params.get("email") or "").strip()
    if email and not EMAIL.match(email):
        errors["email"] = [_("电子邮箱格式不正确")]
    media = (params.get("media_url") or "").strip()
    if media and (not media.startswith(("http://", "https://")) or len(media) > 500):
        errors["media_url"] = [_("应为 http(s) 地址，最多 500 字")]
    for name, limit in (
        ("first_name", 30),
        ("last_name", 30),
        ("address_string", 300),
        ("device_id", 100),
        ("account_id", 100),
    ):
        if len(params.get(name) or "") > limit:
            errors[name] = [_("最多 %(n)d 字") % {"n": limit}]


def request_post(*, client: ApiClient, params: Any, idempotency_key: str = "") -> Posted:
    """POST requests: a demand from an Open311 client, or ValidationFailed naming each bad parameter
    (unknown service_code, no location, a point outside every area, a required attribute missing)."""
    errors: dict[str, list[str]] = {}
    code = (params.get("service_code") or "").strip()
    service = None
    if not code:
        errors["service_code"] = [_("必填")]
    else:
        service = (
            Open311Service.objects.filter(code=code, is_active=True, category__is_active=True)
            .select_related("category")
            .first()
        )
        if service is None:
            errors["service_code"] = [_("服务 %(code)s 不存在") % {"code": code}]
    lat = _float(params.get("lat"), "lat", -90, 90, errors)
    lng = _float(params.get("long"), "long", -180, 180, errors)
    address = (params.get("address_string") or "").strip()
    if (lat is None) != (lng is None) and "lat" not in errors and "long" not in errors:
        errors["lat" if lat is None else "long"] = [_("lat 与 long 须同时给出")]
    if (
        lat is None
        and lng is None
        and not address
        and not params.get("address_id")
        and not errors.keys() & {"lat", "long"}
    ):
        errors["lat"] = [_("须给出 lat/long 或 address_string")]
    _contact_errors(params, errors)
    answers = _attribute_answers(service, params, errors) if service is not None else {}
    area = None
    if lat is not None and lng is not None and not errors.keys() & {"lat", "long"}:
        area = geo.area_at(lat, lng)
        if area is None:
            errors["lat"] = [_("该位置不在本辖区任何区域内")]
    if errors:
        raise ValidationFailed(_("以下参数有误：%(fields)s") % {"fields": ", ".join(errors)}, fields=errors)
    assert service is not None
    description = (params.get("description") or "").strip()
    content = _content(service, description, answers)
    title = (description.splitlines()[0] if description else (service.name or service.category.name))[:40]
    name = f"{(params.get('last_name') or '').strip()}{(params.get('first_name') or '').strip()}"
    with transaction.atomic():
        demand, created = demand_services.demand_submit(
            actor=None,
            title=title,
            content=content,
            category=service.category,
            area=area,
            address=address if ADDRESS_ON_DEMAND else "",
            lat=lat,
            lng=lng,
            contact_name=name,
            contact_phone=(params.get("phone") or "").strip(),
            channel=Channel.OPEN311,
            idempotency_key=f"open311:{client.pk}:{idempotency_key}" if idempotency_key else "",
        )
        if not created:
            return Posted(demand, Open311Request.objects.get(demand=demand).token)
        token = str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
        Open311Request.objects.create(
            demand=demand,
            token=token,
            client=client,
            address_string=address,
            email=(params.get("email") or "").strip(),
            media_url=(params.get("media_url") or "").strip(),
            device_id=(params.get("device_id") or "").strip(),
            account_id=(params.get("account_id") or "").strip(),
            attributes=answers,
        )
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return Posted(demand, token)


def token_get(token: str) -> dict[str, Any]:
    found = Open311Request.objects.filter(token=token).select_related("demand").first()
    if found is None:
        raise NotFound(_("令牌不存在"), fields={"token": [token]})
    return {"service_request_id": found.demand.ticket_no, "token": token}


# --- GET requests ------------------------------------------------------------------------------------------

# The demand's text as the public may read it: its masked copy where the demands keep one (no decryption,
# no masking per row), else the text masked here.
_FIELDS = {f.name for f in Demand._meta.fields}
DESCRIPTION = "content_masked" if "content_masked" in _FIELDS else "content"
COLUMNS = (
    "ticket_no",
    "status",
    "reply_text",
    "reply_held",  # 答复审核: a reply held for review is not published
    "category_id",
    DESCRIPTION,
    "created_at",
    "updated_at",
    "reply_due_at",
    "lat",
    "lng",
    "lead_unit__name",
    "area__name",
)


def _when(raw: str | None, name: str, errors: dict[str, list[str]]) -> datetime | None:
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))  # a '+' of an offset arrives as a space when unescaped
    except ValueError:
        value = None
    if value is None or value.tzinfo is None or not 1970 <= value.year <= 2100:
        errors[name] = [_("应为带时区的 ISO 8601 时间，如 2026-01-05T08:00:00+08:00")]
        return None
    return value


@dataclass
class RequestFilters:
    ids: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    statuses: set[str]

    @classmethod
    def parse(cls, params: Any) -> RequestFilters:
        errors: dict[str, list[str]] = {}
        ids = [s.strip() for s in (params.get("service_request_id") or "").split(",") if s.strip()][:100]
        codes = [s.strip() for s in (params.get("service_code") or "").split(",") if s.strip()][:100]
        start, end = (
            _when(params.get("start_date"), "start_date", errors),
            _when(params.get("end_date"), "end_date", errors),
        )
        statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            errors["status"] = [_("可选值：open, closed")]
        if start and end and start > end:
            errors["start_date"] = [_("不能晚于 end_date")]
        if errors:
            raise ValidationFailed(
                _("以下参数有误：%(fields)s") % {"fields": ", ".join(errors)}, fields=errors
            )
        return cls(ids, codes, start, end, statuses)


def _public_services() -> dict[int, Open311Service]:
    return {
        s.category_id: s
        for s in Open311Service.objects.filter(is_active=True, public_requests=True).select_related(
            "category"
        )
    }


def _row(values: dict[str, Any], service: Open311Service) -> dict[str, Any]:
    closed = values["status"] not in OPEN_STATUSES
    lat, lng = values["lat"], values["lng"]
    return {
        "service_request_id": values["ticket_no"],
        "status": "closed" if closed else "open",
        "status_notes": mask_pii(values["reply_text"], official=True)
        if values["reply_text"] and not values.get("reply_held")
        else "",
        "service_name": service.name or service.category.name,
        "service_code": service.code,
        "description": values[DESCRIPTION] if DESCRIPTION != "content" else mask_pii(values["content"]),
        "agency_responsible": values["lead_unit__name"] or "",
        "service_notice": "",
        "requested_datetime": values["created_at"].isoformat(),
        "updated_datetime": values["updated_at"].isoformat(),
        "expected_datetime": values["reply_due_at"].isoformat() if values["reply_due_at"] else None,
        "address": values["area__name"] or "",
        "address_id": "",
        "zipcode": "",
        "lat": round(lat, 3) if lat is not None else None,
        "long": round(lng, 3) if lng is not None else None,
        "media_url": "",
    }


def requests_list(*, filters: RequestFilters, now: datetime | None = None) -> list[dict[str, Any]]:
    """GET requests: by ids (the other filters are then ignored, as the spec says), else by service,
    status and a date window (end defaults to now, start to end − LIANXIN_OPEN311_WINDOW_DAYS), newest
    first, at most LIANXIN_OPEN311_MAX_REQUESTS."""
    services = _public_services()
    allowed = set(services)
    qs = Demand.objects.exclude(type__in=list(conf("LIANXIN_OPEN311_CONFIDENTIAL_TYPES"))).exclude(
        confidential=True  # 保密/不公开 at intake: on no public list
    )
    if filters.ids:
        qs = qs.filter(ticket_no__in=filters.ids, category_id__in=allowed)
    else:
        if filters.service_codes:
            wanted = set(filters.service_codes)
            allowed = {cid for cid, s in services.items() if s.code in wanted}
        end = filters.end or (now or timezone.now())
        start = filters.start or end - timedelta(days=int(conf("LIANXIN_OPEN311_WINDOW_DAYS")))
        qs = qs.filter(category_id__in=allowed, created_at__gte=start, created_at__lte=end)
        if filters.statuses == {"open"}:
            qs = qs.filter(status__in=list(OPEN_STATUSES))
        elif filters.statuses == {"closed"}:
            qs = qs.filter(status__in=list(CLOSED_STATUSES))
    if not allowed:
        return []
    rows = qs.order_by("-created_at", "-id").values(*COLUMNS)[: int(conf("LIANXIN_OPEN311_MAX_REQUESTS"))]
    return [_row(values, services[values["category_id"]]) for values in rows]


def request_get(ticket_no: str) -> dict[str, Any]:
    rows = requests_list(filters=RequestFilters([ticket_no], [], None, None, set()))
    if not rows:
        raise NotFound(
            _("诉求 %(id)s 不存在") % {"id": ticket_no}, fields={"service_request_id": [ticket_no]}
        )
    return rows[0]
