"""Pages of the intel adapter: hot issues (map + evidence), reply quality per unit, the citizen form's
"already reported" fragment and the operator's accept-with-confirmed-category. Thin: parse, call, render."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.accounts.http import UserRequest
from lianxin.accounts.models import Role
from lianxin.accounts.permissions import role_required
from lianxin.analysis import selectors, services
from lianxin.analysis.hotspots import WINDOW_DAYS, WINDOWS, hotspots_run_start, latest_demand_day
from lianxin.analysis.models import HotIssueRun, RunState
from lianxin.analysis.replies import flag_labels
from lianxin.core.dates import parse_day
from lianxin.core.errors import ApplicationError
from lianxin.core.params import as_id
from lianxin.demands.selectors import visible_demand_ids
from lianxin.intel.pii import mask_pii


@role_required(Role.OPERATOR, Role.CADRE, Role.SUPERVISOR, Role.ADMIN)
def hotspots(request: UserRequest) -> HttpResponse:
    """The issues of the chosen run (`?run=`; default: the latest good one), a window chooser for a new
    run (days up to a day; the day defaults to the newest demand's when the last 90 days hold none, as
    after importing history) and the recent runs to choose from."""

    user = request.user
    area = None if user.sees_all else user.area_scope
    chosen_id = as_id(request.GET.get("run", ""))
    chosen = HotIssueRun.objects.filter(pk=chosen_id).first() if chosen_id else None
    run = chosen if chosen is not None and chosen.state == RunState.DONE else None
    if chosen is None:
        run = selectors.hotspot_run_latest()
    issues = list(selectors.hot_issue_list(run=run, area=area)) if run else []
    rows, points = _hot_rows(user, issues)
    issue_points = [
        {
            "lat": i.lat,
            "lng": i.lng,
            "rank": i.rank,
            "summary": mask_pii(i.summary),
            "heat": round(i.heat, 1),
            "n": i.n_messages,
        }
        for i in issues
        if i.lat is not None and i.lng is not None
    ]
    today = timezone.localdate()
    newest = latest_demand_day()
    newest_day = timezone.localtime(newest).date() if newest else None
    stale = newest_day is not None and newest_day < today - timedelta(days=WINDOW_DAYS)
    runs = list(HotIssueRun.objects.exclude(state=RunState.FAILED).order_by("-id")[:10])
    return render(
        request,
        "analysis/hotspots.html",
        {
            "rows": rows,
            "run": run,
            "pending": chosen if chosen is not None and chosen.state == RunState.RUNNING else None,
            "chosen_failed": chosen if chosen is not None and chosen.state == RunState.FAILED else None,
            "failed_run": _latest_failed(run),
            "runs": runs,
            "windows": WINDOWS,
            "window_days": WINDOW_DAYS,
            "window_end": newest_day if stale else today,
            "newest_day": newest_day if stale else None,
            "map_data": {"issues": issue_points, "points": points},
            "tiles": settings.LIANXIN_MAP_TILES,
            "can_refresh": user.sees_all,
            "staff_links": user.sees_all or user.has_role(Role.CADRE),
        },
    )


def _hot_rows(user, issues) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the page and the evidence points of the map. Evidence is what the viewer may open: a cadre
    sees an issue that reaches their area with the demands inside it, and only a count of the others."""
    points: list[dict[str, Any]] = []
    rows = []
    visible = visible_demand_ids(user, (d.pk for issue in issues for d in issue.demands.all()))
    for issue in issues:
        evidence = []
        hidden = 0
        for d in issue.demands.all():
            if d.pk not in visible:
                hidden += 1
                continue
            title = mask_pii(d.title)
            evidence.append(
                {
                    "id": d.pk,
                    "ticket_no": d.ticket_no,
                    "title": title,
                    "status": d.status_display,
                    "created_at": d.created_at,
                }
            )
            lat, lng = (
                (d.lat, d.lng)
                if d.lat is not None and d.lng is not None
                else ((d.area.lat, d.area.lng) if d.area_id and d.area else (None, None))
            )
            if lat is not None and lng is not None:
                points.append({"lat": lat, "lng": lng, "title": title, "rank": issue.rank})
        previous = issue.previous_info or {}
        rows.append(
            {
                "issue": issue,
                "summary": mask_pii(issue.summary),
                "evidence": evidence,
                "hidden": hidden,
                "previous": {
                    "start": parse_day(str(previous["start"])[:10]) if previous.get("start") else None,
                    "end": parse_day(str(previous["end"])[:10]) if previous.get("end") else None,
                    "n": previous.get("n_messages", 0),
                    "summary": mask_pii(str(previous.get("summary", ""))),
                    "run_id": issue.previous.run_id if issue.previous_id and issue.previous else None,
                }
                if previous
                else None,
            }
        )
    return rows, points


def _latest_failed(run):
    failed = HotIssueRun.objects.filter(state=RunState.FAILED).order_by("-id").first()
    if failed and (run is None or failed.pk > run.pk):
        return failed
    return None


@role_required(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
@require_POST
def hotspots_refresh(request: UserRequest) -> HttpResponse:
    """A new run of the chosen window (`days` of WINDOWS up to the day `end`, default today), mined in the
    background; the page then shows that run."""

    try:
        days = int(request.POST.get("days") or WINDOW_DAYS)
    except ValueError:
        days = WINDOW_DAYS
    if days not in WINDOWS:
        days = WINDOW_DAYS
    try:
        day = parse_day(request.POST["end"]) if request.POST.get("end") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    end = _aware(day + timedelta(days=1)) if day < timezone.localdate() else timezone.now()
    run = hotspots_run_start(days=days, end=end, actor=request.user)  # mined by the worker (outbox)
    messages.success(request, _("已开始重新分析热点问题，稍后刷新本页查看结果。"))
    return redirect(f"{reverse('analysis:hotspots')}?run={run.pk}")


@role_required(Role.OPERATOR)
@require_POST
def accept(request: UserRequest, pk: int) -> HttpResponse:
    from lianxin.demands.views import action_response, demand_for_action

    demand = demand_for_action(request, pk)
    post = request.POST
    error = None
    try:
        services.demand_accept_confirmed(
            demand=demand,
            actor=request.user,
            category=post.get("category") or None,
            urgency=post.get("urgency") or None,
            type=post.get("type") or None,
            note=post.get("note", ""),
        )
    except ApplicationError as exc:
        error = exc.message
    return action_response(request, pk, error=error, done=_("受理"), ok=_("已受理。"))


def _period(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate()
    try:
        start = parse_day(request.GET.get("start") or (today - timedelta(days=90)).isoformat())
        end = parse_day(request.GET.get("end") or (today + timedelta(days=1)).isoformat())
    except ValueError:
        start, end = today - timedelta(days=90), today + timedelta(days=1)
    return start, end


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@role_required(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
def reply_quality(request: UserRequest) -> HttpResponse:
    start, end = _period(request)
    rows = selectors.reply_quality_by_unit(start=_aware(start), end=_aware(end))
    return render(request, "analysis/reply_quality.html", {"rows": rows, "start": start, "end": end})


@role_required(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
def reply_quality_unit(request: UserRequest) -> HttpResponse:
    start, end = _period(request)
    unit = request.GET.get("unit", "")
    unit_id = as_id(unit)
    flagged = request.GET.get("flagged") == "1"
    qs = selectors.reply_quality_list(
        start=_aware(start), end=_aware(end), unit_id=unit_id, flagged_only=flagged
    )
    items = [{"a": a, "flags": flag_labels(a.flags)} for a in qs[:200]]
    return render(
        request,
        "analysis/reply_quality_unit.html",
        {"items": items, "start": start, "end": end, "unit_id": unit_id, "flagged": flagged},
    )
