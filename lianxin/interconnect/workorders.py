"""Work orders exchanged with an upper platform (省/国家 12345), wire format in docs/interconnect.md.

- `work_order_receive`: a signed push becomes a demand (channel "api", submitted through the demands'
  intake like any other), acknowledged with its ticket; idempotent on (platform, order_id): the same order
  pushed again gets the first acknowledgement, the same id with other content is a Conflict.
- `callback_rows`: every later state change of such a demand, and its reply and rating, is owed to the
  platform's callback as a `Delivery` written in the event's transaction (sent by `deliveries`).
- `work_orders_reconcile`: our states against the platform's state query for a period; with `fix`, a
  fresh "sync" callback of our state for every order that differs.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from lianxin.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from lianxin.demands import services as demand_services
from lianxin.demands.choices import Action, Channel, DemandType
from lianxin.demands.models import DemandEvent
from lianxin.interconnect import geo, signing
from lianxin.interconnect.conf import conf
from lianxin.interconnect.deliveries import signed_request
from lianxin.interconnect.models import Delivery, Open311Service, Platform, WorkOrder
from lianxin.org.models import Area, Category

ORDER_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
REPORTED_ACTIONS = frozenset({Action.REPLY, Action.ANSWER, Action.RATE})  # reported even without a move
_CODES_KEY = "interconnect:platform_codes"


class Unauthorized(ApplicationError):
    status = 401
    default_code = "unauthorized"


def platform_codes() -> frozenset[str]:
    """Codes of the active platforms, cached until one is saved or deleted."""
    found = cache.get(_CODES_KEY)
    if found is None:
        found = frozenset(Platform.objects.filter(is_active=True).values_list("code", flat=True))
        cache.set(_CODES_KEY, found, timeout=300)
    return found


def platforms_changed(**kwargs: Any) -> None:
    cache.delete(_CODES_KEY)
    transaction.on_commit(lambda: cache.delete(_CODES_KEY))  # and once the change is visible to all


def platform_authenticate(
    *, code: str | None, body: bytes, timestamp: str | None, given: str | None
) -> Platform:
    """The platform that signed the message, or Unauthorized (401) — an unknown platform and a bad
    signature answer alike, and a timestamp outside the replay window is refused."""
    platform = Platform.objects.filter(code=(code or "").strip(), is_active=True).first()
    if platform is None:
        raise Unauthorized(_("未知平台或签名无效"), code="bad_signature")
    try:
        signing.verify(
            platform.secret, body, timestamp, given, window=int(conf("LIANXIN_INTERCONNECT_REPLAY_WINDOW"))
        )
    except signing.SignatureError as exc:
        code_ = "bad_signature" if exc.code in ("bad_signature", "missing_signature") else exc.code
        raise Unauthorized(_("签名无效或已过期：%(why)s") % {"why": exc.message}, code=code_) from None
    return platform


def _text(
    data: dict[str, Any], name: str, limit: int, errors: dict[str, list[str]], *, required: bool = False
) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors[name] = [_("必填")]
        return ""
    if not isinstance(value, str):
        errors[name] = [_("应为字符串")]
        return ""
    if len(value) > limit:
        errors[name] = [_("最多 %(n)d 字") % {"n": limit}]
    return value.strip()


def _number(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> float | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors[name] = [_("应为数字")]
        return None
    return float(value)


@dataclass
class Order:
    order_id: str
    title: str
    content: str
    type: str
    category: Category | None
    area: Area | None
    deadline: datetime | None
    address: str
    lat: float | None
    lng: float | None
    contact_name: str
    contact_phone: str


def _category(code: str, errors: dict[str, list[str]]) -> Category | None:
    if not code:
        return None
    found = Category.objects.filter(code=code, is_active=True).first()
    if found is None:
        service = Open311Service.objects.filter(code=code).select_related("category").first()
        found = service.category if service else None
    if found is None:
        errors["category"] = [_("分类 %(code)s 不存在") % {"code": code}]
    return found


def order_parse(data: Any) -> Order:
    """The order in a pushed body, or ValidationFailed naming every bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("请求体应为 JSON 对象"), fields={"body": [_("应为 JSON 对象")]})
    errors: dict[str, list[str]] = {}
    order_id = _text(data, "order_id", 64, errors, required=True)
    if order_id and not ORDER_ID.match(order_id):
        errors["order_id"] = [_("只能含字母、数字和 . _ : -")]
    title = _text(data, "title", 200, errors, required=True)
    content = _text(data, "content", 5000, errors, required=True)
    kind = _text(data, "type", 20, errors) or DemandType.HELP
    if kind not in DemandType.values:
        errors["type"] = [_("可选值：%(v)s") % {"v": ", ".join(DemandType.values)}]
    category = _category(_text(data, "category", 40, errors), errors)
    area_code = _text(data, "area", 40, errors)
    area = Area.objects.filter(code=area_code).first() if area_code else None
    if area_code and area is None:
        errors["area"] = [_("区域 %(code)s 不存在") % {"code": area_code}]
    deadline = None
    raw_deadline = _text(data, "deadline", 40, errors)
    if raw_deadline:
        try:
            deadline = parse_datetime(raw_deadline)
        except ValueError:
            deadline = None
        if deadline is None or deadline.tzinfo is None:
            errors["deadline"] = [_("应为带时区的 ISO 8601 时间")]
            deadline = None
    lat, lng = _number(data, "lat", errors), _number(data, "lng", errors)
    contact = data.get("contact") or {}
    if not isinstance(contact, dict):
        errors["contact"] = [_("应为 JSON 对象")]
        contact = {}
    name = _text(contact, "name", 60, errors)
    phone = _text(contact, "phone", 40, errors)
    address = _text(data, "address", 300, errors)
    if errors:
        raise ValidationFailed(_("以下字段有误：%(fields)s") % {"fields": ", ".join(errors)}, fields=errors)
    if area is None and lat is not None and lng is not None and -90 <= lat <= 90 and -180 <= lng <= 180:
        area = geo.area_at(lat, lng)  # a pushed order is never refused for its place: unknown stays empty
    return Order(order_id, title, content, kind, category, area, deadline, address, lat, lng, name, phone)


def acknowledgement(order: WorkOrder) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "ticket_no": order.demand.ticket_no,
        "status": order.demand.status,
        "received_at": order.received_at.isoformat(),
    }


def _fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _existing(platform: Platform, order_id: str, fingerprint: str) -> WorkOrder | None:
    found = WorkOrder.objects.select_related("demand").filter(platform=platform, order_id=order_id).first()
    if found is not None and found.fingerprint != fingerprint:
        raise Conflict(_("平台工单号 %(id)s 已用于另一内容的工单") % {"id": order_id}, code="order_id_reused")
    return found


def work_order_receive(
    *, platform: Platform, data: Any, now: datetime | None = None
) -> tuple[WorkOrder, bool]:
    """Take a pushed order: (work order, created). The demand is submitted through the demands' intake
    (ValidationFailed names the bad fields) in the same transaction as the work-order row."""
    order = order_parse(data)
    fingerprint = _fingerprint(data)
    found = _existing(platform, order.order_id, fingerprint)
    if found is not None:
        return found, False
    moment = now or timezone.now()
    try:
        with transaction.atomic():
            demand, _created = demand_services.demand_submit(
                actor=None,
                title=order.title,
                content=order.content,
                type=order.type,
                category=order.category,
                area=order.area,
                address=order.address,
                lat=order.lat,
                lng=order.lng,
                contact_name=order.contact_name,
                contact_phone=order.contact_phone,
                channel=Channel.API,
                now=moment,
            )
            work_order = WorkOrder.objects.create(
                platform=platform,
                order_id=order.order_id,
                demand=demand,
                deadline=order.deadline,
                fingerprint=fingerprint,
                received_at=moment,
            )
    except IntegrityError:  # the same order pushed twice at once: the first one won
        found = _existing(platform, order.order_id, fingerprint)
        if found is None:
            raise
        return found, False
    return work_order, True


def work_order_state(*, platform: Platform, order_id: str) -> dict[str, Any]:
    """Our state of one order (the platform's query of us)."""
    found = WorkOrder.objects.select_related("demand").filter(platform=platform, order_id=order_id).first()
    if found is None:
        raise NotFound(_("工单不存在"))
    d = found.demand
    state = {**acknowledgement(found), "closure": d.closure}
    if d.replied_at:
        state["reply"] = {"text": d.reply_text, "outcome": d.outcome, "at": d.replied_at.isoformat()}
    if d.rated_at:
        state["rating"] = {"satisfaction": d.satisfaction, "resolved": d.resolved}
    return state


def callback_payload(
    platform_code: str, order_id: str, event: DemandEvent | None, facts: dict[str, Any], *, sync: bool = False
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "order_id": order_id,
        "platform": platform_code,
        "ticket_no": facts.get("ticket_no"),
        "status": event.to_status if event is not None else facts.get("status"),
    }
    if event is not None:
        payload.update(
            event_id=event.pk,
            action=event.action,
            from_status=event.from_status,
            at=event.created_at.isoformat(),
            note=event.note if event.action in (Action.REJECT, Action.RETURN) else "",
        )
    if sync:
        payload["action"] = "sync"
        payload["at"] = timezone.now().isoformat()
    action = event.action if event is not None else ""
    if action in (Action.REPLY, Action.ANSWER) or (sync and facts.get("reply_text")):
        payload["reply"] = {"text": facts.get("reply_text", ""), "outcome": facts.get("outcome", "")}
    if action == Action.RATE or (sync and facts.get("satisfaction")):
        payload["rating"] = {"satisfaction": facts.get("satisfaction", ""), "resolved": facts.get("resolved")}
    return payload


def callback_rows(events: list[DemandEvent], facts: dict[int, dict[str, Any]]) -> list[Delivery]:
    codes = platform_codes()
    if not codes:
        return []
    wanted = [
        e
        for e in events
        if (e.from_status != e.to_status or e.action in REPORTED_ACTIONS)
        and facts.get(e.demand_id, {}).get("channel") == Channel.API
    ]
    if not wanted:
        return []
    orders = {
        o.demand_id: o
        for o in WorkOrder.objects.filter(demand_id__in={e.demand_id for e in wanted}).select_related(
            "platform"
        )
    }
    now = timezone.now()
    rows = []
    for event in wanted:
        order = orders.get(event.demand_id)
        if order is None or not order.platform.is_active:
            continue
        rows.append(
            Delivery(
                platform_id=order.platform_id,
                event_id=event.pk,
                demand_id=event.demand_id,
                kind=event.action,
                payload=callback_payload(order.platform.code, order.order_id, event, facts[event.demand_id]),
                next_attempt_at=now,
                created_at=now,
            )
        )
    return rows


@dataclass
class Reconciliation:
    platform: str
    since: str
    compared: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)
    unknown_here: list[str] = field(default_factory=list)  # orders the platform has and we do not
    resent: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "since": self.since,
            "compared": self.compared,
            "differences": self.differences,
            "unknown_here": self.unknown_here,
            "resent": self.resent,
        }


def platform_states(*, platform: Platform, since: date) -> dict[str, str]:
    """The platform's states of its orders pushed since `since` (its state query, signed like a callback)."""
    if not platform.state_url:
        raise ValidationFailed(_("平台未配置状态查询地址"), fields={"state_url": [_("必填")]})
    url = (
        platform.state_url
        + ("&" if "?" in platform.state_url else "?")
        + urlencode({"since": since.isoformat()})
    )
    try:
        status, body = signed_request("GET", url, platform.secret)
    except OSError as exc:
        raise Conflict(_("无法连接平台状态查询：%(e)s") % {"e": exc}, code="platform_unreachable") from exc
    if status != 200:
        raise Conflict(_("平台状态查询返回 %(s)s") % {"s": status}, code="platform_error")
    try:
        orders = json.loads(body)["orders"]
        return {str(k): str(v) for k, v in dict(orders).items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise Conflict(_("平台状态查询的应答无法解析"), code="platform_error") from exc


def work_orders_reconcile(*, platform: Platform, since: date, fix: bool = False) -> Reconciliation:
    """Compare each order received since `since` (our demand's status) with the platform's state of it."""
    theirs = platform_states(platform=platform, since=since)
    start = timezone.make_aware(datetime.combine(since, time.min))
    ours = list(
        WorkOrder.objects.filter(platform=platform, received_at__gte=start)
        .select_related("demand")
        .order_by("received_at", "id")
    )
    report = Reconciliation(platform=platform.code, since=since.isoformat(), compared=len(ours))
    known = set()
    owed = []
    now = timezone.now()
    for order in ours:
        known.add(order.order_id)
        state = theirs.get(order.order_id)
        if state != order.demand.status:
            report.differences.append(
                {"order_id": order.order_id, "ours": order.demand.status, "theirs": state}
            )
            if fix:
                facts = {
                    name: getattr(order.demand, name)
                    for name in ("ticket_no", "status", "reply_text", "outcome", "satisfaction", "resolved")
                }
                owed.append(
                    Delivery(
                        platform=platform,
                        demand_id=order.demand_id,
                        kind="sync",
                        payload=callback_payload(platform.code, order.order_id, None, facts, sync=True),
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    report.unknown_here = sorted(set(theirs) - known)
    if owed:
        with transaction.atomic():
            Delivery.objects.bulk_create(owed)
        report.resent = len(owed)
    return report
