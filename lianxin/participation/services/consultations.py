"""征求意见: drafts out for comment, closed questions, moderation, and the adoption feedback (意见采纳情况)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import User, Viewer
from lianxin.core.errors import Conflict, NotFound, PermissionDenied
from lianxin.core.notify import Message, notify
from lianxin.core.sms import sms_send
from lianxin.org.models import Area, Unit
from lianxin.participation import conf
from lianxin.participation.models import (
    Comment,
    CommentStatus,
    CommentSupport,
    Consultation,
    ConsultationAttachment,
    ConsultationKind,
    FeedbackItem,
    Outcome,
    Question,
    QuestionAnswer,
    Subject,
)
from lianxin.participation.services.common import (
    bad,
    check,
    clean_text,
    may_manage,
    now_or,
    record,
    require_creator,
    voice_of,
    window,
)
from lianxin.participation.transitions import CONSULTATION

PURPOSE = "participation"  # the purpose of the SMS codes of every participation door
MAX_ATTACHMENT = 20 * 1024 * 1024


def consultation_create(
    *,
    actor: User,
    title: str,
    kind: str,
    body: str,
    area: Area,
    opens_at: datetime,
    closes_at: datetime,
    feedback_due: Any = None,
    unit: Unit | None = None,
    questions: Sequence[dict[str, Any]] = (),
    attachments: Iterable[Any] = (),
    now: datetime | None = None,
) -> Consultation:
    """A draft for comment (status draft); questions are closed questions with 2–10 options each."""
    require_creator(actor)
    title = clean_text(title, field="title", limit=200)
    body = clean_text(body, field="body", limit=50_000)
    if kind not in ConsultationKind.values:
        raise bad("kind", _("类型应为 %(v)s 之一") % {"v": ", ".join(ConsultationKind.values)})
    if area is None:
        raise bad("area", _("请选择区域"), "required")
    window(opens_at, closes_at)
    due = feedback_due or (closes_at + timedelta(days=conf.FEEDBACK_DAYS)).date()
    if due < closes_at.date():
        raise bad("feedback_due", _("反馈期限不能早于截止时间"))
    cleaned = []
    for i, given in enumerate(questions):
        text = clean_text(given.get("text"), field=f"questions[{i}].text", limit=300)
        options = [
            clean_text(o, field=f"questions[{i}].options", limit=100) for o in given.get("options") or []
        ]
        if not 2 <= len(options) <= 10:
            raise bad(f"questions[{i}].options", _("每个问题需要 2 到 10 个选项"))
        cleaned.append(Question(text=text, options=options, multiple=bool(given.get("multiple")), order=i))
    moment = now_or(now)
    with transaction.atomic():
        c = Consultation.objects.create(
            title=title,
            kind=kind,
            body=body,
            area=area,
            unit=unit or actor.unit,
            organiser=actor,
            opens_at=opens_at,
            closes_at=closes_at,
            feedback_due=due,
            created_at=moment,
        )
        for question in cleaned:
            question.consultation = c
        Question.objects.bulk_create(cleaned)
        for upload in attachments:
            if upload.size > MAX_ATTACHMENT:
                raise bad("attachments", _("附件不能超过 20 MB"))
            ConsultationAttachment.objects.create(
                consultation=c, file=upload, name=str(upload.name)[:200], size=upload.size
            )
        record(Subject.CONSULTATION, c, "create", actor, now=moment)
    return c


def _lock(consultation: Consultation) -> Consultation:
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


def consultation_publish(
    *, consultation: Consultation, actor: User, now: datetime | None = None
) -> Consultation:
    with transaction.atomic():
        c = _lock(consultation)
        row = check(CONSULTATION, "publish", c, actor)
        c.status = row.target_for(c.status)
        c.save(update_fields=["status"])
        record(Subject.CONSULTATION, c, "publish", actor, now=now)
    return c


def consultation_close(
    *, consultation: Consultation, actor: Viewer = None, system: bool = False, now: datetime | None = None
) -> Consultation:
    with transaction.atomic():
        c = _lock(consultation)
        row = check(CONSULTATION, "close", c, actor, system=system)
        c.status = row.target_for(c.status)
        c.save(update_fields=["status"])
        record(Subject.CONSULTATION, c, "close", actor, label=_("系统") if system else "", now=now)
    return c


def _accepting(c: Consultation, moment: datetime, field: str = "body") -> None:
    check(CONSULTATION, "comment", c, None)
    if moment < c.opens_at:
        raise Conflict(_("征求意见尚未开始"), code="not_open")
    if moment >= c.closes_at:
        raise Conflict(
            _("征求意见已于 %(t)s 截止") % {"t": f"{timezone.localtime(c.closes_at):%Y-%m-%d %H:%M}"},
            code="closed",
        )


def comment_add(
    *,
    consultation: Consultation,
    actor: Viewer,
    body: str,
    phone: str = "",
    code: str = "",
    now: datetime | None = None,
) -> Comment:
    """A citizen's comment: signed in, or anonymous with an SMS-verified phone. Refused when the
    consultation is not open, over `conf.COMMENT_MAX` characters, with HTML, or past the identity's
    `conf.COMMENTS_PER_IDENTITY` comments."""
    body = clean_text(body, field="body", limit=conf.COMMENT_MAX)
    moment = now_or(now)
    _accepting(consultation, moment)  # before the code is used up
    voice = voice_of(actor, phone=phone, code=code, purpose=PURPOSE)
    with transaction.atomic():
        c = _lock(consultation)
        _accepting(c, moment)
        mine = Comment.objects.filter(consultation=c, identity=voice.identity).count()
        if mine >= conf.COMMENTS_PER_IDENTITY:
            raise Conflict(
                _("每人对同一征求意见最多发表 %(n)d 条意见") % {"n": conf.COMMENTS_PER_IDENTITY},
                code="too_many_comments",
            )
        comment = Comment.objects.create(
            consultation=c,
            body=body,
            identity=voice.identity,
            author=voice.user,
            phone=voice.phone,
            display=voice.display,
            created_at=moment,
        )
        Consultation.objects.filter(pk=c.pk).update(comment_count=F("comment_count") + 1)
        record(
            Subject.COMMENT,
            comment,
            "comment",
            actor,
            label=voice.display,
            data={"consultation": c.pk},
            now=moment,
        )
    return comment


def comment_support(
    *, comment: Comment, actor: Viewer, phone: str = "", code: str = "", now: datetime | None = None
) -> Comment:
    """One support per identity and comment (Conflict "already_supported" on a second)."""
    moment = now_or(now)
    if comment.status != CommentStatus.VISIBLE:
        raise NotFound(_("意见不存在"))
    _accepting(comment.consultation, moment)
    voice = voice_of(actor, phone=phone, code=code, purpose=PURPOSE)
    try:
        with transaction.atomic():
            CommentSupport.objects.create(comment=comment, identity=voice.identity, at=moment)
            Comment.objects.filter(pk=comment.pk).update(support_count=F("support_count") + 1)
            record(Subject.COMMENT, comment, "support", actor, label=voice.display, now=moment)
    except IntegrityError:
        raise Conflict(_("您已支持过这条意见"), code="already_supported") from None
    comment.refresh_from_db(fields=["support_count"])
    return comment


def answers_submit(
    *,
    consultation: Consultation,
    actor: Viewer,
    answers: dict[int, list[int]],
    phone: str = "",
    code: str = "",
    now: datetime | None = None,
) -> int:
    """Answers to the closed questions, once per identity and question; returns how many were stored."""
    moment = now_or(now)
    _accepting(consultation, moment)
    questions = {q.pk: q for q in consultation.questions.all()}
    rows = []
    for qid, chosen in answers.items():
        q = questions.get(qid)
        field = f"answers.{qid}"
        if q is None:
            raise bad(field, _("问题不存在"))
        picks = sorted(set(chosen))
        if not picks or (len(picks) > 1 and not q.multiple):
            raise bad(field, _("请选择一个选项") if not q.multiple else _("请至少选择一个选项"))
        if any(not 0 <= i < len(q.options) for i in picks):
            raise bad(field, _("选项超出范围"), "out_of_range")
        rows.append((q, picks))
    if not rows:
        raise bad("answers", _("没有回答任何问题"), "required")
    voice = voice_of(actor, phone=phone, code=code, purpose=PURPOSE)
    try:
        with transaction.atomic():
            QuestionAnswer.objects.bulk_create(
                [QuestionAnswer(question=q, identity=voice.identity, choices=p, at=moment) for q, p in rows]
            )
            record(
                Subject.CONSULTATION,
                consultation,
                "answer",
                actor,
                label=voice.display,
                data={"questions": [q.pk for q, _p in rows]},
                now=moment,
            )
    except IntegrityError:
        raise Conflict(_("您已回答过这些问题"), code="already_answered") from None
    return len(rows)


def comment_moderate(
    *, comment: Comment, actor: User, hide: bool, reason: str = "", now: datetime | None = None
) -> Comment:
    """Hide (with a reason shown in its place) or restore a comment. The moderator is a second person:
    never the consultation's organiser, so a draft's author cannot silence its critics alone."""
    c = comment.consultation
    check(CONSULTATION, "moderate", c, actor)
    if actor.pk == c.organiser_id:
        raise PermissionDenied(
            _("发起人不能审核自己征求意见的留言，请由另一位审核人处理"), code="second_moderator"
        )
    if not (may_manage(actor, c) or actor.has_role("editor")):
        raise PermissionDenied(_("无权审核该意见"), code="forbidden")
    reason = clean_text(reason, field="reason", limit=200, required=hide)
    with transaction.atomic():
        comment.status = CommentStatus.HIDDEN if hide else CommentStatus.VISIBLE
        comment.hidden_reason = reason if hide else ""
        comment.save(update_fields=["status", "hidden_reason"])
        record(Subject.COMMENT, comment, "hide" if hide else "restore", actor, note=reason, now=now)
    return comment


def feedback_add(
    *,
    consultation: Consultation,
    actor: User,
    comments: Sequence[int],
    outcome: str,
    reason: str,
    now: datetime | None = None,
) -> FeedbackItem:
    """Mark one comment or a group of comments adopted / partly / not adopted, with the reason."""
    if outcome not in Outcome.values:
        raise bad("outcome", _("采纳情况应为 %(v)s 之一") % {"v": ", ".join(Outcome.values)})
    reason = clean_text(reason, field="reason", limit=2000)
    ids = sorted(set(comments))
    if not ids:
        raise bad("comments", _("请选择要答复的意见"), "required")
    moment = now_or(now)
    with transaction.atomic():
        c = _lock(consultation)
        check(CONSULTATION, "feedback", c, actor)
        rows = list(Comment.objects.select_for_update().filter(consultation=c, pk__in=ids))
        if len(rows) != len(ids):
            raise bad("comments", _("部分意见不属于该征求意见"))
        answered = [r.pk for r in rows if r.feedback_id]
        if answered:
            raise Conflict(
                _("意见 %(ids)s 已经答复过") % {"ids": ", ".join(map(str, answered))}, code="already_answered"
            )
        item = FeedbackItem.objects.create(
            consultation=c, outcome=outcome, reason=reason, created_by=actor, created_at=moment
        )
        Comment.objects.filter(pk__in=ids).update(feedback=item)
        record(
            Subject.CONSULTATION,
            c,
            "feedback",
            actor,
            note=reason,
            data={"outcome": outcome, "comments": ids},
            now=moment,
        )
    return item


def consultation_feedback_publish(
    *, consultation: Consultation, actor: User, summary: str, now: datetime | None = None
) -> Consultation:
    """Publish the 意见采纳情况说明. Every public comment must have its feedback first. Each commenter is
    told: an inbox message for a signed-in one, an SMS for an anonymous verified phone."""
    summary = clean_text(summary, field="summary", limit=10_000)
    moment = now_or(now)
    with transaction.atomic():
        c = _lock(consultation)
        row = check(CONSULTATION, "publish_feedback", c, actor)
        waiting = c.comments.filter(status=CommentStatus.VISIBLE, feedback__isnull=True).count()
        if waiting:
            raise bad("comments", _("还有 %(n)d 条意见没有答复采纳情况") % {"n": waiting}, "unanswered")
        c.status = row.target_for(c.status)
        c.feedback_summary = summary
        c.feedback_published_at = moment
        c.save(update_fields=["status", "feedback_summary", "feedback_published_at"])
        record(Subject.CONSULTATION, c, "publish_feedback", actor, now=moment)
        _notify_commenters(c)
    return c


def _notify_commenters(c: Consultation) -> None:
    users: dict[int, User] = {}
    phones: dict[str, Comment] = {}
    for comment in c.comments.exclude(feedback__isnull=True).select_related("author", "feedback"):
        if comment.author is not None:
            users[comment.author.pk] = comment.author
        elif comment.phone:
            phones.setdefault(comment.phone, comment)
    link = f"/participation/consultations/{c.pk}/"
    if users:
        notify(
            users.values(),
            title=Message(
                gettext_noop("您参与的征求意见「%(title)s」已公布意见采纳情况"), {"title": c.title[:60]}
            ),
            link=link,
            kind="participation",
        )
    for phone, comment in phones.items():
        text = _("您对「%(title)s」提出的意见已有采纳情况答复，请查看：%(link)s") % {
            "title": c.title[:40],
            "link": link,
        }
        sms_send(
            phone, text, purpose="participation_feedback", key=f"consultation:{c.pk}:feedback:{comment.pk}"
        )
