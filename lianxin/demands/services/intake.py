"""Intake: submission (with Idempotency-Key replays), attachments, 受理 and 不予受理, and what intel
proposes for a new demand."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from PIL import Image

from lianxin.accounts.models import Role, User
from lianxin.core.crypto import phone_index
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.files import upload_type_check
from lianxin.core.notify import Message
from lianxin.demands import extensions, intel_port
from lianxin.demands.choices import SUSPECT_LEVELS, Action, Channel, DemandType, Outcome, Stage, Urgency
from lianxin.demands.deadlines import deadline_policy
from lianxin.demands.models import Demand, DemandAttachment, IdempotencyRecord
from lianxin.demands.notifications import notify_requester, notify_roles
from lianxin.demands.selectors import demand_is_visible
from lianxin.demands.services.common import (
    MAX_CONTENT,
    MAX_TITLE,
    actor_relations,
    allowed_values,
    choice_of,
    end_stage,
    enter,
    limits_of,
    lock,
    now_or,
    record_event,
    required_text,
    save,
    set_stage,
)
from lianxin.demands.transitions import TABLE
from lianxin.org.models import Area, Category

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PHONE_FORMAT_ERROR = gettext_lazy("电话号码格式不正确")  # 7 to 15 digits


def query_code_new() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))


def ticket_no_for(demand_id: int, created_at: datetime) -> str:
    return f"{timezone.localtime(created_at):%Y%m%d}{demand_id:07d}"


def phone_is_plausible(value: str) -> bool:
    """A phone as people write it (+86 138…, 0731-8…, spaces): 7 to 15 digits."""
    return 7 <= sum(c.isdigit() for c in value) <= 15


def _request_hash(**fields: Any) -> str:
    raw = "\x1f".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hashlib.sha256(raw.encode()).hexdigest()


class _Replayed(Exception):
    pass


def _text_error(value: str, empty: str, limit: int) -> list[str] | None:
    if not value:
        return [empty]
    if len(value) > limit:
        return [_("最多 %(n)d 字") % {"n": limit}]
    return None


def _submission_errors(
    relations: set[str],
    *,
    title: str,
    content: str,
    type: str,
    urgency: str,
    lat: float | None,
    lng: float | None,
    address: str,
    contact_name: str,
    contact_phone: str,
) -> dict[str, list[str]]:
    """What is wrong with a submission, by field (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    for field_name, problem in (
        ("title", _text_error(title, _("请填写标题"), MAX_TITLE)),
        ("content", _text_error(content, _("请填写诉求内容"), MAX_CONTENT)),
    ):
        if problem:
            errors[field_name] = problem
    if type not in DemandType.values:
        errors["type"] = [allowed_values(DemandType.values)]
    if urgency not in Urgency.values:
        errors["urgency"] = [allowed_values(Urgency.values)]
    elif urgency != Urgency.NORMAL and Role.OPERATOR not in relations:
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
    return errors


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
    confidential: bool = False,
    now: datetime | None = None,
) -> tuple[Demand, bool]:
    """Create a demand in state submitted; returns (demand, created). A `confidential` demand (保密/不公开)
    is never on a public board or list.

    With `idempotency_key`, a retry (same caller, same key, same request) returns the first demand
    and created=False, also when both requests race (the key is a unique row). Reusing a key for a
    different request is a Conflict. Raises ValidationFailed naming the bad fields, and
    PermissionDenied for roles that do not submit (transitions.TABLE).
    """
    relations = actor_relations(actor, Demand())
    if not relations & TABLE[Action.SUBMIT].roles:
        raise PermissionDenied(_("当前角色不能提交诉求"), code="forbidden")
    title, content = (title or "").strip(), (content or "").strip()
    errors = _submission_errors(
        relations,
        title=title,
        content=content,
        type=type,
        urgency=urgency,
        lat=lat,
        lng=lng,
        address=address,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    if errors:
        raise ValidationFailed(_("以下字段有误：%(fields)s") % {"fields": ", ".join(errors)}, fields=errors)
    is_operator = Role.OPERATOR in relations
    if channel is None:
        channel = Channel.PHONE if is_operator else Channel.WEB
    choice_of(channel, Channel, "channel")

    scoped_key = ""
    fingerprint = ""
    if idempotency_key:
        scoped_key = (
            f"{actor.pk if actor is not None and actor.is_authenticated else 'anon'}:{idempotency_key[:100]}"
        )
        fingerprint = _request_hash(title=title, content=content, type=type, phone=contact_phone)

    moment = now_or(now)
    requester = actor if actor is not None and actor.is_authenticated and Role.CITIZEN in relations else None
    if requester is not None:
        # a signed-in citizen's demand keeps a way to reach them: their account's name and phone when
        # the form left the contact empty
        contact_name = (contact_name or "").strip() or requester.display_name
        contact_phone = (contact_phone or "").strip() or requester.phone
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
        confidential=bool(confidential),
        created_at=moment,
    )
    policy = deadline_policy()
    limits = limits_of(demand)
    demand.dispatch_due_at = policy.dispatch_due(moment, limits)
    set_stage(demand, Stage.DISPATCH, moment, demand.dispatch_due_at)
    # Insert first; the Idempotency-Key is looked up only when its unique row already exists (a retry).
    try:
        with transaction.atomic():
            _insert_with_ticket(demand, moment, scoped_key=scoped_key, fingerprint=fingerprint)
            intel_port.demand_changed(demand, created=True)
            record_event(demand, actor, Action.SUBMIT, "", data={"channel": channel}, now=moment)
            if urgency == Urgency.CRITICAL:
                notify_roles(
                    demand,
                    Role.OPERATOR,
                    Role.SUPERVISOR,
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

    On PostgreSQL one statement draws the id from the table's sequence, claims the key and inserts the
    row with its ticket (date + id): one round trip, and no second UPDATE touching every index."""
    if connection.vendor == "postgresql":
        _pg_insert(demand, moment, scoped_key=scoped_key, fingerprint=fingerprint)
        return
    demand.save()
    demand.ticket_no = ticket_no_for(demand.pk, moment)
    Demand.objects.filter(pk=demand.pk).update(ticket_no=demand.ticket_no)
    if scoped_key and _claim_key(scoped_key, fingerprint, "%s", [demand.pk]) is None:
        raise _Replayed


# (vendor, with key) -> the CTE statement of `_pg_insert`, compiled once per process: its text depends only
# on the model's columns; every row's values are prepared again by each field (`_insert_params`).
_PG_INSERT_SQL: dict[tuple[str, bool], str] = {}


def _insert_fields() -> list[Any]:
    return [f for f in Demand._meta.local_concrete_fields if f.column not in ("id", "ticket_no")]


def _insert_params(demand: Demand, fields: list[Any]) -> list[Any] | None:
    """The row's values as `SQLInsertCompiler` prepares them (each field's pre_save — encryption, masked
    copies, number indexes, auto_now — then its database preparation), or None when one of them is an
    expression or takes a placeholder of its own (the statement is then compiled for this row)."""
    params = []
    for field in fields:
        value = field.pre_save(demand, add=True)
        if hasattr(value, "resolve_expression") or hasattr(field, "get_placeholder"):
            return None
        value = field.get_db_prep_save(value, connection)
        if hasattr(value, "as_sql"):
            return None
        params.append(value)
    return params


def _pg_insert(demand: Demand, moment: datetime, *, scoped_key: str, fingerprint: str) -> None:
    """The PostgreSQL insert of `_insert_with_ticket`: Django compiles the row's columns and values (every
    field's own preparation: encryption, masked copies, auto_now); a CTE supplies id, key and ticket."""
    meta = Demand._meta
    fields = _insert_fields()
    cache_key = (connection.vendor, bool(scoped_key))
    statement = _PG_INSERT_SQL.get(cache_key)
    params = _insert_params(demand, fields) if statement is not None else None
    if statement is None or params is None:
        statement, params, plain = _pg_insert_compiled(demand, fields, scoped_key=bool(scoped_key))
        if plain:  # one %s per column: the text serves every row
            _PG_INSERT_SQL[cache_key] = statement
    if scoped_key:
        source_params: list[Any] = [
            scoped_key,
            meta.db_table,
            json.dumps({"fingerprint": fingerprint}),
            timezone.now(),
        ]
    else:
        source_params = [meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(statement, [*source_params, f"{timezone.localtime(moment):%Y%m%d}", *params])
        row = cursor.fetchone()
    if row is None:
        raise _Replayed
    demand.pk, demand.ticket_no = int(row[0]), row[1]
    demand._state.adding, demand._state.db = False, connection.alias


def _pg_insert_compiled(
    demand: Demand, fields: list[Any], *, scoped_key: bool
) -> tuple[str, list[Any], bool]:
    """The CTE statement of `_pg_insert` and the row's values, compiled by Django for `demand`, and whether
    every value is a plain parameter (the statement may then be reused for other rows)."""
    meta = Demand._meta
    query = InsertQuery(Demand)
    query.insert_values(fields, [demand])
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    head, _, values = sql.partition(") VALUES (")
    columns = head.split("(", 1)[1]
    qn = connection.ops.quote_name
    sequence = "nextval(pg_get_serial_sequence(%s, 'id'))"
    if scoped_key:
        source = (
            f"INSERT INTO {qn(IdempotencyRecord._meta.db_table)} (key, demand_id, response, created_at) "  # noqa: S608
            f"VALUES (%s, {sequence}, %s::jsonb, %s) ON CONFLICT (key) DO NOTHING RETURNING demand_id AS id"
        )
    else:
        source = f"SELECT {sequence} AS id"
    # ticket_no_for in SQL: the local day, then the id with at least 7 digits
    ticket = "%s || CASE WHEN length(n.id::text) >= 7 THEN n.id::text ELSE lpad(n.id::text, 7, '0') END"
    statement = (
        f"WITH n AS ({source}) INSERT INTO {qn(meta.db_table)} (id, ticket_no, {columns}) "  # noqa: S608
        f"SELECT n.id, {ticket}, {values[:-1]} FROM n RETURNING id, ticket_no"
    )
    plain = values[:-1] == ", ".join(["%s"] * len(fields))
    return statement, list(params), plain


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
    stored = intel_port.stored_suggestions(demand)
    if stored:
        return {key: value for key, value in stored.items() if value}
    text = f"{demand.title}\n{demand.content}"
    out: dict[str, Any] = {}
    categories = intel_port.suggest_category(text)
    if categories:
        out["categories"] = categories[:3]
    urgency = intel_port.detect_urgency(text)
    if urgency:
        out["urgency"] = urgency
    return out


# --- attachments ------------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = int(settings.LIANXIN_DEMANDS_MAX_ATTACHMENT_BYTES)
MAX_ATTACHMENTS = 6


def attachment_sniff(head: bytes, upload) -> str:
    """The real type of an upload from its content: image/png|jpeg|gif|webp or application/pdf."""
    if head.startswith(b"%PDF-"):
        return upload_type_check(upload, allowed={"application/pdf"})  # all of it, not its first bytes
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
    return upload_type_check(upload, allowed={mapping[kind]})  # decodes; nothing appended; pixel limit


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
        record_event(
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
    d = lock(demand, actor, Action.ACCEPT)
    moment = now_or(now)
    changes: dict[str, Any] = {}
    if type:
        d.type = changes["type"] = choice_of(type, DemandType, "type")
    if urgency and urgency != d.urgency:
        d.urgency = changes["urgency"] = choice_of(urgency, Urgency, "urgency")
        d.dispatch_due_at = deadline_policy().dispatch_due(d.created_at, limits_of(d))
        set_stage(d, Stage.DISPATCH, d.created_at, d.dispatch_due_at)
    if category is not None:
        d.category, changes["category"] = category, category.name
    if area is not None:
        d.area, changes["area"] = area, area.name
    before = enter(d, Action.ACCEPT)
    d.accepted_at = moment
    save(d)
    record_event(d, actor, Action.ACCEPT, before, note=note, data=changes, now=moment)
    return d


@transaction.atomic
def demand_reject(*, demand: Demand, actor: User, reason: str, now: datetime | None = None) -> Demand:
    """不予受理: submitted → rejected; a reason is required and shown to the citizen."""
    reason = required_text(reason, "reason", _("请填写不予受理的理由"))
    d = lock(demand, actor, Action.REJECT)
    moment = now_or(now)
    before = enter(d, Action.REJECT)
    d.closed_at = moment
    end_stage(d)
    save(d)
    record_event(d, actor, Action.REJECT, before, note=reason, now=moment)
    notify_requester(
        d, title=Message(gettext_noop("您的诉求 %(ticket)s 不予受理"), {"ticket": d.ticket_no}), body=reason
    )
    return d


@transaction.atomic
def demand_answer(
    *, demand: Demand, actor: User, text: str, article: int | None = None, now: datetime | None = None
) -> Demand:
    """直接答复办结: an operator answers at intake (a 咨询 the knowledge base covers) — submitted or accepted →
    replied, never dispatched; the cited policy article (`article`, a published one) is named in the answer.
    The follow-up and rating come as for any reply; 直接办结率 counts these (measures)."""
    text = required_text(text, "text", _("请填写答复内容"), max_len=MAX_CONTENT)
    if article is not None:
        citation = extensions.article_citation(article)
        if citation is None:
            problem = _("引用的政策文章不存在或未发布")
            raise ValidationFailed(problem, fields={"article": [problem]})
        title, address = citation
        text = f"{text}\n\n" + _("政策依据：《%(title)s》%(address)s") % {"title": title, "address": address}
    moment = now_or(now)
    d = lock(demand, actor, Action.ANSWER, moment=moment)
    before = enter(d, Action.ANSWER)
    d.reply_text, d.outcome, d.replied_at = text, Outcome.EXPLAINED, moment
    d.answered_at_intake = True
    d.accepted_at = d.accepted_at or moment
    d.handling_seconds = int((moment - d.created_at).total_seconds())
    d.followup_due_at = deadline_policy().followup_due(moment, limits_of(d))
    set_stage(d, Stage.FOLLOWUP, moment, d.followup_due_at)
    save(d)
    record_event(
        d, actor, Action.ANSWER, before, note=text, data={"article": article} if article else {}, now=moment
    )
    notify_requester(
        d,
        title=Message(gettext_noop("您的诉求 %(ticket)s 已答复，请评价"), {"ticket": d.ticket_no}),
        body=text[:200],
    )
    return d
