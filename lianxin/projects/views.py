"""Pages of the 民生实事 ledger: the public list and project page (mobile first), and the staff's
project page with its milestone, progress, workflow and moderation forms. Thin: each POST calls one
service; a refusal is shown on the page with the field it names (status 400/409), nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.accounts.http import UserRequest
from lianxin.accounts.models import Role, User, role_q
from lianxin.accounts.permissions import role_required
from lianxin.core.dates import parse_day
from lianxin.core.errors import ApplicationError
from lianxin.core.files import file_response, open_or_404
from lianxin.core.params import as_id, as_page, by_id
from lianxin.core.throttling import page_throttled
from lianxin.org.models import Area, Unit
from lianxin.projects import access, services
from lianxin.projects.models import Comment, ProgressPhoto, Source, Status
from lianxin.projects.selectors import (
    comments_pending,
    milestone_counts,
    project_get,
    project_managed_list,
    project_public_list,
)
from lianxin.projects.transitions import STATUS_ACTIONS, TABLE

STAFF_ROLES = (Role.CADRE, Role.HANDLER, Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
PAGE_SIZE = 20


def _day(raw: str | None) -> date | None:
    try:
        return parse_day((raw or "").strip()) if (raw or "").strip() else None
    except ValueError:
        return None


def _percent(raw: str | None) -> int | None:
    """A typed percentage: None when blank, -1 (refused by the service, naming `percent`) when not a number."""
    text = (raw or "").strip()
    if not text:
        return None
    if text == "0":
        return 0
    value = as_id(text)
    return value if value is not None and value <= 1000 else -1


def project_list(request: HttpRequest) -> HttpResponse:
    """The public ledger, newest first, 20 a page; `?status=` filters (an unknown one is ignored)."""
    status = request.GET.get("status", "")
    status = status if status in Status.values and status != Status.DRAFT else ""
    qs = project_public_list(status=status)
    # The records behind an evaluation figure: one cadre's or one unit's projects.
    if cadre_id := as_id(request.GET.get("cadre")):
        qs = qs.filter(cadre_id=cadre_id)
    if unit_id := as_id(request.GET.get("unit")):
        qs = qs.filter(unit_id=unit_id)
    page = Paginator(qs, PAGE_SIZE).get_page(as_page(request.GET.get("page")))
    projects = list(page.object_list)
    counts = milestone_counts([p.pk for p in projects])
    rows = [
        {"p": p, "done": counts.get(p.pk, (0, 0))[0], "total": counts.get(p.pk, (0, 0))[1]} for p in projects
    ]
    statuses = [(s.value, s.label) for s in Status if s != Status.DRAFT]
    return render(
        request, "projects/list.html", {"rows": rows, "page": page, "status": status, "statuses": statuses}
    )


def _detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    project = project_get(user=request.user, pk=pk)
    acceptance = getattr(project, "acceptance", None)
    result = services.survey_result(project) if project.status == Status.PENDING_ACCEPTANCE else None
    return {
        "project": project,
        "acceptance": acceptance,
        "result": result,
        "may_manage": access.may_manage(request.user, project),
    }


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "projects/detail.html", _detail_context(request, pk))


def _detail_with_errors(request: HttpRequest, pk: int, exc: ApplicationError, form: str) -> HttpResponse:
    context = _detail_context(request, pk)
    context.update({"error": exc, "error_form": form, "posted": request.POST})
    return render(request, "projects/detail.html", context, status=exc.status)


@require_POST
def comment_post(request: HttpRequest, pk: int) -> HttpResponse:
    if (limited := page_throttled(request, "public_submit")) is not None:
        return limited
    project = project_get(user=request.user, pk=pk)
    try:
        services.comment_add(
            project=project,
            author=request.user,
            text=request.POST.get("text", ""),
            nickname=request.POST.get("nickname", ""),
        )
    except ApplicationError as exc:
        return _detail_with_errors(request, pk, exc, "comment")
    messages.success(request, _("留言已提交，审核通过后公开显示"))
    return redirect("projects:detail", pk=pk)


@require_POST
def rating_post(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate with a signed-in account's phone, or a phone and the code sent to it (`send_code`)."""
    if (limited := page_throttled(request, "public_submit")) is not None:
        return limited
    project = project_get(user=request.user, pk=pk)
    phone = request.POST.get("phone", "").strip()
    try:
        if request.POST.get("send_code"):
            from lianxin.core.sms import phone_code_send

            phone_code_send(phone, purpose=services.RATING_PURPOSE)
            messages.info(request, _("验证码已发送"))
            return redirect("projects:detail", pk=pk)
        score = as_id(request.POST.get("score"))
        identity = services.rating_identity(user=request.user, phone=phone, code=request.POST.get("code", ""))
        services.project_rate(project=project, identity=identity, score=score or 0, user=request.user)
    except ApplicationError as exc:
        return _detail_with_errors(request, pk, exc, "rating")
    messages.success(request, _("感谢您的评价"))
    return redirect("projects:detail", pk=pk)


def project_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A progress photo, by the project page's rule: public once the project is on the ledger."""
    photo = ProgressPhoto.objects.select_related("report__project").filter(pk=pk).first()
    if photo is None or not access.may_view(request.user, photo.report.project):
        raise Http404
    handle = open_or_404(photo.image)
    public = photo.report.project.is_public
    return file_response(
        handle,
        photo.content_type,
        filename=photo.image.name.rsplit("/", 1)[-1],
        public_max_age=3600 if public else None,
    )


# --- staff -------------------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def project_mine(request: UserRequest) -> HttpResponse:
    page = Paginator(project_managed_list(user=request.user), PAGE_SIZE).get_page(
        as_page(request.GET.get("page"))
    )
    return render(request, "projects/mine.html", {"page": page})


def _form_choices(user: User) -> dict[str, Any]:
    return {
        "areas": Area.objects.order_by("path")[:500],
        "units": Unit.objects.filter(is_active=True).order_by("code")[:500],
        "cadres": User.objects.filter(role_q(Role.CADRE), is_active=True).order_by("username")[:500],
        "sources": Source.choices,
    }


@role_required(*STAFF_ROLES)
def project_new(request: UserRequest) -> HttpResponse:
    context: dict[str, Any] = _form_choices(request.user)
    if request.method == "POST":
        post = request.POST
        area = by_id(Area, post.get("area"))
        unit = by_id(Unit, post.get("unit"))
        cadre = by_id(User, post.get("cadre"))
        try:
            budget: Any = Decimal(post["budget"]) if post.get("budget") else None
        except InvalidOperation:
            budget = post.get("budget")
        try:
            project = services.project_create(
                actor=request.user,
                title=post.get("title", ""),
                goal=post.get("goal", ""),
                area=area,  # type: ignore[arg-type]  # None is refused by the service, naming `area`
                source=post.get("source", Source.UNIT),
                source_ref=post.get("source_ref", ""),
                unit=unit,
                cadre=cadre,
                budget=budget,
            )
        except ApplicationError as exc:
            context.update({"error": exc, "posted": post})
            return render(request, "projects/new.html", context, status=exc.status)
        return redirect("projects:manage", pk=project.pk)
    return render(request, "projects/new.html", context)


def _manage_context(request: UserRequest, pk: int) -> dict[str, Any]:
    project = project_get(user=request.user, pk=pk)
    if not access.may_manage(request.user, project):
        raise Http404
    rel = access.relations(request.user, project)
    actions = [
        (a, TABLE[a]) for a in STATUS_ACTIONS if project.status in TABLE[a].sources and rel & TABLE[a].roles
    ]
    from lianxin.projects.models import Action

    return {
        "project": project,
        "actions": [(a, Action(a).label) for a, _row in actions],
        "pending": list(comments_pending(project=project)),
        "events": list(project.events.select_related("actor").order_by("-created_at", "-pk")[:50]),
        "can_add_milestone": project.status in TABLE[Action.MILESTONE_ADD].sources,
        "can_report": project.status in TABLE[Action.PROGRESS].sources,
        "can_finish_milestone": project.status in TABLE[Action.MILESTONE_DONE].sources,
        "acceptance": getattr(project, "acceptance", None),
        "result": services.survey_result(project),
    }


@role_required(*STAFF_ROLES)
def project_manage(request: UserRequest, pk: int) -> HttpResponse:
    return render(request, "projects/manage.html", _manage_context(request, pk))


@role_required(*STAFF_ROLES)
@require_POST
def project_act(request: UserRequest, pk: int, form: str) -> HttpResponse:
    """One POST door of the staff page: `form` names the form (milestone, done, progress, transition,
    moderate); each calls its service."""
    context = _manage_context(request, pk)
    project = context["project"]
    post = request.POST
    try:
        if form == "milestone":
            due = _day(post.get("due"))
            services.milestone_add(project=project, actor=request.user, title=post.get("title", ""), due=due)  # type: ignore[arg-type]
        elif form == "done":
            m = project.milestones.filter(pk=as_id(post.get("milestone"))).first()
            if m is None:
                raise Http404
            services.milestone_done(milestone=m, actor=request.user, done_on=_day(post.get("done_on")))
        elif form == "progress":
            m = (
                project.milestones.filter(pk=as_id(post.get("milestone"))).first()
                if post.get("milestone")
                else None
            )
            percent = _percent(post.get("percent"))
            services.progress_report(
                project=project,
                actor=request.user,
                text=post.get("text", ""),
                day=_day(post.get("date")),
                percent=percent,
                milestone=m,
                photos=request.FILES.getlist("photos"),
            )
        elif form == "transition":
            services.project_transition(
                project=project, actor=request.user, action=post.get("action", ""), note=post.get("note", "")
            )
        elif form == "moderate":
            c = by_id(Comment.objects.filter(project=project), post.get("comment"))
            if c is None:
                raise Http404
            services.comment_moderate(comment=c, actor=request.user, approve=post.get("approve") == "1")
        else:
            raise Http404
    except ApplicationError as exc:
        context = _manage_context(request, pk)
        context.update({"error": exc, "error_form": form, "posted": post})
        return render(request, "projects/manage.html", context, status=exc.status)
    messages.success(request, _("已保存"))
    return redirect("projects:manage", pk=pk)
