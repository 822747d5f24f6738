"""Reads of evaluation: scorecards, league tables, trends, dashboard data and the cadre's workbench."""

from __future__ import annotations

import calendar
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import Role, User, role_q
from lianxin.analysis.models import HotIssueRun, RunState
from lianxin.analysis.selectors import hot_issue_list, issue_key
from lianxin.contact.models import ContactPoint, VisitProblem
from lianxin.contact.periods import Period as Month
from lianxin.contact.selectors import (
    ContactMeasures,
    Coverage,
    CoverageItem,
    contact_measures,
    coverage_get,
    visit_problem_list,
)
from lianxin.core.dates import parse_day
from lianxin.core.errors import ValidationFailed
from lianxin.core.params import as_id
from lianxin.demands.measures import LABELS, day_bounds
from lianxin.demands.models import Demand
from lianxin.demands.selectors import DemandFilters, demand_list, visible_demand_ids
from lianxin.evaluation.figures import (
    EXTRA_RATES,
    GROUPED_CODES,
    NOTHING,
    OVERDUE_OPEN,
    SCORE_CODES,
    SHOWN_RATES,
    RateCell,
    Scope,
    _row,
    cadre_scope,
    demand_figures,
    grouped_counts,
    measure_trace,
    overdue_open_grouped,
    period_bounds,
    period_range,
    rates_trend,
    rollup_areas,
)
from lianxin.evaluation.models import Report, ReportStatus
from lianxin.evaluation.modules import ModuleValue, cadre_subject, module_values, unit_subject
from lianxin.evaluation.report.content import RateRow
from lianxin.evaluation.scoring import composite_score, rank, rank_min_sample, weights_get
from lianxin.intel.pii import mask_pii
from lianxin.org.models import Area, Category, Unit

logger = logging.getLogger(__name__)
# The records of a hot issue: its evidence demands (figures measure codes name the others).
HOT_ISSUE = "hot_issue"

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
    overdue_open: int = 0  # 超期未办结 (figures.OVERDUE_OPEN)
    closed_resolved: int = 0
    contact: ContactMeasures | None = None
    modules: list[ModuleValue] = field(default_factory=list)  # the duty modules' measures (modules.py)
    excluded: int = 0  # judged steps an upheld appeal took out of the rates (the card pages set it)
    score: float | None = None
    rank: int | None = None
    min_sample: int = 0  # the league's minimum sample, set by the league or card that ranks the row

    @property
    def shown_rates(self) -> list[RateRow]:
        return [self.rates[c] for c in SHOWN_RATES if c in self.rates]

    @property
    def extra_rates(self) -> list[RateRow]:
        return [self.rates[c] for c in EXTRA_RATES if c in self.rates]

    @property
    def shown_cells(self) -> list[RateCell]:
        """The shown rates with their 95 % intervals, as the league tables and cards print them."""
        return [RateCell(r) for r in self.shown_rates]

    @property
    def extra_cells(self) -> list[RateCell]:
        return [RateCell(r) for r in self.extra_rates]

    @property
    def sample_code(self) -> str:
        """The score's rate judged on the most demands: its denominator is the row's sample."""
        codes = [c for c in SCORE_CODES.values() if c in self.rates]
        return max(codes, key=lambda c: self.rates[c].denominator, default="response_rate")

    @property
    def sample(self) -> int:
        """How many demands the score judges: the largest denominator of its rates (dispatches, replies
        or ratings of the period). Below the league's minimum the row is listed but not ranked."""
        rate = self.rates.get(self.sample_code)
        return rate.denominator if rate is not None else 0

    @property
    def under_sample(self) -> bool:
        return self.sample < self.min_sample

    def score_values(self) -> dict[str, float | None]:
        values: dict[str, float | None] = {
            m: self.rates[c].value for m, c in SCORE_CODES.items() if c in self.rates
        }
        if self.contact is not None:
            for m, attr in CONTACT_CODES.items():
                values[m] = getattr(self.contact, attr)
        for module in self.modules:
            if module.is_rate:
                values[module.code] = module.rate.value
        return values


def _unit_name(user: User) -> str:
    return user.unit.name if user.unit is not None else ""


_PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2})|-[Qq]([1-4]))?$")
PERIOD_KINDS = ("month", "quarter", "year")
_MONTHS_OF = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True, order=True)
class Period(Month):
    """An evaluation period: a calendar month (`2026-11`), quarter (`2026-Q4`) or year (`2026`).

    It extends contact's month (`year`, `month` = the period's first month), so whatever reads a month
    reads a quarter or a year the same way: `first_day`/`last_day` bound it (the measures' [start, end),
    contact coverage) and `shift(n)` moves by n periods of its own kind (trends, the page's ‹ ›).
    """

    kind: str = "month"

    @classmethod
    def parse(cls, value: str | None) -> Period:
        """`YYYY-MM`, `YYYY-Qn` or `YYYY` → Period; anything else raises ValidationFailed naming it."""
        match = _PERIOD_RE.match((value or "").strip())
        year = int(match.group(1)) if match else 0
        month = int(match.group(2)) if match and match.group(2) else 1
        if not match or not 1 <= month <= 12 or not 1900 <= year <= 2100:
            raise ValidationFailed(
                _(
                    "无效的期间 %(value)s：应为 YYYY-MM（月）、YYYY-Qn（季度）或 YYYY（年），如 2026-03、2026-Q1、2026"
                )
                % {"value": repr(value)},
                code="invalid_period",
                fields={
                    "period": [
                        _("无效的期间 %(value)s，应为 YYYY-MM、YYYY-Qn 或 YYYY") % {"value": repr(value)}
                    ]
                },
            )
        if match.group(3):
            return cls(year, 3 * int(match.group(3)) - 2, "quarter")
        return cls(year, month, "month" if match.group(2) else "year")

    @classmethod
    def of(cls, day: date, kind: str = "month") -> Period:
        """The period of `kind` that contains `day`."""
        n = _MONTHS_OF[kind]
        return cls(day.year, (day.month - 1) // n * n + 1, kind)

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    def __str__(self) -> str:
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.quarter}"
        if self.kind == "year":
            return f"{self.year:04d}"
        return super().__str__()

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"
        if self.kind == "year":
            return f"{self.year}年"
        return super().label

    @property
    def short(self) -> str:
        """The label of a chart's axis: 26-03, 26-Q1, 2026."""
        return str(self) if self.kind == "year" else str(self)[2:]

    @property
    def last_day(self) -> date:
        end = Month(self.year, self.month).shift(_MONTHS_OF[self.kind] - 1)
        return date(end.year, end.month, calendar.monthrange(end.year, end.month)[1])

    def shift(self, months: int) -> Period:
        """`months` periods of this kind later (earlier when negative): a quarter shifts by quarters."""
        moved = Month(self.year, self.month).shift(months * _MONTHS_OF[self.kind])
        return Period(moved.year, moved.month, self.kind)

    def previous(self) -> Period:
        return self.shift(-1)

    def as_kind(self, kind: str) -> Period:
        """The period of `kind` that contains this one's first day (the period picker's switch)."""
        return Period.of(self.first_day, kind)

    @property
    def as_month(self) -> Period:
        return self.as_kind("month")

    @property
    def as_quarter(self) -> Period:
        return self.as_kind("quarter")

    @property
    def as_year(self) -> Period:
        return self.as_kind("year")


def default_period(kind: str = "month") -> Period:
    """The latest complete period of `kind` (by default the previous calendar month)."""
    return Period.of(timezone.localdate(), kind).previous()


def _fill(row: ScoreRow, counts: dict[str, tuple[int, int]] | None) -> ScoreRow:
    counts = counts or {code: (0, 0) for code in GROUPED_CODES}
    row.rates = {c: _row(c, *counts[c]) for c in [*SHOWN_RATES, *EXTRA_RATES]}
    row.received = counts["received"][0]
    row.overdue = counts["overdue"][0]
    row.overdue_open = counts.get(OVERDUE_OPEN, (0, 0))[0]
    row.closed_resolved = counts["closed_resolved"][0]
    return row


def _with_overdue_open(
    counts: dict[Any, dict[str, tuple[int, int]]], open_counts: dict[Any, int]
) -> dict[Any, dict[str, tuple[int, int]]]:
    """`counts` with OVERDUE_OPEN added per key (a key with only open overdue demands gets zeros else)."""
    out = {key: dict(codes) for key, codes in counts.items()}
    for key, n in open_counts.items():
        out.setdefault(key, {code: (0, 0) for code in GROUPED_CODES})[OVERDUE_OPEN] = (n, n)
    return out


def _ranked(rows: list[ScoreRow]) -> list[ScoreRow]:
    """Rank the rows that have at least the minimum sample (`scoring.rank_min_sample`)."""
    minimum = rank_min_sample()
    for row in rows:
        row.min_sample = minimum
    return rank(rows, min_sample=minimum)


def cadre_list(*, cadres: QuerySet[User] | None = None) -> list[User]:
    qs = cadres if cadres is not None else User.objects.filter(role_q(Role.CADRE), is_active=True)
    return list(qs.select_related("unit", "area_scope").order_by("pk"))


def unit_league(*, period: Period) -> list[ScoreRow]:
    """Every unit that receives dispatched demands, ranked by composite score for the period."""
    counts = _with_overdue_open(
        grouped_counts(period=period, by="lead_unit_id"),
        overdue_open_grouped(period=period, by="lead_unit_id"),
    )
    weights = weights_get()
    rows = []
    units = list(
        Unit.objects.filter(Q(accepts_dispatch=True, is_active=True) | Q(pk__in=[k for k in counts if k]))
    )
    modules = module_values([unit_subject(u) for u in units], period.first_day, period.last_day)
    for unit in units:
        row = _fill(ScoreRow("unit", unit.pk, unit.name, unit.name), counts.get(unit.pk))
        row.modules = modules.get(unit.pk, [])
        row.score = composite_score(row.score_values(), weights)
        rows.append(row)
    return _ranked(rows)


def cadre_league(*, period: Period, cadres: list[User] | None = None) -> list[ScoreRow]:
    """Cadres ranked by composite score: demand measures of their remit plus their contact work."""
    cadres = cadres if cadres is not None else cadre_list()
    weights = weights_get()
    area_cadres = {c.pk: c.area_scope.path for c in cadres if c.area_scope is not None}
    # (The cadre league shows no 超期未办结: it is counted for the unit league and the cards only.)
    by_area = grouped_counts(period=period, by="area_id") if area_cadres else {}
    area_paths = dict(Area.objects.filter(pk__in=[k for k in by_area if k]).values_list("pk", "path"))
    rolled = rollup_areas(by_area, area_paths, area_cadres)
    unit_cadres = [c for c in cadres if not c.area_scope_id and c.unit_id]
    by_unit = grouped_counts(period=period, by="lead_unit_id") if unit_cadres else {}
    start, end = period.first_day, period.last_day
    contact = contact_measures(cadre_ids=[c.pk for c in cadres], start=start, end=end)
    modules = module_values([cadre_subject(c) for c in cadres], start, end)
    rows = []
    for cadre in cadres:
        counts = rolled.get(cadre.pk) if cadre.area_scope_id else by_unit.get(cadre.unit_id)
        row = _fill(ScoreRow("cadre", cadre.pk, str(cadre), _unit_name(cadre)), counts)
        row.contact = contact.get(cadre.pk, ContactMeasures())
        row.modules = modules.get(cadre.pk, [])
        row.score = composite_score(row.score_values(), weights)
        rows.append(row)
    return _ranked(rows)


def cadre_card(*, cadre: User, period: Period) -> ScoreRow:
    """One cadre's scorecard, computed through measures_compute (the same call the report makes)."""
    figures = demand_figures(scope=cadre_scope(cadre), period=period)
    row = ScoreRow("cadre", cadre.pk, str(cadre), _unit_name(cadre))
    row.rates = {**figures.rates, **figures.extra}
    row.received, row.overdue, row.closed_resolved = figures.total, figures.overdue, figures.closed_resolved
    row.overdue_open, row.min_sample = figures.overdue_open, rank_min_sample()
    row.contact = contact_measures(cadre_ids=[cadre.pk], start=period.first_day, end=period.last_day).get(
        cadre.pk, ContactMeasures()
    )
    row.modules = module_values([cadre_subject(cadre)], period.first_day, period.last_day)[cadre.pk]
    row.score = composite_score(row.score_values(), weights_get())
    return row


def unit_card(*, unit: Unit, period: Period) -> ScoreRow:
    figures = demand_figures(scope=Scope(unit=unit), period=period)
    row = ScoreRow("unit", unit.pk, unit.name, unit.name)
    row.rates = {**figures.rates, **figures.extra}
    row.received, row.overdue, row.closed_resolved = figures.total, figures.overdue, figures.closed_resolved
    row.overdue_open, row.min_sample = figures.overdue_open, rank_min_sample()
    row.modules = module_values([unit_subject(unit)], period.first_day, period.last_day)[unit.pk]
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
    return (mine.rank if mine else None), sum(1 for r in rows if r.rank is not None)


# --- dashboards -------------------------------------------------------------------------------------
#
# Every number the dashboard shows carries the address of its records (`url`): evaluation:records with
# the viewer's subject (the city for operators, supervisors and admins; the cadre's own remit for a
# cadre) and, for a chart element, the part of the list it stands for (`Narrowing`: an area, a root
# category or the rest of them, a lead unit, a day, a hot issue). The records page lists exactly what the
# element counts, with the count beside the heading.

CITY_ROLES = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
# Demands drawn one by one on the map up to this many; beyond it the map shows counts by area.
MAP_POINTS_MAX = 300
# Slices of the category pie before the rest become 其他.
PIE_SLICES = 6
HOT_ISSUES_SHOWN = 5


def dashboard_scope(user: User) -> Scope:
    """Operators, supervisors and admins see the whole city; a cadre their area (or unit)."""
    if user.has_role(*CITY_ROLES):
        return Scope()
    return cadre_scope(user)


def records_subject(user: User) -> dict[str, str]:
    """The records page's subject for the figures of `user`'s dashboard (the same scope as
    `dashboard_scope`)."""
    if user.has_role(*CITY_ROLES):
        return {"subject": "city"}
    return {"subject": "cadre", "id": str(user.pk)}


def records_url(
    subject: dict[str, str], period: Period, measure: str, part: str = "numerator", **narrow: Any
) -> str:
    """The address of the records behind one figure: evaluation:records with its narrowing."""
    params = {**subject, "period": str(period), "measure": measure, "part": part}
    params.update({k: str(v) for k, v in narrow.items() if v is not None and v != ""})
    return reverse("evaluation:records") + "?" + urlencode(params)


NONE = "none"  # the narrowing value for "no category" / "no lead unit"


def _ids(raw: str) -> tuple[list[int], bool]:
    """Comma-separated ids (and "none") of a query string: the ids, and whether "none" was among them."""
    values = [v.strip() for v in (raw or "").split(",") if v.strip()]
    return [i for v in values if (i := as_id(v)) is not None], NONE in values


@dataclass(frozen=True)
class Narrowing:
    """The part of a figure's records that one chart element stands for (all empty: the whole figure)."""

    area: int | None = None
    category: int | None = None
    no_category: bool = False
    exclude: tuple[int, ...] = ()  # root categories left out: the pie's 其他
    exclude_none: bool = False  # 未分类 left out of 其他 (it has its own slice)
    unit: int | None = None
    no_unit: bool = False
    day: date | None = None
    issues: tuple[int, ...] = ()  # hot issues (one, or duplicates shown as one)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Narrowing:
        """From a query string; a malformed value is refused (ValidationFailed naming it)."""
        exclude, exclude_none = _ids(params.get("exclude", ""))
        issues, _none = _ids(params.get("issue", ""))
        bad = [
            name
            for name in ("area", "category", "unit")
            if params.get(name) and params.get(name) != NONE and as_id(params.get(name)) is None
        ]
        day = None
        if params.get("day"):
            try:
                day = parse_day(params["day"])
            except ValueError:
                bad.append("day")
        if params.get("area") == NONE:
            bad.append("area")
        if bad:
            raise ValidationFailed(
                _("参数无效：%(names)s") % {"names": ", ".join(bad)}, fields={n: [_("无效")] for n in bad}
            )
        return cls(
            area=as_id(params.get("area")),
            category=as_id(params.get("category")),
            no_category=params.get("category") == NONE,
            exclude=tuple(exclude),
            exclude_none=exclude_none,
            unit=as_id(params.get("unit")),
            no_unit=params.get("unit") == NONE,
            day=day,
            issues=tuple(issues),
        )

    def __bool__(self) -> bool:
        return self != Narrowing()

    def q_and_labels(self) -> tuple[Q, list[str]]:
        """The condition on demands, and the words for the records page's heading."""
        q, labels = Q(), []
        if self.area is not None:
            area = Area.objects.filter(pk=self.area).first()
            q &= area.subtree_q("area") if area else NOTHING
            labels.append(area.name if area else str(self.area))
        if self.category is not None:
            category = Category.objects.filter(pk=self.category).first()
            q &= category.subtree_q("category") if category else NOTHING
            labels.append(category.name if category else str(self.category))
        if self.no_category:
            q &= Q(category__isnull=True)
            labels.append(_("未分类"))
        if self.exclude or self.exclude_none:
            for category in Category.objects.filter(pk__in=self.exclude):
                q &= ~category.subtree_q("category")
            if self.exclude_none:
                q &= Q(category__isnull=False)
            labels.append(_("其他"))
        if self.unit is not None:
            unit = Unit.objects.filter(pk=self.unit).first()
            q &= Q(lead_unit_id=self.unit)
            labels.append(unit.name if unit else str(self.unit))
        if self.no_unit:
            q &= Q(lead_unit__isnull=True)
            labels.append(_("未派单"))
        if self.day is not None:
            lo, hi = day_bounds(self.day, self.day + timedelta(days=1))
            q &= Q(created_at__gte=lo, created_at__lt=hi)
            labels.append(self.day.isoformat())
        if self.issues:
            q &= Q(pk__in=Demand.objects.filter(hot_issues__in=self.issues).values("pk"))
        return q, labels


MIN_TREND_MONTHS = 3


def _from_first_data(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trend from its first month with any rate (at least the last `MIN_TREND_MONTHS`): a
    twelve-month axis of which nine months predate the data draws mostly empty space."""
    first = next(
        (
            i
            for i, month in enumerate(trend)
            if any(v is not None for k, v in month.items() if k not in ("period", "urls"))
        ),
        len(trend),
    )
    return trend[min(first, max(0, len(trend) - MIN_TREND_MONTHS)) :]


def _rate_json(rate: RateRow, subject: dict[str, str], period: Period) -> dict[str, Any]:
    cell = RateCell(rate)
    return {
        "code": rate.code,
        "label": rate.label,
        "value": rate.value,
        "text": rate.text,
        "interval": cell.interval_text,
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "url": records_url(subject, period, rate.code, "numerator"),
        "numerator_url": records_url(subject, period, rate.code, "numerator"),
        "denominator_url": records_url(subject, period, rate.code, "denominator"),
    }


def _category_slices(
    received: QuerySet[Demand], subject: dict[str, str], period: Period
) -> list[dict[str, Any]]:
    """Received demands by top-level category: the largest PIE_SLICES, then 其他 for all the rest, so
    the slices add up to the total; each slice with its records."""
    roots = {c.code: c for c in Category.objects.filter(parent__isnull=True).only("pk", "code", "name")}
    counts: Counter[int | None] = Counter()
    for path, n in received.order_by().values_list("category__path").annotate(n=Count("pk")):
        root = roots.get(path.split("/", 1)[0]) if path else None
        counts[root.pk if root else None] += n
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or 0))
    names = {c.pk: c.name for c in roots.values()}
    shown = ordered if len(ordered) <= PIE_SLICES + 1 else ordered[:PIE_SLICES]
    slices = [
        {
            "id": pk,
            "name": names[pk] if pk is not None else _("未分类"),
            "n": n,
            "url": records_url(subject, period, "received", category=pk if pk is not None else NONE),
        }
        for pk, n in shown
    ]
    rest = ordered[len(shown) :]
    if rest:
        left_out = [str(pk) if pk is not None else NONE for pk, _n in shown]
        slices.append(
            {
                "id": None,
                "name": _("其他"),
                "n": sum(n for _pk, n in rest),
                "url": records_url(subject, period, "received", category="", exclude=",".join(left_out)),
            }
        )
    return slices


def _area_counts(received: QuerySet[Demand], areas: list[Area]) -> dict[int, int]:
    """Received demands per area of `areas`, each area counting its whole subtree (one query)."""
    by_path = {a.path: a.pk for a in areas}
    out = dict.fromkeys(by_path.values(), 0)
    for path, n in received.order_by().values_list("area__path").annotate(n=Count("pk")):
        if not path:
            continue
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            pk = by_path.get("/".join(parts[:depth]))
            if pk is not None:
                out[pk] += n
    return out


def dashboard_data(*, user: User, period: Period, months: int = 12) -> dict[str, Any]:
    """Everything `user`'s dashboard draws, as JSON-able data, each figure with the address of its records."""
    scope = dashboard_scope(user)
    subject = records_subject(user)
    start, end = period_range(period)
    figures = demand_figures(scope=scope, period=period)
    received = measure_trace(code="received", scope=scope, period=period, part="denominator")
    by_day = dict(
        received.annotate(day=TruncDate("created_at")).order_by().values_list("day").annotate(n=Count("pk"))
    )
    days = []
    day = start
    while day < end:
        n = by_day.get(day, 0)
        days.append(
            {"day": day.isoformat(), "n": n, "url": records_url(subject, period, "received", day=day)}
        )
        day += timedelta(days=1)
    trend = rates_trend(scope=scope, period=period, months=months)
    for back, month in zip(range(months - 1, -1, -1), trend, strict=True):
        month["urls"] = {c: records_url(subject, period.shift(-back), c, "numerator") for c in SHOWN_RATES}
    trend = _from_first_data(trend)
    open_by_unit = overdue_open_grouped(period=period, by="lead_unit_id", base=scope.q())
    unit_names = dict(Unit.objects.filter(pk__in=[k for k in open_by_unit if k]).values_list("pk", "name"))
    overdue = sorted(
        (
            {
                "unit": unit_names.get(k) or _("未派单"),
                "unit_id": k,
                "n": n,
                "url": records_url(subject, period, OVERDUE_OPEN, unit=k if k else NONE),
            }
            for k, n in open_by_unit.items()
            if n
        ),
        key=lambda x: (-x["n"], x["unit"]),
    )[:15]
    # Areas of the scope (the area tree is the map's base layer when no tile server is configured).
    levels = ["district", "street", "community"]
    areas_qs = Area.objects.filter(level__in=levels)
    if scope.area is not None:
        areas_qs = areas_qs.filter(scope.area.subtree_q())
    areas = list(areas_qs.only("pk", "name", "path", "level", "lat", "lng", "parent", "depth"))
    counts = _area_counts(received, areas)
    area_rows = [
        {
            "id": a.pk,
            "name": a.name,
            "level": a.level,
            "lat": a.lat,
            "lng": a.lng,
            "n": counts[a.pk],
            "url": records_url(subject, period, "received", area=a.pk),
        }
        for a in areas
    ]
    if scope.area is None:
        bars = [r for r in area_rows if r["level"] == "street"]
    else:
        bars = [r for a, r in zip(areas, area_rows, strict=True) if a.parent_id == scope.area.pk]
        bars = bars or [r for r in area_rows if r["id"] == scope.area.pk]
    located = list(
        received.filter(lat__isnull=False, lng__isnull=False).only("pk", "lat", "lng", "title", "status")[
            : MAP_POINTS_MAX + 1
        ]
    )
    clustered = len(located) > MAP_POINTS_MAX
    points = []
    if not clustered:
        openable = (
            {d.pk for d in located} if user.sees_all else visible_demand_ids(user, (d.pk for d in located))
        )
        points = [
            {
                "lat": d.lat,
                "lng": d.lng,
                "title": d.title,
                "status": d.get_status_display(),
                "url": reverse("demands:detail", args=[d.pk]) if d.pk in openable else "",
            }
            for d in located
        ]
    contact_points = [
        {"lat": p.lat, "lng": p.lng, "name": p.name}
        for p in ContactPoint.objects.filter(lat__isnull=False, lng__isnull=False, is_active=True).filter(
            scope.area.subtree_q("area") if scope.area is not None else Q()
        )[:500]
    ]
    hot, hot_note = dashboard_hot_issues(scope=scope, period=period, subject=subject)
    rates = {c: _rate_json(r, subject, period) for c, r in figures.rates.items()}
    return {
        "period": str(period),
        "received": figures.total,
        "received_url": records_url(subject, period, "received"),
        "overdue_open": figures.overdue_open,
        "overdue_open_url": records_url(subject, period, OVERDUE_OPEN),
        "rates": rates,
        "by_day": days,
        "by_category": _category_slices(received, subject, period),
        "by_area": sorted(bars, key=lambda a: (-a["n"], a["name"])),
        "trend": trend,
        "overdue_by_unit": overdue,
        "hot_issues": hot,
        "hot_issues_note": hot_note,
        "map": {
            "areas": [a for a in area_rows if a["lat"] is not None and a["lng"] is not None],
            "demands": points,
            "clustered": clustered,
            "located": min(len(located), MAP_POINTS_MAX) if not clustered else None,
            "contact_points": contact_points,
        },
    }


def dashboard_hot_issues(
    *, scope: Scope, period: Period, subject: dict[str, str], limit: int = HOT_ISSUES_SHOWN
) -> tuple[list[dict[str, Any]], str]:
    """The hot issues (lianxin.analysis) of the scope active in the period, hottest first, numbered 1, 2,
    3… without gaps; each with the number of its evidence demands in the scope and their records.

    An issue is the scope's when at least half of its evidence lies in the scope (a street's cadre is
    not shown another district's issue because one of its messages came from the street); issues with the
    same summary are shown once, with their evidence together. The run is the latest one covering the
    period, as `analysis.selectors.hot_issues_for_area` chooses it.
    """
    lo, hi = period_bounds(period)
    none_note = _("本期联系区域内未发现热点问题。")
    try:
        run = (
            HotIssueRun.objects.filter(state=RunState.DONE, window_start__lt=hi, window_end__gte=lo)
            .order_by("-finished_at", "-id")
            .first()
        )
        if run is None:
            return [], none_note
        issues = [
            i
            for i in hot_issue_list(run=run, area=scope.area)
            if (i.end is None or i.end >= lo) and (i.start is None or i.start < hi)
        ]
        inside: dict[int, set[int]] = defaultdict(set)
        for issue_id, demand_id in (
            Demand.objects.filter(scope.q(), hot_issues__in=[i.pk for i in issues])
            .order_by()
            .values_list("hot_issues", "pk")
        ):
            inside[issue_id].add(demand_id)
    except Exception:
        logger.exception("hot issues of the dashboard failed")
        return [], _("热点问题暂不可用。")
    groups: dict[str, dict[str, Any]] = {}
    for issue in sorted(issues, key=lambda i: (-i.heat, i.rank)):
        mine = inside.get(issue.pk, set())
        total = len(issue.demands.all())
        if not mine or 2 * len(mine) < total:
            continue
        summary = mask_pii(issue.summary)
        group = groups.setdefault(
            issue_key(summary),
            {"summary": summary, "heat": round(issue.heat, 1), "ids": [], "demands": set()},
        )
        group["ids"].append(issue.pk)
        group["demands"] |= mine
    rows = []
    for place, group in enumerate(list(groups.values())[:limit], start=1):
        rows.append(
            {
                "rank": place,
                "summary": group["summary"],
                "heat": group["heat"],
                "n": len(group["demands"]),
                "url": records_url(subject, period, HOT_ISSUE, issue=",".join(str(i) for i in group["ids"])),
            }
        )
    return rows, "" if rows else none_note


# --- the cadre's workbench ------------------------------------------------------------------------

WORKBENCH_ROWS = 10


@dataclass
class Workbench:
    """What is a cadre's to do and to know, on their home page: each list with its count and the page
    that lists all of it."""

    cadre: User
    period: Period
    card: ScoreRow
    rank: int | None
    ranked: int
    coverage: Coverage
    problems: list[tuple[VisitProblem, bool]]  # the latest, each: may the cadre open its demand
    problems_total: int
    problems_period: Period  # this year: the problems' records page is the year's
    overdue: list[Demand]
    overdue_total: int
    supervised: list[Demand]
    supervised_total: int
    drafts: list[Report]
    to_write: Period | None  # the latest complete month, when its report is not begun

    @property
    def coverage_gaps(self) -> list[CoverageItem]:
        return [*self.coverage.points.gaps, *self.coverage.households.gaps]


def cadre_workbench(*, cadre: User, period: Period, today: date | None = None) -> Workbench:
    """A cadre's own: contact points and households due a visit in the current cycles, the problems raised
    on their visits and the state of each demand, the open demands of their area that are overdue or
    supervised (the supervision page's queues, as the cadre sees them), their scorecard for `period` and
    their unfinished reports."""
    today = today or timezone.localdate()
    coverage = coverage_get(cadre=cadre, as_of=today)
    year = Period.of(today, "year")
    problems_qs = visit_problem_list(cadre=cadre, start=year.first_day, end=year.last_day)
    problems = list(problems_qs.order_by("-visit__date", "-pk")[:WORKBENCH_ROWS])
    overdue_qs = demand_list(user=cadre, filters=DemandFilters(queue="overdue")).order_by("due_at", "id")
    supervised_qs = demand_list(user=cadre, filters=DemandFilters(queue="supervised"))
    overdue = list(overdue_qs[:WORKBENCH_ROWS])
    supervised = list(supervised_qs[:WORKBENCH_ROWS])
    openable = visible_demand_ids(cadre, (p.demand_id for p in problems if p.demand_id))
    card = cadre_card(cadre=cadre, period=period)
    place, ranked = cadre_rank(cadre=cadre, period=period)
    reports = list(
        Report.objects.filter(cadre=cadre).only("pk", "period", "status", "updated_at", "cadre_id")
    )
    latest = default_period()
    return Workbench(
        cadre=cadre,
        period=period,
        card=card,
        rank=place,
        ranked=ranked,
        coverage=coverage,
        problems=[(p, p.demand_id in openable) for p in problems],
        problems_total=problems_qs.count() if len(problems) == WORKBENCH_ROWS else len(problems),
        problems_period=year,
        overdue=overdue,
        overdue_total=overdue_qs.count() if len(overdue) == WORKBENCH_ROWS else len(overdue),
        supervised=supervised,
        supervised_total=supervised_qs.count() if len(supervised) == WORKBENCH_ROWS else len(supervised),
        drafts=[r for r in reports if r.status == ReportStatus.DRAFT],
        to_write=None if any(r.period == str(latest) for r in reports) else latest,
    )
