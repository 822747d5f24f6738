"""Every action on a demand, one keyword-only service each (the table is lianxin.demands.transitions).

Each service runs in one transaction: it locks the demand row (`select_for_update`; SQLite's
IMMEDIATE transactions serialise writers), checks that the caller's copy is current (`version`),
that the actor may see the demand (else NotFound), holds a role for the action (else
PermissionDenied) and that the state allows it (else Conflict), then writes the change and its
timeline event together. Two concurrent actions on one demand: one wins, the other gets Conflict.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from lianxin.accounts.models import User
from lianxin.core.crypto import phone_index
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.notify import Message
from lianxin.core.params import by_id
from lianxin.demands import intel_hooks
from lianxin.demands.choices import (
    SUSPECT_LEVELS,
    Action,
    Channel,
    Closure,
    DemandType,
    Outcome,
    Satisfaction,
    Stage,
    Status,
    Urgency,
    WarningLevel,
)
from lianxin.demands.deadlines import deadline_policy, warn_time
from lianxin.demands.models import Demand, DemandAttachment, DemandEvent, IdempotencyRecord
from lianxin.demands.notifications import notify_requester, notify_roles, notify_unit
from lianxin.demands.selectors import demand_is_visible
from lianxin.demands.transitions import ANONYMOUS, LEAD_HANDLER, REQUESTER, SYSTEM, TABLE, Transition
from lianxin.org.models import Area, Category, Unit

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_TITLE = 200
MAX_CONTENT = 5000


def _now(now: datetime | None = None) -> datetime:
    return now or timezone.now()


def _label(action: str) -> str:
    return str(Action(action).label)


def query_code_new() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))


def ticket_no_for(demand_id: int, created_at: datetime) -> str:
    return f"{timezone.localtime(created_at):%Y%m%d}{demand_id:07d}"


def actor_relations(actor: User | None, demand: Demand) -> set[str]:
    """The actor's role codes plus their relation to this demand (see transitions.py)."""
    if actor is None or not actor.is_authenticated:
        return {ANONYMOUS}
    relations = set(actor.role_list)
    if actor.is_superuser:
        relations.add("admin")
    if "handler" in relations and actor.unit_id and actor.unit_id == demand.lead_unit_id:
        relations.add(LEAD_HANDLER)
    if demand.requester_id and demand.requester_id == actor.pk:
        relations.add(REQUESTER)
    return relations


PHONE_FORMAT_ERROR = gettext_lazy("电话号码格式不正确")  # 7 to 15 digits


def phone_is_plausible(value: str) -> bool:
    """A phone as people write it (+86 138…, 0731-8…, spaces): 7 to 15 digits."""
    return 7 <= sum(c.isdigit() for c in value) <= 15


def demand_allowed_actions(*, demand: Demand, actor: User | None, now: datetime | None = None) -> list[str]:
    """Actions of the table the actor could take now (for showing forms; services re-check): the state,
    the role, and the demand's own conditions (an extension to decide, the reopen window…)."""
    relations = actor_relations(actor, demand)
    moment = _now(now)
    return [
        action
        for action, t in TABLE.items()
        if action != Action.SUBMIT
        and demand.status in t.sources
        and relations & t.roles
        and _refusal(action, demand, moment) is None
    ]


def _refusal(action: str, d: Demand, moment: datetime) -> Conflict | None:
    """Why the demand's own state refuses `action` beyond its status and the actor's role (an
    extension to decide, one extension per demand, before the due time, the reopen window, a lead
    unit), or None: the services raise it, the forms offered leave the action out."""
    if action in (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION) and not d.extension_pending_until:
        return Conflict(_("没有待审批的延期申请"), code="no_extension_request")
    if action == Action.REQUEST_EXTENSION:
        if d.extension_count or d.extension_pending_until:
            return Conflict(_("每件工单只能延期一次"), code="extension_used")
        if d.reply_due_at and moment >= d.reply_due_at:
            return Conflict(_("已超过答复时限，不能再申请延期"), code="extension_too_late")
    if action == Action.REOPEN:
        if (
            d.status == Status.CLOSED
            and d.closed_at is not None
            and moment - d.closed_at > timedelta(days=REOPEN_WINDOW_DAYS)
        ):
            return Conflict(
                _("办结已超过 %(n)d 天，不能重办") % {"n": REOPEN_WINDOW_DAYS}, code="reopen_window_passed"
            )
        if not d.lead_unit_id:
            return Conflict(_("工单没有主办单位，不能重办"), code="no_unit")
    return None


def _check(demand: Demand, actor: User | None, t: Transition, *, system: bool, code_verified: bool) -> None:
    if system:
        relations = {SYSTEM}
    else:
        if not code_verified and not demand_is_visible(actor, demand):
            raise NotFound(_("工单不存在或无权查看"))
        relations = actor_relations(actor, demand)
        if code_verified:
            relations.add(REQUESTER)
    if not relations & t.roles:
        raise PermissionDenied(
            _("当前角色无权执行「%(action)s」") % {"action": _label(t.action)}, code="forbidden"
        )
    if demand.status not in t.sources:
        raise Conflict(
            _("工单当前状态为「%(status)s」，不能执行「%(action)s」")
            % {"status": demand.get_status_display(), "action": _label(t.action)},
            code="invalid_transition",
        )


def _lock(
    demand: Demand, actor: User | None, action: str, *, system: bool = False, code_verified: bool = False
) -> Demand:
    """Lock the row and run every check; must be called inside transaction.atomic()."""
    try:
        locked = Demand.objects.select_for_update().get(pk=demand.pk)
    except Demand.DoesNotExist:
        raise NotFound(_("工单不存在或无权查看")) from None
    _check(locked, actor, TABLE[action], system=system, code_verified=code_verified)
    if locked.version != demand.version:
        raise Conflict(_("工单已被他人处理，请刷新后重试"), code="stale")
    return locked


def _event(
    demand: Demand,
    actor: User | None,
    action: str,
    from_status: str,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> DemandEvent:
    return DemandEvent.objects.create(
        demand=demand,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=demand.status,
        note=note,
        data=data or {},
        created_at=_now(now),
    )


def _set_stage(demand: Demand, stage: str, start: datetime, due: datetime | None) -> None:
    demand.stage = stage
    demand.due_at = due
    demand.warn_at = warn_time(start, due) if due else None
    demand.warning_level = WarningLevel.NONE


def _end_stage(demand: Demand) -> None:
    demand.stage, demand.due_at, demand.warn_at, demand.warning_level = (
        Stage.NONE,
        None,
        None,
        WarningLevel.NONE,
    )


def _save(demand: Demand) -> None:
    demand.version += 1
    demand.save()


def _limits(demand: Demand):
    return deadline_policy().limits(demand_type=demand.type, urgency=demand.urgency, category=demand.category)


def _required_text(value: str | None, field: str, message: str, max_len: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, fields={field: [message]})
    if len(text) > max_len:
        raise ValidationFailed(
            _("%(field)s 过长") % {"field": field}, fields={field: [_("最多 %(n)d 字") % {"n": max_len}]}
        )
    return text


def _allowed(values: Iterable[str]) -> str:
    return _("可选值：%(values)s") % {"values": ", ".join(values)}


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(
            _("%(field)s 取值无效") % {"field": field}, fields={field: [_allowed(choices.values)]}
        )
    return value


# --- submit ----------------------------------------------------------------------------------------


def _request_hash(**fields: Any) -> str:
    raw = "\x1f".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hashlib.sha256(raw.encode()).hexdigest()


class _Replayed(Exception):
    pass


def demand_submit(
    *,
    actor: User | None,
    title: str,
    content: str,
    type: str = DemandType.HELP,
    urgency: str = Urgency.NORMAL,
    category: Category | None = None,
    area: Area | None = None,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    channel: str | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> tuple[Demand, bool]:
    """Create a demand in state submitted; returns (demand, created).

    With `idempotency_key`, a retry (same caller, same key, same request) returns the first demand
    and created=False, also when both requests race (the key is a unique row). Reusing a key for a
    different request is a Conflict. Raises ValidationFailed naming the bad fields, and
    PermissionDenied for roles that do not submit (transitions.TABLE).
    """
    relations = actor_relations(actor, Demand())
    if not relations & TABLE[Action.SUBMIT].roles:
        raise PermissionDenied(_("当前角色不能提交诉求"), code="forbidden")
    errors: dict[str, list[str]] = {}
    title, content = (title or "").strip(), (content or "").strip()
    if not title:
        errors["title"] = [_("请填写标题")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("最多 %(n)d 字") % {"n": MAX_TITLE}]
    if not content:
        errors["content"] = [_("请填写诉求内容")]
    elif len(content) > MAX_CONTENT:
        errors["content"] = [_("最多 %(n)d 字") % {"n": MAX_CONTENT}]
    if type not in DemandType.values:
        errors["type"] = [_allowed(DemandType.values)]
    if urgency not in Urgency.values:
        errors["urgency"] = [_allowed(Urgency.values)]
    elif urgency != Urgency.NORMAL and "operator" not in relations:
        # urgency moves deadlines and alerts everyone on duty: an operator judges it (the text's own
        # danger signals are proposed to them by intel), a citizen or an anonymous caller does not
        errors["urgency"] = [_("紧急程度由受理人员判断，提交时请留空或填 normal")]
    if lat is not None and not -90 <= lat <= 90:
        errors["lat"] = [_("纬度应在 -90 到 90 之间")]
    if lng is not None and not -180 <= lng <= 180:
        errors["lng"] = [_("经度应在 -180 到 180 之间")]
    if contact_phone and not phone_is_plausible(contact_phone):
        errors["contact_phone"] = [str(PHONE_FORMAT_ERROR)]
    if len(address or "") > 300:
        errors["address"] = [_("最多 %(n)d 字") % {"n": 300}]
    if len(contact_name or "") > 60:
        errors["contact_name"] = [_("最多 %(n)d 字") % {"n": 60}]
    if errors:
        raise ValidationFailed(_("以下字段有误：%(fields)s") % {"fields": ", ".join(errors)}, fields=errors)
    is_operator = "operator" in relations
    if channel is None:
        channel = Channel.PHONE if is_operator else Channel.WEB
    _choice(channel, Channel, "channel")

    scoped_key = ""
    fingerprint = ""
    if idempotency_key:
        scoped_key = (
            f"{actor.pk if actor is not None and actor.is_authenticated else 'anon'}:{idempotency_key[:100]}"
        )
        fingerprint = _request_hash(title=title, content=content, type=type, phone=contact_phone)

    moment = _now(now)
    requester = actor if actor is not None and actor.is_authenticated and "citizen" in relations else None
    demand = Demand(
        query_code=query_code_new(),
        type=type,
        urgency=urgency,
        title=title,
        content=content,
        category=category,
        area=area,
        address=(address or "").strip(),
        lat=lat,
        lng=lng,
        channel=channel,
        requester=requester,
        contact_name=(contact_name or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        contact_phone_hash=phone_index(contact_phone or ""),
        created_at=moment,
    )
    policy = deadline_policy()
    limits = _limits(demand)
    demand.dispatch_due_at = policy.dispatch_due(moment, limits)
    _set_stage(demand, Stage.DISPATCH, moment, demand.dispatch_due_at)
    # Insert first; the Idempotency-Key is looked up only when its unique row already exists (a retry).
    try:
        with transaction.atomic():
            _insert_with_ticket(demand, moment, scoped_key=scoped_key, fingerprint=fingerprint)
            _event(demand, actor, Action.SUBMIT, "", data={"channel": channel}, now=moment)
            if urgency == Urgency.CRITICAL:
                notify_roles(
                    demand,
                    "operator",
                    "supervisor",
                    title=Message(
                        gettext_noop("特急诉求 %(ticket)s：%(title)s"),
                        {"ticket": demand.ticket_no, "title": title},
                    ),
                )
    except _Replayed:
        replay = _idempotent_replay(scoped_key, fingerprint)
        if replay is None:  # pragma: no cover - the winner's row is committed before we see the conflict
            raise Conflict(_("重复提交正在处理，请稍后重试"), code="idempotency_in_progress") from None
        return replay, False
    return demand, True


_CLAIM_SQL = (
    "INSERT INTO {table} (key, demand_id, response, created_at) VALUES (%s, {demand_id}, {json}, %s) "
    "ON CONFLICT (key) DO NOTHING"
)


def _claim_key(scoped_key: str, fingerprint: str, demand_id_sql: str, params: list[Any]) -> int | None:
    """Insert the Idempotency-Key row unless the key exists. Returns the demand id it was stored with
    (None: the key is taken, this is a retry). PostgreSQL checks the row's foreign key at commit, so the
    key may be claimed before the demand row is inserted; a concurrent claim of the same key waits for
    the first transaction and then finds the key taken."""
    pg = connection.vendor == "postgresql"
    sql = _CLAIM_SQL.format(
        table=connection.ops.quote_name(IdempotencyRecord._meta.db_table),
        demand_id=demand_id_sql,
        json="%s::jsonb" if pg else "%s",
    )
    payload = json.dumps({"fingerprint": fingerprint})
    with connection.cursor() as cursor:
        if pg:
            cursor.execute(sql + " RETURNING demand_id", [scoped_key, *params, payload, timezone.now()])
            row = cursor.fetchone()
            return int(row[0]) if row else None
        cursor.execute(sql, [scoped_key, *params, payload, timezone.now()])
        return int(params[0]) if cursor.rowcount == 1 else None


def _insert_with_ticket(
    demand: Demand, moment: datetime, *, scoped_key: str = "", fingerprint: str = ""
) -> None:
    """Insert with its ticket number, claiming `scoped_key` (raises _Replayed if it is taken).

    On PostgreSQL the id is drawn from the table's sequence first — in the same statement that claims
    the key — so the ticket (date + id) goes in with the row: no second UPDATE touching every index."""
    if connection.vendor == "postgresql":
        sequence = "nextval(pg_get_serial_sequence(%s, 'id'))"
        if scoped_key:
            demand_id = _claim_key(scoped_key, fingerprint, sequence, [Demand._meta.db_table])
            if demand_id is None:
                raise _Replayed
            demand.pk = demand_id
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {sequence}", [Demand._meta.db_table])
                demand.pk = cursor.fetchone()[0]
        demand.ticket_no = ticket_no_for(demand.pk, moment)
        demand.save(force_insert=True)
        return
    demand.save()
    demand.ticket_no = ticket_no_for(demand.pk, moment)
    Demand.objects.filter(pk=demand.pk).update(ticket_no=demand.ticket_no)
    if scoped_key and _claim_key(scoped_key, fingerprint, "%s", [demand.pk]) is None:
        raise _Replayed


def _idempotent_replay(scoped_key: str, fingerprint: str) -> Demand | None:
    record = IdempotencyRecord.objects.select_related("demand").filter(key=scoped_key).first()
    if record is None:
        return None
    if record.response.get("fingerprint") != fingerprint:
        raise Conflict(_("该 Idempotency-Key 已用于另一条不同的诉求"), code="idempotency_key_reused")
    return record.demand


def demand_intel_suggestions(*, demand: Demand) -> dict[str, Any]:
    """What intel suggests for a demand (category, urgency); {} when intel is unavailable. The intake
    check's stored answer when there is one (what the operator's correction is judged against), else
    the text judged now."""
    stored = intel_hooks.stored_suggestions(demand)
    if stored:
        return {key: value for key, value in stored.items() if value}
    text = f"{demand.title}\n{demand.content}"
    out: dict[str, Any] = {}
    categories = intel_hooks.suggest_category(text)
    if categories:
        out["categories"] = categories[:3]
    urgency = intel_hooks.detect_urgency(text)
    if urgency:
        out["urgency"] = urgency
    return out


# --- attachments ------------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = int(getattr(settings, "LIANXIN_DEMANDS_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024))
MAX_ATTACHMENTS = 6


def attachment_sniff(head: bytes, upload) -> str:
    """The real type of an upload from its content: image/png|jpeg|gif|webp or application/pdf."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    from PIL import Image

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            kind = (image.format or "").lower()
    except Exception:  # noqa: BLE001 - anything Pillow cannot verify is not an image we accept
        kind = ""
    finally:
        upload.seek(0)
    mapping = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
    if kind not in mapping:
        refusal = _("附件只能是图片（PNG/JPEG/GIF/WebP）或 PDF")
        raise ValidationFailed(refusal, fields={"file": [refusal]})
    return mapping[kind]


def demand_attach(
    *, demand: Demand, actor: User | None, upload, code_verified: bool = False, check_access: bool = True
) -> DemandAttachment:
    """Attach an image or PDF. Type is judged by content, never by name; size is capped."""
    if check_access and not code_verified and not demand_is_visible(actor, demand):
        raise NotFound(_("工单不存在或无权查看"))
    size = getattr(upload, "size", None) or 0
    if size > MAX_ATTACHMENT_BYTES:
        refusal = _("附件超过 %(n)d MB") % {"n": MAX_ATTACHMENT_BYTES // 1024 // 1024}
        raise ValidationFailed(refusal, fields={"file": [refusal]}, code="too_large")
    if size == 0:
        raise ValidationFailed(_("附件为空"), fields={"file": [_("文件为空")]})
    if DemandAttachment.objects.filter(demand=demand).count() >= MAX_ATTACHMENTS:
        raise ValidationFailed(
            _("最多 %(n)d 个附件") % {"n": MAX_ATTACHMENTS}, fields={"file": [_("附件过多")]}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    content_type = attachment_sniff(head, upload)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg"}.get(content_type, content_type.split("/")[-1])
    original = (getattr(upload, "name", "") or "file")[-150:]
    upload.name = f"{secrets.token_hex(8)}.{extension}"
    with transaction.atomic():
        attachment = DemandAttachment.objects.create(
            demand=demand,
            file=upload,
            original_name=original,
            content_type=content_type,
            size=size,
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        )
        _event(
            demand,
            actor,
            Action.ATTACH,
            demand.status,
            data={"attachment": attachment.pk, "type": content_type},
        )
    return attachment


# --- operator intake -----------------------------------------------------------------------------------


def demand_intel_urgency_set(*, demand_id: int, level: str) -> None:
    """Keep intel's urgency proposal for the demand's text on the demand when it is above 一般 (blank
    otherwise), so that lists flag 疑似特急/疑似紧急 and the 待受理 queue puts it first with no join. A
    proposal, not the demand's urgency (decisions 17, 22): no event, no version bump. Called by the
    intake check (analysis.intake) inside its transaction."""
    value = level if level in SUSPECT_LEVELS else ""
    Demand.objects.filter(pk=demand_id).exclude(intel_urgency=value).update(intel_urgency=value)


@transaction.atomic
def demand_accept(
    *,
    demand: Demand,
    actor: User,
    note: str = "",
    type: str | None = None,
    urgency: str | None = None,
    category: Category | None = None,
    area: Area | None = None,
    now: datetime | None = None,
) -> Demand:
    """受理: submitted → accepted; the operator may classify (type, urgency, category, area) at once."""
    d = _lock(demand, actor, Action.ACCEPT)
    before, moment = d.status, _now(now)
    changes: dict[str, Any] = {}
    if type:
        d.type = changes["type"] = _choice(type, DemandType, "type")
    if urgency and urgency != d.urgency:
        d.urgency = changes["urgency"] = _choice(urgency, Urgency, "urgency")
        d.dispatch_due_at = deadline_policy().dispatch_due(d.created_at, _limits(d))
        _set_stage(d, Stage.DISPATCH, d.created_at, d.dispatch_due_at)
    if category is not None:
        d.category, changes["category"] = category, category.name
    if area is not None:
        d.area, changes["area"] = area, area.name
    d.status, d.accepted_at = Status.ACCEPTED, moment
    _save(d)
    _event(d, actor, Action.ACCEPT, before, note=note, data=changes, now=moment)
    return d


@transaction.atomic
def demand_reject(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """不予受理: submitted → rejected; a reason is required and shown to the citizen."""
    reason = _required_text(reason, "reason", _("请填写不予受理的理由"))
    d = _lock(demand, actor, Action.REJECT)
    before, moment = d.status, _now(now)
    d.status, d.closed_at = Status.REJECTED, moment
    _end_stage(d)
    _save(d)
    _event(d, actor, Action.REJECT, before, note=reason, now=moment)
    notify_requester(
        d, title=Message(gettext_noop("您的诉求 %(ticket)s 不予受理"), {"ticket": d.ticket_no}), body=reason
    )
    return d


def _dispatch_unit(unit: Unit | int | None, field: str = "unit") -> Unit:
    if unit is None:
        raise ValidationFailed(_("请选择主办单位"), fields={field: [_("必填")]})
    if not isinstance(unit, Unit):
        found = Unit.objects.filter(pk=unit).first()
        if found is None:
            raise ValidationFailed(_("单位不存在"), fields={field: [_("单位不存在")]})
        unit = found
    if not unit.is_active or not unit.accepts_dispatch:
        raise ValidationFailed(
            _("「%(unit)s」不接收派单") % {"unit": unit.name}, fields={field: [_("该单位不接收派单")]}
        )
    return unit


@transaction.atomic
def demand_dispatch(
    *,
    demand: Demand,
    actor: User,
    unit: Unit | int | None = None,
    assisting_units: Iterable[Unit | int] = (),
    note: str = "",
    now: datetime | None = None,
) -> Demand:
    """派单: accepted or returned (upholding the return) → dispatched to a lead unit.

    Without `unit`, the routing rules propose one (lianxin.demands.routing), falling back to the 兜底
    unit. Sign and reply deadlines start now.
    """
    d = _lock(demand, actor, Action.DISPATCH)
    from lianxin.demands.routing import routing_propose

    routed_by = "operator"
    if unit is None:
        proposal = routing_propose(category=d.category, area=d.area)
        unit, routed_by = (proposal.unit, proposal.reason) if proposal else (None, "")
    lead = _dispatch_unit(unit)
    assisting = [_dispatch_unit(u, "assisting_units") for u in assisting_units]
    assisting = [u for u in assisting if u.pk != lead.pk]
    before, moment = d.status, _now(now)
    policy, limits = deadline_policy(), _limits(d)
    previous_unit = d.lead_unit_id
    d.status, d.lead_unit, d.dispatched_at, d.signed_at = Status.DISPATCHED, lead, moment, None
    d.returned_from = ""
    d.extension_pending_until = None
    d.sign_due_at = policy.sign_due(moment, limits)
    d.reply_due_at = policy.reply_due(moment, limits)
    _set_stage(d, Stage.SIGN, moment, d.sign_due_at)
    _save(d)
    d.assisting_units.set(assisting)
    data = {
        "unit": lead.pk,
        "unit_name": lead.name,
        "assisting": [u.pk for u in assisting],
        "routed_by": routed_by,
        "redispatch": before == Status.RETURNED,
        "previous_unit": previous_unit,
    }
    _event(d, actor, Action.DISPATCH, before, note=note, data=data, now=moment)
    notify_unit(
        d,
        title=Message(
            gettext_noop("新派单 %(ticket)s：%(title)s"), {"ticket": d.ticket_no, "title": d.title}
        ),
        body=note,
        include_assisting=True,
    )
    return d


# --- handler ---------------------------------------------------------------------------------------------


@transaction.atomic
def demand_sign(*, demand: Demand, actor: User, note: str = "", now: datetime | None = None) -> Demand:
    """签收: dispatched → in_progress, by a handler of the lead unit; the reply clock is already running."""
    d = _lock(demand, actor, Action.SIGN)
    before, moment = d.status, _now(now)
    d.status, d.signed_at = Status.IN_PROGRESS, moment
    if d.sign_due_at and moment > d.sign_due_at:
        d.was_overdue = True
    _set_stage(d, Stage.REPLY, d.dispatched_at or moment, d.reply_due_at)
    _save(d)
    _event(d, actor, Action.SIGN, before, note=note, now=moment)
    return d


@transaction.atomic
def demand_return(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """退单: dispatched/in_progress → returned, with a reason; an operator reviews it."""
    reason = _required_text(reason, "reason", _("请填写退单理由"))
    d = _lock(demand, actor, Action.RETURN)
    before, moment = d.status, _now(now)
    d.status, d.returned_from, d.return_count = Status.RETURNED, before, d.return_count + 1
    d.extension_pending_until = None
    _set_stage(d, Stage.REVIEW, moment, deadline_policy().dispatch_due(moment, _limits(d)))
    _save(d)
    _event(d, actor, Action.RETURN, before, note=reason, data={"unit": d.lead_unit_id}, now=moment)
    notify_roles(
        d,
        "operator",
        title=Message(gettext_noop("退单待审核 %(ticket)s"), {"ticket": d.ticket_no}),
        body=reason,
    )
    return d


@transaction.atomic
def demand_refuse_return(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """驳回退单: returned → in_progress at the same lead unit, which must handle it."""
    reason = _required_text(reason, "reason", _("请填写驳回理由"))
    d = _lock(demand, actor, Action.REFUSE_RETURN)
    before, moment = d.status, _now(now)
    d.status, d.returned_from = Status.IN_PROGRESS, ""
    d.signed_at = d.signed_at or moment
    _set_stage(d, Stage.REPLY, moment, d.reply_due_at or deadline_policy().reply_due(moment, _limits(d)))
    if d.reply_due_at is None:
        d.reply_due_at = d.due_at
    _save(d)
    _event(d, actor, Action.REFUSE_RETURN, before, note=reason, now=moment)
    notify_unit(
        d,
        title=Message(gettext_noop("退单被驳回 %(ticket)s，请继续办理"), {"ticket": d.ticket_no}),
        body=reason,
    )
    return d


@transaction.atomic
def demand_request_extension(
    *, demand: Demand, actor: User, days: int, reason: str, now: datetime | None = None
) -> Demand:
    """申请延期: once per demand, before the reply is due, for 1..N working days."""
    reason = _required_text(reason, "reason", _("请填写延期理由"))
    policy = deadline_policy()
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationFailed(_("延期天数无效"), fields={"days": [_("请填写整数")]}) from None
    if not 1 <= days <= policy.extension_limit_days():
        raise ValidationFailed(
            _("延期天数无效"),
            fields={"days": [_("1 到 %(n)d 个工作日") % {"n": policy.extension_limit_days()}]},
        )
    d = _lock(demand, actor, Action.REQUEST_EXTENSION)
    moment = _now(now)
    if refusal := _refusal(Action.REQUEST_EXTENSION, d, moment):
        raise refusal
    from lianxin.demands.workdays import add_working_days

    base = timezone.localtime(d.reply_due_at or moment)
    d.extension_pending_until = add_working_days(base, days)
    _save(d)
    _event(
        d,
        actor,
        Action.REQUEST_EXTENSION,
        d.status,
        note=reason,
        data={"days": days, "until": d.extension_pending_until.isoformat()},
        now=moment,
    )
    notify_roles(
        d,
        "operator",
        "supervisor",
        title=Message(
            gettext_noop("延期申请 %(ticket)s（%(days)s 个工作日）"), {"ticket": d.ticket_no, "days": days}
        ),
        body=reason,
    )
    return d


@transaction.atomic
def demand_approve_extension(
    *, demand: Demand, actor: User, note: str = "", now: datetime | None = None
) -> Demand:
    """批准延期: the pending request becomes the new reply due time."""
    d = _lock(demand, actor, Action.APPROVE_EXTENSION)
    moment = _now(now)
    if refusal := _refusal(Action.APPROVE_EXTENSION, d, moment):
        raise refusal
    old_due, new_due = d.reply_due_at, d.extension_pending_until
    assert new_due is not None  # _refusal: there is a request to approve
    d.reply_due_at, d.extension_pending_until = new_due, None
    d.extension_count += 1
    _set_stage(d, Stage.REPLY, moment, d.reply_due_at)
    _save(d)
    _event(
        d,
        actor,
        Action.APPROVE_EXTENSION,
        d.status,
        note=note,
        data={"old_due": old_due.isoformat() if old_due else None, "new_due": new_due.isoformat()},
        now=moment,
    )
    notify_unit(d, title=Message(gettext_noop("延期已批准 %(ticket)s"), {"ticket": d.ticket_no}), body=note)
    return d


@transaction.atomic
def demand_deny_extension(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """驳回延期: the request is dropped; the deadline stays."""
    reason = _required_text(reason, "reason", _("请填写驳回理由"))
    d = _lock(demand, actor, Action.DENY_EXTENSION)
    moment = _now(now)
    if refusal := _refusal(Action.DENY_EXTENSION, d, moment):
        raise refusal
    d.extension_pending_until = None
    _save(d)
    _event(d, actor, Action.DENY_EXTENSION, d.status, note=reason, now=moment)
    notify_unit(d, title=Message(gettext_noop("延期被驳回 %(ticket)s"), {"ticket": d.ticket_no}), body=reason)
    return d


@transaction.atomic
def demand_reply(
    *, demand: Demand, actor: User, text: str, outcome: str, now: datetime | None = None
) -> Demand:
    """答复: in_progress → replied, with the answer text and outcome; the follow-up clock starts."""
    text = _required_text(text, "text", _("请填写答复内容"), max_len=MAX_CONTENT)
    _choice(outcome, Outcome, "outcome")
    d = _lock(demand, actor, Action.REPLY)
    before, moment = d.status, _now(now)
    d.status, d.reply_text, d.outcome, d.replied_at = Status.REPLIED, text, outcome, moment
    d.extension_pending_until = None
    d.handling_seconds = int((moment - d.created_at).total_seconds())
    if d.reply_due_at and moment > d.reply_due_at:
        d.was_overdue = True
    d.followup_due_at = deadline_policy().followup_due(moment, _limits(d))
    _set_stage(d, Stage.FOLLOWUP, moment, d.followup_due_at)
    _save(d)
    _event(d, actor, Action.REPLY, before, note=text, data={"outcome": outcome}, now=moment)
    notify_requester(
        d,
        title=Message(gettext_noop("您的诉求 %(ticket)s 已答复，请评价"), {"ticket": d.ticket_no}),
        body=text[:200],
    )
    return d


# --- follow-up ---------------------------------------------------------------------------------------------


@transaction.atomic
def demand_rate(
    *,
    demand: Demand,
    actor: User | None,
    satisfaction: str,
    resolved: bool,
    note: str = "",
    code_verified: bool = False,
    now: datetime | None = None,
) -> Demand:
    """回访评价: replied → closed. Closed as resolved only when the citizen says it is resolved.

    By the operator's follow-up call, or by the citizen (their account, or the query code).
    An operator reopens a dissatisfied case with `demand_reopen`.
    """
    _choice(satisfaction, Satisfaction, "satisfaction")
    if not isinstance(resolved, bool):
        raise ValidationFailed(_("resolved 必须为 true 或 false"), fields={"resolved": [_("必填")]})
    d = _lock(demand, actor, Action.RATE, code_verified=code_verified)
    before, moment = d.status, _now(now)
    d.satisfaction, d.resolved, d.rated_at = satisfaction, resolved, moment
    d.status, d.closed_at = Status.CLOSED, moment
    d.closure = Closure.RESOLVED if resolved else Closure.NOT_RESOLVED
    _end_stage(d)
    _save(d)
    _event(
        d,
        actor,
        Action.RATE,
        before,
        note=note,
        data={"satisfaction": satisfaction, "resolved": resolved, "by_code": code_verified},
        now=moment,
    )
    if satisfaction == Satisfaction.DISSATISFIED:
        notify_roles(
            d,
            "operator",
            title=Message(gettext_noop("群众不满意 %(ticket)s，请研判是否重办"), {"ticket": d.ticket_no}),
        )
    return d


@transaction.atomic
def demand_close(
    *, demand: Demand, actor: User, note: str = "", resolved: bool = False, now: datetime | None = None
) -> Demand:
    """办结 without a rating (e.g. the citizen cannot be reached): resolved only if the operator confirms it.

    The demand is not counted as rated, so the rates are unaffected.
    """
    d = _lock(demand, actor, Action.CLOSE)
    before, moment = d.status, _now(now)
    d.status, d.closed_at = Status.CLOSED, moment
    d.closure = Closure.RESOLVED if resolved else Closure.NOT_RESOLVED
    _end_stage(d)
    _save(d)
    _event(d, actor, Action.CLOSE, before, note=note, data={"resolved": bool(resolved)}, now=moment)
    return d


REOPEN_WINDOW_DAYS = int(getattr(settings, "LIANXIN_DEMANDS_REOPEN_DAYS", 30))


@transaction.atomic
def demand_reopen(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """重办: replied or closed (within the reopen window) → in_progress at the same unit, new reply due.

    The earlier rating stays until the citizen rates again, so a reopen never improves the rates.
    """
    reason = _required_text(reason, "reason", _("请填写重办理由"))
    d = _lock(demand, actor, Action.REOPEN)
    before, moment = d.status, _now(now)
    if refusal := _refusal(Action.REOPEN, d, moment):
        raise refusal
    d.status, d.closure, d.closed_at = Status.IN_PROGRESS, "", None
    d.reopen_count += 1
    d.signed_at = d.signed_at or moment
    d.reply_due_at = deadline_policy().reply_due(moment, _limits(d))
    _set_stage(d, Stage.REPLY, moment, d.reply_due_at)
    _save(d)
    _event(d, actor, Action.REOPEN, before, note=reason, now=moment)
    notify_unit(d, title=Message(gettext_noop("工单重办 %(ticket)s"), {"ticket": d.ticket_no}), body=reason)
    return d


@transaction.atomic
def demand_merge(
    *, demand: Demand, actor: User, parent: Demand | int, note: str = "", now: datetime | None = None
) -> Demand:
    """并单: an open demand → merged into an open parent; it follows the parent from then on."""
    if not isinstance(parent, Demand):
        found: Demand | None = by_id(Demand, parent)
        if found is None:
            raise ValidationFailed(_("主工单不存在"), fields={"parent": [_("主工单不存在")]})
        parent = found
    if parent.pk == demand.pk:
        raise ValidationFailed(_("不能并入自身"), fields={"parent": [_("不能并入自身")]})
    d = _lock(demand, actor, Action.MERGE)
    target = Demand.objects.select_for_update().get(pk=parent.pk)
    if not target.is_open:
        raise Conflict(_("主工单已结束，不能并入"), code="parent_not_open")
    before, moment = d.status, _now(now)
    d.status, d.merged_into, d.closed_at = Status.MERGED, target, moment
    _end_stage(d)
    _save(d)
    _event(
        d,
        actor,
        Action.MERGE,
        before,
        note=note,
        data={"parent": target.pk, "parent_ticket": target.ticket_no},
        now=moment,
    )
    _event(
        target,
        actor,
        Action.MERGE,
        target.status,
        note=note,
        data={"child": d.pk, "child_ticket": d.ticket_no},
        now=moment,
    )
    Demand.objects.filter(merged_into=d).update(merged_into=target)
    return d


@transaction.atomic
def demand_supervise(*, demand: Demand, actor: User, note: str = "", now: datetime | None = None) -> Demand:
    """督办: flags an open demand as supervised and tells the lead unit; the state does not change."""
    d = _lock(demand, actor, Action.SUPERVISE)
    moment = _now(now)
    d.supervised = True
    _save(d)
    _event(d, actor, Action.SUPERVISE, d.status, note=note, now=moment)
    if d.lead_unit_id:
        notify_unit(
            d,
            title=Message(
                gettext_noop("督办 %(ticket)s：%(title)s"), {"ticket": d.ticket_no, "title": d.title}
            ),
            body=note,
            kind="supervise",
        )
    return d


@transaction.atomic
def demand_urge(
    *, demand: Demand, actor: User | None, note: str = "", system: bool = False, now: datetime | None = None
) -> Demand:
    """催办: reminds the lead unit (or the operators before dispatch); the state does not change."""
    d = _lock(demand, actor, Action.URGE, system=system)
    moment = _now(now)
    d.urge_count += 1
    _save(d)
    _event(
        d,
        actor if not system else None,
        Action.URGE,
        d.status,
        note=note,
        data={"system": system},
        now=moment,
    )
    title = Message(gettext_noop("催办 %(ticket)s：%(title)s"), {"ticket": d.ticket_no, "title": d.title})
    if d.lead_unit_id and d.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        notify_unit(d, title=title, body=note, kind="urge")
    else:
        notify_roles(d, "operator", title=title, body=note, kind="urge")
    return d


# --- one door for every action (API and HTMX forms) -------------------------------------------------------------------


def demand_transition(*, demand: Demand, actor: User | None, action: str, **args: Any) -> Demand:
    """Run `action` with its arguments; unknown actions and missing arguments are ValidationFailed."""
    if actor is None and action != Action.RATE:
        raise NotFound(_("工单不存在或无权查看"))
    user = cast(User, actor)

    def a(key: str) -> Any:
        return args.get(key)

    note = a("note") or ""
    handlers = {
        Action.ACCEPT: lambda: demand_accept(
            demand=demand,
            actor=user,
            note=note,
            type=a("type"),
            urgency=a("urgency"),
            category=a("category"),
            area=a("area"),
        ),
        Action.REJECT: lambda: demand_reject(demand=demand, actor=user, reason=a("reason") or note),
        Action.DISPATCH: lambda: demand_dispatch(
            demand=demand, actor=user, unit=a("unit"), assisting_units=a("assisting_units") or (), note=note
        ),
        Action.SIGN: lambda: demand_sign(demand=demand, actor=user, note=note),
        Action.RETURN: lambda: demand_return(demand=demand, actor=user, reason=a("reason") or note),
        Action.REFUSE_RETURN: lambda: demand_refuse_return(
            demand=demand, actor=user, reason=a("reason") or note
        ),
        Action.REQUEST_EXTENSION: lambda: demand_request_extension(
            demand=demand, actor=user, days=a("days"), reason=a("reason") or note
        ),
        Action.APPROVE_EXTENSION: lambda: demand_approve_extension(demand=demand, actor=user, note=note),
        Action.DENY_EXTENSION: lambda: demand_deny_extension(
            demand=demand, actor=user, reason=a("reason") or note
        ),
        Action.REPLY: lambda: demand_reply(
            demand=demand, actor=user, text=a("text") or "", outcome=a("outcome") or ""
        ),
        Action.RATE: lambda: demand_rate(
            demand=demand,
            actor=actor,
            satisfaction=a("satisfaction") or "",
            resolved=a("resolved"),
            note=note,
            code_verified=bool(a("code_verified")),
        ),
        Action.CLOSE: lambda: demand_close(
            demand=demand, actor=user, note=note, resolved=bool(a("resolved"))
        ),
        Action.REOPEN: lambda: demand_reopen(demand=demand, actor=user, reason=a("reason") or note),
        Action.MERGE: lambda: demand_merge(demand=demand, actor=user, parent=a("parent"), note=note),
        Action.SUPERVISE: lambda: demand_supervise(demand=demand, actor=user, note=note),
        Action.URGE: lambda: demand_urge(demand=demand, actor=user, note=note),
    }
    handler = handlers.get(action)  # type: ignore[call-overload]
    if handler is None:
        raise ValidationFailed(
            _("未知动作 %(action)s") % {"action": repr(action)}, fields={"action": [_allowed(handlers)]}
        )
    return handler()
