"""Reads of the intel adapter: hot issues (also for the evaluation module), reply-quality summaries,
the classifier's status, and public-safe views of similar demands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet

from lianxin.analysis.classifier import ClassifierStatus, classifier_status
from lianxin.analysis.models import DemandIntel, HotIssue, HotIssueRun, ReplyAssessment, RunState
from lianxin.demands.models import Demand
from lianxin.intel.pii import mask_pii
from lianxin.org.models import Area

__all__ = [
    "ClassifierStatus",
    "classifier_status",
    "demand_intel_get",
    "hot_issue_list",
    "hot_issues_for_area",
    "hotspot_run_latest",
    "reply_quality_by_unit",
    "reply_quality_list",
]


def hotspot_run_latest() -> HotIssueRun | None:
    return HotIssueRun.objects.filter(state=RunState.DONE).order_by("-finished_at", "-id").first()


def area_issues_q(qs: QuerySet[HotIssue], area: Area) -> QuerySet[HotIssue]:
    """The issues of `qs` that are `area`'s: at least half of their evidence lies in its subtree.

    One rule for every page that shows an area's hot issues (the hot-issue page, the dashboard and the
    cadre's report): a street's cadre is not shown another district's issue because one of its messages
    came from the street."""
    return (
        qs.annotate(
            evidence_all=Count("demands", distinct=True),
            evidence_in=Count("demands", filter=area.subtree_q("demands__area"), distinct=True),
        )
        .annotate(evidence_in_twice=F("evidence_in") * 2)
        .filter(evidence_in__gt=0, evidence_in_twice__gte=F("evidence_all"))
    )


def issue_key(summary: str) -> str:
    """Summaries that differ only in spacing and punctuation are one issue."""
    return "".join(ch for ch in summary.casefold() if ch.isalnum())


def hot_issue_list(*, run: HotIssueRun | None = None, area: Area | None = None) -> QuerySet[HotIssue]:
    """Issues of the latest successful run (or `run`), hottest first, evidence prefetched; with `area`,
    the area's issues (`area_issues_q`)."""
    run = run or hotspot_run_latest()
    if run is None:
        return HotIssue.objects.none()
    qs = HotIssue.objects.filter(run=run).select_related("area")
    if area is not None:
        qs = area_issues_q(qs, area)
    evidence = (
        Demand.objects.only(
            "id", "ticket_no", "title", "status", "closure", "created_at", "lat", "lng", "area_id"
        )
        .select_related("area")
        .order_by("-created_at")
    )
    return qs.prefetch_related(Prefetch("demands", queryset=evidence)).order_by("rank")


@dataclass(frozen=True)
class HotIssueItem:
    summary: str
    heat: float
    place_or_group: str
    n_messages: int
    start: datetime | None
    end: datetime | None


def hot_issues_for_area(
    *, area: Area | None, start: datetime, end: datetime, limit: int = 5
) -> list[HotIssueItem]:
    """Hot issues of `area` (`area_issues_q`; None: everywhere) active in [start, end), hottest first,
    those with the same summary once: items with `.summary` (personal data masked) and `.heat`. For the
    cadre report.

    Issues come from the latest run that covers the period's end, else the latest run."""
    run = (
        HotIssueRun.objects.filter(state=RunState.DONE, window_start__lt=end, window_end__gte=start)
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None:
        return []
    qs = (
        HotIssue.objects.filter(run=run)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .filter(Q(start__isnull=True) | Q(start__lt=end))
    )
    if area is not None:
        qs = area_issues_q(qs, area)
    out: dict[str, HotIssueItem] = {}
    for i in qs.order_by("-heat", "rank"):
        summary = mask_pii(i.summary)
        out.setdefault(
            issue_key(summary),
            HotIssueItem(
                summary=summary,
                heat=round(i.heat, 1),
                place_or_group=i.place_or_group,
                n_messages=i.n_messages,
                start=i.start,
                end=i.end,
            ),
        )
        if len(out) == limit:
            break
    return list(out.values())


def demand_intel_get(*, demand: Demand) -> DemandIntel | None:
    return DemandIntel.objects.filter(demand_id=demand.pk).first()


def reply_quality_by_unit(*, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per lead unit: replies scored in [start, end), mean score, flagged count; worst mean first."""
    rows = (
        ReplyAssessment.objects.filter(replied_at__gte=start, replied_at__lt=end)
        .values("unit_id", "unit__name")
        .annotate(n=Count("id"), mean=Avg("score"), flagged=Count("id", filter=Q(flagged=True)))
        .order_by("mean")
    )
    return [
        {
            "unit_id": r["unit_id"],
            "unit": r["unit__name"] or "—",
            "n": r["n"],
            "mean": round(r["mean"] or 0.0, 1),
            "flagged": r["flagged"],
        }
        for r in rows
    ]


def reply_quality_list(
    *, start: datetime, end: datetime, unit_id: int | None = None, flagged_only: bool = False
) -> QuerySet[ReplyAssessment]:
    qs = ReplyAssessment.objects.filter(replied_at__gte=start, replied_at__lt=end).select_related(
        "demand", "unit"
    )
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if flagged_only:
        qs = qs.filter(flagged=True)
    return qs.order_by("score", "-replied_at")
