"""Pages of mediation: the mediator's workbench, the case list (the records behind the figures), the
new-case form, a case with its timeline and action forms, the agreement document and signed scan, and
the statistics. Thin: each parses input and calls one service or selector."""

from __future__ import annotations

import io
import re
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.http import UserRequest
from lianxin.accounts.permissions import role_required
from lianxin.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from lianxin.core.files import file_response, open_or_404
from lianxin.core.params import as_id, as_page
from lianxin.demands.models import Demand
from lianxin.demands.selectors import demand_is_visible, may_see_contact
from lianxin.mediation import documents, selectors, services
from lianxin.mediation.access import party_view, sees_personal_data
from lianxin.mediation.api import ActionSerializer, CaseCreateSerializer, case_open_from, list_filters
from lianxin.mediation.choices import (
    Action,
    DisputeType,
    Level,
    PartyRole,
    Performance,
    ReferralTo,
    Risk,
    Status,
)
from lianxin.mediation.forms import CaseForm, PartyFormSet, parties_of
from lianxin.mediation.models import Case
from lianxin.mediation.transitions import OPENERS

PAGE_SIZE = 50


def _labelled(cases: list[Case]) -> list[Case]:
    """The cases with their choice labels resolved once per list (`get_FOO_display` translates every
    choice on each call: 600 calls cost half a second on the workbench)."""
    labels = {
        field: {code: str(label) for code, label in choices.choices}
        for field, choices in (("type", DisputeType), ("risk", Risk), ("level", Level), ("status", Status))
    }
    for case in cases:
        for field, names in labels.items():
            setattr(case, f"{field}_label", names.get(getattr(case, field), getattr(case, field)))
    return cases


@role_required(*OPENERS)
def workbench(request: UserRequest) -> HttpResponse:
    today = timezone.localdate()
    bench = selectors.workbench(user=request.user, today=today)
    for rows in (bench.mine, bench.due_soon, bench.overdue):
        _labelled(rows)
    return render(request, "mediation/workbench.html", {"bench": bench, "today": today})


@role_required(*OPENERS)
def cases(request: UserRequest) -> HttpResponse:
    try:
        filters = list_filters(request.GET)
    except ValidationFailed:
        filters = {}  # a list page's query string is edited by hand: a bad filter is ignored
    qs = selectors.case_list(user=request.user, **filters).order_by("-opened_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(as_page(request.GET.get("page")))
    page.object_list = _labelled(list(page.object_list))
    return render(request, "mediation/cases.html", {"page": page, "filters": filters})


def _prefill(request: UserRequest) -> tuple[dict[str, Any], list[dict[str, Any]], Demand | None]:
    """Initial values of the form opened from a demand (its title, content, area and caller)."""
    pk = as_id(request.GET.get("demand"))
    if not pk:
        return {}, [], None
    demand = Demand.objects.select_related("area").filter(pk=pk).first()
    if demand is None or not demand_is_visible(request.user, demand):
        raise Http404
    initial = {"title": demand.title, "summary": demand.content, "area": demand.area_id, "demand": demand.pk}
    parties = []
    if demand.contact_name and may_see_contact(request.user, demand):
        parties.append(
            {"name": demand.contact_name, "phone": demand.contact_phone, "role": PartyRole.APPLICANT}
        )
    return initial, parties, demand


@role_required(*OPENERS)
def case_new(request: UserRequest) -> HttpResponse:
    if request.method == "POST":
        form = CaseForm(request.POST)
        formset = PartyFormSet(request.POST, prefix="parties")
        demand = None
        if form.is_valid() and formset.is_valid():
            body = CaseCreateSerializer(data=form.body(parties_of(formset)))
            try:
                body.is_valid(raise_exception=False)
                if body.errors:
                    raise ValidationFailed(
                        _("请检查填写的内容"),
                        fields={
                            k: [str(e) for e in v] if isinstance(v, list) else [str(v)]
                            for k, v in body.errors.items()
                        },
                    )
                case = case_open_from(dict(body.validated_data), request.user)
            except ApplicationError as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(
                            field if field in form.fields else None,
                            f"{field}: {error}" if field not in form.fields else error,
                        )
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("已受理纠纷案件 %(no)s") % {"no": case.case_no})
                return redirect("mediation:case", pk=case.pk)
        status = 400
    else:
        initial, parties, demand = _prefill(request)
        form = CaseForm(initial=initial)
        formset = PartyFormSet(prefix="parties", initial=parties or None)
        status = 200
    return render(
        request,
        "mediation/case_form.html",
        {"form": form, "formset": formset, "demand": demand},
        status=status,
    )


def _detail_context(request: UserRequest, case: Case) -> dict[str, Any]:
    whole = sees_personal_data(request.user, case)
    return {
        "case": case,
        "parties": [{"obj": p, **party_view(p, whole=whole)} for p in case.parties.all()],
        "mediators": list(case.mediator_links.select_related("user")),
        "sessions": list(case.sessions.select_related("mediator")),
        "follow_ups": list(case.follow_ups.all()),
        "events": list(case.events.select_related("actor")),
        "allowed": services.allowed_actions(request.user, case),
        "action_labels": dict(Action.choices),
        "whole": whole,
        "choices": {
            "risk": Risk.choices,
            "level": Level.choices,
            "referral_to": ReferralTo.choices,
            "performance": Performance.choices,
        },
        "today": timezone.localdate(),
    }


@role_required(*OPENERS)
def case_detail(request: UserRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    return render(request, "mediation/case_detail.html", _detail_context(request, case))


@role_required(*OPENERS)
def case_act(request: UserRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("mediation:case", pk=pk)
    case = selectors.case_get(user=request.user, pk=pk)
    data = request.POST.copy()
    for key in [k for k in data if not any(v.strip() for v in data.getlist(k))]:
        del data[key]  # a field left empty is not given
    if "mediators" in data:  # typed as "3, 5" in the assign form
        data.setlist(
            "mediators", [x for v in data.getlist("mediators") for x in re.split(r"[,，\s]+", v) if x]
        )
    for key, upload in request.FILES.items():
        data[key] = upload  # type: ignore[assignment]  # a QueryDict holds files too
    body = ActionSerializer(data=data)
    error = ""
    if not body.is_valid():
        error = "; ".join(
            f"{k}: {' '.join(str(e) for e in v)}" if isinstance(v, list) else f"{k}: {v}"
            for k, v in body.errors.items()
        )
    else:
        args = dict(body.validated_data)
        action = args.pop("action")
        version = args.pop("version", None)
        try:
            services.case_act(case=case, actor=request.user, action=action, version=version, **args)
        except ApplicationError as exc:
            fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            error = exc.message + (f"（{fields}）" if fields and fields not in exc.message else "")
        else:
            messages.success(request, _("已%(action)s") % {"action": Action(action).label})
            try:
                selectors.case_get(user=request.user, pk=pk)
            except ApplicationError:
                return redirect("mediation:workbench")
            return redirect("mediation:case", pk=pk)
    case = selectors.case_get(user=request.user, pk=pk)
    context = _detail_context(request, case)
    context["error"] = error
    context["failed_action"] = request.POST.get("action", "")
    return render(request, "mediation/case_detail.html", context, status=400)


def _whole_or_403(request: UserRequest, pk: int) -> Case:
    case = selectors.case_get(user=request.user, pk=pk)
    if not sees_personal_data(request.user, case):
        raise PermissionDenied(_("协议书含当事人完整信息，仅调解员、督查和管理员可下载"))
    return case


@role_required(*OPENERS)
def agreement(request: UserRequest, pk: int, kind: str) -> HttpResponseBase:
    case = _whole_or_403(request, pk)
    content, content_type, filename = documents.agreement_document(case, kind)
    return file_response(io.BytesIO(content), content_type, filename=filename, as_attachment=True)


@role_required(*OPENERS)
def scan(request: UserRequest, pk: int) -> HttpResponseBase:
    case = _whole_or_403(request, pk)
    if not case.agreement_scan:
        raise Http404
    suffix = case.agreement_scan.name.rsplit(".", 1)[-1]
    return file_response(
        open_or_404(case.agreement_scan),
        case.agreement_scan_type or "application/octet-stream",
        filename=f"{case.case_no}-signed.{suffix}",
    )


@role_required(*OPENERS)
def stats(request: UserRequest) -> HttpResponse:
    try:
        filters = list_filters(request.GET)
    except ValidationFailed:
        filters = {}
    figures = selectors.case_stats(user=request.user, since=filters.get("since"), until=filters.get("until"))
    return render(request, "mediation/stats.html", {"s": figures, "filters": filters})
