"""The measures of domain.md ("Measures") for any unit, area, category and period — each traceable.

    from lianxin.demands.measures import measures_compute
    values = measures_compute(start=date(2026, 10, 1), end=date(2026, 11, 1), unit=unit)
    values["response_rate"].rate           # 0.93 (None when the denominator is 0)
    values["response_rate"].queryset()     # the demands counted in the numerator
    values["response_rate"].queryset("denominator")

Signature (stable; other apps — evaluation, the cadre's report — call it):
    measures_compute(*, start: date, end: date, unit=None, area=None, category=None, demands=None)
        -> dict[str, MeasureValue]
`start` is inclusive and `end` exclusive (local calendar days). `unit` limits to demands whose lead
unit it is; `area` and `category` include their whole subtree; `demands` is any extra queryset or Q
to intersect with (for example a cadre's visible demands). Everything is computed in ONE aggregate
query with conditional counts, so a scorecard over a million demands stays fast.

What each number counts. The judged measures count `Judgement` rows (lianxin.demands.judging: the
steps of the timeline replayed per demand and unit), so a return, a re-dispatch or a reopen never erases
an earlier judgement, and `unit` means the unit judged (the one the demand was dispatched to), not the
lead unit of today; each counts the first such step of a demand and unit (`Judgement.first`):
- response_rate  及时签收率   dispatches in period → signed or returned by the sign due time ÷ dispatches
- contact_rate   响应率       dispatches in period → the caller first contacted (先行联系) by the contact
  due time (`LIANXIN_FIRST_CONTACT_HOURS` after the dispatch) ÷ dispatches (a return or withdrawal before
  that time voids the step); Beijing's 响应率, kept beside 及时签收率
- ontime_rate    按时办结率   replies in period → given by the reply due time then in force ÷ replies
- resolution_rate 问题解决率  first ratings in period → rated resolved ÷ rated
- satisfaction_rate 群众满意率 first ratings in period → (满意 + 基本满意) ÷ rated
- satisfaction_score 满意度得分 first ratings in period → (1.0·满意 + 0.6·基本满意 + 0·不满意) ÷ rated
  (weights from settings.LIANXIN_SATISFACTION_WEIGHTS)
- return_rate    退单率       dispatches in period → returned by that unit ÷ dispatches
- reopen_rate    重办率       replies in period → reopened afterwards ÷ replies
- avg_handling_hours 平均办理时长  replies in period → mean hours from submission to that reply
- assist_ontime_rate 协办按时率  assisting units asked in period (the dispatch) → opinion given by the
  due time (`LIANXIN_ASSIST_OPINION_WORKDAYS` working days after the dispatch) ÷ requests given or due
  by now; `unit` is the assisting unit (the step counts against it, not against the lead unit)
A reopened demand: its first reply and its first rating are judged; the later ones stay on record
(later rows, `first=False`) and show on the timeline, but never replace the first judgement.
The demand measures count demands:
- received       受理量       received (submitted) in period
- direct_rate    直接办结率   received in period → answered at intake (直接答复, never dispatched) ÷ received
- overdue        超期数       received in period → missed a stage deadline (红牌, or late now) ÷ received
  (a demand handed to an emergency line has no deadline from then on: never late now)
- transfer_count 紧急转办     received in period → handed to an emergency line (110/119/120/122, a
  utility's; `transferred_at`) ÷ received
- closed_resolved / closed_not_resolved  办结·已解决 / 办结·未解决, closed in period (÷ closed)
Imported history (channel import) is never judged and counts in none of them. Rates are never
inflated: a demand closed without being resolved is not resolved, and an unrated closure is not in the
satisfaction denominator; a dispatch or reply without a recorded due time (events written before due
times were recorded) is left out of the on-time rates rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from lianxin.accounts.models import User
from lianxin.core.dates import parse_day
from lianxin.core.errors import ValidationFailed
from lianxin.core.params import by_id
from lianxin.demands.choices import OPEN_STATUSES, Channel, Closure, Satisfaction, Status
from lianxin.demands.models import Demand, Judgement, JudgementKind
from lianxin.demands.selectors import demand_visible_q
from lianxin.org.models import Area, Category, Unit

# Lazy: translated in the language active where a MeasureValue is built (the UI's, or Chinese
# inside the cadre's report), and stored as a plain str so values stay JSON-serialisable.
LABELS = {
    "received": _("受理量"),
    "direct_rate": _("直接办结率"),
    "response_rate": _("及时签收率"),
    "contact_rate": _("响应率(先行联系)"),
    "ontime_rate": _("按时办结率"),
    "resolution_rate": _("问题解决率"),
    "satisfaction_rate": _("群众满意率"),
    "satisfaction_score": _("满意度得分"),
    "return_rate": _("退单率"),
    "reopen_rate": _("重办率"),
    "overdue": _("超期数"),
    "transfer_count": _("紧急转办"),
    "closed_resolved": _("办结·已解决"),
    "closed_not_resolved": _("办结·未解决"),
    "avg_handling_hours": _("平均办理时长(小时)"),
    "assist_ontime_rate": _("协办按时率"),
}
# The three rates (三率) most centres publish.
THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
# The date each measure is anchored on (the event it judges, see above): a demand (or a judged step) counts
# in a period's measure when that date falls in the period; the judged measures anchor on their step's time.
ANCHORS = {
    "received": "created_at",
    "direct_rate": "created_at",
    "response_rate": "at",  # Judgement.at
    "contact_rate": "at",  # Judgement.at
    "ontime_rate": "at",  # Judgement.at
    "resolution_rate": "at",  # Judgement.at
    "satisfaction_rate": "at",  # Judgement.at
    "satisfaction_score": "at",  # Judgement.at
    "return_rate": "at",  # Judgement.at
    "reopen_rate": "at",  # Judgement.at
    "overdue": "created_at",
    "transfer_count": "created_at",
    "closed_resolved": "closed_at",
    "closed_not_resolved": "closed_at",
    "avg_handling_hours": "at",  # Judgement.at
    "assist_ontime_rate": "at",  # Judgement.at (the dispatch that asked the assisting unit)
}


# The judged measures: code → (the kind of step, what its numerator asks of a step). Their anchor is the
# step's own time (`Judgement.at`).
JUDGED: dict[str, tuple[str, Q]] = {
    "response_rate": (JudgementKind.SIGN, Q(done_at__lte=F("due_at"))),
    "contact_rate": (JudgementKind.CONTACT, Q(done_at__lte=F("due_at"))),
    "return_rate": (JudgementKind.SIGN, Q(returned=True)),
    "ontime_rate": (JudgementKind.REPLY, Q(done_at__lte=F("due_at"))),
    "reopen_rate": (JudgementKind.REPLY, Q(reopened=True)),
    "avg_handling_hours": (JudgementKind.REPLY, Q(handling_seconds__isnull=False)),
    "resolution_rate": (JudgementKind.RATING, Q(resolved=True)),
    "satisfaction_rate": (
        JudgementKind.RATING,
        Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]),
    ),
    "satisfaction_score": (JudgementKind.RATING, Q()),
    "assist_ontime_rate": (JudgementKind.ASSIST, Q(done_at__lte=F("due_at"))),
}
# Judged against a due time: a step without one cannot be judged and is left out (see the docstring).
AGAINST_DUE = frozenset({"response_rate", "contact_rate", "ontime_rate", "assist_ontime_rate"})
# Judged once done or due: a step neither done nor due yet (an opinion still in time) is not counted.
ONCE_DUE = frozenset({"assist_ontime_rate"})
KINDS = {
    "received": "count",
    "direct_rate": "rate",
    "overdue": "count",
    "transfer_count": "count",
    "closed_resolved": "count",
    "closed_not_resolved": "count",
}
KINDS.update({c: "rate" for c in JUDGED})
KINDS.update({"satisfaction_score": "score", "avg_handling_hours": "hours"})
NOT_IMPORTED = ~Q(channel=Channel.IMPORT)


@dataclass(frozen=True)
class MeasureValue:
    """One measure: numerator ÷ denominator, and the records behind both (traceable).

    `value` is the figure to show: the rate for rates, the count for counts, the mean for averages.
    `label` is in the language that was active when the value was computed. `records(part)` are the rows
    counted — demands, or for the judged measures the judged steps (`Judgement`, each naming its demand);
    `queryset(part)` the demands behind them either way.
    """

    code: str
    label: str
    numerator: int
    denominator: int
    value: float | None
    kind: str  # "rate" | "count" | "score" | "hours"
    base: Q = field(repr=False)  # scope, on the counted model
    numerator_q: Q = field(repr=False)
    denominator_q: Q = field(repr=False)
    params: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def judged(self) -> bool:
        return self.code in JUDGED

    @property
    def percent(self) -> float | None:
        """A rate as a percentage (pages show rates as 89.6%, as the cards do)."""
        return None if self.value is None or self.kind != "rate" else self.value * 100

    @property
    def rate(self) -> float | None:
        if not self.denominator:
            return None
        return self.numerator / self.denominator

    def records(self, part: str = "numerator") -> QuerySet[Any]:
        """The rows counted in `part` ("numerator" or "denominator"): judged steps or demands."""
        q = self.base & (self.numerator_q if part == "numerator" else self.denominator_q)
        if self.judged:
            return Judgement.objects.filter(q).select_related("demand", "unit").order_by("-at", "-id")
        return Demand.objects.filter(q).order_by("-created_at", "-id")

    def demand_q(self, part: str = "numerator") -> Q:
        """A filter on demands selecting the demands behind `part`."""
        q = self.base & (self.numerator_q if part == "numerator" else self.denominator_q)
        if self.judged:
            return Q(pk__in=Judgement.objects.filter(q).values("demand_id"))
        return q

    def queryset(self, part: str = "numerator") -> QuerySet[Demand]:
        """The demands counted in `part` ("numerator" or "denominator")."""
        return Demand.objects.filter(self.demand_q(part)).order_by("-created_at", "-id")

    def demand_ids(self, part: str = "numerator") -> list[int]:
        return list(self.queryset(part).values_list("pk", flat=True))

    @property
    def numerator_query(self) -> str:
        return self.list_query("numerator")

    @property
    def denominator_query(self) -> str:
        return self.list_query("denominator")

    def list_query(self, part: str = "numerator") -> str:
        """Query string for the demand list page that shows exactly these demands."""
        return urlencode({**self.params, "measure": self.code, "part": part})


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The local days [start, end) as aware datetimes in the current time zone: how every measure counts days."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end, time.min)),
    )


def _within(name: str, lo: datetime, hi: datetime) -> Q:
    return Q(**{f"{name}__gte": lo, f"{name}__lt": hi})


def measure_anchor_q(*, start: date, end: date, codes: Iterable[str] | None = None) -> Q:
    """The demands that can count in the demand measures among `codes` (default: all) for [start, end):
    those whose anchor date (ANCHORS) of one of them falls in the period. An aggregate over many measures
    filters on it, so it reads only the demands of the period. (The judged measures anchor on their
    steps' own time: `judged_anchor_q`.)"""
    lo, hi = day_bounds(start, end)
    q = Q()
    for name in dict.fromkeys(
        ANCHORS[code] for code in (ANCHORS if codes is None else codes) if code not in JUDGED
    ):
        q |= _within(name, lo, hi)
    return q


def judged_anchor_q(*, start: date, end: date) -> Q:
    lo, hi = day_bounds(start, end)
    return _within("at", lo, hi) & Q(first=True, excluded=False)


def _list_params(start: date, end: date, **scope: Any) -> dict[str, str]:
    params = {"start": start.isoformat(), "end": end.isoformat()}
    for name, obj in scope.items():
        if obj is not None:
            params[name] = str(getattr(obj, "pk", obj))
    return params


def _scope_q(
    *,
    unit_field: str,
    via: str,
    unit: Unit | int | None,
    area: Area | None,
    category: Category | None,
    demands: Any,
) -> Q:
    q = Q()
    if unit is not None:
        q &= Q(**{unit_field: getattr(unit, "pk", unit)})
    if area is not None:
        q &= area.subtree_q(f"{via}area")
    if category is not None:
        q &= category.subtree_q(f"{via}category")
    if demands is not None:
        if not via:
            q &= demands if isinstance(demands, Q) else Q(pk__in=demands.values("pk"))
        else:  # a condition on demands, applied to rows that point to one
            inner = Demand.objects.filter(demands) if isinstance(demands, Q) else demands
            q &= Q(demand_id__in=inner.values("pk"))
    return q


def measure_scope_q(
    *,
    unit: Unit | int | None = None,
    area: Area | None = None,
    category: Category | None = None,
    demands: Any = None,
) -> Q:
    """The scope on demands (unit = lead unit) for the demand measures; imported history never counts."""
    scope = _scope_q(
        unit_field="lead_unit_id", via="", unit=unit, area=area, category=category, demands=demands
    )
    return NOT_IMPORTED & scope


def judged_scope_q(
    *,
    unit: Unit | int | None = None,
    area: Area | None = None,
    category: Category | None = None,
    demands: Any = None,
) -> Q:
    """The scope on judged steps (unit = the unit judged; area, category and `demands` through the demand)."""
    return _scope_q(
        unit_field="unit_id", via="demand__", unit=unit, area=area, category=category, demands=demands
    )


def demand_definitions(start: date, end: date, now: datetime | None = None) -> dict[str, tuple[Q, Q, str]]:
    """code → (denominator Q, numerator Q, kind) on demands, for the demand measures of [start, end)."""
    lo, hi = day_bounds(start, end)
    now = now or timezone.now()
    received = _within("created_at", lo, hi)
    closed = _within("closed_at", lo, hi) & Q(status=Status.CLOSED)
    late_now = Q(due_at__lt=now, status__in=OPEN_STATUSES)
    return {
        "received": (received, received, "count"),
        "direct_rate": (received, received & Q(answered_at_intake=True), "rate"),
        "overdue": (received, received & (Q(was_overdue=True) | late_now), "count"),
        "transfer_count": (received, received & Q(transferred_at__isnull=False), "count"),
        "closed_resolved": (closed, closed & Q(closure=Closure.RESOLVED), "count"),
        "closed_not_resolved": (closed, closed & Q(closure=Closure.NOT_RESOLVED), "count"),
    }


def judged_definitions(start: date, end: date, now: datetime | None = None) -> dict[str, tuple[Q, Q, str]]:
    """code → (denominator Q, numerator Q, kind) on judged steps, for the judged measures of [start, end)."""
    anchored = judged_anchor_q(start=start, end=end)
    now = now or timezone.now()
    out: dict[str, tuple[Q, Q, str]] = {}
    for code, (step_kind, numerator) in JUDGED.items():
        den = anchored & Q(kind=step_kind)
        if code in AGAINST_DUE:
            den &= Q(due_at__isnull=False)
        if code in ONCE_DUE:
            den &= Q(done_at__isnull=False) | Q(due_at__lte=now)
        if step_kind == JudgementKind.RATING:
            den &= ~Q(satisfaction="")
        out[code] = (den, den & numerator, KINDS[code])
    return out


def measure_definitions(start: date, end: date, now: datetime | None = None) -> dict[str, tuple[Q, Q, str]]:
    """code → (denominator Q, numerator Q, kind) for every measure: on demands for the demand measures,
    on judged steps for the judged ones (`JUDGED`)."""
    return {**demand_definitions(start, end, now), **judged_definitions(start, end, now)}


def _weights() -> dict[str, float]:
    return settings.LIANXIN_SATISFACTION_WEIGHTS


def _score(sat_s: int, sat_b: int, sat_d: int, rated: int) -> float | None:
    if not rated:
        return None
    weights = _weights()
    score = (
        sat_s * float(weights.get("satisfied", 1.0))
        + sat_b * float(weights.get("basically_satisfied", 0.6))
        + sat_d * float(weights.get("dissatisfied", 0.0))
    )
    return score / rated


def _judged_aggregates(definitions: dict[str, tuple[Q, Q, str]]) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for code in JUDGED:
        den_q, num_q, _kind = definitions[code]
        aggregates[f"{code}__d"] = Count("pk", filter=den_q)
        aggregates[f"{code}__n"] = Count("pk", filter=num_q)
    rated = definitions["satisfaction_rate"][0]
    aggregates["sat_s"] = Count("pk", filter=rated & Q(satisfaction=Satisfaction.SATISFIED))
    aggregates["sat_b"] = Count("pk", filter=rated & Q(satisfaction=Satisfaction.BASICALLY_SATISFIED))
    aggregates["sat_d"] = Count("pk", filter=rated & Q(satisfaction=Satisfaction.DISSATISFIED))
    aggregates["avg_seconds"] = Avg("handling_seconds", filter=definitions["avg_handling_hours"][1])
    return aggregates


def _demand_aggregates(definitions: dict[str, tuple[Q, Q, str]]) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for code in ANCHORS:
        if code in JUDGED:
            continue
        den_q, num_q, _kind = definitions[code]
        aggregates[f"{code}__d"] = Count("pk", filter=den_q)
        aggregates[f"{code}__n"] = Count("pk", filter=num_q)
    return aggregates


def _value(code: str, row: dict[str, Any]) -> tuple[int, int, float | None]:
    n, d = row.get(f"{code}__n") or 0, row.get(f"{code}__d") or 0
    kind = KINDS[code]
    if kind == "rate":
        return n, d, (n / d if d else None)
    if kind == "count":
        return n, d, float(n)
    if kind == "score":
        return n, d, _score(row.get("sat_s") or 0, row.get("sat_b") or 0, row.get("sat_d") or 0, d)
    seconds = row.get("avg_seconds")
    return n, d, (seconds / 3600.0) if seconds is not None else None


def measures_compute(
    *,
    start: date,
    end: date,
    unit: Unit | int | None = None,
    area: Area | None = None,
    category: Category | None = None,
    demands: Any = None,
    now: datetime | None = None,
) -> dict[str, MeasureValue]:
    """Every measure for the scope and period, in two aggregate queries (demands, judged steps)."""
    scope = {"unit": unit, "area": area, "category": category, "demands": demands}
    base, judged_base = measure_scope_q(**scope), judged_scope_q(**scope)
    definitions = measure_definitions(start, end, now)
    row = dict(
        Demand.objects.filter(base)
        .filter(measure_anchor_q(start=start, end=end))
        .aggregate(**_demand_aggregates(definitions))
    )
    row.update(
        Judgement.objects.filter(judged_base)
        .filter(judged_anchor_q(start=start, end=end))
        .aggregate(**_judged_aggregates(definitions))
    )
    params = _list_params(start, end, unit=unit, area=area, category=category)
    out: dict[str, MeasureValue] = {}
    for code in ANCHORS:
        den_q, num_q, kind = definitions[code]
        n, d, value = _value(code, row)
        out[code] = MeasureValue(
            code=code,
            label=str(LABELS[code]),
            numerator=n,
            denominator=d,
            value=value,
            kind=kind,
            base=judged_base if code in JUDGED else base,
            numerator_q=num_q,
            denominator_q=den_q,
            params=params,
        )
    return out


def measures_grouped(
    *,
    start: date,
    end: date,
    by: str,
    codes: Iterable[str] | None = None,
    now: datetime | None = None,
    **scope: Any,
) -> dict[Any, dict[str, tuple[int, int]]]:
    """(numerator, denominator) of `codes` (default: every measure) per unit (`by="unit"`: the unit judged,
    or the lead unit for the demand measures) or per area (`by="area"`: the demand's area), in one query
    per counted model."""
    wanted = list(ANCHORS if codes is None else codes)
    definitions = measure_definitions(start, end, now)
    out: dict[Any, dict[str, tuple[int, int]]] = {}
    demand_codes = [c for c in wanted if c not in JUDGED]
    judged_codes = [c for c in wanted if c in JUDGED]
    sources = (
        (
            demand_codes,
            Demand.objects.filter(measure_scope_q(**scope)).filter(
                measure_anchor_q(start=start, end=end, codes=demand_codes)
            ),
            {"unit": "lead_unit_id", "area": "area_id"}[by],
        ),
        (
            judged_codes,
            Judgement.objects.filter(judged_scope_q(**scope)).filter(judged_anchor_q(start=start, end=end)),
            {"unit": "unit_id", "area": "demand__area_id"}[by],
        ),
    )
    for source_codes, rows_of, field_name in sources:
        if not source_codes:
            continue
        aggregates = {}
        for code in source_codes:
            aggregates[f"{code}__n"] = Count("pk", filter=definitions[code][1])
            aggregates[f"{code}__d"] = Count("pk", filter=definitions[code][0])
        for r in rows_of.order_by().values(field_name).annotate(**aggregates):
            out.setdefault(r[field_name], {}).update({c: (r[f"{c}__n"], r[f"{c}__d"]) for c in source_codes})
    for counts in out.values():
        for code in wanted:
            counts.setdefault(code, (0, 0))
    return out


def measure_get(
    *,
    code: str,
    start: date,
    end: date,
    unit: Unit | int | None = None,
    area: Area | None = None,
    category: Category | None = None,
    demands: Any = None,
) -> MeasureValue:
    """One measure without computing the others' counts (for tracing a number to its list)."""
    definitions = measure_definitions(start, end)
    if code not in definitions:
        raise KeyError(code)
    den_q, num_q, kind = definitions[code]
    scope = {"unit": unit, "area": area, "category": category, "demands": demands}
    base = judged_scope_q(**scope) if code in JUDGED else measure_scope_q(**scope)
    params = _list_params(start, end, unit=unit, area=area, category=category)
    return MeasureValue(code, str(LABELS[code]), 0, 0, None, kind, base, num_q, den_q, params)


def _month_bounds(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return previous, first


def measures_for_user(user: User, params: Mapping[str, Any]) -> dict[str, MeasureValue]:
    """Measures for the stats page and API (`start`, `end`, `unit`, `area`, `category` from a query
    string; default: last month), limited to the demands the user may see."""
    default_start, default_end = _month_bounds(timezone.localdate())
    try:
        start = parse_day(params.get("start") or default_start.isoformat())
        end = parse_day(params.get("end") or default_end.isoformat())
    except ValueError as exc:
        raise ValidationFailed(
            _g("日期格式应为 YYYY-MM-DD，且在 1970 至 2100 年之间"), fields={"start": ["YYYY-MM-DD"]}
        ) from exc
    visible = None if user.sees_all else demand_visible_q(user)
    return measures_compute(
        start=start,
        end=end,
        unit=by_id(Unit, params.get("unit")),
        area=by_id(Area, params.get("area")),
        category=by_id(Category, params.get("category")),
        demands=visible,
    )
