"""Fill a ReportContent for one cadre and period from the database (contact, demands, analysis, portal).

Every demand figure comes from `lianxin.demands.measures` (through `evaluation.figures` for the rates the
scorecard shows, `MeasureValue.queryset` for the lists), narrowed where the report needs a part of a
measure by a named filter of `RECORD_FILTERS`, which the records page applies too: the number printed
and the list it links to are the same query.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict
from datetime import date
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.accounts.models import User
from lianxin.analysis.selectors import hot_issues_for_area
from lianxin.contact.models import HouseholdTag, Visit, VisitKind
from lianxin.contact.periods import Period as Month
from lianxin.contact.selectors import contact_measures, contact_point_list, household_list, visit_list
from lianxin.core.contributions import report_sections
from lianxin.demands.choices import OPEN_STATUSES, Closure, DemandType, Status, Urgency
from lianxin.demands.measures import LABELS, measure_get
from lianxin.demands.models import Demand
from lianxin.evaluation.figures import (
    OVERDUE_OPEN,
    Scope,
    cadre_scope,
    demand_figures,
    period_bounds,
    period_range,
    rates_trend,
    weak_categories,
)
from lianxin.evaluation.report.content import (
    MODULE_PREFIX,
    REPORT_LANGUAGE,
    TREND_RATES,
    Figure,
    ReportContent,
    draft_texts,
    pct,
)
from lianxin.evaluation.selectors import Period
from lianxin.org.models import Area
from lianxin.portal.models import Article, ArticleState

logger = logging.getLogger(__name__)
TREND_PERIODS = 6
TREND_MONTHS = TREND_PERIODS  # the name before periods could be quarters or years
IN_PROGRESS: list[str] = sorted(OPEN_STATUSES - {Status.SUBMITTED})
DISPUTE_TYPES = [DemandType.COMPLAINT, DemandType.REPORT]
# A dispute is one case however many calls reported it: a demand merged into another (并单) is its
# parent's case and is not counted again.
DISPUTE_Q = Q(type__in=DISPUTE_TYPES) & ~Q(status=Status.MERGED)
# Named parts of a measure's list (the records page's ?filter=): the report's figures that count a part
# of the demands received (by their state now, supervised, disputes) or of the overdue ones (still open).
RECORD_FILTERS: dict[str, Q] = {
    "open": Q(status__in=IN_PROGRESS),
    "unfinished": Q(status__in=sorted(OPEN_STATUSES)),
    "supervised": Q(supervised=True),
    "dispute": DISPUTE_Q,
    "dispute_resolved": DISPUTE_Q & Q(closure=Closure.RESOLVED),
    "dispute_critical": DISPUTE_Q & Q(urgency=Urgency.CRITICAL),
    **{f"status_{code}": Q(status=code) for code in Status.values},
}
# The states the received demands are split into, in the order printed; any other state gets its own line.
STATE_GROUPS: list[tuple[str, str, list[str]]] = [
    ("closed", "status_closed", [Status.CLOSED.value]),
    ("open", "open", IN_PROGRESS),
    ("submitted", "status_submitted", [Status.SUBMITTED.value]),
    ("rejected", "status_rejected", [Status.REJECTED.value]),
    ("merged", "status_merged", [Status.MERGED.value]),
]


RECORD_FILTER_LABELS: dict[str, Any] = {
    "open": gettext_lazy("在办"),
    "unfinished": gettext_lazy("未办结"),
    "supervised": gettext_lazy("督办"),
    "dispute": gettext_lazy("矛盾纠纷"),
    "dispute_resolved": gettext_lazy("矛盾纠纷·已化解"),
    "dispute_critical": gettext_lazy("矛盾纠纷·特急"),
    **{f"status_{code}": label for code, label in Status.choices},
}


def record_filter_q(name: str) -> Q | None:
    """The condition of a named part (RECORD_FILTERS), None for a name that is not one."""
    return RECORD_FILTERS.get(name)


def _as_period(period: Month) -> Period:
    """Evaluation's Period (month, quarter or year) from any month-like period."""
    return period if isinstance(period, Period) else Period.parse(str(period))


def hot_issues_for(cadre: User, period: Month) -> tuple[list[str], str]:
    """Hot issues in the cadre's area (lianxin.analysis), as lines of the report, and a note when none.

    A cadre without an area has no area of theirs to list: the city's issues are not theirs."""
    if cadre.area_scope is None:
        return [], _("未设置联系区域，不列热点问题。")
    return area_hot_issues(area=cadre.area_scope, period=period)


def area_hot_issues(*, area: Area | None, period: Month) -> tuple[list[str], str]:
    """Hot issues active in the period in `area`'s subtree (None: the whole city), hottest first."""
    start, end = period_bounds(period)
    try:
        issues = hot_issues_for_area(area=area, start=start, end=end, limit=5)
    except Exception:  # hot issues failing must not stop the report
        logger.exception("hot issues for area %s failed", getattr(area, "pk", None))
        return [], _("热点问题暂不可用。")
    out = [
        _("%(summary)s（热度 %(heat)s）") % {"summary": item.summary, "heat": item.heat}
        if item.heat
        else item.summary
        for item in issues
    ]
    return out, "" if out else _("本期联系区域内未发现热点问题。")


def articles_for(cadre: User, period: Month) -> tuple[list[dict[str, str]], str]:
    """Articles published in the period by the cadre or by a member of the cadre's unit (宣传群众).

    The unit is matched by key (the author's unit), never by the free-text 作者单位 name."""
    start, end = period_bounds(period)
    who = Q(author=cadre)
    if cadre.unit_id is not None:
        who |= Q(author__unit_id=cadre.unit_id)
    rows = (
        Article.objects.filter(
            who, state=ArticleState.PUBLISHED, published_at__gte=start, published_at__lt=end
        )
        .select_related("category")
        .order_by("published_at", "pk")[:30]
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


def report_content_build(*, cadre: User, period: Month) -> ReportContent:
    """The report's content, in Chinese even under an English request, CLI locale or worker."""
    with translation.override(REPORT_LANGUAGE):
        return _content_build(cadre=cadre, period=_as_period(period))


def _demand_parts(scope: Scope, period: Period) -> dict[str, Any]:
    """The parts of 受理量 that the report counts, in ONE grouped query over the demands received in the
    period: per state now (they add up to 受理量) and the disputes.

    Each count is the measure's own list (`received`, denominator) narrowed by a RECORD_FILTERS entry,
    the condition the records page applies to show the same list."""
    start, end = period_range(period)
    received = measure_get(code="received", start=start, end=end, **scope.kwargs()).queryset("denominator")
    rows = (
        received.order_by()
        .values("status")
        .annotate(
            n=Count("pk"),
            disputes=Count("pk", filter=RECORD_FILTERS["dispute"]),
            disputes_resolved=Count("pk", filter=RECORD_FILTERS["dispute_resolved"]),
            disputes_critical=Count("pk", filter=RECORD_FILTERS["dispute_critical"]),
        )
    )
    counts: Counter[str] = Counter()
    totals = dict.fromkeys(("disputes", "disputes_resolved", "disputes_critical"), 0)
    for row in rows:
        counts[row["status"]] += row["n"]
        for key in totals:
            totals[key] += row[key]
    return {
        "states": _states(counts),
        **totals,
        "examples": _dispute_examples(received) if totals["disputes"] else [],
    }


def _states(counts: Counter[str]) -> list[dict[str, Any]]:
    """The received demands by state now: 已办结, 在办, 待受理, 不予受理, 已并单 (+ any other state)."""
    counts = Counter(counts)
    labels = dict(Status.choices)
    rows = []
    for key, filter_name, codes in STATE_GROUPS:
        label = _("在办") if key == "open" else str(labels[codes[0]])
        rows.append(
            {"key": key, "label": label, "n": sum(counts.pop(c, 0) for c in codes), "filter": filter_name}
        )
    for code, n in sorted(counts.items()):
        rows.append({"key": code, "label": str(labels.get(code, code)), "n": n, "filter": f"status_{code}"})
    return rows


def _dispute_examples(received: QuerySet[Demand]) -> list[str]:
    """Up to three disputes, the most urgent first, each case once (a title is not repeated)."""
    rank = Case(
        When(urgency=Urgency.CRITICAL, then=Value(0)),
        When(urgency=Urgency.URGENT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    titles: list[str] = []
    ordered = received.filter(DISPUTE_Q).annotate(rank=rank).order_by("rank", "-created_at")
    for title in ordered.values_list("title", flat=True)[:30]:
        if title not in titles:
            titles.append(title)
        if len(titles) == 3:
            break
    return titles


def _trend(scope: Scope, period: Period) -> list[dict[str, Any]]:
    rows = rates_trend(scope=scope, period=period, months=TREND_PERIODS)
    window = [period.shift(-back) for back in range(TREND_PERIODS - 1, -1, -1)]
    return [
        {"period": str(p), "label": p.short, **{c: row.get(c) for c in TREND_RATES}}
        for p, row in zip(window, rows)
    ]


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
    parts = _demand_parts(scope, period)
    states = parts["states"]
    hot, hot_note = hot_issues_for(cadre, period)
    articles, articles_note = articles_for(cadre, period)
    state_n = {s["key"]: s["n"] for s in states}
    content = ReportContent(
        cadre_name=str(cadre),
        username=cadre.username,
        post=cadre.post,
        title=cadre.title,
        unit=cadre.unit.name if cadre.unit is not None else "",
        area=cadre.area_scope.name if cadre.area_scope is not None else "",
        period=str(period),
        period_label=period.label,
        period_kind=period.kind,
        cadre_id=cadre.pk,
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
        demands_closed=state_n.get("closed", 0),
        demands_open=state_n.get("open", 0),
        demand_states=states,
        rates=list(figures.rates.values()),
        top_categories=figures.top_categories,
        overdue=figures.overdue_open,
        reopened=figures.reopened,
        supervised=figures.supervised,
        rate_trend=_trend(scope, period),
        trend_labels={c: str(LABELS[c]) for c in TREND_RATES},
        disputes_total=parts["disputes"],
        disputes_resolved=parts["disputes_resolved"],
        disputes_critical=parts["disputes_critical"],
        disputes_examples=parts["examples"],
        articles=articles,
        articles_note=articles_note,
        hot_issues=hot,
        hot_issues_note=hot_note,
    )
    content.module_sections, failed = _module_sections(cadre, start, end)
    content.has_data = bool(visits or figures.total or articles or content.module_sections)
    content.notes = _notes(cadre, content)
    content.notes += [f"“{title}”部分的数据读取失败，本报告未列该部分，请稍后重新生成。" for title in failed]
    content.figures = _module_figures(content, _figures(content))
    content.narratives = content.draft_narratives()
    content.issues_text, content.plans_text = draft_texts(
        content, weak_categories(scope=scope, period=period)
    )
    content.drafted = content.texts()
    return content


def _module_sections(cadre: User, start: date, end: date) -> tuple[list[dict[str, Any]], list[str]]:
    """The duty modules' sections for the cadre and period (`core.contributions`), as dicts, and the
    titles of those whose data could not be read (the report says so rather than print a wrong part)."""
    out: list[dict[str, Any]] = []
    failed: list[str] = []
    for source in report_sections():
        try:
            section = source.build(cadre, start, end)
        except Exception:  # one module's failure is a note in the report, not a broken report
            logger.exception("report section %s failed for cadre %s", source.key, cadre.pk)
            failed.append(str(source.title))
            continue
        if section is None:
            continue
        item = asdict(section)
        item["key"] = source.key
        item["title"] = str(section.title or source.title)
        item["replaces"] = source.replaces
        out.append(item)
    return out, failed


def _module_figures(content: ReportContent, figures: list[Figure]) -> list[Figure]:
    """`figures` with the module sections' figures added; a module that replaces a built-in section
    replaces its figures too (the mediation module's cases instead of complaint demands)."""
    replaced = {m["replaces"] for m in content.module_sections if m["replaces"]}
    out = [f for f in figures if f.section not in replaced]
    for m in content.module_sections:
        section = m["replaces"] or MODULE_PREFIX + m["key"]
        for i, f in enumerate(m["figures"]):
            out.append(
                Figure(
                    f"{m['key']}_{i}",
                    section,
                    f["label"],
                    f["value"],
                    f.get("definition") or "",
                    url=f.get("url") or "",
                )
            )
    return out


def _notes(cadre: User, content: ReportContent) -> list[str]:
    notes = []
    if cadre.area_scope is None:
        if cadre.unit is not None:
            notes.append(
                f"未设置联系区域：服务群众、化解矛盾纠纷按本单位（{cadre.unit.name}）主办的诉求统计，不列热点问题。"
            )
        else:
            notes.append("未设置联系区域和所在单位：无可统计的群众诉求，不列热点问题。")
    if not content.has_data:
        notes.append(f"本报告期（{content.period_label}）无联系群众和诉求办理数据。")
    return notes


def _figures(c: ReportContent) -> list[Figure]:
    """Every number the report counts, with its definition (口径) and its records."""
    received_def = (
        "报告期内提交的群众诉求，地点在本人联系区域内（未设置联系区域的，为本单位主办的诉求），按提交时间计"
    )
    out = [
        Figure(
            "points",
            "basic",
            "联系点",
            str(c.points_assigned),
            "报告期内分配给本人的联系点（在用）",
            "point_coverage",
            "denominator",
        ),
        Figure(
            "households",
            "basic",
            "联系户",
            str(c.households_assigned),
            "报告期内分配给本人的联系户（在用）",
            "household_coverage",
            "denominator",
        ),
        Figure(
            "visits",
            "contact",
            "走访次数",
            str(c.visits_total),
            "本人民情日记中日期在报告期内的走访、座谈、接访、电话、线上联系记录",
            "visits",
        ),
        Figure(
            "points_covered",
            "contact",
            "联系点走访覆盖",
            f"{c.points_covered}/{c.points_assigned}",
            "报告期内至少走访一次的联系点 ÷ 分配给本人的联系点",
            "point_coverage",
            denominator_part=True,
        ),
        Figure(
            "households_covered",
            "contact",
            "联系户走访覆盖",
            f"{c.households_covered}/{c.households_assigned}",
            "报告期内走访中见到的联系户 ÷ 分配给本人的联系户",
            "household_coverage",
            denominator_part=True,
        ),
        Figure(
            "problems",
            "contact",
            "走访发现问题",
            str(c.problems_raised),
            "报告期内走访记录中登记的问题（每个问题转为一件诉求）",
            "problems",
        ),
        Figure(
            "problems_solved",
            "contact",
            "走访问题已解决",
            str(c.problems_solved),
            "走访发现问题中，对应诉求已办结且回访为已解决的",
            "problems_solved",
        ),
        Figure(
            "received", "service", str(LABELS["received"]), str(c.demands_total), received_def, "received"
        ),
    ]
    for s in c.demand_states:
        meaning = (
            "已受理、已派单、办理中、已退单、已答复待回访"
            if s["key"] == "open"
            else f"当前状态为{s['label']}"
        )
        out.append(
            Figure(
                f"state_{s['key']}",
                "service",
                f"其中：{s['label']}",
                str(s["n"]),
                f"受理量中{meaning}的诉求（各项相加等于受理量）",
                "received",
                "numerator",
                s["filter"],
            )
        )
    definitions = {
        "response_rate": "报告期内派单的诉求中，在签收时限内签收的 ÷ 报告期内派单的",
        "ontime_rate": "报告期内答复的诉求中，在答复时限内答复的 ÷ 报告期内答复的",
        "resolution_rate": "报告期内回访评价的诉求中，评价为已解决的 ÷ 报告期内回访评价的",
        "satisfaction_rate": "报告期内回访评价的诉求中，满意与基本满意的 ÷ 报告期内回访评价的",
    }
    for r in c.rates:
        out.append(
            Figure(
                r.code,
                "service",
                r.label,
                f"{pct(r.value)}（{r.numerator}/{r.denominator}）",
                definitions.get(r.code, r.label),
                r.code,
                denominator_part=True,
            )
        )
    out += [
        Figure(
            "overdue",
            "service",
            "超期未办结",
            str(c.overdue),
            "报告期内受理、曾超过环节时限的诉求（超期数）中，至今未办结且已过当前环节时限的；已办结的不计",
            OVERDUE_OPEN,
        ),
        Figure(
            "reopened",
            "service",
            "重办",
            str(c.reopened),
            "报告期内答复的诉求中被重办过的（重办率的分子）",
            "reopen_rate",
        ),
        Figure(
            "supervised",
            "service",
            "督办",
            str(c.supervised),
            "受理量中被督办的诉求",
            "received",
            "numerator",
            "supervised",
        ),
        Figure(
            "disputes",
            "disputes",
            "矛盾纠纷",
            str(c.disputes_total),
            "受理量中的投诉、举报类诉求，每案一件（已并单的不重复计）",
            "received",
            "numerator",
            "dispute",
        ),
        Figure(
            "disputes_resolved",
            "disputes",
            "已化解",
            str(c.disputes_resolved),
            "矛盾纠纷中已办结且评价为已解决的",
            "received",
            "numerator",
            "dispute_resolved",
        ),
        Figure(
            "disputes_critical",
            "disputes",
            "特急",
            str(c.disputes_critical),
            "矛盾纠纷中紧急程度为特急的",
            "received",
            "numerator",
            "dispute_critical",
        ),
        Figure(
            "articles",
            "publicity",
            "宣传文章",
            str(len(c.articles)),
            "报告期内在门户发布、作者为本人或本单位人员的文章（逐篇列出）",
        ),
    ]
    return out


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
