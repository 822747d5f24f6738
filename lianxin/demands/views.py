"""Pages: citizen intake and tracking, the operator's workbench, the unit queue, supervision, stats.

Thin: every page parses its input and calls a selector or one service; HTMX action forms post to
`act`, which answers with the refreshed detail panel.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.accounts.http import UserRequest
from lianxin.accounts.models import Role
from lianxin.accounts.permissions import role_required, staff_required
from lianxin.core.dates import parse_day
from lianxin.core.errors import ApplicationError, NotFound, ValidationFailed
from lianxin.core.files import file_response, open_or_404
from lianxin.core.params import as_id, as_page, by_id
from lianxin.core.requests import client_ip
from lianxin.core.throttling import Throttled, page_search_throttled, page_throttled
from lianxin.demands import exporters, extensions, intel_port, measures, selectors, services
from lianxin.demands.choices import (
    Action,
    AppealReason,
    ContactMethod,
    DemandType,
    Outcome,
    Satisfaction,
    Status,
    Urgency,
)
from lianxin.demands.forms import CitizenReopenForm, RateForm, SubmitForm, TrackForm
from lianxin.demands.models import AttachmentPurpose, Demand, DemandAttachment, TransferTarget
from lianxin.demands.routing import routing_propose
from lianxin.demands.serializers import citizen_reply_attachments, track_payload
from lianxin.demands.services.handling import demand_reply_attach, reply_files_check
from lianxin.org.models import Area, Category, Unit

PAGE_SIZE = 20
QUEUE_LABELS = {
    "to_accept": gettext_lazy("待受理"),
    "to_dispatch": gettext_lazy("待派单"),
    "returned": gettext_lazy("退单待审"),
    "extension": gettext_lazy("延期待批"),
    "overdue": gettext_lazy("已超期"),
    "followup": gettext_lazy("待回访"),
    "merged_followup": gettext_lazy("并单待回访"),
    "transferred": gettext_lazy("转办待确认"),
    "review": gettext_lazy("答复待审核"),
    "to_sign": gettext_lazy("待签收"),
    "in_progress": gettext_lazy("办理中"),
    "to_assist": gettext_lazy("待协办"),
    "warning": gettext_lazy("黄牌预警"),
    "supervised": gettext_lazy("督办件"),
    "appeals": gettext_lazy("申诉待审"),
}


# --- citizen ---------------------------------------------------------------------------------------------


def submit(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    is_operator = bool(user and user.has_role(Role.OPERATOR))
    if request.method == "POST" and not is_operator and (refused := page_throttled(request, "public_submit")):
        return refused
    initial = {}
    if user is not None and user.has_role(Role.CITIZEN) and not is_operator:
        initial = {"contact_name": user.display_name, "contact_phone": user.phone}  # theirs to change
    form = SubmitForm(request.POST or None, request.FILES or None, operator=is_operator, initial=initial)
    if request.method == "POST" and form.is_valid():
        v = form.cleaned_data
        try:
            # one transaction: a refused attachment leaves no demand behind (the citizen never saw
            # its ticket number and would submit again)
            with transaction.atomic():
                demand, _created = services.demand_submit(
                    actor=user,
                    title=v["title"],
                    content=v["content"],
                    type=v["type"],
                    urgency=v.get("urgency") or Urgency.NORMAL,
                    category=v.get("category"),
                    area=v.get("area"),
                    address=v.get("address", ""),
                    contact_name=v.get("contact_name", ""),
                    contact_phone=v.get("contact_phone", ""),
                    confidential=bool(v.get("confidential")),
                    idempotency_key=request.POST.get("idempotency_key", ""),
                )
                if v.get("attachment"):
                    services.demand_attach(
                        demand=demand, actor=user, upload=v["attachment"], check_access=False
                    )
        except ApplicationError as exc:
            for name, errors in (exc.fields or {"__all__": [exc.message]}).items():
                form.add_error(name if name in form.fields else None, "; ".join(errors))
        else:
            if user is not None and user.is_staff_member and selectors.demand_is_visible(user, demand):
                # staff taking a call go on with the work order (accept, classify, merge, dispatch);
                # the query code is theirs to read out to the caller, once
                messages.success(
                    request,
                    _("已登记工单：工单编号 %(ticket)s，查询码 %(code)s（请告知来电群众）")
                    % {"ticket": demand.ticket_no, "code": demand.query_code},
                )
                return redirect("demands:detail", pk=demand.pk)
            request.session.setdefault("demands_submitted", {})[demand.ticket_no] = demand.query_code
            request.session.modified = True
            return redirect("demands:submitted", ticket_no=demand.ticket_no)
    return render(
        request,
        "demands/submit.html",
        {"form": form, "idempotency_key": uuid.uuid4().hex, "phone_intake": is_operator},
    )


@require_POST
def already_reported(request: HttpRequest) -> HttpResponse:
    """The submission form's "already reported" hint: open demands like the text being written, as
    `selectors.demand_hint_list` lets the writer see them. POST with the form's token only: a long text
    would not fit a GET's request line, and a text in a query string would reach access logs. Public
    callers have a rate limit of their own, `public_similar` (each call searches the open demands)."""
    if not selectors.hint_sees_all(request.user) and (refused := page_throttled(request, "public_similar")):
        return refused
    area = by_id(Area, request.POST.get("area"))
    ids = intel_port.similar_for_text(
        title=(request.POST.get("title") or "")[:200],
        content=(request.POST.get("content") or "")[:2000],
        area=area,
        limit=20,
    )
    items = selectors.demand_hint_list(user=request.user, ids=ids, limit=5)
    return render(request, "demands/_already_reported.html", {"items": items})


def submitted(request: HttpRequest, ticket_no: str) -> HttpResponse:
    code = request.session.get("demands_submitted", {}).get(ticket_no)
    if not code:
        raise Http404
    return render(request, "demands/submitted.html", {"ticket_no": ticket_no, "query_code": code})


def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    demand = None
    not_found = False
    if form.is_valid():
        # each lookup or rating tries a query code: counted in the counter the API shares (per address,
        # and per ticket, which locks after too many wrong codes)
        try:
            demand = selectors.demand_track(
                ticket_no=form.cleaned_data["ticket_no"],
                code=form.cleaned_data["code"],
                client=client_ip(request),
            )
        except NotFound:
            not_found = True
        except Throttled as exc:
            response = render(
                request, "core/429.html", {"wait": exc.wait, "message": exc.message}, status=429
            )
            response["Retry-After"] = str(exc.wait)
            return response
    if request.method == "POST" and demand is not None and request.POST.get("step") == "reopen":
        return _track_reopen(request, demand)
    rate_form = RateForm(request.POST or None)
    if request.method == "POST" and demand is not None and rate_form.is_valid():
        try:
            services.demand_rate(
                demand=demand,
                actor=request.user if request.user.is_authenticated else None,
                satisfaction=rate_form.cleaned_data["satisfaction"],
                resolved=rate_form.cleaned_data["resolved"],
                note=rate_form.cleaned_data.get("note", ""),
                code_verified=True,
            )
            messages.success(request, _("感谢您的评价，工单已办结。"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    payload = None
    policies: list[Any] = []
    if demand is not None:
        payload = track_payload(demand)
        policies = extensions.related_policies(demand)
    return render(
        request,
        "demands/track.html",
        {
            "form": form,
            "demand": payload,
            "not_found": not_found,
            "rate_form": rate_form,
            "policies": policies,
        },
    )


def _track_reopen(request: HttpRequest, demand: Demand) -> HttpResponse:
    """群众申请重办 from the tracking page (the query code was checked): reopened, or the refusal said."""
    form = CitizenReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写申请重办的理由"))
        return redirect(request.get_full_path())
    try:
        services.demand_citizen_reopen(
            demand=demand,
            actor=request.user if request.user.is_authenticated else None,
            reason=form.cleaned_data["reason"],
            code_verified=True,
        )
        messages.success(request, _("已申请重办，承办单位将重新办理。"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(request.get_full_path())


@login_required
def mine(request: UserRequest) -> HttpResponse:
    page = Paginator(selectors.my_demands(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demands/mine.html", {"page": page})


# --- staff lists -----------------------------------------------------------------------------------------


# The list filters by parameter name, for saying which one is wrong.
FILTER_LABELS = {
    "q": gettext_lazy("关键词"),
    "ticket_no": gettext_lazy("工单编号"),
    "phone": gettext_lazy("联系电话"),
    "status": gettext_lazy("状态"),
    "type": gettext_lazy("诉求类型"),
    "urgency": gettext_lazy("紧急程度"),
    "category": gettext_lazy("分类"),
    "area": gettext_lazy("区域"),
    "unit": gettext_lazy("单位"),
    "date_from": gettext_lazy("开始日期"),
    "date_to": gettext_lazy("结束日期"),
    "queue": gettext_lazy("队列"),
    "supervised": gettext_lazy("督办"),
}


def search_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The staff lists' searches (关键词, 联系电话) share the API's per-user limit `staff_search`: a 429
    page before the list is read."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if any((request.GET.get(name) or "").strip() for name in ("q", "phone")) and (
            refused := page_search_throttled(request, "staff_search")
        ):
            return refused
        return view(request, *args, **kwargs)

    return wrapped


def _list_context(
    request: UserRequest, *, queues: list[str], default_queue: str, title: str
) -> dict[str, Any]:
    params = request.GET.copy()
    if "queue" not in params and default_queue:
        params["queue"] = default_queue
    filters, problems = selectors.DemandFilters.parse(params)
    if params.get("measure"):
        filters.ids = None
    qs = selectors.demand_list(user=request.user, filters=filters)
    if params.get("measure"):
        qs = _measure_filter(request, qs, params)
    qs = qs.only(*selectors.LIST_ONLY)
    page_number = as_page(params.get("page"))
    start, stop = (page_number - 1) * PAGE_SIZE, page_number * PAGE_SIZE + 1
    if filters.queue == "to_accept":
        # an operator-confirmed 特急 first, then a suspected one (intel's proposal never outranks a
        # person's judgement), then the others
        tiers = [Q(urgency=Urgency.CRITICAL), selectors.urgency_suspected_q()]
        rows = selectors.rows_tiered(qs, tiers, start=start, stop=stop)
    else:
        rows = list(qs[start:stop])
    count, capped = selectors.capped_count(qs, cap=1000)
    query = params.copy()
    query.pop("page", None)
    return {
        "title": title,
        "demands": rows[:PAGE_SIZE],
        "has_next": len(rows) > PAGE_SIZE,
        "page_number": page_number,
        "count": count,
        "count_capped": capped,
        "queues": [
            {"name": n, "label": QUEUE_LABELS.get(n, n), "count": c, "capped": cap}
            for n, (c, cap) in selectors.queue_counts(user=request.user, names=queues).items()
        ],
        "queue": params.get("queue", ""),
        "filter_problems": [
            f"{FILTER_LABELS.get(name, name)}：{'；'.join(texts)}" for name, texts in problems.items()
        ],
        "params": params,
        "query": query.urlencode(),
        "statuses": Status.choices,
        "types": DemandType.choices,
        "units": Unit.objects.filter(accepts_dispatch=True).only("id", "name").order_by("code"),
        "areas": Area.objects.filter(depth__lte=2).only("id", "name", "depth"),
        "categories": Category.objects.filter(level=1).only("id", "name"),
    }


def _measure_filter(
    request: HttpRequest, qs: QuerySet[Demand], params: Mapping[str, Any]
) -> QuerySet[Demand]:
    try:
        start, end = parse_day(params["start"]), parse_day(params["end"])
        unit, area = by_id(Unit, params.get("unit")), by_id(Area, params.get("area"))
        category = by_id(Category, params.get("category"))
        m = measures.measure_get(
            code=params["measure"], start=start, end=end, unit=unit, area=area, category=category
        )
    except (KeyError, ValueError):
        return qs.none()
    part = "denominator" if params.get("part") == "denominator" else "numerator"
    return qs.filter(m.demand_q(part))


@role_required(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
@search_limited
def workbench(request: UserRequest) -> HttpResponse:
    ctx = _list_context(
        request, queues=selectors.QUEUES["workbench"], default_queue="to_accept", title=_("受理工作台")
    )
    # 电话受理: the operator records a caller's demand on the submission form (channel 电话, urgency
    # theirs to set); only roles that may submit get the button (transitions.TABLE: not admin alone).
    ctx["intake_url"] = reverse("demands:submit") if request.user.has_role(Role.OPERATOR) else ""
    return _render_list(request, ctx, "demands:workbench")


@role_required(Role.HANDLER)
@search_limited
def unit_queue(request: UserRequest) -> HttpResponse:
    ctx = _list_context(
        request, queues=selectors.QUEUES["unit"], default_queue="to_sign", title=_("本单位工单")
    )
    return _render_list(request, ctx, "demands:unit_queue")


@role_required(Role.SUPERVISOR, Role.CADRE, Role.ADMIN)
@search_limited
def supervision(request: UserRequest) -> HttpResponse:
    ctx = _list_context(
        request, queues=selectors.QUEUES["supervision"], default_queue="overdue", title=_("督办")
    )
    return _render_list(request, ctx, "demands:supervision")


@staff_required
@search_limited
def demand_list_page(request: UserRequest) -> HttpResponse:
    ctx = _list_context(request, queues=[], default_queue="", title=_("工单查询"))
    return _render_list(request, ctx, "demands:list")


def _render_list(request: HttpRequest, ctx: dict[str, Any], url_name: str) -> HttpResponse:
    ctx["base_url"] = reverse(url_name)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "demand-list":
        return render(request, "demands/_list.html", ctx)
    return render(request, "demands/list.html", ctx)


@staff_required
def export(request: UserRequest) -> HttpResponse | StreamingHttpResponse:
    params = request.GET.copy()
    filters = selectors.DemandFilters.from_params(params)
    qs = selectors.demand_list(user=request.user, filters=filters)
    if params.get("measure"):
        qs = _measure_filter(request, qs, params)
    fmt = "xlsx" if params.get("format") == "xlsx" else "csv"
    return exporters.demands_export_response(qs=qs, user=request.user, fmt=fmt)


# --- detail and actions ------------------------------------------------------------------------------------


def detail_context(request: UserRequest, demand: Demand) -> dict[str, Any]:
    """Everything the detail page and its HTMX action panel need; the one place that builds it, also for
    the analysis app's confirm-category accept, which re-renders the same panel."""
    user = request.user
    allowed = services.demand_allowed_actions(demand=demand, actor=user)
    proposal = (
        routing_propose(category=demand.category, area=demand.area) if Action.DISPATCH in allowed else None
    )
    if proposal is not None and demand.status == Status.RETURNED and proposal.unit.pk == demand.lead_unit_id:
        proposal = None  # reviewing a return: never preselect the unit that just returned it
    assisting = list(demand.assisting_units.all())
    return {
        "demand": demand,
        "contact": selectors.demand_contact(user, demand),
        "texts": selectors.demand_texts(user, demand),
        "events": selectors.staff_timeline(user, demand),
        "attachments": list(demand.attachments.all()),
        "assisting": assisting,
        # 协办意见: what each assisting unit gave the lead unit, and which are missing (staff only)
        "assist_requests": selectors.assist_requests_of(demand, user) if assisting else [],
        "allowed": [(a, str(Action(a).label)) for a in allowed],
        "allowed_set": set(allowed),
        "proposal": proposal,
        "units": Unit.objects.filter(accepts_dispatch=True, is_active=True)
        .only("id", "name")
        .order_by("code")
        if Action.DISPATCH in allowed
        else [],
        "outcomes": Outcome.choices,
        "satisfactions": Satisfaction.choices,
        "appeal_reasons": AppealReason.choices,
        "contact_methods": ContactMethod.choices,
        "transfer_targets": TransferTarget.objects.filter(is_active=True)
        if Action.TRANSFER in allowed
        else [],
        "types": DemandType.choices,
        "urgencies": Urgency.choices,
        # the 受理 form's category select (first level, as intel suggests them); the intake panel reuses it
        "categories": list(Category.objects.filter(level=1, is_active=True).only("id", "name"))
        if Action.ACCEPT in allowed
        else [],
        "similar": intel_port.similar_demands(demand)
        if user.has_role(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
        else [],
        "suggestions": services.demand_intel_suggestions(demand=demand) if Action.ACCEPT in allowed else {},
        # 相关政策 beside the reply form (and for the operator accepting), so answers cite the policy.
        "policies": extensions.related_policies(demand)
        if {Action.REPLY, Action.ACCEPT, Action.ANSWER} & set(allowed)
        else [],
    }


@staff_required
def detail(request: UserRequest, pk: int) -> HttpResponse:
    try:
        demand = selectors.demand_get(user=request.user, pk=pk)
    except NotFound:
        if not selectors.demand_was_units(user=request.user, pk=pk):
            raise Http404 from None
        # a handler's inbox still links here after 改派: say why the work order is no longer theirs
        return render(request, "demands/moved_on.html", {"pk": pk}, status=410)
    return render(request, "demands/detail.html", detail_context(request, demand))


def _get_or_404(request: UserRequest, pk: int) -> Demand:
    try:
        return selectors.demand_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def demand_for_action(request: UserRequest, pk: int) -> Demand:
    """The demand a posted action is about (404 when the user may not see it), carrying the version the
    form showed, so that acting on a stale page is a conflict."""
    demand = _get_or_404(request, pk)
    version = as_id(request.POST.get("version"))
    if version:
        demand.version = version
    return demand


def action_response(
    request: UserRequest, pk: int, *, error: str | None, done: str | None, ok: str
) -> HttpResponse:
    """After a posted action: the refreshed panel for HTMX (with the error or what was done), else a
    message and a redirect to the demand."""
    demand = selectors.demand_get(user=request.user, pk=pk)
    if request.headers.get("HX-Request"):
        ctx = detail_context(request, demand)
        ctx["error"] = error
        ctx["done"] = None if error else done
        return render(request, "demands/_panel.html", ctx)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, ok)
    return redirect("demands:detail", pk=pk)


def _reference_args(post: Any) -> dict[str, Any]:
    """The posted arguments that name records (ids, a ticket number) or yes/no choices, parsed."""
    args: dict[str, Any] = {}
    if post.get("target"):
        args["target"] = as_id(post["target"]) or -1
    if post.get("unit"):
        args["unit"] = as_id(post["unit"])
    if post.getlist("assisting_units"):
        args["assisting_units"] = [n for u in post.getlist("assisting_units") if (n := as_id(u))]
    if post.get("days"):
        args["days"] = post["days"]
    if post.get("article"):
        args["article"] = as_id(post["article"]) or -1
    if post.get("parent"):
        parent = post["parent"].strip()
        found = selectors.Demand.objects.filter(ticket_no=parent).values_list("pk", flat=True).first()
        args["parent"] = found or as_id(parent) or -1
    if post.get("resolved") in ("0", "1"):  # nothing chosen: the service refuses by name, never guesses
        args["resolved"] = post["resolved"] == "1"
    if post.get("upheld") in ("0", "1"):
        args["upheld"] = post["upheld"] == "1"
    return args


def _accept_category(value: str) -> Category | None:
    """受理 with the category the operator confirmed (a suggestion picked, or chosen); None for an unknown or
    inactive one, which is refused by name, never ignored. The caller keeps a deeper category of the
    picked branch already on the demand (accepting never coarsens it)."""
    return Category.objects.filter(pk=as_id(value) or -1, is_active=True).first()


@staff_required
@require_POST
def act(request: UserRequest, pk: int) -> HttpResponse:
    demand = demand_for_action(request, pk)
    post = request.POST
    action = post.get("action", "")
    args: dict[str, Any] = {
        k: post.get(k)
        for k in (
            "note",
            "reason",
            "text",
            "outcome",
            "satisfaction",
            "type",
            "urgency",
            "reason_kind",
            "method",
            "reference",
        )
        if post.get(k)
    }
    if post.get("category") and action == Action.ACCEPT:
        category = _accept_category(post["category"])
        if category is None:
            return action_response(request, pk, error=_("分类不存在或已停用"), done=None, ok="")
        if not category.contains(demand.category):
            args["category"] = category
    args.update(_reference_args(post))
    # 答复附件: every file is checked before anything is written (a bad one is named); the reply and its
    # files are then saved in one transaction, together or not at all
    files = request.FILES.getlist("files") if action == Action.REPLY else []
    if problem := _reply_files_problem(files):
        return action_response(request, pk, error=problem, done=None, ok="")
    error = None
    try:
        demand = _transition_with_files(request, demand, action, args, files)
    except ApplicationError as exc:
        error = exc.message
        if exc.fields:
            error += " " + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in exc.fields.items())
    if not selectors.demand_is_visible(request.user, demand):
        messages.success(request, _("操作已完成。"))
        return _after_hidden(request)
    done = str(Action(action).label) if action in Action.values else None
    return action_response(request, pk, error=error, done=done, ok=_("操作已完成。"))


def _reply_files_problem(files: list[Any]) -> str:
    """What is wrong with the reply's attachments, naming the file ("" when all are good)."""
    try:
        reply_files_check(files)
    except ApplicationError as exc:
        return exc.message
    return ""


def _transition_with_files(
    request: UserRequest, demand: Demand, action: str, args: dict[str, Any], files: list[Any]
) -> Demand:
    """The action, and the reply's attachments in the same transaction: together or not at all."""
    with transaction.atomic():
        demand = services.demand_transition(demand=demand, actor=request.user, action=action, **args)
        if files:
            demand_reply_attach(demand=demand, actor=request.user, files=files)
    return demand


@staff_required
@require_POST
def reply_check(request: UserRequest, pk: int) -> HttpResponse:
    """The reply-quality check of the draft in the reply form, before it is sent (HTMX fragment)."""
    demand = _get_or_404(request, pk)
    text = (request.POST.get("text") or "").strip()
    result = intel_port.reply_check(demand, text) if text else None
    return render(request, "demands/_reply_check.html", {"result": result, "text": text})


def _after_hidden(request: UserRequest) -> HttpResponse:
    target = reverse("demands:unit_queue") if request.user.has_role(Role.HANDLER) else reverse("core:home")
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def attachment(request: UserRequest, pk: int) -> HttpResponseBase:
    """A demand's file, to whoever may see the demand. A citizen — the requester signed in, or anyone
    holding the ticket number and query code, given as on the tracking page (`ticket_no`, `code`, counted
    the same way) — has the reply attachments shown to them with the reply (not while it is held for
    review), and never the submission files of another's demand."""
    item = DemandAttachment.objects.select_related("demand").filter(pk=pk).first()
    if item is None:
        raise Http404
    user = request.user
    if user.is_authenticated and (
        selectors.demand_is_visible(user, item.demand)
        and (user.is_staff_member or item.purpose == AttachmentPurpose.SUBMISSION)
    ):
        return file_response(open_or_404(item.file), item.content_type, filename=item.original_name)
    if item.purpose == AttachmentPurpose.REPLY:
        tracked: list[Demand] = []
        if request.GET.get("ticket_no") and request.GET.get("code"):
            try:
                tracked = [
                    selectors.demand_track(
                        ticket_no=request.GET["ticket_no"],
                        code=request.GET["code"],
                        client=client_ip(request),
                    )
                ]
            except NotFound:
                raise Http404 from None
            except Throttled as exc:
                response = render(
                    request, "core/429.html", {"wait": exc.wait, "message": exc.message}, status=429
                )
                response["Retry-After"] = str(exc.wait)
                return response
        elif user.is_authenticated:  # the requester's own demand, or theirs merged into this one
            tracked = list(
                Demand.objects.select_related("merged_into").filter(
                    Q(pk=item.demand_id) | Q(merged_into_id=item.demand_id), requester_id=user.pk
                )
            )
        if any(item.pk in {a.pk for a in citizen_reply_attachments(d)} for d in tracked):
            return file_response(open_or_404(item.file), item.content_type, filename=item.original_name)
    if not user.is_authenticated and not request.GET.get("code"):
        return redirect_to_login(request.get_full_path())
    raise Http404


# --- stats -------------------------------------------------------------------------------------------------


def _month_bounds(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return previous, first


@role_required(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, Role.CADRE)
def stats(request: UserRequest) -> HttpResponse:
    status = 200
    try:
        values = measures.measures_for_user(request.user, request.GET)
    except ValidationFailed as exc:  # a bad period: say so, and show this month instead
        messages.error(request, exc.message)
        values = measures.measures_for_user(request.user, {})
        status = 400
    any_value = next(iter(values.values()))
    return render(
        request,
        "demands/stats.html",
        {
            "values": list(values.values()),
            "three": [values[c] for c in measures.THREE_RATES],
            "start": any_value.params["start"],
            "end": any_value.params["end"],
            "params": request.GET,
            "units": Unit.objects.filter(accepts_dispatch=True).only("id", "name").order_by("code"),
            "areas": Area.objects.filter(depth__lte=2).only("id", "name", "depth"),
            "categories": Category.objects.filter(level=1).only("id", "name"),
            "list_url": reverse("demands:list"),
        },
        status=status,
    )
