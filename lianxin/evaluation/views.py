"""Pages of evaluation: scorecards and league tables, traced records, dashboards, reports and batches."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.accounts.models import User, role_q
from lianxin.accounts.permissions import role_required
from lianxin.contact.access import OVERSEER_ROLES, cadre_named, may_view_cadre
from lianxin.contact.models import CoverageTarget
from lianxin.contact.periods import Period
from lianxin.contact.selectors import coverage_records, visit_list, visit_problem_list
from lianxin.core.errors import ApplicationError
from lianxin.core.files import file_response, open_or_404
from lianxin.core.params import as_id
from lianxin.demands.measures import LABELS
from lianxin.evaluation import selectors, services
from lianxin.evaluation.figures import EXTRA_RATES, SHOWN_RATES, Scope, cadre_scope, measure_trace
from lianxin.evaluation.models import ReportBatch
from lianxin.evaluation.report.gather import hot_issues_for
from lianxin.org.models import Unit

TRACEABLE = {*SHOWN_RATES, *EXTRA_RATES, "received", "overdue", "closed_resolved"}
# The visit lists behind a cadre's contact figures, with their headings (demand measures use LABELS).
CONTACT_RECORDS = {
    "visits": gettext_lazy("走访次数"),
    "problems": gettext_lazy("走访发现问题"),
    "problems_solved": gettext_lazy("走访问题解决"),
}
# The contact points / households behind the coverage figures: numerator covered, denominator assigned.
COVERAGE_RECORDS = {
    "point_coverage": (CoverageTarget.POINT, gettext_lazy("联系点覆盖")),
    "household_coverage": (CoverageTarget.HOUSEHOLD, gettext_lazy("联系户覆盖")),
}


def _period(request: HttpRequest) -> Period:
    raw = request.GET.get("period") or request.POST.get("period")
    if not raw:
        return selectors.default_period()
    return Period.parse(raw)


def _bad(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "contact/bad_request.html", {"message": exc.message}, status=400)


def _cadre_or_404(request: HttpRequest, ident: str) -> User:
    cadre = cadre_named(ident)
    if cadre is None or not may_view_cadre(request.user, cadre):
        raise Http404
    return cadre


@role_required("cadre", *OVERSEER_ROLES)
def scorecards(request: HttpRequest) -> HttpResponse:
    """League tables for overseers; a cadre is taken to their own card."""
    try:
        period = _period(request)
    except ApplicationError as exc:
        return _bad(request, exc)
    if not request.user.has_role(*OVERSEER_ROLES):
        return redirect(reverse("evaluation:cadre_card", args=[request.user.pk]) + f"?period={period}")
    ctx = {
        "period": period,
        "units": selectors.unit_league(period=period),
        "cadres": selectors.cadre_league(period=period),
        "prev": period.previous(),
        "next": period.shift(1),
    }
    return render(request, "evaluation/scorecards.html", ctx)


@role_required("cadre", *OVERSEER_ROLES)
def cadre_card(request: HttpRequest, ident: str) -> HttpResponse:
    cadre = _cadre_or_404(request, ident)
    try:
        period = _period(request)
    except ApplicationError as exc:
        return _bad(request, exc)
    card = selectors.cadre_card(cadre=cadre, period=period)
    place, of = selectors.cadre_rank(cadre=cadre, period=period)
    trend = selectors.card_trend(subject=cadre, kind="cadre", period=period)
    return render(
        request,
        "evaluation/card.html",
        {
            "card": card,
            "cadre": cadre,
            "period": period,
            "rank": place,
            "rank_of": of,
            "trend": trend,
            "trend_labels": selectors.card_trend_labels(),
            "subject": "cadre",
            "subject_id": cadre.pk,
            "prev": period.previous(),
            "next": period.shift(1),
        },
    )


@role_required(*OVERSEER_ROLES)
def unit_card(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    try:
        period = _period(request)
    except ApplicationError as exc:
        return _bad(request, exc)
    card = selectors.unit_card(unit=unit, period=period)
    trend = selectors.card_trend(subject=unit, kind="unit", period=period)
    return render(
        request,
        "evaluation/card.html",
        {
            "card": card,
            "unit": unit,
            "period": period,
            "trend": trend,
            "trend_labels": selectors.card_trend_labels(),
            "subject": "unit",
            "subject_id": unit.pk,
            "prev": period.previous(),
            "next": period.shift(1),
        },
    )


@role_required("cadre", *OVERSEER_ROLES)
def records(request: HttpRequest) -> HttpResponse:
    """The records behind one number: ?subject=cadre|unit&id=&period=&measure=&part=numerator|denominator."""
    subject, ident = request.GET.get("subject", ""), request.GET.get("id", "")
    measure, part = request.GET.get("measure", ""), request.GET.get("part", "numerator")
    try:
        period = _period(request)
    except ApplicationError as exc:
        return _bad(request, exc)
    if part not in ("numerator", "denominator") or not as_id(ident):
        return _bad(
            request,
            ApplicationError(_("参数 part「%(part)s」或 id「%(id)s」无效") % {"part": part, "id": ident}),
        )
    if subject == "cadre":
        cadre = _cadre_or_404(request, ident)
        scope, name = cadre_scope(cadre), str(cadre)
    elif subject == "unit" and request.user.has_role(*OVERSEER_ROLES):
        unit = get_object_or_404(Unit, pk=as_id(ident))
        scope, name = Scope(unit=unit), unit.name
    else:
        raise Http404
    coverage = COVERAGE_RECORDS.get(measure)
    label = LABELS.get(measure) or CONTACT_RECORDS.get(measure) or (coverage and coverage[1]) or measure
    ctx: dict[str, Any] = {
        "name": name,
        "period": period,
        "measure": measure,
        "measure_label": str(label),
        "part": part,
    }
    if coverage is not None and subject == "cadre":
        items = coverage_records(cadre=cadre, start=period.first_day, end=period.last_day, target=coverage[0])
        if part == "numerator":
            items = [i for i in items if i.covered]
        ctx.update(coverage_items=items, target=coverage[0], total=len(items))
        return render(request, "evaluation/records.html", ctx)
    if measure in CONTACT_RECORDS and subject == "cadre":
        start, end = period.first_day, period.last_day
        if measure == "visits":
            ctx["visits"] = rows = list(visit_list(cadre=cadre, start=start, end=end))
        else:
            ctx["problems"] = rows = list(
                visit_problem_list(
                    cadre=cadre, start=start, end=end, solved=True if measure == "problems_solved" else None
                )
            )
        ctx["total"] = len(rows)
        return render(request, "evaluation/records.html", ctx)
    if measure not in TRACEABLE:
        return _bad(request, ApplicationError(_("未知指标「%(measure)s」") % {"measure": measure}))
    qs = measure_trace(code=measure, scope=scope, period=period, part=part).select_related(
        "lead_unit", "category"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ctx.update(page=page, total=page.paginator.count)
    return render(request, "evaluation/records.html", ctx)


@role_required("operator", "cadre", *OVERSEER_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    try:
        period = _period(request)
    except ApplicationError as exc:
        return _bad(request, exc)
    return render(
        request,
        "evaluation/dashboard.html",
        {
            "period": period,
            "tiles": settings.LIANXIN_MAP_TILES,
            "prev": period.previous(),
            "next": period.shift(1),
        },
    )


@role_required("operator", "cadre", *OVERSEER_ROLES)
def dashboard_data(request: HttpRequest) -> JsonResponse:
    try:
        period = _period(request)
    except ApplicationError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=400)
    scope = selectors.dashboard_scope(request.user)
    data = selectors.dashboard_data(scope=scope, period=period)
    if scope.area is not None:
        hot, note = hot_issues_for(request.user, period)
    else:
        hot, note = _city_hot_issues(request.user, period)
    data["hot_issues"], data["hot_issues_note"] = hot, note
    return JsonResponse(data)


def _city_hot_issues(user: Any, period: Period) -> tuple[list[str], str]:
    class _City:
        area_scope = None
        pk = user.pk

    return hot_issues_for(_City(), period)


# --- reports ---------------------------------------------------------------------------------------


@role_required("cadre", *OVERSEER_ROLES)
def reports(request: HttpRequest) -> HttpResponse:
    """Report home: a cadre's months; overseers pick a cadre and start batches."""
    try:
        period = _period(request)
    except ApplicationError as exc:
        return _bad(request, exc)
    overseer = request.user.has_role(*OVERSEER_ROLES)
    if request.GET.get("cadre"):
        cadre = _cadre_or_404(request, request.GET["cadre"])
    elif request.user.has_role("cadre"):
        cadre = request.user
    else:
        cadre = None
    months = [period.shift(-i) for i in range(6)]
    ctx: dict[str, Any] = {"period": period, "cadre": cadre, "months": months, "overseer": overseer}
    if cadre is not None:
        existing = {r.period: r for r in cadre.contact_reports.all()}
        ctx["rows"] = [(m, existing.get(str(m))) for m in months]
    if overseer:
        ctx["cadres"] = (
            User.objects.filter(role_q("cadre"), is_active=True)
            .select_related("unit")
            .order_by("unit__code", "pk")
        )
        ctx["units"] = Unit.objects.filter(members__roles__contains="cadre").distinct().order_by("code")
        ctx["batches"] = ReportBatch.objects.select_related("unit")[:10]
    return render(request, "evaluation/reports.html", ctx)


@role_required("cadre", *OVERSEER_ROLES)
def report_detail(request: HttpRequest, username: str, period: str) -> HttpResponse:
    cadre = _cadre_or_404(request, username)
    try:
        month = Period.parse(period)
    except ApplicationError as exc:
        return _bad(request, exc)
    if request.method == "POST":
        try:
            if "finalise" in request.POST:
                if request.POST.get("issues_text") is not None:
                    services.report_draft_save(
                        cadre=cadre,
                        period=month,
                        actor=request.user,
                        issues_text=request.POST.get("issues_text", ""),
                        plans_text=request.POST.get("plans_text", ""),
                    )
                services.report_finalise(cadre=cadre, period=month, actor=request.user)
                messages.success(request, _("报告已定稿归档。"))
            else:
                services.report_draft_save(
                    cadre=cadre,
                    period=month,
                    actor=request.user,
                    issues_text=request.POST.get("issues_text", ""),
                    plans_text=request.POST.get("plans_text", ""),
                )
                messages.success(request, _("已保存。"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("evaluation:report", username=cadre.username, period=str(month))
        return redirect("evaluation:report", username=cadre.username, period=str(month))
    try:
        content = services.report_content(cadre=cadre, period=month, actor=request.user)
    except ApplicationError as exc:  # a month that has not begun
        return _bad(request, exc)
    report = cadre.contact_reports.filter(period=str(month)).first()
    return render(
        request,
        "evaluation/report.html",
        {
            "cadre": cadre,
            "period": month,
            "content": content,
            "report": report,
            "own": cadre.pk == request.user.pk,
        },
    )


@role_required("cadre", *OVERSEER_ROLES)
def report_download(request: HttpRequest, username: str, period: str, fmt: str) -> HttpResponse:
    cadre = _cadre_or_404(request, username)
    try:
        month = Period.parse(period)
        data = services.report_render(cadre=cadre, period=month, fmt=fmt, actor=request.user)
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _bad(request, exc)
    types = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    # Named as in a batch's zip: username, name (UTF-8 in Content-Disposition), month.
    filename = f"{cadre.username}-{cadre}-{month}.{fmt}"
    return file_response(io.BytesIO(data), types[fmt], filename=filename, as_attachment=True)


@require_POST
@role_required(*OVERSEER_ROLES)
def batch_start(request: HttpRequest) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=request.POST.get("unit") or 0)
    try:
        period = Period.parse(request.POST.get("period"))
        batch = services.report_batch_start(
            unit=unit, period=period, fmt=request.POST.get("format", "pdf"), actor=request.user
        )
    except ApplicationError as exc:
        return _bad(request, exc)
    return redirect("evaluation:batch", pk=batch.pk)


@role_required(*OVERSEER_ROLES)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ReportBatch.objects.select_related("unit"), pk=pk)
    template = (
        "evaluation/_batch_progress.html" if request.headers.get("HX-Request") else "evaluation/batch.html"
    )
    return render(request, template, {"batch": batch})


@role_required(*OVERSEER_ROLES)
def batch_download(request: HttpRequest, pk: int) -> FileResponse:
    """A batch's zip, to those who start and see batches (the batch page's rule); 404 until it exists."""
    batch = get_object_or_404(ReportBatch.objects.select_related("unit"), pk=pk)
    if not batch.archive:
        raise Http404
    filename = f"{batch.unit.name}-{batch.period}-{batch.fmt}.zip"
    return file_response(open_or_404(batch.archive), "application/zip", filename=filename, as_attachment=True)
