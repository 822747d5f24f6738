"""Pages of participation: public lists and details (mobile first), the staff workbench, check-in on the
organiser's phone, the happiness dashboard and the public board of an area. Thin: each calls one
service or selector; an ApplicationError goes on the page as a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lianxin.accounts.http import UserRequest
from lianxin.accounts.models import Role
from lianxin.accounts.permissions import role_required
from lianxin.core.errors import ApplicationError
from lianxin.core.files import file_response, open_or_404
from lianxin.core.params import as_id, as_page
from lianxin.core.sms import phone_code_send
from lianxin.org.models import Area
from lianxin.participation import exporters, selectors, services
from lianxin.participation.models import Comment, ConsultationAttachment, Dimension, Outcome, SignUp, Subject
from lianxin.participation.services.common import may_manage
from lianxin.participation.services.consultations import PURPOSE

STAFF = (Role.CADRE, Role.HANDLER, Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, Role.EDITOR)


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def _attempt(request: HttpRequest, run: Callable[[], Any], done: str) -> bool:
    try:
        run()
    except ApplicationError as exc:
        fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        messages.error(
            request, f"{exc.message}" + (f"（{fields}）" if fields and fields not in exc.message else "")
        )
        return False
    messages.success(request, done)
    return True


def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "participation/home.html",
        {
            "consultations": selectors.consultation_list(user=None)[:20],
            "polls": selectors.poll_list(user=None)[:10],
            "events": selectors.event_list(user=None)[:10],
            "surveys": selectors.survey_list(user=None).filter(status="open")[:10],
            "user_obj": user,
        },
    )


def phone_code(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _attempt(
            request,
            lambda: phone_code_send(request.POST.get("phone", ""), purpose=PURPOSE),
            _("验证码已发送"),
        )
    return redirect(request.POST.get("next") or "participation:home")


def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    c = _get(lambda: selectors.consultation_get(user=user, pk=pk))
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "comment":
            _attempt(
                request,
                lambda: services.comment_add(
                    consultation=c,
                    actor=user,
                    body=request.POST.get("body", ""),
                    phone=request.POST.get("phone", ""),
                    code=request.POST.get("code", ""),
                ),
                _("意见已提交"),
            )
        elif op == "support":
            comment = (
                Comment.objects.filter(consultation=c, pk=as_id(request.POST.get("comment")) or 0)
                .select_related("consultation")
                .first()
            )
            if comment:
                _attempt(
                    request,
                    lambda: services.comment_support(
                        comment=comment,
                        actor=user,
                        phone=request.POST.get("phone", ""),
                        code=request.POST.get("code", ""),
                    ),
                    _("已支持"),
                )
        elif op == "answers":
            answers = {
                q.pk: [int(x) for x in request.POST.getlist(f"q{q.pk}") if x.isascii() and x.isdigit()]
                for q in c.questions.all()
            }
            answers = {k: v for k, v in answers.items() if v}
            _attempt(
                request,
                lambda: services.answers_submit(
                    consultation=c,
                    actor=user,
                    answers=answers,
                    phone=request.POST.get("phone", ""),
                    code=request.POST.get("code", ""),
                ),
                _("回答已提交"),
            )
        return redirect("participation:consultation", pk=c.pk)
    page = as_page(request.GET.get("page"))
    comments = [selectors.comment_public(x) for x in selectors.comment_page(consultation=c, page=page)]
    return render(
        request,
        "participation/consultation.html",
        {
            "c": c,
            "comments": comments,
            "page": page,
            "questions": selectors.question_results(c),
            "feedback_counts": selectors.feedback_counts(c),
            "items": c.feedback_items.prefetch_related("comments"),
            "manage": may_manage(user, c),
            "outcomes": Outcome.choices,
            "attachments": c.attachments.all(),
            "timeline": selectors.timeline(Subject.CONSULTATION, c.pk) if may_manage(user, c) else [],
        },
    )


def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    att = ConsultationAttachment.objects.filter(pk=pk).select_related("consultation").first()
    if att is None:
        raise Http404
    _get(lambda: selectors.consultation_get(user=_user(request), pk=att.consultation_id))
    return file_response(
        open_or_404(att.file), "application/octet-stream", filename=att.name, as_attachment=True
    )


@role_required(*STAFF)
def consultation_manage(request: UserRequest, pk: int) -> HttpResponse:
    user = request.user
    c = _get(lambda: selectors.consultation_get(user=user, pk=pk))
    op = request.POST.get("op")
    if request.method == "POST":
        if op == "publish":
            _attempt(request, lambda: services.consultation_publish(consultation=c, actor=user), _("已发布"))
        elif op == "close":
            _attempt(request, lambda: services.consultation_close(consultation=c, actor=user), _("已截止"))
        elif op == "feedback":
            ids = [i for i in (as_id(x) for x in request.POST.getlist("comments")) if i]
            _attempt(
                request,
                lambda: services.feedback_add(
                    consultation=c,
                    actor=user,
                    comments=ids,
                    outcome=request.POST.get("outcome", ""),
                    reason=request.POST.get("reason", ""),
                ),
                _("已答复"),
            )
        elif op == "publish_feedback":
            _attempt(
                request,
                lambda: services.consultation_feedback_publish(
                    consultation=c, actor=user, summary=request.POST.get("summary", "")
                ),
                _("采纳情况已发布"),
            )
        elif op in ("hide", "restore"):
            comment = (
                Comment.objects.filter(consultation=c, pk=as_id(request.POST.get("comment")) or 0)
                .select_related("consultation")
                .first()
            )
            if comment:
                _attempt(
                    request,
                    lambda: services.comment_moderate(
                        comment=comment, actor=user, hide=op == "hide", reason=request.POST.get("reason", "")
                    ),
                    _("已处理"),
                )
    return redirect("participation:consultation", pk=c.pk)


def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    poll = _get(lambda: selectors.poll_get(user=user, pk=pk))
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "vote":
            ids = [i for i in (as_id(x) for x in request.POST.getlist("candidates")) if i]
            _attempt(
                request,
                lambda: services.poll_vote(
                    poll=poll,
                    actor=user,
                    candidates=ids,
                    phone=request.POST.get("phone", ""),
                    code=request.POST.get("code", ""),
                ),
                _("投票成功"),
            )
        elif op in ("open", "close", "publish") and user is not None:
            run: dict[str, Callable[..., Any]] = {
                "open": services.poll_open,
                "close": services.poll_close,
                "publish": services.poll_publish,
            }
            _attempt(request, lambda: run[op](poll=poll, actor=user), _("已处理"))
        elif op == "projects" and may_manage(user, poll):
            _attempt(request, lambda: services.poll_projects_create(poll=poll, actor=user), _("已处理"))
        return redirect("participation:poll", pk=poll.pk)
    return render(
        request,
        "participation/poll.html",
        {
            "poll": poll,
            "results": selectors.poll_results(poll, user=user),
            "manage": may_manage(user, poll),
            "timeline": selectors.timeline(Subject.POLL, poll.pk) if may_manage(user, poll) else [],
        },
    )


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    event = _get(lambda: selectors.event_get(pk=pk))
    mine = None
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "sign_up":
            box: dict[str, Any] = {}

            def run() -> None:
                box["s"] = services.event_sign_up(
                    event=event,
                    actor=user,
                    name=request.POST.get("name", ""),
                    phone=request.POST.get("phone", ""),
                    code=request.POST.get("code", ""),
                )

            if _attempt(request, run, _("报名成功")) and user is None:
                request.session["participation_signup"] = box["s"].pk
        elif op == "cancel":
            signup = (
                SignUp.objects.filter(event=event, pk=as_id(request.POST.get("signup")) or 0)
                .select_related("event")
                .first()
            )
            if signup:
                _attempt(
                    request,
                    lambda: services.event_cancel_signup(
                        signup=signup,
                        actor=user,
                        phone=request.POST.get("phone", ""),
                        code=request.POST.get("code", ""),
                    ),
                    _("已取消报名"),
                )
        elif op == "minutes" and user is not None:
            _attempt(
                request,
                lambda: services.event_minutes_record(
                    event=event,
                    actor=user,
                    minutes=request.POST.get("minutes", ""),
                    decisions=request.POST.get("decisions", ""),
                ),
                _("纪要已保存"),
            )
        elif op == "follow_up" and user is not None:
            _attempt(
                request,
                lambda: services.event_follow_up_add(
                    event=event,
                    actor=user,
                    text=request.POST.get("text", ""),
                    as_demand=bool(request.POST.get("as_demand")),
                ),
                _("已添加"),
            )
        elif op == "cancel_event" and user is not None:
            _attempt(
                request,
                lambda: services.event_cancel(event=event, actor=user, reason=request.POST.get("reason", "")),
                _("活动已取消"),
            )
        return redirect("participation:event", pk=event.pk)
    signups = event.signups.exclude(status="cancelled")
    if user is not None:
        mine = signups.filter(user=user).first()
    elif request.session.get("participation_signup"):
        mine = signups.filter(pk=request.session["participation_signup"]).first()
    manage = user is not None and user.pk == event.organiser_id
    return render(
        request,
        "participation/event.html",
        {
            "event": event,
            "counts": selectors.event_counts(event),
            "mine": mine,
            "code": (code := services.checkin_code(mine) if mine and mine.status == "confirmed" else ""),
            "code_qr": checkin_qr_svg(code) if code else "",
            "manage": manage,
            "signups": list(signups) if manage else [],
            "followups": event.followups.all(),
            "timeline": selectors.timeline(Subject.EVENT, event.pk) if manage else [],
        },
    )


def checkin_qr_svg(code: str) -> str:
    """The check-in code as an inline SVG QR code (drawn here by segno: no image service, works offline),
    for the organiser's phone to scan; the text below it is the same code for typing."""
    return segno.make(code, error="m").svg_inline(scale=4, border=2, title=str(_("签到码")))


@role_required(*STAFF)
def checkin(request: UserRequest, pk: int) -> HttpResponse:
    """The organiser's phone page: paste or scan the attendee's code."""
    event = _get(lambda: selectors.event_get(pk=pk))
    if request.user.pk != event.organiser_id:
        raise Http404
    if request.method == "POST":
        _attempt(
            request,
            lambda: services.event_check_in(
                event=event, actor=request.user, code=request.POST.get("code", "")
            ),
            _("签到成功"),
        )
        return redirect("participation:checkin", pk=event.pk)
    return render(
        request, "participation/checkin.html", {"event": event, "counts": selectors.event_counts(event)}
    )


def survey_respond(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    survey = _get(lambda: selectors.survey_get(user=user, pk=pk))
    token = request.POST.get("token") or request.GET.get("token", "")
    questions = list(survey.questions.all())
    if request.method == "POST":
        answers: dict[int, Any] = {}
        for q in questions:
            if q.kind == "multiple":
                answers[q.pk] = request.POST.getlist(f"q{q.pk}")
            else:
                answers[q.pk] = request.POST.get(f"q{q.pk}", "")
        area = Area.objects.filter(pk=as_id(request.POST.get("area")) or 0).first()
        if _attempt(
            request,
            lambda: services.survey_respond(
                survey=survey,
                actor=user,
                answers=answers,
                area=area,
                token=token,
                phone=request.POST.get("phone", ""),
                code=request.POST.get("code", ""),
            ),
            _("感谢您的参与"),
        ):
            return redirect("participation:home")
    areas = Area.objects.filter(survey.area.subtree_q()).order_by("path")[:500]
    return render(
        request,
        "participation/survey.html",
        {"survey": survey, "questions": questions, "token": token, "areas": areas},
    )


def happiness(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Dashboard: the index by area of one survey, and the trend of its area over periods."""
    surveys = selectors.survey_list(user=None)
    survey = surveys.filter(pk=pk).first() if pk else surveys.first()
    ctx: dict[str, Any] = {"surveys": surveys[:50], "survey": survey, "labels": dict(Dimension.choices)}
    if survey is not None:
        area = Area.objects.filter(pk=as_id(request.GET.get("area")) or 0).first()
        if area is None or not survey.area.contains(area):
            area = survey.area
        ctx["index"] = selectors.survey_index(survey=survey, area=area)
        ctx["trend"] = selectors.happiness_trend(area=area)
        ctx["manage"] = may_manage(_user(request), survey)
    return render(request, "participation/happiness.html", ctx)


@role_required(*STAFF)
def survey_export(request: UserRequest, pk: int) -> HttpResponse:
    survey = _get(lambda: selectors.survey_get(user=request.user, pk=pk))
    if not may_manage(request.user, survey):
        raise Http404
    response = HttpResponse(
        exporters.survey_responses_xlsx(survey),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.xlsx"'
    response["Cache-Control"] = "private"
    return response


def board(request: HttpRequest, area: int) -> HttpResponse:
    a = Area.objects.filter(pk=area).first()
    if a is None:
        raise Http404
    return render(
        request,
        "participation/board.html",
        {**selectors.board(area=a), "children": Area.objects.filter(parent=a)},
    )


@role_required(*STAFF)
def workbench(request: UserRequest) -> HttpResponse:
    user = request.user
    q = selectors._staff_q(user)
    from lianxin.participation.models import Consultation, Event, Poll, Survey

    return render(
        request,
        "participation/workbench.html",
        {
            "consultations": Consultation.objects.filter(q).select_related("area")[:50],
            "polls": Poll.objects.filter(q).select_related("area")[:50],
            "events": Event.objects.filter(q).select_related("area")[:50],
            "surveys": Survey.objects.filter(q).select_related("area")[:50],
        },
    )


@role_required(*STAFF)
def statistics(request: HttpRequest) -> HttpResponse:
    parent = (
        Area.objects.filter(pk=as_id(request.GET.get("area")) or 0).first()
        or Area.objects.filter(parent__isnull=True).first()
    )
    rows = selectors.statistics_by_area(parent=parent) if parent else []
    return render(request, "participation/statistics.html", {"parent": parent, "rows": rows})


def _get(fetch: Callable[[], Any]) -> Any:
    try:
        return fetch()
    except ApplicationError:
        raise Http404 from None
