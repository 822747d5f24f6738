"""SMS to callers (docs/notices.md): the notices a demand owes its caller, the answers they send back,
opt-outs and delivery receipts. Writes are keyword-only and atomic; phones are never logged (only the
blind index and the encrypted number are stored)."""

from __future__ import annotations

import hmac
import logging
import re
from datetime import datetime, time
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianxin.accounts.models import User
from lianxin.core.crypto import normalise_phone, phone_index
from lianxin.core.errors import ApplicationError, NotFound, ValidationFailed
from lianxin.core.models import SmsMessage
from lianxin.core.sms import sms_send
from lianxin.demands import selectors
from lianxin.demands.choices import Action, Channel, Satisfaction, Status
from lianxin.demands.models import Demand, DemandEvent
from lianxin.demands.services import demand_rate
from lianxin.notices.models import (
    OPEN_STATES,
    DeliveryReceipt,
    InboundSms,
    InboundState,
    Notice,
    NoticeStatus,
    OptOut,
    Purpose,
    ReceiptStatus,
)
from lianxin.notices.parsing import (
    BASIC,
    SATISFIED,
    UNSATISFIED,
    sms_optout_parse,
    sms_reply_parse,
    sms_reply_resolved,
)

logger = logging.getLogger("lianxin.notices")

# Numbers a text message reaches: mainland mobiles (a landline gets no notice; the operator calls it).
MOBILE = re.compile(r"1[3-9]\d{9}")
RATINGS = {
    SATISFIED: Satisfaction.SATISFIED,
    BASIC: Satisfaction.BASICALLY_SATISFIED,
    UNSATISFIED: Satisfaction.DISSATISFIED,
}
# The states in which a demand waits for its caller's rating (a merged caller rates once the parent is answered).


def mobile_of(phone: str) -> str:
    """The normalised number when a text message can reach it, else ""."""
    digits = normalise_phone(phone)
    return digits if MOBILE.fullmatch(digits) else ""


def tracking_link(demand: Demand) -> str:
    """The caller's tracking page with the ticket and the query code filled in."""
    query = urlencode({"ticket_no": demand.ticket_no or "", "code": demand.query_code})
    return f"{settings.LIANXIN_SMS_LINK_BASE.rstrip('/')}{reverse('demands:track')}?{query}"


def _text(purpose: str, demand: Demand) -> str:
    values = {
        "site": settings.LIANXIN_SITE_NAME,
        "ticket": demand.ticket_no or "",
        "code": demand.query_code,
        "link": tracking_link(demand),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if purpose == Purpose.INTAKE:
            text = _(
                "【%(site)s】您反映的诉求已受理登记，工单编号%(ticket)s，查询码%(code)s，可凭此查询办理进度。回复TD退订"
            )
        elif purpose == Purpose.REPLY:
            text = _("【%(site)s】您的诉求（工单%(ticket)s）已有答复，请查看：%(link)s 回复TD退订")
        else:
            text = _(
                "【%(site)s】请对工单%(ticket)s的办理评价：回复1满意，2基本满意，3不满意；"
                "问题已解决请加“已解决”，如“1已解决”。回复TD退订"
            )
    return text % values


def sent_today(phone_hash: str, now: datetime | None = None) -> int:
    """Text messages of every purpose written for this number since local midnight."""
    moment = timezone.localtime(now or timezone.now())
    midnight = timezone.make_aware(datetime.combine(moment.date(), time.min), moment.tzinfo)
    return SmsMessage.objects.filter(phone_hash=phone_hash, created_at__gte=midnight).count()


def notice_send(
    *, demand: Demand, purpose: str, round: int = 0, now: datetime | None = None
) -> Notice | None:
    """Owe the caller of `demand` one notice (idempotent per demand, purpose and round: the notice's key is
    its SMS's key). None when the demand has no mobile number; a Notice row saying why when an opt-out or
    the daily limit stops it. Joins the caller's transaction (the event's), without a savepoint."""
    phone = mobile_of(demand.contact_phone)
    if not phone:
        return None
    key = f"notices:{demand.pk}:{purpose}:{round}"
    with transaction.atomic(savepoint=False):
        existing = Notice.objects.filter(key=key).first()
        if existing is not None:
            return existing
        index = phone_index(phone)
        if OptOut.objects.filter(phone_hash=index).exists():
            status = NoticeStatus.OPTED_OUT
        elif sent_today(index, now) >= settings.LIANXIN_SMS_DAILY_LIMIT:
            status = NoticeStatus.LIMITED
        else:
            status = NoticeStatus.QUEUED
        notice = Notice.objects.create(
            key=key,
            demand=demand,
            purpose=purpose,
            phone_hash=index,
            status=status,
            created_at=now or timezone.now(),
        )
        if status == NoticeStatus.QUEUED:
            sms_send(phone, _text(purpose, demand), purpose=f"notice:{purpose}", key=key)
        else:
            logger.info("notice %s of demand %s not sent: %s", purpose, demand.pk, status)
    return notice


def notices_for_events(events: list[DemandEvent]) -> None:
    """The notices the events owe (called by the demands event listener, in their transaction): the
    intake notice on submit; the reply notice and the 短信回访 when a demand reaches 已答复 (a reply, a
    direct answer, an approved review) — to its caller and to every caller merged into it (并单: each is
    told with their own ticket and rates on their own); and to a caller merged into a demand already
    answered, at the merge. Every test before a query is on the event alone: most events owe nothing."""
    for event in events:
        if event.action == Action.SUBMIT and event.to_status == Status.SUBMITTED:
            demand = _demand_of(event)
            if demand.channel != Channel.IMPORT:  # history: its callers are never texted
                notice_send(demand=demand, purpose=Purpose.INTAKE)
        elif _reply_released(event):
            demand = _demand_of(event)
            _reply_notices(demand, round=demand.reopen_count)
            for child in Demand.objects.filter(
                merged_into=demand, status=Status.MERGED, rated_at__isnull=True
            ):
                _reply_notices(child, round=demand.reopen_count)
        elif event.action == Action.MERGE:
            child = _demand_of(event)
            parent = child.merged_into
            if parent is not None and parent.status in ANSWERED and not parent.reply_held:
                _reply_notices(child, round=parent.reopen_count)


ANSWERED = (Status.REPLIED, Status.CLOSED)


def _reply_notices(demand: Demand, *, round: int) -> None:
    if mobile_of(demand.contact_phone):
        notice_send(demand=demand, purpose=Purpose.REPLY, round=round)
        notice_send(demand=demand, purpose=Purpose.FOLLOWUP, round=round)


def _reply_released(event: DemandEvent) -> bool:
    """The citizen may read a reply from this event on: a move into 已答复 whose reply is not held for
    答复审核 (`data.held`), or the approval that releases a held one."""
    if event.action == Action.APPROVE_REPLY:
        return True
    held = bool((event.data or {}).get("held"))
    return event.to_status == Status.REPLIED and event.from_status != Status.REPLIED and not held


def _demand_of(event: DemandEvent) -> Demand:
    cached = event._state.fields_cache.get("demand")
    return cached if isinstance(cached, Demand) else Demand.objects.get(pk=event.demand_id)


# --- Inbound ------------------------------------------------------------------------------------------


def token_valid(given: str) -> bool:
    """The gateway's shared token; an empty setting closes the doors."""
    expected = settings.LIANXIN_SMS_INBOUND_TOKEN
    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").encode())


def _awaiting(index: str) -> list[Demand]:
    """The demands this number was asked to rate by SMS that still wait for a rating."""
    ids = Notice.objects.filter(
        phone_hash=index, purpose=Purpose.FOLLOWUP, status=NoticeStatus.QUEUED
    ).values("demand_id")
    # the operators' follow-up queues decide what still waits for a rating (a reopened demand answered again
    # does, though it was rated before; a held reply does not)
    now = timezone.now()
    waiting = selectors._queue_q("followup", now) | selectors._queue_q("merged_followup", now)
    return list(Demand.objects.filter(waiting, pk__in=ids).order_by("pk"))


def sms_inbound_receive(
    *, gateway_id: str, phone: str, text: object, now: datetime | None = None
) -> tuple[InboundSms, bool]:
    """One message from a caller; returns (row, created). Idempotent on the gateway's id: a repeated
    callback returns the first row and changes nothing. An opt-out is recorded; a parsed answer from
    the number of exactly one demand awaiting its SMS follow-up is recorded as the caller's rating
    (`demands.services.demand_rate`); anything else waits in the operators' queue."""
    gateway_id = (gateway_id or "").strip()
    digits = normalise_phone(phone)
    errors: dict[str, list[str]] = {}
    if not gateway_id or len(gateway_id) > 100:
        errors["id"] = [_("网关消息编号必填，至多100个字符")]
    if not 5 <= len(digits) <= 15:
        errors["from"] = [_("手机号码格式不正确")]
    if not isinstance(text, str):
        errors["text"] = [_("必填")]
    if errors or not isinstance(text, str):
        raise ValidationFailed(_("短信回调格式不正确"), fields=errors)
    existing = InboundSms.objects.filter(gateway_id=gateway_id).first()
    if existing is not None:
        return existing, False
    moment = now or timezone.now()
    text = text[:1000]
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = InboundSms.objects.create(
                    gateway_id=gateway_id,
                    phone=digits,
                    phone_hash=phone_index(digits),
                    text=text,
                    state=InboundState.UNPARSED,
                    received_at=moment,
                )
        except IntegrityError:  # the same callback, concurrently: the other request has it
            return InboundSms.objects.get(gateway_id=gateway_id), False
        with translation.override(settings.LANGUAGE_CODE):  # what is stored reads the same for everyone
            _inbound_handle(row, moment)
    return row, True


def _inbound_handle(row: InboundSms, moment: datetime) -> None:
    if sms_optout_parse(row.text):
        OptOut.objects.get_or_create(phone_hash=row.phone_hash, defaults={"phone": row.phone, "inbound": row})
        row.state = InboundState.OPTED_OUT
        row.save(update_fields=["state"])
        return
    answer = sms_reply_parse(row.text)
    row.answer = answer or ""
    waiting = _awaiting(row.phone_hash)
    if len(waiting) == 1:
        row.demand = waiting[0]
    if not waiting:
        row.state, row.reason = InboundState.UNKNOWN, _("该号码没有待短信回访的工单")
    elif answer is None:
        row.state, row.reason = InboundState.UNPARSED, _("无法识别为1、2、3中的一项")
    elif len(waiting) > 1:
        row.state, row.reason = InboundState.AMBIGUOUS, _("该号码有多件待回访工单，请人工确认")
    else:
        try:
            with transaction.atomic():
                rated = demand_rate(
                    demand=waiting[0],
                    actor=None,
                    satisfaction=RATINGS[answer],
                    resolved=sms_reply_resolved(row.text) is True,
                    note=_("短信回访"),
                    code_verified=True,
                    now=moment,
                )
        except ApplicationError as exc:
            row.state, row.reason = InboundState.REFUSED, exc.message[:300]
        else:
            row.state = InboundState.RECORDED
            row.event = DemandEvent.objects.filter(demand=rated, action=Action.RATE).order_by("-pk").first()
    row.save(update_fields=["answer", "state", "reason", "demand", "event"])


@transaction.atomic
def sms_inbound_handled(*, inbound: InboundSms, actor: User, now: datetime | None = None) -> InboundSms:
    """The operator has dealt with a message of the queue (called the caller, rated on the demand page)."""
    row = InboundSms.objects.select_for_update().filter(pk=inbound.pk).first()
    if row is None or row.state not in OPEN_STATES:
        raise NotFound(_("该短信不在待处理列表中"))
    row.state, row.handled_by, row.handled_at = InboundState.HANDLED, actor, now or timezone.now()
    row.save(update_fields=["state", "handled_by", "handled_at"])
    return row


# --- Receipts ------------------------------------------------------------------------------------------

RECEIPT_WORDS = {
    "delivered": ReceiptStatus.DELIVERED,
    "delivrd": ReceiptStatus.DELIVERED,
    "success": ReceiptStatus.DELIVERED,
    "failed": ReceiptStatus.FAILED,
    "undeliv": ReceiptStatus.FAILED,
    "rejected": ReceiptStatus.FAILED,
    "expired": ReceiptStatus.FAILED,
}


@transaction.atomic
def sms_receipt_record(
    *, ref: str, status: str, detail: str = "", now: datetime | None = None
) -> DeliveryReceipt:
    """The gateway's delivery receipt for the message it numbered `ref`; a later receipt replaces it."""
    ref = (ref or "").strip()
    verdict = RECEIPT_WORDS.get((status or "").strip().lower())
    errors: dict[str, list[str]] = {}
    if not ref or len(ref) > 100:
        errors["id"] = [_("网关消息编号必填，至多100个字符")]
    if verdict is None:
        errors["status"] = [_("状态须为 delivered 或 failed")]
    if errors:
        raise ValidationFailed(_("送达回执格式不正确"), fields=errors)
    sms = SmsMessage.objects.filter(gateway_ref=ref).order_by("-pk").first()
    receipt, _created = DeliveryReceipt.objects.update_or_create(
        ref=ref,
        defaults={
            "sms": sms,
            "status": verdict,
            "detail": (detail or "")[:300],
            "received_at": now or timezone.now(),
        },
    )
    return receipt
