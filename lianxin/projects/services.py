"""Writes of the 民生实事 ledger. Every service is keyword-only and atomic: it locks the project row,
checks the action against `transitions.TABLE` (NotFound for a project the actor may not see,
PermissionDenied for a role the row does not name, Conflict for a state it does not start from), makes
the change and writes its `ProjectEvent` in the same transaction. Bad input is a ValidationFailed naming
the field, raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User, Viewer, role_q
from lianxin.core.crypto import phone_index
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.files import IMAGE_TYPES, upload_type_check
from lianxin.core.notify import Message, month_day, notify
from lianxin.org.models import Area, Unit
from lianxin.projects import access
from lianxin.projects.models import (
    PUBLIC_STATUSES,
    Acceptance,
    Action,
    Comment,
    CommentStatus,
    Milestone,
    ProgressPhoto,
    ProgressReport,
    Project,
    ProjectEvent,
    Rating,
    Source,
    Status,
)
from lianxin.projects.transitions import TABLE

MAX_TITLE = 200
MAX_GOAL = 5000
MAX_TEXT = 5000
MAX_COMMENT = 500
MAX_PHOTOS = 9
PHOTO_MAX_BYTES = 8 * 1024 * 1024
MAX_BUDGET = Decimal("999999999999.99")
# A rating of 4 or 5 counts as satisfied in the acceptance's satisfied share.
SATISFIED_FROM = 4
RATING_PURPOSE = "project_rating"


# --- checks shared by the services -------------------------------------------------------------------


def _refuse(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _text(value: str | None, field: str, message: str, max_len: int) -> str:
    text = (value or "").strip()
    if not text:
        raise _refuse(field, message, "required")
    if len(text) > max_len:
        raise _refuse(field, _("最多 %(n)d 字") % {"n": max_len}, "too_long")
    return text


def _budget(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _refuse("budget", _("预算须为数字")) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_BUDGET:
        raise _refuse("budget", _("预算须为不小于 0 的金额"))
    return amount.quantize(Decimal("0.01"))


def _label(action: str) -> str:
    return str(Action(action).label)


def _lock(project: Project | int, actor: Viewer, action: str) -> Project:
    """The locked row after the table's checks for `action` (inside transaction.atomic())."""
    pk = project if isinstance(project, int) else project.pk
    locked = Project.objects.select_for_update().filter(pk=pk).first()
    if locked is None or (actor is not None and not access.may_view(actor, locked)):
        raise NotFound(_("项目不存在或无权查看"))
    row = TABLE[action]
    if not access.relations(actor, locked) & row.roles:
        raise PermissionDenied(_("当前角色无权执行「%(action)s」") % {"action": _label(action)})
    if locked.status not in row.sources:
        raise Conflict(
            _("项目当前状态为「%(status)s」，不能执行「%(action)s」")
            % {"status": locked.get_status_display(), "action": _label(action)},
            code="invalid_transition",
        )
    return locked


def _event(
    project: Project,
    actor: Viewer,
    action: str,
    before: str,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=before,
        to_status=project.status,
        note=note,
        data=data or {},
        created_at=now or timezone.now(),
    )


def _enter(project: Project, action: str) -> str:
    before = project.status
    project.status = TABLE[action].target_for(before)
    return before


def _responsible(project: Project) -> list[User]:
    """Who hears about the project: its cadre, else the cadres of its unit."""
    if project.cadre_id is not None:
        return [project.cadre] if project.cadre else []
    if project.unit_id is not None:
        return list(User.objects.filter(role_q(Role.CADRE), unit_id=project.unit_id, is_active=True))
    return []


def _link(project: Project) -> str:
    return reverse("projects:manage", args=[project.pk])


# --- the project -------------------------------------------------------------------------------------


def project_create(
    *,
    actor: User,
    title: str,
    goal: str,
    area: Area,
    source: str,
    source_ref: str,
    unit: Unit | None = None,
    cadre: User | None = None,
    budget: Decimal | None = None,
) -> Project:
    """拟定: a project in draft. Idempotent on (source, source_ref): when a project with that source and
    reference exists it is returned unchanged (a poll or hot issue turned into a project twice is one
    project). `source` is poll, hot_issue or unit; the actor must be staff (cadre, handler, operator,
    supervisor, admin); a cadre named responsible must hold the cadre role. ValidationFailed names the
    field of bad input; nothing is written then."""
    if actor is None or not actor.is_authenticated or not actor.has_role(*access.CREATOR_ROLES):
        raise PermissionDenied(_("当前角色无权拟定民生实事项目"))
    if source not in Source.values:
        raise _refuse("source", _("来源须为 %(values)s 之一") % {"values": ", ".join(Source.values)})
    ref = (source_ref or "").strip()
    if len(ref) > 100:
        raise _refuse("source_ref", _("最多 %(n)d 字") % {"n": 100}, "too_long")
    if ref:
        existing = Project.objects.filter(source=source, source_ref=ref).first()
        if existing is not None:
            return existing
    errors: dict[str, list[str]] = {}
    title_s = (title or "").strip()
    goal_s = (goal or "").strip()
    if not title_s:
        errors["title"] = [_("请填写项目名称")]
    elif len(title_s) > MAX_TITLE:
        errors["title"] = [_("最多 %(n)d 字") % {"n": MAX_TITLE}]
    if not goal_s:
        errors["goal"] = [_("请填写项目目标")]
    elif len(goal_s) > MAX_GOAL:
        errors["goal"] = [_("最多 %(n)d 字") % {"n": MAX_GOAL}]
    if area is None:
        errors["area"] = [_("请选择区域")]
    if cadre is not None and not cadre.has_role(Role.CADRE):
        errors["cadre"] = [_("责任干部须为领导干部")]
    if errors:
        raise ValidationFailed(_("项目信息有误"), fields=errors)
    amount = _budget(budget)
    now = timezone.now()
    try:
        with transaction.atomic():
            project = Project.objects.create(
                title=title_s,
                goal=goal_s,
                area=area,
                source=source,
                source_ref=ref,
                unit=unit,
                cadre=cadre,
                budget=amount,
                created_by=actor,
            )
            _event(project, actor, Action.CREATE, "", data={"source": source, "source_ref": ref}, now=now)
    except IntegrityError:
        # Two creations of one source at once: the other one won; return its project.
        existing = Project.objects.filter(source=source, source_ref=ref).first() if ref else None
        if existing is None:
            raise
        return existing
    return project


@transaction.atomic
def project_start(*, project: Project, actor: User, note: str = "") -> Project:
    """启动实施 (拟定 → 实施中): the project is committed and appears on the public ledger. Needs at
    least one milestone (Conflict `no_milestones`)."""
    p = _lock(project, actor, Action.START)
    if not p.milestones.exists():
        raise Conflict(_("请先设置至少一个项目节点再启动实施"), code="no_milestones")
    now = timezone.now()
    before = _enter(p, Action.START)
    p.started_at = now
    p.save()
    _event(p, actor, Action.START, before, note=note.strip()[:2000], now=now)
    return p


@transaction.atomic
def project_submit(*, project: Project, actor: User, note: str = "") -> Project:
    """提请验收 (实施中 → 待验收): every milestone must be done (Conflict `milestones_open`); opens the
    acceptance and its satisfaction survey."""
    p = _lock(project, actor, Action.SUBMIT)
    if p.milestones.filter(done_on__isnull=True).exists():
        raise Conflict(_("仍有未完成的项目节点，不能提请验收"), code="milestones_open")
    now = timezone.now()
    before = _enter(p, Action.SUBMIT)
    p.save()
    Acceptance.objects.update_or_create(
        project=p,
        defaults={"opened_at": now, "decided_at": None, "decided_by": None, "passed": None, "opinion": ""},
    )
    _event(p, actor, Action.SUBMIT, before, note=note.strip()[:2000], now=now)
    return p


def survey_result(project: Project) -> dict[str, Any]:
    """The satisfaction survey so far: number of ratings, average (1–5) and the share rating 4 or 5."""
    agg = project.ratings.aggregate(
        n=Count("pk"), avg=Avg("score"), ok=Count("pk", filter=Q(score__gte=SATISFIED_FROM))
    )
    n = agg["n"] or 0
    return {
        "ratings": n,
        "average": Decimal(str(round(agg["avg"], 2))) if n else None,
        "satisfied_share": Decimal(str(round(agg["ok"] / n, 4))) if n else None,
    }


@transaction.atomic
def project_accept(*, project: Project, actor: User, opinion: str = "") -> Project:
    """验收通过 (待验收 → 已完成): the acceptance records the decision and the survey's result now."""
    opinion = (opinion or "").strip()
    if len(opinion) > MAX_TEXT:
        raise _refuse("opinion", _("最多 %(n)d 字") % {"n": MAX_TEXT}, "too_long")
    p = _lock(project, actor, Action.ACCEPT)
    now = timezone.now()
    result = survey_result(p)
    before = _enter(p, Action.ACCEPT)
    p.finished_at = now
    p.save()
    Acceptance.objects.filter(project=p).update(
        decided_at=now, decided_by=actor, passed=True, opinion=opinion, **result
    )
    data = {k: (str(v) if v is not None else None) for k, v in result.items()}
    _event(p, actor, Action.ACCEPT, before, note=opinion, data=data, now=now)
    notify(
        _responsible(p),
        title=Message(gettext_noop("民生实事「%(title)s」已通过验收"), {"title": p.title}),
        link=_link(p),
    )
    return p


@transaction.atomic
def project_send_back(*, project: Project, actor: User, reason: str) -> Project:
    """验收不通过 (待验收 → 实施中), with the reason; the survey's ratings so far stay."""
    reason = _text(reason, "reason", _("请填写验收不通过的理由"), MAX_TEXT)
    p = _lock(project, actor, Action.SEND_BACK)
    now = timezone.now()
    result = survey_result(p)
    before = _enter(p, Action.SEND_BACK)
    p.save()
    Acceptance.objects.filter(project=p).update(
        decided_at=now, decided_by=actor, passed=False, opinion=reason, **result
    )
    _event(p, actor, Action.SEND_BACK, before, note=reason, now=now)
    notify(
        _responsible(p),
        title=Message(gettext_noop("民生实事「%(title)s」验收未通过"), {"title": p.title}),
        body=reason,
        link=_link(p),
    )
    return p


@transaction.atomic
def project_terminate(*, project: Project, actor: User, reason: str) -> Project:
    """终止 (any open state → 已终止), with the reason, shown on the public ledger."""
    reason = _text(reason, "reason", _("请填写终止理由"), MAX_TEXT)
    p = _lock(project, actor, Action.TERMINATE)
    now = timezone.now()
    before = _enter(p, Action.TERMINATE)
    p.finished_at = now
    p.overdue = False
    p.save()
    _event(p, actor, Action.TERMINATE, before, note=reason, now=now)
    return p


# The status-changing actions by code, for the one door of the API and the staff page.
SERVICES: dict[str, tuple[Callable[..., Project], str]] = {
    Action.START: (project_start, "note"),
    Action.SUBMIT: (project_submit, "note"),
    Action.ACCEPT: (project_accept, "opinion"),
    Action.SEND_BACK: (project_send_back, "reason"),
    Action.TERMINATE: (project_terminate, "reason"),
}


def project_transition(*, project: Project, actor: User, action: str, note: str = "") -> Project:
    """The one door of the status actions: `note` goes to the service as its note, opinion or reason."""
    if action not in SERVICES:
        raise _refuse("action", _("动作须为 %(values)s 之一") % {"values": ", ".join(SERVICES)})
    service, arg = SERVICES[action]
    return service(project=project, actor=actor, **{arg: note})


# --- milestones --------------------------------------------------------------------------------------


@transaction.atomic
def milestone_add(*, project: Project, actor: User, title: str, due: date) -> Milestone:
    """A milestone after the last one; its due date may not be earlier than the last one's (milestones
    keep their order: ValidationFailed `out_of_order` naming `due`)."""
    title_s = _text(title, "title", _("请填写节点名称"), MAX_TITLE)
    if not isinstance(due, date):
        raise _refuse("due", _("请填写计划完成日期"), "required")
    p = _lock(project, actor, Action.MILESTONE_ADD)
    last = p.milestones.order_by("-seq").first()
    if last is not None and due < last.due:
        raise _refuse(
            "due",
            _("节点须按时间顺序排列：计划完成日期不能早于上一节点（%(day)s）")
            % {"day": last.due.isoformat()},
            "out_of_order",
        )
    milestone = Milestone.objects.create(project=p, seq=(last.seq + 1) if last else 1, title=title_s, due=due)
    p.save(update_fields=["updated_at"])
    _event(p, actor, Action.MILESTONE_ADD, p.status, data={"milestone": milestone.pk, "due": due.isoformat()})
    return milestone


@transaction.atomic
def milestone_done(*, milestone: Milestone, actor: User, done_on: date | None = None) -> Milestone:
    """A milestone is done (on `done_on`, today by default, never in the future nor before the project
    started); a milestone already done is a Conflict `already_done`. The red card clears from the project
    when no milestone is overdue any more (the miss itself stays on the milestone)."""
    p = _lock(milestone.project_id, actor, Action.MILESTONE_DONE)
    m = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if m.done_on is not None:
        raise Conflict(_("该节点已完成"), code="already_done")
    today = timezone.localdate()
    day = done_on or today
    if day > today:
        raise _refuse("done_on", _("完成日期不能晚于今天"))
    if p.started_at is not None and day < timezone.localdate(p.started_at):
        raise _refuse("done_on", _("完成日期不能早于项目启动日期"))
    m.done_on = day
    m.save(update_fields=["done_on"])
    p.overdue = p.milestones.filter(done_on__isnull=True, overdue_marked_at__isnull=False).exists()
    p.save(update_fields=["overdue", "updated_at"])
    _event(
        p,
        actor,
        Action.MILESTONE_DONE,
        p.status,
        data={"milestone": m.pk, "done_on": day.isoformat(), "late": m.late},
    )
    return m


def milestones_overdue_mark(*, today: date | None = None) -> int:
    """The red card: every open milestone of a project in progress past its due date is marked once,
    its project flagged overdue, an event written and the responsible cadre notified, one project per
    transaction. Returns how many milestones were marked; running it again marks nothing new."""
    day = today or timezone.localdate()
    ids = list(
        Milestone.objects.filter(
            done_on__isnull=True,
            overdue_marked_at__isnull=True,
            due__lt=day,
            project__status=Status.IN_PROGRESS,
        )
        .values_list("project_id", flat=True)
        .distinct()
    )
    marked = 0
    for project_id in ids:
        with transaction.atomic():
            p = Project.objects.select_for_update(of=("self",)).select_related("cadre").get(pk=project_id)
            if p.status != Status.IN_PROGRESS:
                continue
            now = timezone.now()
            late = list(
                p.milestones.select_for_update().filter(
                    done_on__isnull=True, overdue_marked_at__isnull=True, due__lt=day
                )
            )
            if not late:
                continue
            Milestone.objects.filter(pk__in=[m.pk for m in late]).update(overdue_marked_at=now)
            p.overdue = True
            p.save(update_fields=["overdue", "updated_at"])
            for m in late:
                _event(
                    p,
                    None,
                    Action.MILESTONE_OVERDUE,
                    p.status,
                    data={"milestone": m.pk, "due": m.due.isoformat()},
                    now=now,
                )
            notify(
                _responsible(p),
                title=Message(gettext_noop("民生实事「%(title)s」有节点逾期（红牌）"), {"title": p.title}),
                body=[
                    Message(
                        gettext_noop("%(milestone)s：计划 %(day)s 完成"),
                        {"milestone": m.title, "day": month_day(m.due)},
                    )
                    for m in late
                ],
                link=_link(p),
                kind="warning",
            )
            marked += len(late)
    return marked


# --- progress reports ---------------------------------------------------------------------------------


def photo_check(upload: UploadedFile) -> str:
    """The content type of a real image (checked by `core.files.upload_type_check`), field `photos`."""
    try:
        return upload_type_check(upload, allowed=frozenset(IMAGE_TYPES.values()), max_bytes=PHOTO_MAX_BYTES)
    except ValidationFailed as exc:
        raise ValidationFailed(
            f"{upload.name}: {exc.message}", code=exc.code, fields={"photos": [exc.message]}
        ) from None


def progress_report(
    *,
    project: Project,
    actor: User,
    text: str,
    day: date | None = None,
    percent: int | None = None,
    milestone: Milestone | None = None,
    photos: Sequence[UploadedFile] = (),
) -> ProgressReport:
    """A progress report with up to 9 photos (each checked to be a real image before anything is
    written), dated today or earlier and not before the project started."""
    body = _text(text, "text", _("请填写进展情况"), MAX_TEXT)
    if len(photos) > MAX_PHOTOS:
        raise _refuse("photos", _("最多 %(n)d 张照片") % {"n": MAX_PHOTOS})
    if percent is not None and not (0 <= percent <= 100):
        raise _refuse("percent", _("完成进度须在 0 到 100 之间"))
    kinds = [photo_check(p) for p in photos]
    today = timezone.localdate()
    when = day or today
    if when > today:
        raise _refuse("date", _("报告日期不能晚于今天"))
    with transaction.atomic():
        p = _lock(project, actor, Action.PROGRESS)
        if p.started_at is not None and when < timezone.localdate(p.started_at):
            raise _refuse("date", _("报告日期不能早于项目启动日期"))
        if milestone is not None and milestone.project_id != p.pk:
            raise _refuse("milestone", _("节点不属于该项目"))
        report = ProgressReport.objects.create(
            project=p, milestone=milestone, author=actor, date=when, text=body, percent=percent
        )
        for upload, kind in zip(photos, kinds, strict=True):
            upload.seek(0)
            ProgressPhoto.objects.create(report=report, image=upload, content_type=kind)
        p.save(update_fields=["updated_at"])
        _event(p, actor, Action.PROGRESS, p.status, data={"report": report.pk, "photos": len(kinds)})
    return report


# --- citizens: comments and the satisfaction survey ---------------------------------------------------


def comment_add(*, project: Project, author: Viewer, text: str, nickname: str = "") -> Comment:
    """A citizen's comment on a public project: plain text (kept as typed, shown escaped), at most
    500 characters, pending until a moderator approves it."""
    body = _text(text, "text", _("请填写留言内容"), MAX_COMMENT)
    nick = (nickname or "").strip()
    if len(nick) > 30:
        raise _refuse("nickname", _("最多 %(n)d 字") % {"n": 30}, "too_long")
    if not Project.objects.filter(pk=project.pk, status__in=PUBLIC_STATUSES).exists():
        raise NotFound(_("项目不存在或无权查看"))
    user = author if author is not None and author.is_authenticated else None
    return Comment.objects.create(project=project, author=user, nickname=nick, text=body)


@transaction.atomic
def comment_moderate(*, comment: Comment, actor: User, approve: bool) -> Comment:
    """Approve or reject a pending comment (the project's managers); a decided one is a Conflict."""
    locked = Comment.objects.select_for_update(of=("self",)).select_related("project").get(pk=comment.pk)
    if not access.may_manage(actor, locked.project):
        raise NotFound(_("项目不存在或无权查看"))
    if locked.status != CommentStatus.PENDING:
        raise Conflict(_("该留言已审核"), code="already_moderated")
    locked.status = CommentStatus.APPROVED if approve else CommentStatus.REJECTED
    locked.moderated_by = actor
    locked.moderated_at = timezone.now()
    locked.save()
    return locked


def rating_identity(*, user: Viewer = None, phone: str = "", code: str = "") -> str:
    """The verified identity of a rater: the blind index of a phone verified now by its SMS code
    (`core.sms.phone_code_verify`, purpose project_rating), or of the signed-in user's own phone.
    ValidationFailed when neither is given or the code is wrong."""
    if phone:
        from lianxin.core.sms import phone_code_verify

        phone_code_verify(phone, code, purpose=RATING_PURPOSE)
        return phone_index(phone)
    if isinstance(user, User) and user.phone_hash:
        return str(user.phone_hash)
    raise _refuse("phone", _("请先验证手机号再评价"), "identity_required")


def project_rate(*, project: Project, identity: str, score: int, user: Viewer = None) -> Rating:
    """One rating 1–5 per verified identity while the project awaits acceptance. A second rating by the
    same identity is a Conflict `already_rated`; a project not awaiting acceptance a Conflict
    `survey_closed`."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise _refuse("score", _("满意度须为 1 到 5 的整数"))
    if not identity:
        raise _refuse("phone", _("请先验证手机号再评价"), "identity_required")
    with transaction.atomic():
        p = Project.objects.select_for_update().filter(pk=project.pk).first()
        if p is None or not p.is_public:
            raise NotFound(_("项目不存在或无权查看"))
        if p.status != Status.PENDING_ACCEPTANCE:
            raise Conflict(_("项目不在验收阶段，暂不能评价"), code="survey_closed")
        if Rating.objects.filter(project=p, identity=identity).exists():
            raise Conflict(_("您已评价过该项目，每人只能评价一次"), code="already_rated")
        try:
            with transaction.atomic():
                return Rating.objects.create(
                    project=p,
                    identity=identity,
                    score=score,
                    user=user if user is not None and user.is_authenticated else None,
                )
        except IntegrityError:
            raise Conflict(_("您已评价过该项目，每人只能评价一次"), code="already_rated") from None
