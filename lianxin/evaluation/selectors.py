"""Reads of evaluation: scorecards, league tables, trends and dashboard data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import User, role_q
from lianxin.contact.models import ContactPoint
from lianxin.contact.periods import Period
from lianxin.contact.selectors import ContactMeasures, contact_measures
from lianxin.demands.measures import LABELS, measure_anchor_q
from lianxin.demands.models import Demand
from lianxin.evaluation.figures import (
    EXTRA_RATES,
    GROUPED_CODES,
    SCORE_CODES,
    SHOWN_RATES,
    Scope,
    _row,
    cadre_scope,
    demand_figures,
    grouped_counts,
    period_range,
    rates_trend,
    rollup_areas,
)
from lianxin.evaluation.report.content import RateRow
from lianxin.evaluation.scoring import composite_score, rank, weights_get
from lianxin.org.models import Area, Unit

CONTACT_CODES = {
    "point_coverage": "point_coverage",
    "household_coverage": "household_coverage",
    "problems_solved": "problem_solved_rate",
}


@dataclass
class ScoreRow:
    kind: str  # "unit" | "cadre"
    key: int
    name: str
    unit_name: str = ""
    rates: dict[str, RateRow] = field(default_factory=dict)
    received: int = 0
    overdue: int = 0
    closed_resolved: int = 0
    contact: ContactMeasures | None = None
    score: float | None = None
    rank: int | None = None

    @property
    def shown_rates(self) -> list[RateRow]:
        return [self.rates[c] for c in SHOWN_RATES if c in self.rates]

    @property
    def extra_rates(self) -> list[RateRow]:
        return [self.rates[c] for c in EXTRA_RATES if c in self.rates]

    def score_values(self) -> dict[str, float | None]:
        values: dict[str, float | None] = {
            m: self.rates[c].value for m, c in SCORE_CODES.items() if c in self.rates
        }
        if self.contact is not None:
            for m, attr in CONTACT_CODES.items():
                values[m] = getattr(self.contact, attr)
        return values


def _unit_name(user: User) -> str:
    return user.unit.name if user.unit is not None else ""


def default_period() -> Period:
    """The previous calendar month: the latest complete one."""
    return Period.of(timezone.localdate()).previous()


def _fill(row: ScoreRow, counts: dict[str, tuple[int, int]] | None) -> ScoreRow:
    counts = counts or {code: (0, 0) for code in GROUPED_CODES}
    row.rates = {c: _row(c, *counts[c]) for c in [*SHOWN_RATES, *EXTRA_RATES]}
    row.received = counts["received"][0]
    row.overdue = counts["overdue"][0]
    row.closed_resolved = counts["closed_resolved"][0]
    return row


def cadre_list(*, cadres: QuerySet[User] | None = None) -> list[User]:
    qs = cadres if cadres is not None else User.objects.filter(role_q("cadre"), is_active=True)
    return list(qs.select_related("unit", "area_scope").order_by("pk"))


def unit_league(*, period: Period) -> list[ScoreRow]:
    """Every unit that receives dispatched demands, ranked by composite score for the period."""
    counts = grouped_counts(period=period, by="lead_unit_id")
    weights = weights_get()
    rows = []
    for unit in Unit.objects.filter(
        Q(accepts_dispatch=True, is_active=True) | Q(pk__in=[k for k in counts if k])
    ):
        row = _fill(ScoreRow("unit", unit.pk, unit.name, unit.name), counts.get(unit.pk))
        row.score = composite_score(row.score_values(), weights)
        rows.append(row)
    return rank(rows)


def cadre_league(*, period: Period, cadres: list[User] | None = None) -> list[ScoreRow]:
    """Cadres ranked by composite score: demand measures of their remit plus their contact work."""
    cadres = cadres if cadres is not None else cadre_list()
    weights = weights_get()
    area_cadres = {c.pk: c.area_scope.path for c in cadres if c.area_scope is not None}
    by_area = grouped_counts(period=period, by="area_id") if area_cadres else {}
    area_paths = dict(Area.objects.filter(pk__in=[k for k in by_area if k]).values_list("pk", "path"))
    rolled = rollup_areas(by_area, area_paths, area_cadres)
    unit_cadres = [c for c in cadres if not c.area_scope_id and c.unit_id]
    by_unit = grouped_counts(period=period, by="lead_unit_id") if unit_cadres else {}
    start, end = period.first_day, period.last_day
    contact = contact_measures(cadre_ids=[c.pk for c in cadres], start=start, end=end)
    rows = []
    for cadre in cadres:
        counts = rolled.get(cadre.pk) if cadre.area_scope_id else by_unit.get(cadre.unit_id)
        row = _fill(ScoreRow("cadre", cadre.pk, str(cadre), _unit_name(cadre)), counts)
        row.contact = contact.get(cadre.pk, ContactMeasures())
        row.score = composite_score(row.score_values(), weights)
        rows.append(row)
    return rank(rows)


def cadre_card(*, cadre: User, period: Period) -> ScoreRow:
    """One cadre's scorecard, computed through measures_compute (the same call the report makes)."""
    figures = demand_figures(scope=cadre_scope(cadre), period=period)
    row = ScoreRow("cadre", cadre.pk, str(cadre), _unit_name(cadre))
    row.rates = {**figures.rates, **figures.extra}
    row.received, row.overdue, row.closed_resolved = figures.total, figures.overdue, figures.closed_resolved
    row.contact = contact_measures(cadre_ids=[cadre.pk], start=period.first_day, end=period.last_day).get(
        cadre.pk, ContactMeasures()
    )
    row.score = composite_score(row.score_values(), weights_get())
    return row


def unit_card(*, unit: Unit, period: Period) -> ScoreRow:
    figures = demand_figures(scope=Scope(unit=unit), period=period)
    row = ScoreRow("unit", unit.pk, unit.name, unit.name)
    row.rates = {**figures.rates, **figures.extra}
    row.received, row.overdue, row.closed_resolved = figures.total, figures.overdue, figures.closed_resolved
    row.score = composite_score(row.score_values(), weights_get())
    return row


def card_trend(*, subject: Any, kind: str, period: Period, months: int = 6) -> list[dict[str, Any]]:
    """The subject's score and rates over the `months` up to `period` (oldest first)."""
    out = []
    for back in range(months - 1, -1, -1):
        month = period.shift(-back)
        card = (
            cadre_card(cadre=subject, period=month)
            if kind == "cadre"
            else unit_card(unit=subject, period=month)
        )
        out.append(
            {"period": str(month), "score": card.score, **{c: card.rates[c].value for c in SHOWN_RATES}}
        )
    return out


def card_trend_labels() -> dict[str, str]:
    """Names of the series of `card_trend` (score, then each rate), in the active language."""
    return {"score": _("综合得分"), **{c: str(LABELS[c]) for c in SHOWN_RATES}}


def cadre_rank(*, cadre: User, period: Period) -> tuple[int | None, int]:
    """The cadre's place in the cadre league of the period and the number of cadres ranked."""
    rows = cadre_league(period=period)
    mine = next((r for r in rows if r.key == cadre.pk), None)
    return (mine.rank if mine else None), len(rows)


# --- dashboards -------------------------------------------------------------------------------------


def dashboard_scope(user: User) -> Scope:
    """Operators, supervisors and admins see the whole city; a cadre their area (or unit)."""
    if user.has_role("operator", "supervisor", "admin"):
        return Scope()
    return cadre_scope(user)


MIN_TREND_MONTHS = 3


def _from_first_data(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trend from its first month with any rate (at least the last `MIN_TREND_MONTHS`): a
    twelve-month axis of which nine months predate the data draws mostly empty space."""
    first = next(
        (i for i, month in enumerate(trend) if any(v is not None for k, v in month.items() if k != "period")),
        len(trend),
    )
    return trend[min(first, max(0, len(trend) - MIN_TREND_MONTHS)) :]


def dashboard_data(*, scope: Scope, period: Period, months: int = 12) -> dict[str, Any]:
    """Everything the dashboard charts draw, as JSON-able data."""
    start, end = period_range(period)
    figures = demand_figures(scope=scope, period=period)
    received = Demand.objects.filter(scope.q()).filter(
        measure_anchor_q(start=start, end=end, codes=["received"])
    )
    by_day = {
        d: n
        for d, n in received.annotate(day=TruncDate("created_at"))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    }
    days = []
    day = start
    while day < end:
        days.append({"day": day.isoformat(), "n": by_day.get(day, 0)})
        day = day.fromordinal(day.toordinal() + 1)
    trend = _from_first_data(rates_trend(scope=scope, period=period, months=months))
    unit_counts = grouped_counts(period=period, by="lead_unit_id", base=scope.q())
    unit_names = dict(Unit.objects.filter(pk__in=[k for k in unit_counts if k]).values_list("pk", "name"))
    overdue = sorted(
        (
            {"unit": unit_names.get(k) or _("未派单"), "unit_id": k, "n": v["overdue"][0]}
            for k, v in unit_counts.items()
        ),
        key=lambda x: -x["n"],
    )
    overdue = [o for o in overdue if o["n"]][:15]
    # Areas: counts rolled up to street level (and district), for the bar chart and the map.
    area_counts = Counter(dict(received.order_by().values_list("area_id").annotate(n=Count("pk"))))
    areas = list(
        Area.objects.filter(level__in=["district", "street", "community"]).only(
            "pk", "name", "path", "level", "lat", "lng"
        )
    )
    paths = {
        a.pk: a.path for a in Area.objects.filter(pk__in=[k for k in area_counts if k]).only("pk", "path")
    }
    area_rows = []
    for area in areas:
        n = sum(
            c
            for aid, c in area_counts.items()
            if aid in paths and (paths[aid] == area.path or paths[aid].startswith(area.path + "/"))
        )
        if area.level != "community" or n:
            area_rows.append(
                {
                    "id": area.pk,
                    "name": area.name,
                    "level": area.level,
                    "lat": area.lat,
                    "lng": area.lng,
                    "n": n,
                }
            )
    points = [
        {"lat": d.lat, "lng": d.lng, "title": d.title, "status": d.get_status_display()}
        for d in received.filter(lat__isnull=False, lng__isnull=False).only("lat", "lng", "title", "status")[
            :500
        ]
    ]
    contact_points = [
        {"lat": p.lat, "lng": p.lng, "name": p.name}
        for p in ContactPoint.objects.filter(lat__isnull=False, lng__isnull=False, is_active=True).filter(
            scope.area.subtree_q("area") if scope.area is not None else Q()
        )[:500]
    ]
    return {
        "period": str(period),
        "received": figures.total,
        "rates": {c: {"label": r.label, "value": r.value, "text": r.text} for c, r in figures.rates.items()},
        "by_day": days,
        "by_category": [{"name": n, "n": c} for n, c in figures.top_categories],
        "by_area": sorted([a for a in area_rows if a["level"] == "street"], key=lambda a: -a["n"]),
        "trend": trend,
        "overdue_by_unit": overdue,
        "map": {
            "areas": [a for a in area_rows if a["lat"] is not None],
            "demands": points,
            "contact_points": contact_points,
        },
    }
