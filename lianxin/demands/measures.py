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

What each number counts — every measure is anchored on the date of the event it judges:
- response_rate  及时签收率   dispatched in period → signed by the sign due time ÷ dispatched
- ontime_rate    按时办结率   replied in period → replied by the reply due time ÷ replied
- resolution_rate 问题解决率  rated in period → rated resolved ÷ rated
- satisfaction_rate 群众满意率 rated in period → (满意 + 基本满意) ÷ rated
- satisfaction_score 满意度得分 rated in period → (1.0·满意 + 0.6·基本满意 + 0·不满意) ÷ rated (weights
  from settings.LIANXIN_SATISFACTION_WEIGHTS)
- return_rate    退单率       dispatched in period → returned at least once ÷ dispatched
- reopen_rate    重办率       replied in period → reopened at least once ÷ replied
- overdue        超期数       received in period → missed a stage deadline (红牌, or late now) ÷ received
- received       受理量       received (submitted) in period
- closed_resolved / closed_not_resolved  办结·已解决 / 办结·未解决, closed in period (÷ closed)
- avg_handling_hours 平均办理时长  replied in period → mean hours from submission to reply
Rates are never inflated: a demand closed without being resolved is not resolved, and an unrated
closure is not in the satisfaction denominator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.demands.choices import OPEN_STATUSES, Closure, Satisfaction, Status
from lianxin.demands.models import Demand

# Lazy: translated in the language active where a MeasureValue is built (the UI's, or Chinese
# inside the cadre's report), and stored as a plain str so values stay JSON-serialisable.
LABELS = {
    "received": _("受理量"),
    "response_rate": _("及时签收率"),
    "ontime_rate": _("按时办结率"),
    "resolution_rate": _("问题解决率"),
    "satisfaction_rate": _("群众满意率"),
    "satisfaction_score": _("满意度得分"),
    "return_rate": _("退单率"),
    "reopen_rate": _("重办率"),
    "overdue": _("超期数"),
    "closed_resolved": _("办结·已解决"),
    "closed_not_resolved": _("办结·未解决"),
    "avg_handling_hours": _("平均办理时长(小时)"),
}
# The three rates (三率) most centres publish.
THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
# The date each measure is anchored on (the event it judges, see above): a demand counts in a period's
# measure when that date falls in the period.
ANCHORS = {
    "received": "created_at",
    "response_rate": "dispatched_at",
    "ontime_rate": "replied_at",
    "resolution_rate": "rated_at",
    "satisfaction_rate": "rated_at",
    "satisfaction_score": "rated_at",
    "return_rate": "dispatched_at",
    "reopen_rate": "replied_at",
    "overdue": "created_at",
    "closed_resolved": "closed_at",
    "closed_not_resolved": "closed_at",
    "avg_handling_hours": "replied_at",
}


@dataclass(frozen=True)
class MeasureValue:
    """One measure: numerator ÷ denominator, and the demands behind both (traceable).

    `value` is the figure to show: the rate for rates, the count for counts, the mean for averages.
    `label` is in the language that was active when the value was computed.
    """

    code: str
    label: str
    numerator: int
    denominator: int
    value: float | None
    kind: str  # "rate" | "count" | "score" | "hours"
    base: Q = field(repr=False)
    numerator_q: Q = field(repr=False)
    denominator_q: Q = field(repr=False)
    params: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def percent(self) -> float | None:
        """A rate as a percentage (pages show rates as 89.6%, as the cards do)."""
        return None if self.value is None or self.kind != "rate" else self.value * 100

    @property
    def rate(self) -> float | None:
        if not self.denominator:
            return None
        return self.numerator / self.denominator

    def queryset(self, part: str = "numerator") -> QuerySet[Demand]:
        """The demands counted in `part` ("numerator" or "denominator")."""
        q = self.numerator_q if part == "numerator" else self.denominator_q
        return Demand.objects.filter(self.base).filter(q).order_by("-created_at", "-id")

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
    """The demands that can count in the measures `codes` (default: all) for [start, end): those with the
    anchor date (ANCHORS) of at least one of them in the period. Aggregates over many measures filter on
    it, so that they read only the demands of the period."""
    lo, hi = day_bounds(start, end)
    q = Q()
    for name in dict.fromkeys(ANCHORS[code] for code in (ANCHORS if codes is None else codes)):
        q |= _within(name, lo, hi)
    return q


def _list_params(start: date, end: date, **scope: Any) -> dict[str, str]:
    params = {"start": start.isoformat(), "end": end.isoformat()}
    for name, obj in scope.items():
        if obj is not None:
            params[name] = str(getattr(obj, "pk", obj))
    return params


def measure_scope_q(*, unit=None, area=None, category=None, demands=None) -> Q:
    q = Q()
    if unit is not None:
        q &= Q(lead_unit_id=getattr(unit, "pk", unit))
    if area is not None:
        q &= area.subtree_q("area")
    if category is not None:
        q &= category.subtree_q("category")
    if demands is not None:
        if isinstance(demands, Q):
            q &= demands
        else:
            q &= Q(pk__in=demands.values("pk"))
    return q


def measure_definitions(start: date, end: date, now: datetime | None = None) -> dict[str, tuple[Q, Q, str]]:
    """code → (denominator Q, numerator Q, kind) for the period [start, end)."""
    lo, hi = day_bounds(start, end)
    now = now or timezone.now()
    dispatched = _within("dispatched_at", lo, hi)
    replied = _within("replied_at", lo, hi)
    rated = _within("rated_at", lo, hi) & ~Q(satisfaction="")
    received = _within("created_at", lo, hi)
    closed = _within("closed_at", lo, hi) & Q(status=Status.CLOSED)
    late_now = Q(due_at__lt=now, status__in=OPEN_STATUSES)
    return {
        "received": (received, received, "count"),
        "response_rate": (
            dispatched,
            dispatched & Q(signed_at__isnull=False, signed_at__lte=F("sign_due_at")),
            "rate",
        ),
        "ontime_rate": (replied, replied & Q(replied_at__lte=F("reply_due_at")), "rate"),
        "resolution_rate": (rated, rated & Q(resolved=True), "rate"),
        "satisfaction_rate": (
            rated,
            rated & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]),
            "rate",
        ),
        "satisfaction_score": (rated, rated, "score"),
        "return_rate": (dispatched, dispatched & Q(return_count__gt=0), "rate"),
        "reopen_rate": (replied, replied & Q(reopen_count__gt=0), "rate"),
        "overdue": (received, received & (Q(was_overdue=True) | late_now), "count"),
        "closed_resolved": (closed, closed & Q(closure=Closure.RESOLVED), "count"),
        "closed_not_resolved": (closed, closed & Q(closure=Closure.NOT_RESOLVED), "count"),
        "avg_handling_hours": (replied, replied & Q(handling_seconds__isnull=False), "hours"),
    }


def measures_compute(
    *,
    start: date,
    end: date,
    unit=None,
    area=None,
    category=None,
    demands=None,
    now: datetime | None = None,
) -> dict[str, MeasureValue]:
    """Every measure for the scope and period, in one aggregate query (see the module docstring)."""
    base = measure_scope_q(unit=unit, area=area, category=category, demands=demands)
    definitions = measure_definitions(start, end, now)
    weights = getattr(
        settings, "LIANXIN_SATISFACTION_WEIGHTS", {"satisfied": 1.0, "basically_satisfied": 0.6}
    )
    aggregates: dict[str, Any] = {}
    for code, (den_q, num_q, _kind) in definitions.items():
        aggregates[f"{code}__d"] = Count("pk", filter=den_q)
        aggregates[f"{code}__n"] = Count("pk", filter=num_q)
    rated_q = definitions["satisfaction_rate"][0]
    aggregates["sat_s"] = Count("pk", filter=rated_q & Q(satisfaction=Satisfaction.SATISFIED))
    aggregates["sat_b"] = Count("pk", filter=rated_q & Q(satisfaction=Satisfaction.BASICALLY_SATISFIED))
    aggregates["sat_d"] = Count("pk", filter=rated_q & Q(satisfaction=Satisfaction.DISSATISFIED))
    aggregates["avg_seconds"] = Avg("handling_seconds", filter=definitions["avg_handling_hours"][1])
    row = Demand.objects.filter(base).filter(measure_anchor_q(start=start, end=end)).aggregate(**aggregates)

    params = _list_params(start, end, unit=unit, area=area, category=category)
    out: dict[str, MeasureValue] = {}
    for code, (den_q, num_q, kind) in definitions.items():
        n, d = row[f"{code}__n"] or 0, row[f"{code}__d"] or 0
        value: float | None
        if kind == "rate":
            value = n / d if d else None
        elif kind == "count":
            value = float(n)
        elif kind == "score":
            score = (
                row["sat_s"] * float(weights.get("satisfied", 1.0))
                + row["sat_b"] * float(weights.get("basically_satisfied", 0.6))
                + row["sat_d"] * float(weights.get("dissatisfied", 0.0))
            )
            value = score / d if d else None
        else:
            value = (row["avg_seconds"] / 3600.0) if row["avg_seconds"] is not None else None
        out[code] = MeasureValue(
            code=code,
            label=str(LABELS[code]),
            numerator=n,
            denominator=d,
            value=value,
            kind=kind,
            base=base,
            numerator_q=num_q,
            denominator_q=den_q,
            params=params,
        )
    return out


def measure_get(
    *, code: str, start: date, end: date, unit=None, area=None, category=None, demands=None
) -> MeasureValue:
    """One measure without computing the others' counts (for tracing a number to its list)."""
    definitions = measure_definitions(start, end)
    if code not in definitions:
        raise KeyError(code)
    den_q, num_q, kind = definitions[code]
    base = measure_scope_q(unit=unit, area=area, category=category, demands=demands)
    params = _list_params(start, end, unit=unit, area=area, category=category)
    return MeasureValue(code, str(LABELS[code]), 0, 0, None, kind, base, num_q, den_q, params)
