"""Hot-issue mining over the demands of a window, stored as `HotIssue` rows.

The periodic job mines the last `WINDOW_DAYS` days; the hot-issue page mines a window the user chooses
(`WINDOWS` days ending on a chosen day, so that imported history, whose dates are in the past, is mined
too), each as its own run. An issue found again after a gap (intel: `previous`) links to the stored issue
of that earlier occurrence when one holds its evidence, and always keeps its dates and demands.

Each demand is one message: its requester (account, else phone blind index) is the "user" the heat
index counts once; merged demands count too (a repeated voice is a voice). An issue's area is the
deepest area that holds most of its evidence; its point on the map is the mean of the evidence's
coordinates (the demand's own, else its area's).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from lianxin.accounts.models import User
from lianxin.analysis.clock import local_naive
from lianxin.analysis.models import HotIssue, HotIssueRun, RunState
from lianxin.core.outbox import outbox_add
from lianxin.demands.choices import DemandType, Status
from lianxin.demands.models import Demand
from lianxin.intel.hotspots import HotMessage, hotspots_find
from lianxin.org.models import Area

logger = logging.getLogger("lianxin.analysis")

WINDOW_DAYS = 90
WINDOWS = (30, 90, 180, 365)  # the windows the hot-issue page offers (days)
TOP = 20
MAX_MESSAGES = 100_000


RUN_TASK = "analysis.hotspots_run"


def hotspots_run_start(*, days: int, end: datetime, actor: User | None = None) -> HotIssueRun:
    """A run of the `days` days up to `end`, its mining queued in the same transaction (an outbox row:
    mined at least once, even when a worker dies; `hotspots_run` is idempotent)."""
    with transaction.atomic():
        run = HotIssueRun.objects.create(
            window_start=end - timedelta(days=days), window_end=end, started_by=actor
        )
        outbox_add(RUN_TASK, key=f"hot-run:{run.pk}", payload={"run_id": run.pk})
    return run


def hotspots_run(*, run_id: int) -> None:
    """Mine the window of run `run_id` (created by `hotspots_run_start`); a run already mined or failed is
    left as it is (its issues and its state are written in one transaction)."""
    run = HotIssueRun.objects.filter(pk=run_id, state=RunState.RUNNING).first()
    if run is not None:
        hotspots_refresh(run=run)


def latest_demand_day() -> datetime | None:
    """When the newest demand that hot issues would mine was made (imported history: in the past)."""
    return (
        Demand.objects.exclude(status=Status.REJECTED)
        .exclude(type=DemandType.PRAISE)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def hotspots_refresh(
    *,
    days: int = WINDOW_DAYS,
    top: int = TOP,
    actor: User | None = None,
    now: datetime | None = None,
    run: HotIssueRun | None = None,
) -> HotIssueRun:
    """Mine the demands of the `days` days up to `now` (default: now) and store the `top` hottest issues
    as a new run; with `run`, mine that run's window into it instead."""
    if run is None:
        end = now or timezone.now()
        run = HotIssueRun.objects.create(
            window_start=end - timedelta(days=days), window_end=end, started_by=actor
        )
    start, end = run.window_start, run.window_end
    began = time.perf_counter()
    try:
        rows = list(
            Demand.objects.filter(created_at__gte=start, created_at__lte=end)
            .exclude(status=Status.REJECTED)
            .exclude(type=DemandType.PRAISE)  # thanks are not problems, however many people send them
            .exclude(confidential=True)  # 保密/不公开: never named in a hot issue
            .order_by("-created_at")
            .values_list(
                "id",
                "title",
                "content",
                "requester_id",
                "contact_phone_hash",
                "created_at",
                "area_id",
                "area__path",
                "lat",
                "lng",
                "area__lat",
                "area__lng",
            )[:MAX_MESSAGES]
        )
        messages = [
            HotMessage(
                id=str(pk),
                title=title,
                content=content,
                user=f"u{requester}" if requester else (f"p{phone}" if phone else ""),
                time=local_naive(created),
            )
            for pk, title, content, requester, phone, created, *_ in rows
        ]
        issues = hotspots_find(messages, top=top, now=local_naive(end)) if messages else []
        by_id = {row[0]: row for row in rows}
        recurring: list[tuple[HotIssue, dict]] = []
        with transaction.atomic():
            for issue in issues:
                evidence = [by_id[int(i)] for i in issue.message_ids if int(i) in by_id]
                area_id, lat, lng = _place(evidence)
                stored = HotIssue.objects.create(
                    run=run,
                    rank=issue.rank,
                    heat=round(issue.heat, 3),
                    place_or_group=issue.place_or_group[:200],
                    summary=issue.summary[:300],
                    start=timezone.make_aware(issue.start) if issue.start else None,
                    end=timezone.make_aware(issue.end) if issue.end else None,
                    area_id=area_id,
                    lat=lat,
                    lng=lng,
                    n_messages=issue.n_messages,
                    n_users=issue.n_users,
                    components={k: round(v, 4) for k, v in issue.components.items()},
                )
                stored.demands.set([row[0] for row in evidence])
                if issue.previous:
                    recurring.append((stored, issue.previous))
            for stored, previous in recurring:  # once every issue of the run is stored
                _link_previous(stored, previous)
            run.state, run.n_messages = RunState.DONE, len(messages)
            run.message = f"{len(messages)} 条诉求，{len(issues)} 个热点"
            run.finished_at, run.seconds = timezone.now(), round(time.perf_counter() - began, 3)
            run.save()
    except Exception as exc:  # a failed run is recorded; the last good one stays shown
        logger.exception("hot-issue run %s failed", run.pk)
        HotIssueRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, message=f"{type(exc).__name__}: {exc}"[:1000], finished_at=timezone.now()
        )
        run.refresh_from_db()
    return run


def _link_previous(stored: HotIssue, previous: dict) -> None:
    """Keep when the earlier occurrence was and its demands; link the stored issue (of this run or the
    latest earlier one) that holds most of them."""
    ids = [int(i) for i in previous.get("message_ids", []) if str(i).isdigit()]
    stored.previous_info = {
        "start": previous.get("start"),
        "end": previous.get("end"),
        "n_messages": previous.get("n_messages", len(ids)),
        "summary": str(previous.get("summary", ""))[:300],
        "demand_ids": ids[:200],
    }
    if ids:
        stored.previous = (
            HotIssue.objects.filter(demands__in=ids)
            .exclude(pk=stored.pk)
            .exclude(run__state=RunState.FAILED)
            .annotate(shared=Count("demands"))
            .order_by("-run_id", "-shared", "rank")
            .first()
        )
    stored.save(update_fields=["previous", "previous_info"])


def _place(evidence: list[tuple]) -> tuple[int | None, float | None, float | None]:
    """The deepest area shared by most of the evidence, and the mean point of the evidence."""
    paths: Counter[str] = Counter()
    for row in evidence:
        area_id, path = row[6], row[7]
        if not area_id or not path:
            continue
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            paths[prefix] += 1
    area_id = None
    if paths:
        majority = max(1, (len(evidence) + 1) // 2)
        best = max((p for p, n in paths.items() if n >= majority), key=lambda p: p.count("/"), default=None)
        if best:
            area_id = Area.objects.filter(path=best).values_list("id", flat=True).first()
    points = []
    for row in evidence:
        lat, lng = (row[8], row[9]) if row[8] is not None and row[9] is not None else (row[10], row[11])
        if lat is not None and lng is not None:
            points.append((lat, lng))
    if not points:
        return area_id, None, None
    return area_id, sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
