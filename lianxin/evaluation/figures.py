"""Demand figures for evaluation, always through `lianxin.demands.measures` so the scorecard, the
dashboards and the report count the same demands the same way.

A cadre's remit is the demands of their area subtree (`User.area_scope`), or, without an area, those
led by their unit. League tables group the measures' own definitions by lead unit or by area (one
query) and roll areas up to each cadre's subtree: counts are additive, so the rolled-up numbers equal
what `measures_compute(area=...)` gives for one cadre.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from lianxin.accounts.models import User
from lianxin.contact.periods import Period
from lianxin.demands.choices import OPEN_STATUSES, Closure, DemandType, Urgency
from lianxin.demands.measures import (
    LABELS,
    day_bounds,
    judged_anchor_q,
    judged_definitions,
    judged_scope_q,
    measure_get,
    measure_scope_q,
    measures_compute,
    measures_grouped,
)
from lianxin.demands.models import Demand, Judgement
from lianxin.evaluation.report.content import RateRow
from lianxin.evaluation.scoring import wilson_interval
from lianxin.org.models import Area, Category, Unit

# The rates shown on scorecards and in reports, in this order (the three rates of measures.THREE_RATES + on-time).
SHOWN_RATES = ["response_rate", "ontime_rate", "resolution_rate", "satisfaction_rate"]
EXTRA_RATES = ["return_rate", "reopen_rate"]
GROUPED_CODES = [*SHOWN_RATES, *EXTRA_RATES, "received", "overdue", "closed_resolved"]
# Composite-score measure code (evaluation.models.Measure) → measures.py code.
SCORE_CODES = {
    "response": "response_rate",
    "on_time": "ontime_rate",
    "resolution": "resolution_rate",
    "satisfaction": "satisfaction_rate",
    "return": "return_rate",
    "reopen": "reopen_rate",
}
NOTHING = Q(pk__in=[])
# Counts of evaluation's own beside the measures': 超期未办结, the overdue measure's demands still open
# past their current due time (`open_late_q`).
OVERDUE_OPEN = "overdue_open"


def open_late_q(now: datetime | None = None) -> Q:
    """Still open and past the due time of the current stage (the demands app's queue "overdue" asks the
    same): what of the overdue measure (超期数: missed a deadline at some stage) is 超期未办结 now."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())


@dataclass(frozen=True)
class RateCell:
    """A rate as the league tables and cards show it: the rate and its 95 % Wilson interval."""

    rate: RateRow

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.rate.numerator, self.rate.denominator)

    @property
    def interval_text(self) -> str:
        """ "85.1–96.0" (percent, one decimal), or "" for a rate without data."""
        bounds = self.interval
        return "" if bounds is None else f"{bounds[0] * 100:.1f}–{bounds[1] * 100:.1f}"

    @property
    def text(self) -> str:
        """ "92.0%（85.1–96.0）", or the rate's own text ("—") without data."""
        return f"{self.rate.text}（{self.interval_text}）" if self.interval_text else self.rate.text


@dataclass(frozen=True)
class Scope:
    """What a scorecard is about: lead unit, or area subtree (None = everything), or nothing."""

    unit: Unit | None = None
    area: Area | None = None
    empty: bool = False

    def kwargs(self) -> dict[str, Any]:
        return {"unit": self.unit, "area": self.area, "demands": NOTHING if self.empty else None}

    def q(self) -> Q:
        """The demands of the scope, as `measures_compute(**scope.kwargs())` selects them."""
        return measure_scope_q(**self.kwargs())

    def judged_q(self) -> Q:
        """The judged steps of the scope (the unit judged, or steps of demands in the area)."""
        return judged_scope_q(**self.kwargs())


def cadre_scope(cadre: User) -> Scope:
    if cadre.area_scope_id:
        return Scope(area=cadre.area_scope)
    if cadre.unit_id:
        return Scope(unit=cadre.unit)
    return Scope(empty=True)


def period_range(period: Period) -> tuple[date, date]:
    """[start, end) as measures.py wants them."""
    return period.first_day, period.shift(1).first_day


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) as aware datetimes in the current time zone (as measures.py counts days)."""
    return day_bounds(*period_range(period))


@dataclass
class DemandFigures:
    rates: dict[str, RateRow] = field(default_factory=dict)
    extra: dict[str, RateRow] = field(default_factory=dict)
    total: int = 0
    closed: int = 0
    closed_resolved: int = 0
    open: int = 0
    overdue: int = 0
    overdue_open: int = 0
    reopened: int = 0
    returned: int = 0
    supervised: int = 0
    avg_handling_hours: float | None = None
    top_categories: list[tuple[str, int]] = field(default_factory=list)


def _row(code: str, n: int, d: int) -> RateRow:
    return RateRow(
        code=code, label=str(LABELS[code]), value=(n / d if d else None), numerator=n, denominator=d
    )


def demand_figures(*, scope: Scope, period: Period, rates_only: bool = False) -> DemandFigures:
    start, end = period_range(period)
    values = measures_compute(start=start, end=end, **scope.kwargs())
    figures = DemandFigures(
        rates={c: _row(c, values[c].numerator, values[c].denominator) for c in SHOWN_RATES},
        extra={c: _row(c, values[c].numerator, values[c].denominator) for c in EXTRA_RATES},
    )
    if rates_only:
        return figures
    figures.total = values["received"].numerator
    figures.closed = values["closed_resolved"].denominator
    figures.closed_resolved = values["closed_resolved"].numerator
    figures.overdue = values["overdue"].numerator
    figures.reopened = values["reopen_rate"].numerator
    figures.returned = values["return_rate"].numerator
    figures.avg_handling_hours = values["avg_handling_hours"].value
    received = values["received"].queryset("denominator")
    counts = received.aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        supervised=Count("pk", filter=Q(supervised=True)),
        overdue_open=Count("pk", filter=values["overdue"].numerator_q & open_late_q()),
    )
    figures.open, figures.supervised = counts["open"], counts["supervised"]
    figures.overdue_open = counts["overdue_open"]
    figures.top_categories = _by_root_category(received, limit=5)
    return figures


def rates_trend(*, scope: Scope, period: Period, months: int) -> list[dict[str, Any]]:
    """SHOWN_RATES for each of the `months` months up to `period` (oldest first) in ONE aggregate query
    over the judged steps: each month's counts use that month's own measure definitions as conditional
    counts."""
    window = [period.shift(-back) for back in range(months - 1, -1, -1)]
    aggregates: dict[str, Any] = {}
    for i, month in enumerate(window):
        definitions = judged_definitions(*period_range(month))
        for code in SHOWN_RATES:
            den_q, num_q, _kind = definitions[code]
            aggregates[f"m{i}_{code}_n"] = Count("pk", filter=num_q)
            aggregates[f"m{i}_{code}_d"] = Count("pk", filter=den_q)
    anchored = judged_anchor_q(start=window[0].first_day, end=period_range(period)[1])
    row = Judgement.objects.filter(scope.judged_q()).filter(anchored).aggregate(**aggregates)
    out = []
    for i, month in enumerate(window):
        entry: dict[str, Any] = {"period": str(month)}
        for code in SHOWN_RATES:
            n, d = row[f"m{i}_{code}_n"] or 0, row[f"m{i}_{code}_d"] or 0
            entry[code] = n / d if d else None
        out.append(entry)
    return out


def _root_names() -> dict[str, str]:
    return {c.code: c.name for c in Category.objects.filter(parent__isnull=True).only("code", "name")}


def _root_of(path: str | None, roots: dict[str, str]) -> str:
    if not path:
        return gettext("未分类")
    return roots.get(path.split("/", 1)[0]) or gettext("未分类")


def _by_root_category(qs: QuerySet[Demand], limit: int) -> list[tuple[str, int]]:
    roots = _root_names()
    counter: Counter[str] = Counter()
    for path, n in qs.order_by().values_list("category__path").annotate(n=Count("pk")):
        counter[_root_of(path, roots)] += n
    return counter.most_common(limit)


def weak_categories(
    *, scope: Scope, period: Period, threshold: float = 0.8, min_rated: int = 2
) -> list[tuple[str, float]]:
    """Top-level categories whose satisfaction rate in the period is below `threshold` (enough ratings)."""
    start, end = period_range(period)
    den_q, num_q, _ = judged_definitions(start, end)["satisfaction_rate"]
    roots = _root_names()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        Judgement.objects.filter(scope.judged_q())
        .filter(den_q)
        .order_by()
        .values_list("demand__category__path")
        .annotate(n=Count("pk", filter=num_q), d=Count("pk"))
    )
    for path, n, d in rows:
        pair = totals[_root_of(path, roots)]
        pair[0] += n
        pair[1] += d
    weak = [(name, n / d) for name, (n, d) in totals.items() if d >= min_rated and n / d < threshold]
    return sorted(weak, key=lambda x: x[1])[:3]


def dispute_figures(*, scope: Scope, period: Period) -> dict[str, Any]:
    """Complaints and reports (投诉/举报) received in the period: the disputes of 化解矛盾纠纷."""
    start, end = period_range(period)
    received = measure_get(code="received", start=start, end=end, **scope.kwargs()).queryset("denominator")
    disputes = received.filter(type__in=[DemandType.COMPLAINT, DemandType.REPORT])
    counts = disputes.aggregate(
        total=Count("pk"),
        resolved=Count("pk", filter=Q(closure=Closure.RESOLVED)),
        critical=Count("pk", filter=Q(urgency=Urgency.CRITICAL)),
    )
    examples = list(disputes.order_by("-urgency", "-created_at").values_list("title", flat=True)[:3])
    return {**counts, "examples": examples}


def grouped_counts(
    *, period: Period, by: str, base: Q | None = None
) -> dict[Any, dict[str, tuple[int, int]]]:
    """(numerator, denominator) of GROUPED_CODES per unit (`by="lead_unit_id"`: the unit judged, or the
    lead unit for the demand measures) or per area (`by="area_id"`), limited to the demands `base`
    selects; one aggregate query per counted model (measures.measures_grouped)."""
    start, end = period_range(period)
    return measures_grouped(
        start=start,
        end=end,
        by={"lead_unit_id": "unit", "area_id": "area"}[by],
        codes=GROUPED_CODES,
        demands=base,
    )


def rollup_areas(
    counts_by_area: dict[Any, dict[str, tuple[int, int]]], area_paths: dict[int, str], targets: dict[Any, str]
) -> dict[Any, dict[str, tuple[int, int]]]:
    """Sum per-area counts into each target's subtree (`targets`: key → area path).

    Each area adds its counts to every ancestor path that is a target: O(areas × depth).
    """
    by_path: dict[str, list[Any]] = defaultdict(list)
    for key, path in targets.items():
        by_path[path].append(key)
    codes_all = [*GROUPED_CODES, OVERDUE_OPEN]
    acc: dict[Any, dict[str, list[int]]] = {key: {code: [0, 0] for code in codes_all} for key in targets}
    for area_id, codes in counts_by_area.items():
        area_path = area_paths.get(area_id) if area_id is not None else None
        if area_path is None:
            continue
        parts = area_path.split("/")
        for depth in range(1, len(parts) + 1):
            for key in by_path.get("/".join(parts[:depth]), ()):
                for code, (n, d) in codes.items():
                    acc[key][code][0] += n
                    acc[key][code][1] += d
    return {key: {code: (v[0], v[1]) for code, v in codes.items()} for key, codes in acc.items()}


def measure_trace(*, code: str, scope: Scope, period: Period, part: str) -> QuerySet[Demand]:
    """The demands behind one number of a scorecard (numerator or denominator); for OVERDUE_OPEN the
    overdue measure's demands still open past their due time, the most overdue first."""
    start, end = period_range(period)
    if code == OVERDUE_OPEN:
        overdue = measure_get(code="overdue", start=start, end=end, **scope.kwargs())
        return overdue.queryset("numerator").filter(open_late_q()).order_by("due_at", "id")
    return measure_get(code=code, start=start, end=end, **scope.kwargs()).queryset(part)


def measure_steps(*, code: str, scope: Scope, period: Period, part: str) -> QuerySet[Judgement] | None:
    """The judged steps behind one number of a judged measure (签收, 答复, 评价: one row per demand and
    unit), so the list holds exactly as many rows as the figure counts even when a demand went to two
    units; None for the measures that count demands."""
    if code == OVERDUE_OPEN:
        return None
    start, end = period_range(period)
    value = measure_get(code=code, start=start, end=end, **scope.kwargs())
    return value.records(part) if value.judged else None


# The judged steps an upheld appeal (考核申诉) took out of the rates: listed, never silently dropped.
APPEAL_EXCLUDED = "appeal_excluded"


def excluded_steps(*, scope: Scope, period: Period) -> QuerySet[Judgement]:
    """The scope's judged steps of the period that an upheld appeal excluded from its rates."""
    lo, hi = period_bounds(period)
    return (
        Judgement.objects.filter(scope.judged_q())
        .filter(excluded=True, first=True, at__gte=lo, at__lt=hi)
        .select_related("demand", "unit")
        .order_by("-at", "-id")
    )


def overdue_open_grouped(*, period: Period, by: str, base: Q | None = None) -> dict[Any, int]:
    """OVERDUE_OPEN per value of `by` ("lead_unit_id", "area_id") of the demands `base` selects."""
    start, end = period_range(period)
    overdue = measure_get(code="overdue", start=start, end=end, demands=base)
    rows = overdue.queryset("numerator").filter(open_late_q()).order_by().values(by).annotate(n=Count("pk"))
    return {row[by]: row["n"] for row in rows}
