"""Fill a ReportContent for one cadre and month from the database (contact, demands, analysis, portal)."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lianxin.accounts.models import User
from lianxin.analysis.selectors import hot_issues_for_area
from lianxin.contact.models import HouseholdTag, Visit, VisitKind
from lianxin.contact.periods import Period
from lianxin.contact.selectors import contact_measures, contact_point_list, household_list, visit_list
from lianxin.evaluation.figures import (
    cadre_scope,
    demand_figures,
    dispute_figures,
    period_bounds,
    rates_trend,
    weak_categories,
)
from lianxin.evaluation.report.content import REPORT_LANGUAGE, ReportContent, draft_texts
from lianxin.org.models import Area
from lianxin.portal.models import Article, ArticleState

logger = logging.getLogger(__name__)
TREND_MONTHS = 6


def hot_issues_for(cadre: User, period: Period) -> tuple[list[str], str]:
    """Hot issues in the cadre's area (lianxin.analysis), as lines of the report, and a note when none."""
    return area_hot_issues(area=cadre.area_scope, period=period)


def area_hot_issues(*, area: Area | None, period: Period) -> tuple[list[str], str]:
    """Hot issues active in the period in `area`'s subtree (None: the whole city), hottest first."""
    start, end = period_bounds(period)
    try:
        issues = hot_issues_for_area(area=area, start=start, end=end, limit=5)
    except Exception:  # noqa: BLE001 - hot issues failing must not stop the report
        logger.exception("hot issues for area %s failed", getattr(area, "pk", None))
        return [], _("热点问题暂不可用。")
    out = [
        _("%(summary)s（热度 %(heat)s）") % {"summary": item.summary, "heat": item.heat}
        if item.heat
        else item.summary
        for item in issues
    ]
    return out, "" if out else _("本期联系区域内未发现热点问题。")


def articles_for(cadre: User, period: Period) -> tuple[list[dict[str, str]], str]:
    """Articles published in the period by the cadre or under the cadre's unit (宣传群众)."""
    start, end = period_bounds(period)
    who = Q(author=cadre)
    if cadre.unit is not None:
        who |= Q(author_unit=cadre.unit.name)
    rows = (
        Article.objects.filter(
            who, state=ArticleState.PUBLISHED, published_at__gte=start, published_at__lt=end
        )
        .select_related("category")
        .order_by("published_at")[:30]
    )
    return [
        {
            "title": a.title,
            "date": f"{timezone.localtime(a.published_at):%Y-%m-%d}",
            "category": a.category.name,
            "url": a.get_absolute_url(),
        }
        for a in rows
    ], ""


def report_content_build(*, cadre: User, period: Period) -> ReportContent:
    """The report's content, in Chinese even under an English request, CLI locale or worker."""
    with translation.override(REPORT_LANGUAGE):
        return _content_build(cadre=cadre, period=period)


def _content_build(*, cadre: User, period: Period) -> ReportContent:
    start, end = period.first_day, period.last_day
    kind_labels = dict(VisitKind.choices)
    tag_labels = dict(HouseholdTag.choices)
    points = list(contact_point_list(cadre=cadre, start=start, end=end))
    households = list(household_list(cadre=cadre, start=start, end=end))
    tag_counts = Counter(t for h in households for t in h.tag_list)
    visits = list(visit_list(cadre=cadre, start=start, end=end))
    by_kind = Counter(v.kind for v in visits)
    measures = contact_measures(cadre_ids=[cadre.pk], start=start, end=end).get(cadre.pk)
    visited_points = {v.contact_point_id for v in visits if v.contact_point_id}
    notable = sorted(visits, key=lambda v: (-len(v.problems.all()), -len(v.summary), v.date))[:3]
    scope = cadre_scope(cadre)
    figures = demand_figures(scope=scope, period=period)
    trend = rates_trend(scope=scope, period=period, months=TREND_MONTHS)
    disputes = dispute_figures(scope=scope, period=period)
    hot, hot_note = hot_issues_for(cadre, period)
    articles, articles_note = articles_for(cadre, period)
    content = ReportContent(
        cadre_name=str(cadre),
        username=cadre.username,
        post=cadre.post,
        title=cadre.title,
        unit=cadre.unit.name if cadre.unit is not None else "",
        area=cadre.area_scope.name if cadre.area_scope is not None else "",
        period=str(period),
        period_label=period.label,
        generated_at=f"{timezone.localtime():%Y-%m-%d %H:%M}",
        points=[{"name": p.name, "kind": str(p.get_kind_display()), "area": p.area.name} for p in points],
        households_total=len(households),
        household_tags=[(str(tag_labels.get(t, t)), n) for t, n in tag_counts.most_common()],
        visits_total=len(visits),
        visits_by_kind=[(str(kind_labels[k]), by_kind.get(k, 0)) for k in VisitKind.values],
        points_covered=measures.points_covered if measures else 0,
        points_assigned=measures.points_assigned if measures else len(points),
        households_covered=measures.households_covered if measures else 0,
        households_assigned=measures.households_assigned if measures else len(households),
        uncovered_points=[p.name for p in points if p.pk not in visited_points],
        notable_visits=[_visit_row(v, kind_labels) for v in notable],
        problems_raised=measures.problems if measures else 0,
        problems_solved=measures.problems_solved if measures else 0,
        demands_total=figures.total,
        demands_closed=figures.closed,
        demands_open=figures.open,
        rates=list(figures.rates.values()),
        top_categories=figures.top_categories,
        overdue=figures.overdue,
        reopened=figures.reopened,
        supervised=figures.supervised,
        rate_trend=trend,
        disputes_total=disputes["total"],
        disputes_resolved=disputes["resolved"],
        disputes_critical=disputes["critical"],
        disputes_examples=disputes["examples"],
        articles=articles,
        articles_note=articles_note,
        hot_issues=hot,
        hot_issues_note=hot_note,
    )
    content.has_data = bool(visits or figures.total or articles)
    content.issues_text, content.plans_text = draft_texts(
        content, weak_categories(scope=scope, period=period)
    )
    return content


def _visit_row(visit: Visit, kind_labels: dict[str, Any]) -> dict[str, str]:
    summary = visit.summary if len(visit.summary) <= 80 else visit.summary[:80] + "…"
    problems = [p.title for p in visit.problems.all()]
    if problems:
        summary += "（反映问题：" + "；".join(problems) + "）"
    return {
        "date": f"{visit.date:%Y-%m-%d}",
        "kind": str(kind_labels.get(visit.kind, visit.kind)),
        "place": visit.contact_point.name if visit.contact_point is not None else "",
        "summary": summary,
    }
