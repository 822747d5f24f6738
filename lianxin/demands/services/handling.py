"""Handling by the lead unit: 签收, extensions (申请/批准/驳回延期) and 答复; and the assisting units' part
(协办签收, 协办意见)."""

from __future__ import annotations

import secrets
import zipfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User
from lianxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from lianxin.core.files import PDF_TYPE
from lianxin.core.notify import Message
from lianxin.demands.choices import Action, ContactMethod, Outcome, Stage, Status
from lianxin.demands.deadlines import deadline_policy
from lianxin.demands.models import AttachmentPurpose, Demand, DemandAttachment, DemandEvent
from lianxin.demands.notifications import notify_roles, notify_unit
from lianxin.demands.services.common import (
    MAX_CONTENT,
    actor_relations,
    assist_request_for,
    choice_of,
    enter,
    limits_of,
    lock,
    now_or,
    record_event,
    required_text,
    save,
    set_stage,
)
from lianxin.demands.services.intake import MAX_ATTACHMENT_BYTES, attachment_sniff
from lianxin.demands.services.review import reply_released, review_rule_for
from lianxin.demands.transitions import LEAD_HANDLER
from lianxin.demands.workdays import add_working_days


@transaction.atomic
def demand_sign(*, demand: Demand, actor: User, note: str = "", now: datetime | None = None) -> Demand:
    """签收: dispatched → in_progress, by a handler of the lead unit; the reply clock is already running."""
    d = lock(demand, actor, Action.SIGN)
    moment = now_or(now)
    before = enter(d, Action.SIGN)
    d.signed_at = moment
    if d.sign_due_at and moment > d.sign_due_at:
        d.was_overdue = True
    set_stage(d, Stage.REPLY, d.dispatched_at or moment, d.reply_due_at)
    save(d)
    record_event(d, actor, Action.SIGN, before, note=note, now=moment)
    return d


@transaction.atomic
def demand_request_extension(
    *, demand: Demand, actor: User, days: int, reason: str, now: datetime | None = None
) -> Demand:
    """申请延期: once per demand, before the reply is due, for 1..N working days."""
    reason = required_text(reason, "reason", _("请填写延期理由"))
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
    moment = now_or(now)
    d = lock(demand, actor, Action.REQUEST_EXTENSION, moment=moment)
    base = timezone.localtime(d.reply_due_at or moment)
    d.extension_pending_until = add_working_days(base, days)
    save(d)
    record_event(
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
        Role.OPERATOR,
        Role.SUPERVISOR,
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
    moment = now_or(now)
    d = lock(demand, actor, Action.APPROVE_EXTENSION, moment=moment)
    old_due, new_due = d.reply_due_at, d.extension_pending_until
    assert new_due is not None  # common.refusal: there is a request to approve
    d.reply_due_at, d.extension_pending_until = new_due, None
    d.extension_count += 1
    set_stage(d, Stage.REPLY, moment, d.reply_due_at)
    save(d)
    record_event(
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
    reason = required_text(reason, "reason", _("请填写驳回理由"))
    moment = now_or(now)
    d = lock(demand, actor, Action.DENY_EXTENSION, moment=moment)
    d.extension_pending_until = None
    save(d)
    record_event(d, actor, Action.DENY_EXTENSION, d.status, note=reason, now=moment)
    notify_unit(d, title=Message(gettext_noop("延期被驳回 %(ticket)s"), {"ticket": d.ticket_no}), body=reason)
    return d


@transaction.atomic
def demand_reply(
    *, demand: Demand, actor: User, text: str, outcome: str, now: datetime | None = None
) -> Demand:
    """答复: in_progress → replied, with the answer text and outcome; the follow-up clock starts."""
    text = required_text(text, "text", _("请填写答复内容"), max_len=MAX_CONTENT)
    choice_of(outcome, Outcome, "outcome")
    minimum = settings.LIANXIN_REPLY_RESOLVED_MIN_CHARS
    if outcome == Outcome.RESOLVED and len(text) < minimum:
        problem = _("标记为已解决的答复须写明办理了什么（至少 %(n)d 字）") % {"n": minimum}
        raise ValidationFailed(problem, fields={"text": [problem]}, code="reply_too_thin")
    d = lock(demand, actor, Action.REPLY)
    moment = now_or(now)
    before = enter(d, Action.REPLY)
    d.reply_text, d.outcome, d.replied_at = text, outcome, moment
    d.extension_pending_until = None
    d.handling_seconds = int((moment - d.created_at).total_seconds())
    if d.reply_due_at and moment > d.reply_due_at:
        d.was_overdue = True
    d.followup_due_at = deadline_policy().followup_due(moment, limits_of(d))
    set_stage(d, Stage.FOLLOWUP, moment, d.followup_due_at)
    rule = review_rule_for(d)
    d.reply_held = rule is not None  # 答复审核: the citizen sees it once the centre approves
    save(d)
    due = {"due": d.reply_due_at.isoformat()} if d.reply_due_at else {}
    held = {"held": True, "review_rule": rule.pk} if rule is not None else {}
    record_event(
        d, actor, Action.REPLY, before, note=text, data={"outcome": outcome, **due, **held}, now=moment
    )
    if rule is not None:
        notify_roles(
            d,
            Role.OPERATOR,
            Role.SUPERVISOR,
            title=Message(gettext_noop("答复待审核 %(ticket)s"), {"ticket": d.ticket_no}),
            body=text[:200],
        )
    else:
        reply_released(d)
    return d


@transaction.atomic
def demand_first_contact(
    *, demand: Demand, actor: User, method: str, note: str = "", now: datetime | None = None
) -> Demand:
    """先行联系: a handler of the lead unit records the first contact with the caller (a call, a visit, a
    message) for the current dispatch; judged for 响应率 against the dispatch's contact due time. Once
    per dispatch."""
    if method not in ContactMethod.values:
        message = _("联系方式应为：%(methods)s") % {
            "methods": "、".join(str(m) for m in ContactMethod.labels)
        }
        raise ValidationFailed(message, fields={"method": [message]})
    moment = now_or(now)
    d = lock(demand, actor, Action.FIRST_CONTACT, moment=moment)
    events = DemandEvent.objects.filter(demand_id=d.pk)
    dispatched = events.filter(action=Action.DISPATCH).order_by("-created_at", "-id").first()
    if dispatched is not None and events.filter(action=Action.FIRST_CONTACT, id__gt=dispatched.pk).exists():
        raise Conflict(_("本次派单已记录先行联系"), code="first_contact_recorded")
    before = enter(d, Action.FIRST_CONTACT)
    record_event(
        d, actor, Action.FIRST_CONTACT, before, note=(note or "").strip(), data={"method": method}, now=moment
    )
    return d


@transaction.atomic
def demand_assist_sign(*, demand: Demand, actor: User, note: str = "", now: datetime | None = None) -> Demand:
    """协办签收: a handler of an assisting unit signs for its part (dispatched or in progress; the status
    stays). Once per request; refused (409) once signed or once the opinion is given."""
    moment = now_or(now)
    d = lock(demand, actor, Action.ASSIST_SIGN, moment=moment)
    request = assist_request_for(d, actor.unit_id)
    assert request is not None  # common.refusal: the actor's unit has an active request
    request.signed_at, request.signed_by = moment, actor
    request.save(update_fields=["signed_at", "signed_by"])
    before = enter(d, Action.ASSIST_SIGN)  # the status stays; the version too (the lead's forms stay valid)
    record_event(
        d,
        actor,
        Action.ASSIST_SIGN,
        before,
        note=(note or "").strip(),
        data={"unit": request.unit_id, "request": request.pk},
        now=moment,
    )
    return d


@transaction.atomic
def demand_assist_opinion(*, demand: Demand, actor: User, text: str, now: datetime | None = None) -> Demand:
    """提交协办意见: a handler of an assisting unit gives its unit's opinion to the lead unit (dispatched or
    in progress; the status stays), signing for it too if nobody had. Once per request: a second one,
    or one after the reply, is refused (409). Judged for 协办按时率 against the request's due time
    (judging.py); staff only, never on the citizen's timeline."""
    text = required_text(text, "text", _("请填写协办意见"), max_len=MAX_CONTENT)
    moment = now_or(now)
    d = lock(demand, actor, Action.ASSIST_OPINION, moment=moment)
    request = assist_request_for(d, actor.unit_id)
    assert request is not None  # common.refusal: the actor's unit has an active request
    request.opinion, request.submitted_at, request.submitted_by = text, moment, actor
    if request.signed_at is None:
        request.signed_at, request.signed_by = moment, actor
    request.save(update_fields=["opinion", "submitted_at", "submitted_by", "signed_at", "signed_by"])
    before = enter(d, Action.ASSIST_OPINION)  # the status and the version stay, as for 先行联系
    record_event(
        d,
        actor,
        Action.ASSIST_OPINION,
        before,
        note=text,
        data={
            "unit": request.unit_id,
            "request": request.pk,
            "due": request.due_at.isoformat(),
            "late": moment > request.due_at,
        },
        now=moment,
    )
    if d.lead_unit_id:
        notify_unit(
            d,
            title=Message(
                gettext_noop("协办意见已提交 %(ticket)s：%(unit)s"),
                {"ticket": d.ticket_no, "unit": request.unit.name},
            ),
            body=text[:200],
        )
    return d


# --- 答复附件 (reply attachments) ------------------------------------------------------------------------

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# a DOCX is a zip: what its parts may unpack to at most, and by how much each may be compressed
DOCX_MAX_UNPACKED = 100 * 1024 * 1024
DOCX_MAX_RATIO = 100
DOCX_MAX_PARTS = 2000


def _docx_check(upload) -> str:
    """A real Word document (.docx): a zip holding `[Content_Types].xml` and `word/document.xml`, no
    macros, and no part that would unpack past the limits (a zip bomb); else ValidationFailed."""
    refusal = _("不是有效的 Word（.docx）文件")
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            parts = archive.infolist()
            names = {p.filename for p in parts}
            unpacked = sum(p.file_size for p in parts)
            too_packed = any(p.file_size > DOCX_MAX_RATIO * max(p.compress_size, 1024) for p in parts)
            types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, NotImplementedError):
        raise ValidationFailed(refusal, fields={"file": [refusal]}, code="bad_type") from None
    finally:
        upload.seek(0)
    if not types or "word/document.xml" not in names:
        raise ValidationFailed(refusal, fields={"file": [refusal]}, code="bad_type")
    if len(parts) > DOCX_MAX_PARTS or unpacked > DOCX_MAX_UNPACKED or too_packed:
        problem = _("文件解压后过大，不予接收")
        raise ValidationFailed(problem, fields={"file": [problem]}, code="too_large")
    if "word/vbaProject.bin" in names or b"macroEnabled" in types:
        problem = _("含有宏的文档不予接收")
        raise ValidationFailed(problem, fields={"file": [problem]}, code="bad_type")
    return DOCX_TYPE


def reply_files_check(files: Sequence[Any]) -> list[tuple[Any, str]]:
    """Each reply attachment with its real type, judged from its content as submission files are (an
    image decoded whole within the pixel limit, a PDF whole and without scripts, nothing appended; the
    size cap), or a Word document (`_docx_check`); at most LIANXIN_DEMANDS_MAX_REPLY_FILES. The first bad
    file is a ValidationFailed naming it (field `files`)."""
    limit = int(settings.LIANXIN_DEMANDS_MAX_REPLY_FILES)
    if len(files) > limit:
        problem = _("答复附件最多 %(n)d 个") % {"n": limit}
        raise ValidationFailed(problem, fields={"files": [problem]}, code="too_many")
    checked = []
    for upload in files:
        name = (getattr(upload, "name", "") or "file")[-150:]
        try:
            size = getattr(upload, "size", None) or 0
            if size > MAX_ATTACHMENT_BYTES:
                refusal = _("附件超过 %(n)d MB") % {"n": MAX_ATTACHMENT_BYTES // 1024 // 1024}
                raise ValidationFailed(refusal, code="too_large")
            if size == 0:
                raise ValidationFailed(_("文件为空"))
            upload.seek(0)
            head = upload.read(8)
            upload.seek(0)
            content_type = (
                _docx_check(upload) if head.startswith(b"PK\x03\x04") else attachment_sniff(head, upload)
            )
        except ValidationFailed as exc:
            problem = _("答复附件「%(name)s」：%(problem)s") % {"name": name, "problem": exc.message}
            raise ValidationFailed(problem, fields={"files": [problem]}, code=exc.code) from None
        checked.append((upload, content_type))
    return checked


def demand_reply_attach(*, demand: Demand, actor: User, files: Sequence[Any]) -> list[DemandAttachment]:
    """答复附件: the lead unit's handler attaches photos of the work done and documents to the reply,
    while the demand is in progress or replied and not yet rated. Every file is checked before any is
    written (`reply_files_check`); called inside the transaction of the reply (views.act), so the reply
    and its files are saved together or not at all. One 上传附件 event lists them."""
    checked = reply_files_check(files)
    if not checked:
        return []
    with transaction.atomic():
        d = Demand.objects.select_for_update().get(pk=demand.pk)
        if LEAD_HANDLER not in actor_relations(actor, d):
            raise PermissionDenied(_("只有主办单位的承办人可以上传答复附件"), code="forbidden")
        if d.status not in (Status.IN_PROGRESS, Status.REPLIED) or d.satisfaction:
            raise Conflict(_("工单当前状态不能上传答复附件"), code="invalid_transition")
        saved = []
        for upload, content_type in checked:
            original = (getattr(upload, "name", "") or "file")[-150:]
            extension = REPLY_EXTENSIONS.get(content_type, content_type.split("/")[-1])
            upload.name = f"{secrets.token_hex(8)}.{extension}"
            saved.append(
                DemandAttachment.objects.create(
                    demand=d,
                    file=upload,
                    original_name=original,
                    content_type=content_type,
                    size=upload.size,
                    uploaded_by=actor,
                    purpose=AttachmentPurpose.REPLY,
                )
            )
        record_event(
            d,
            actor,
            Action.ATTACH,
            d.status,
            data={"attachments": [a.pk for a in saved], "purpose": AttachmentPurpose.REPLY},
        )
    return saved


REPLY_EXTENSIONS = {PDF_TYPE: "pdf", "image/jpeg": "jpg", DOCX_TYPE: "docx"}
