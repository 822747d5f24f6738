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
from lianxin.contact.access import OVERSEER_ROLES, SignedInRequest, cadre_named, may_view_cadre
from lianxin.contact.models import CoverageTarget
from lianxin.contact.periods import Period
from lianxin.contact.selectors import coverage_records, visit_list, visit_problem_list
from lianxin.core.errors import ApplicationError, ValidationFailed
from lianxin.core.files import file_response, open_or_404
from lianxin.core.params import as_id
from lianxin.demands.measures import LABELS
from lianxin.evaluation import selectors, services
from lianxin.evaluation.figures import EXTRA_RATES, SHOWN_RATES, Scope, cadre_scope, measure_trace
from lianxin.evaluation.models import ReportBatch
from lianxin.evaluation.report.gather import area_hot_issues
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


# A page's errors (ValidationFailed naming a bad period, NotFound, PermissionDenied, Conflict) are left to
# lianxin.core.middleware.ApplicationErrorMiddleware, which shows our page for their status and message.


def _period(request: HttpRequest) -> Period:
    """?period=YYYY-MM (or the form's), else the latest complete month; ValidationFailed when malformed."""
    raw = request.GET.get("period") or request.POST.get("period")
    if not raw:
        return selectors.default_period()
    return Period.parse(raw)


def _cadre_or_404(request: HttpRequest, ident: str) -> User:
    cadre = cadre_named(ident)
    if cadre is None or not may_view_cadre(request.user, cadre):
        raise Http404
    return cadre


def _with_months(period: Period, **ctx: Any) -> dict[str, Any]:
    """A page's context with its month and the months either side (evaluation/_period_nav.html)."""
    return {"period": period, "prev": period.previous(), "next": period.shift(1), **ctx}


def _card_page(
    request: HttpRequest,
    *,
    kind: str,
    subject: User | Unit,
    period: Period,
    card: selectors.ScoreRow,
    **ctx: Any,
) -> HttpResponse:
    """evaluation/card.html: a cadre's or a unit's card (`kind`), with the trend of its last months."""
    trend = selectors.card_trend(subject=subject, kind=kind, period=period)
    return render(
        request,
        "evaluation/card.html",
        _with_months(
            period,
            card=card,
            trend=trend,
            trend_labels=selectors.card_trend_labels(),
            subject=kind,
            subject_id=subject.pk,
            **{kind: subject},
            **ctx,
        ),
    )


@role_required("cadre", *OVERSEER_ROLES)
def scorecards(request: SignedInRequest) -> HttpResponse:
    """League tables for overseers; a cadre is taken to their own card."""
    period = _period(request)
    if not request.user.has_role(*OVERSEER_ROLES):
        return redirect(reverse("evaluation:cadre_card", args=[request.user.pk]) + f"?period={period}")
    ctx = _with_months(
        period, units=selectors.unit_league(period=period), cadres=selectors.cadre_league(period=period)
    )
    return render(request, "evaluation/scorecards.html", ctx)


@role_required("cadre", *OVERSEER_ROLES)
def cadre_card(request: SignedInRequest, ident: str) -> HttpResponse:
    cadre = _cadre_or_404(request, ident)
    period = _period(request)
    card = selectors.cadre_card(cadre=cadre, period=period)
    place, of = selectors.cadre_rank(cadre=cadre, period=period)
    return _card_page(request, kind="cadre", subject=cadre, period=period, card=card, rank=place, rank_of=of)


@role_required(*OVERSEER_ROLES)
def unit_card(request: SignedInRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    period = _period(request)
    card = selectors.unit_card(unit=unit, period=period)
    return _card_page(request, kind="unit", subject=unit, period=period, card=card)


@role_required("cadre", *OVERSEER_ROLES)
def records(request: SignedInRequest) -> HttpResponse:
    """The records behind one number: ?subject=cadre|unit&id=&period=&measure=&part=numerator|denominator."""
    subject, ident = request.GET.get("subject", ""), request.GET.get("id", "")
    measure, part = request.GET.get("measure", ""), request.GET.get("part", "numerator")
    period = _period(request)
    if part not in ("numerator", "denominator") or not as_id(ident):
        raise ValidationFailed(_("参数 part「%(part)s」或 id「%(id)s」无效") % {"part": part, "id": ident})
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
            ctx["visits"] = visits = list(visit_list(cadre=cadre, start=start, end=end))
            ctx["total"] = len(visits)
        else:
            solved = True if measure == "problems_solved" else None
            ctx["problems"] = problems = list(
                visit_problem_list(cadre=cadre, start=start, end=end, solved=solved)
            )
            ctx["total"] = len(problems)
        return render(request, "evaluation/records.html", ctx)
    if measure not in TRACEABLE:
        raise ValidationFailed(_("未知指标「%(measure)s」") % {"measure": measure})
    qs = measure_trace(code=measure, scope=scope, period=period, part=part).select_related(
        "lead_unit", "category"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ctx.update(page=page, total=page.paginator.count)
    return render(request, "evaluation/records.html", ctx)


@role_required("operator", "cadre", *OVERSEER_ROLES)
def dashboard(request: SignedInRequest) -> HttpResponse:
    period = _period(request)
    return render(
        request, "evaluation/dashboard.html", _with_months(period, tiles=settings.LIANXIN_MAP_TILES)
    )


@role_required("operator", "cadre", *OVERSEER_ROLES)
def dashboard_data(request: SignedInRequest) -> JsonResponse:
    # The dashboard's script reads this as JSON, errors included: not an error page.
    try:
        period = _period(request)
    except ApplicationError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=400)
    scope = selectors.dashboard_scope(request.user)
    data = selectors.dashboard_data(scope=scope, period=period)
    # A cadre's hot issues are those of their area; a cadre without one, and the city's staff, the city's.
    data["hot_issues"], data["hot_issues_note"] = area_hot_issues(area=scope.area, period=period)
    return JsonResponse(data)


# --- reports ---------------------------------------------------------------------------------------


@role_required("cadre", *OVERSEER_ROLES)
def reports(request: SignedInRequest) -> HttpResponse:
    """Report home: a cadre's months; overseers pick a cadre and start batches."""
    period = _period(request)
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
def report_detail(request: SignedInRequest, username: str, period: str) -> HttpResponse:
    cadre = _cadre_or_404(request, username)
    month = Period.parse(period)
    if request.method == "POST":
        # A refused save or finalise (not the cadre's own report, already final) is said on the report
        # page itself, as a message above the form: not an error page.
        finalise = "finalise" in request.POST
        try:
            services.report_save(
                cadre=cadre,
                period=month,
                actor=request.user,
                issues_text=request.POST.get("issues_text"),
                plans_text=request.POST.get("plans_text", ""),
                finalise=finalise,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("报告已定稿归档。") if finalise else _("已保存。"))
        return redirect("evaluation:report", username=cadre.username, period=str(month))
    content = services.report_content(cadre=cadre, period=month, actor=request.user)
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
def report_download(request: SignedInRequest, username: str, period: str, fmt: str) -> FileResponse:
    cadre = _cadre_or_404(request, username)
    month = Period.parse(period)
    data = services.report_render(cadre=cadre, period=month, fmt=fmt, actor=request.user)
    types = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    # Named as in a batch's zip: username, name (UTF-8 in Content-Disposition), month.
    filename = f"{cadre.username}-{cadre}-{month}.{fmt}"
    return file_response(io.BytesIO(data), types[fmt], filename=filename, as_attachment=True)


@require_POST
@role_required(*OVERSEER_ROLES)
def batch_start(request: SignedInRequest) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=request.POST.get("unit") or 0)
    period = Period.parse(request.POST.get("period"))  # the form always names its month
    batch = services.report_batch_start(
        unit=unit, period=period, fmt=request.POST.get("format", "pdf"), actor=request.user
    )
    return redirect("evaluation:batch", pk=batch.pk)


@role_required(*OVERSEER_ROLES)
def batch_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ReportBatch.objects.select_related("unit"), pk=pk)
    template = (
        "evaluation/_batch_progress.html" if request.headers.get("HX-Request") else "evaluation/batch.html"
    )
    return render(request, template, {"batch": batch})


@role_required(*OVERSEER_ROLES)
def batch_download(request: SignedInRequest, pk: int) -> FileResponse:
    """A batch's zip, to those who start and see batches (the batch page's rule); 404 until it exists."""
    batch = get_object_or_404(ReportBatch.objects.select_related("unit"), pk=pk)
    if not batch.archive:
        raise Http404
    filename = f"{batch.unit.name}-{batch.period}-{batch.fmt}.zip"
    return file_response(open_or_404(batch.archive), "application/zip", filename=filename, as_attachment=True)
