"""Pages of evaluation: scorecards and league tables, traced records, dashboards, reports and batches."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.accounts.models import Role, User, role_q
from lianxin.accounts.permissions import role_required
from lianxin.contact.access import OVERSEER_ROLES, SignedInRequest, cadre_named, may_view_cadre
from lianxin.contact.models import CoverageTarget
from lianxin.contact.selectors import coverage_records, visit_list, visit_problem_list
from lianxin.core.errors import ApplicationError, Conflict, ValidationFailed
from lianxin.core.files import file_response, open_or_404
from lianxin.core.params import as_id
from lianxin.demands.choices import AppealStatus, Satisfaction
from lianxin.demands.measures import LABELS
from lianxin.demands.models import Demand, DemandAppeal, Judgement
from lianxin.demands.selectors import visible_demand_ids
from lianxin.evaluation import selectors, services
from lianxin.evaluation.figures import (
    APPEAL_EXCLUDED,
    EXTRA_RATES,
    OVERDUE_OPEN,
    SHOWN_RATES,
    Scope,
    cadre_scope,
    excluded_steps,
    measure_steps,
    measure_trace,
)
from lianxin.evaluation.models import ReportBatch
from lianxin.evaluation.report.content import TREND_RATES, ReportContent, is_narrative_key, pct
from lianxin.evaluation.report.gather import RECORD_FILTER_LABELS, record_filter_q
from lianxin.evaluation.scoring import rank_min_sample
from lianxin.evaluation.selectors import PERIOD_KINDS, Period
from lianxin.org.models import Unit

TRACEABLE = {*SHOWN_RATES, *EXTRA_RATES, "received", "overdue", "closed_resolved", OVERDUE_OPEN}
# Figures of evaluation's own beside the measures (figures.OVERDUE_OPEN).
FIGURE_LABELS = {OVERDUE_OPEN: gettext_lazy("超期未办结")}
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
    """?period=YYYY-MM, YYYY-Qn or YYYY (or the form's), else the latest complete period of ?kind=
    (month by default); ValidationFailed naming the value when it is none of these."""
    raw = request.GET.get("period") or request.POST.get("period")
    if not raw:
        kind = request.GET.get("kind", "month")
        return selectors.default_period(kind if kind in PERIOD_KINDS else "month")
    return Period.parse(raw)


def _cadre_or_404(request: HttpRequest, ident: str) -> User:
    cadre = cadre_named(ident)
    if cadre is None or not may_view_cadre(request.user, cadre):
        raise Http404
    return cadre


def _openable(user: User, ids: Iterable[int]) -> set[int]:
    """Which of these demands `user` may open at demands:detail (the demands app's rule; who sees all
    opens all, without asking the database)."""
    return set(ids) if user.sees_all else visible_demand_ids(user, ids)


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


@role_required(Role.CADRE, *OVERSEER_ROLES)
def scorecards(request: SignedInRequest) -> HttpResponse:
    """League tables for overseers; a cadre gets their workbench (their card's figures among what is
    theirs to do), which is also their home page (core:home sends cadres here)."""
    period = _period(request)
    if not request.user.has_role(*OVERSEER_ROLES):
        return cadre_workbench(request, period)
    ctx = _with_months(
        period,
        units=selectors.unit_league(period=period),
        cadres=selectors.cadre_league(period=period),
        min_sample=rank_min_sample(),
    )
    return render(request, "evaluation/scorecards.html", ctx)


def cadre_workbench(request: SignedInRequest, period: Period) -> HttpResponse:
    """我的工作台: the signed-in cadre's contact work due, visit problems, overdue and supervised demands
    of their area, scorecard summary and reports to finish."""
    bench = selectors.cadre_workbench(cadre=request.user, period=period)
    return render(request, "evaluation/workbench.html", _with_months(period, bench=bench))


@role_required(Role.CADRE, *OVERSEER_ROLES)
def cadre_card(request: SignedInRequest, ident: str) -> HttpResponse:
    cadre = _cadre_or_404(request, ident)
    period = _period(request)
    card = selectors.cadre_card(cadre=cadre, period=period)
    card.excluded = excluded_steps(scope=cadre_scope(cadre), period=period).count()
    place, of = selectors.cadre_rank(cadre=cadre, period=period)
    return _card_page(request, kind="cadre", subject=cadre, period=period, card=card, rank=place, rank_of=of)


@role_required(*OVERSEER_ROLES)
def unit_card(request: SignedInRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    period = _period(request)
    card = selectors.unit_card(unit=unit, period=period)
    card.excluded = excluded_steps(scope=Scope(unit=unit), period=period).count()
    return _card_page(request, kind="unit", subject=unit, period=period, card=card)


def _records_subject(request: SignedInRequest, subject: str, ident: str) -> tuple[Scope, str, Any]:
    """The scope, name and cadre (None unless subject=cadre) of a records page; 404 beyond the viewer's."""
    if subject == "city" and request.user.has_role(*selectors.CITY_ROLES):
        return Scope(), str(_("全市")), None
    if subject == "cadre" and request.user.has_role(Role.CADRE, *OVERSEER_ROLES):
        cadre = _cadre_or_404(request, ident)
        return cadre_scope(cadre), str(cadre), cadre
    if subject == "unit" and request.user.has_role(*OVERSEER_ROLES):
        unit = get_object_or_404(Unit, pk=as_id(ident))
        return Scope(unit=unit), unit.name, None
    raise Http404


@role_required(Role.OPERATOR, Role.CADRE, *OVERSEER_ROLES)
def records(request: SignedInRequest) -> HttpResponse:
    """The records behind one number: ?subject=cadre|unit|city&id=&period=&measure=&part=numerator|denominator,
    narrowed to a dashboard chart element by ?area= ?category= ?exclude= ?unit= ?day= ?issue=
    (selectors.Narrowing). subject=city is the dashboard of operators, supervisors and admins."""
    subject, ident = request.GET.get("subject", ""), request.GET.get("id", "")
    measure, part = request.GET.get("measure", ""), request.GET.get("part", "numerator")
    period = _period(request)
    if part not in ("numerator", "denominator") or (subject != "city" and not as_id(ident)):
        raise ValidationFailed(_("参数 part「%(part)s」或 id「%(id)s」无效") % {"part": part, "id": ident})
    scope, name, cadre = _records_subject(request, subject, ident)
    coverage = COVERAGE_RECORDS.get(measure)
    label = (
        LABELS.get(measure)
        or FIGURE_LABELS.get(measure)
        or CONTACT_RECORDS.get(measure)
        or (coverage and coverage[1])
        or measure
    )
    ctx: dict[str, Any] = {
        "name": name,
        "period": period,
        "measure": measure,
        "measure_label": str(label),
        "part": part,
        # Rates and coverage have two lists (numerator, denominator); a count has one.
        "part_shown": measure in (*SHOWN_RATES, *EXTRA_RATES, *COVERAGE_RECORDS),
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
            ctx["openable"] = _openable(request.user, (p.demand_id for p in problems if p.demand_id))
        return render(request, "evaluation/records.html", ctx)
    if measure == APPEAL_EXCLUDED:
        ctx.update(measure_label=str(_("申诉核减")), appeals=True)
        return _steps_page(request, ctx, excluded_steps(scope=scope, period=period), appeal_reasons)
    narrowing = selectors.Narrowing.from_params(request.GET)
    if measure == selectors.HOT_ISSUE and narrowing.issues:
        qs = Demand.objects.filter(scope.q()).order_by("-created_at", "-id")
        label = _("热点问题")
    elif measure in TRACEABLE:
        qs = measure_trace(code=measure, scope=scope, period=period, part=part)
    else:
        raise ValidationFailed(_("未知指标「%(measure)s」") % {"measure": measure})
    if narrowing:
        narrowed, words = narrowing.q_and_labels()
        qs = qs.filter(narrowed)
        label = " · ".join([str(label), *words])
    ctx["measure_label"] = str(label)
    ctx["due_shown"] = measure in ("overdue", OVERDUE_OPEN)
    qs = qs.select_related("lead_unit", "category")
    if request.GET.get("filter"):  # a named part of the list: the report's 在办, 督办, 矛盾纠纷…
        name = request.GET["filter"]
        part_q = record_filter_q(name)
        if part_q is None:
            raise ValidationFailed(_("未知筛选「%(filter)s」") % {"filter": name})
        qs = qs.filter(part_q)
        ctx["measure_label"] = f"{label} · {RECORD_FILTER_LABELS[name]}"
    traced = measure in TRACEABLE
    steps = measure_steps(code=measure, scope=scope, period=period, part=part) if traced else None
    if steps is not None:  # a judged rate counts steps: list the steps, as many as the figure
        return _steps_page(request, ctx, steps.filter(demand__in=qs.values("pk")), _satisfaction_labels)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # Each demand links to its page when the user may open it there (the demands app's rule), else text.
    openable = _openable(request.user, (d.pk for d in page))
    ctx.update(
        page=page,
        total=page.paginator.count,
        rows=[(d, d.pk in openable) for d in page],
        now=timezone.now(),
    )
    return render(request, "evaluation/records.html", ctx)


def _steps_page(
    request: SignedInRequest,
    ctx: dict[str, Any],
    steps: QuerySet[Judgement],
    extra: Callable[[Any], dict[tuple[int, int | None], str]],
) -> HttpResponse:
    """The records page as a list of judged steps, 50 a page, each with the text `extra` gives it."""
    page = Paginator(steps.select_related("demand", "unit"), 50).get_page(request.GET.get("page"))
    texts = extra(page)
    openable = _openable(request.user, (j.demand_id for j in page))
    ctx.update(
        page=page,
        steps=True,
        total=page.paginator.count,
        rows=[(j, j.demand_id in openable, texts.get((j.demand_id, j.unit_id), "")) for j in page],
    )
    return render(request, "evaluation/records.html", ctx)


def _satisfaction_labels(steps: Any) -> dict[tuple[int, int | None], str]:
    labels = dict(Satisfaction.choices)
    return {
        (j.demand_id, j.unit_id): str(labels.get(j.satisfaction, j.satisfaction))
        for j in steps
        if j.satisfaction
    }


def appeal_reasons(steps: Any) -> dict[tuple[int, int | None], str]:
    """(demand, unit) → the upheld appeal's reason as the exclusion list prints it."""
    keys = {(j.demand_id, j.unit_id) for j in steps}
    appeals = DemandAppeal.objects.filter(
        status=AppealStatus.UPHELD, demand_id__in={k[0] for k in keys}
    ).order_by("decided_at", "id")
    return {
        (a.demand_id, a.unit_id): f"{a.get_reason_kind_display()}：{a.reason}"
        + (f"（{a.decision_note}）" if a.decision_note else "")
        for a in appeals
    }


@role_required(Role.OPERATOR, Role.CADRE, *OVERSEER_ROLES)
def dashboard(request: SignedInRequest) -> HttpResponse:
    period = _period(request)
    return render(
        request, "evaluation/dashboard.html", _with_months(period, tiles=settings.LIANXIN_MAP_TILES)
    )


@role_required(Role.OPERATOR, Role.CADRE, *OVERSEER_ROLES)
def dashboard_data(request: SignedInRequest) -> JsonResponse:
    # The dashboard's script reads this as JSON, errors included: not an error page.
    try:
        period = _period(request)
    except ApplicationError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=400)
    # The city for operators, supervisors and admins; a cadre's own remit (hot issues included).
    return JsonResponse(selectors.dashboard_data(user=request.user, period=period))


# --- reports ---------------------------------------------------------------------------------------


@role_required(Role.CADRE, *OVERSEER_ROLES)
def reports(request: SignedInRequest) -> HttpResponse:
    """Report home: a cadre's last periods (months, quarters or years); overseers pick a cadre and
    start batches."""
    period = _period(request)
    overseer = request.user.has_role(*OVERSEER_ROLES)
    if request.GET.get("cadre"):
        cadre = _cadre_or_404(request, request.GET["cadre"])
    elif request.user.has_role(Role.CADRE):
        cadre = request.user
    else:
        cadre = None
    months = [period.shift(-i) for i in range(6)]
    ctx: dict[str, Any] = {
        "period": period,
        "cadre": cadre,
        "months": months,
        "overseer": overseer,
    }
    if cadre is not None:
        existing = {r.period: r for r in cadre.contact_reports.all()}
        ctx["rows"] = [(m, existing.get(str(m))) for m in months]
    if overseer:
        ctx["cadres"] = (
            User.objects.filter(role_q(Role.CADRE), is_active=True)
            .select_related("unit")
            .order_by("unit__code", "pk")
        )
        ctx["units"] = Unit.objects.filter(members__roles__contains=Role.CADRE).distinct().order_by("code")
        ctx["batches"] = ReportBatch.objects.select_related("unit")[:10]
    return render(request, "evaluation/reports.html", ctx)


def _records_url(cadre: User, period: str, query: dict[str, str]) -> str:
    params = {"subject": "cadre", "id": str(cadre.pk), "period": period, **query}
    return reverse("evaluation:records") + "?" + urlencode(params)


def _sections_with_links(cadre: User, content: ReportContent) -> list[dict[str, Any]]:
    """The content's sections, each figure with its records page (numerator, and the denominator of a
    rate or a coverage): every number the preview shows opens the list of what it counts."""
    sections = content.sections()
    for section in sections:
        rows = []
        for f in section["figures"]:
            row: dict[str, Any] = {"figure": f}
            if f.url:
                row["records"] = f.url
            elif f.measure:
                row["records"] = _records_url(cadre, content.period, f.query())
                if f.denominator_part:
                    row["denominator"] = _records_url(cadre, content.period, f.query("denominator"))
            rows.append(row)
        section["rows"] = rows
    return sections


def _trend_rows(cadre: User, content: ReportContent) -> list[dict[str, Any]]:
    """The trend chart's data as a table, each value linked to the demands it counts in its period."""
    rows = []
    labels = content.trend_series()["periods"]
    for label, row in zip(labels, content.rate_trend):
        cells = [
            {
                "code": code,
                "text": pct(row.get(code)),
                "url": _records_url(cadre, row["period"], {"measure": code, "part": "numerator"}),
            }
            for code in TREND_RATES
        ]
        rows.append({"period": row["period"], "label": label, "cells": cells})
    return rows


def _report_page(
    request: SignedInRequest, cadre: User, period: Period, *, error: ApplicationError | None = None
) -> HttpResponse:
    report = cadre.contact_reports.filter(period=str(period)).prefetch_related("comments__author").first()
    content = services.report_content(cadre=cadre, period=period, actor=request.user, report=report)
    own = cadre.pk == request.user.pk
    ctx = {
        "cadre": cadre,
        "period": period,
        "content": content,
        "sections": _sections_with_links(cadre, content),
        "report": report,
        "own": own,
        "editable": own and not (report is not None and report.is_final),
        "may_comment": report is not None and report.is_final and request.user.has_role(*OVERSEER_ROLES),
        "trend_rows": _trend_rows(cadre, content),
        "error": error,
    }
    return render(request, "evaluation/report.html", ctx, status=error.status if error else 200)


@role_required(Role.CADRE, *OVERSEER_ROLES)
def report_detail(request: SignedInRequest, username: str, period: str) -> HttpResponse:
    """The report: its preview (every counted figure linked to its records), the cadre's edit form
    while a draft, the superiors' comments (批示) once final.

    A refused save, finalise or comment (not the cadre's own report, already final: 409) is said on
    the report page itself, answered with the refusal's status: not an error page."""
    cadre = _cadre_or_404(request, username)
    month = Period.parse(period)
    if request.method != "POST":
        return _report_page(request, cadre, month)
    action = request.POST.get("action", "")
    finalise = "finalise" in request.POST or action == "finalise"
    try:
        if action == "comment":
            report = cadre.contact_reports.filter(period=str(month)).first()
            if report is None:
                raise Conflict(_("报告尚未定稿，不能批示"), code="report_not_final")
            services.report_comment_add(
                report=report, actor=request.user, text=request.POST.get("comment", "")
            )
            done = _("已批示，已通知报告人。")
        else:
            narratives = {
                name.removeprefix("narrative_"): request.POST[name]
                for name in request.POST
                if name.startswith("narrative_") and is_narrative_key(name.removeprefix("narrative_"))
            }
            services.report_save(
                cadre=cadre,
                period=month,
                actor=request.user,
                issues_text=request.POST.get("issues_text"),
                plans_text=request.POST.get("plans_text"),
                narratives=narratives,
                finalise=finalise,
            )
            done = _("报告已定稿归档。") if finalise else _("已保存。")
    except ApplicationError as exc:
        return _report_page(request, cadre, month, error=exc)
    messages.success(request, done)
    return redirect("evaluation:report", username=cadre.username, period=str(month))


@role_required(Role.CADRE, *OVERSEER_ROLES)
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
    """Start a batch for a unit (and its sub-units) or, with unit=all, for every cadre."""
    raw_unit = request.POST.get("unit")
    unit = None if raw_unit == "all" else get_object_or_404(Unit, pk=as_id(raw_unit) or 0)
    period = Period.parse(request.POST.get("period"))  # the form always names its period
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
    filename = f"{batch.unit_name}-{batch.period}-{batch.fmt}.zip"
    return file_response(open_or_404(batch.archive), "application/zip", filename=filename, as_attachment=True)
