"""Reads of contact work: a cadre's points and households, the diary, coverage and contact measures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from lianxin.accounts.models import User
from lianxin.contact.models import (
    Assignment,
    ContactPoint,
    CoverageRule,
    CoverageTarget,
    Household,
    Visit,
    VisitProblem,
)
from lianxin.contact.periods import cycle_of
from lianxin.demands.choices import Channel, Closure, Status
from lianxin.demands.models import Demand

DEFAULT_EVERY_MONTHS = {CoverageTarget.POINT: 1, CoverageTarget.HOUSEHOLD: 3}


def coverage_rules() -> dict[str, int]:
    """Months per coverage cycle by target; database rows override the defaults (point 1, household 3)."""
    rules = {str(k): v for k, v in DEFAULT_EVERY_MONTHS.items()}
    for rule in CoverageRule.objects.all():
        rules[rule.target] = max(1, rule.every_months)
    return rules


def assignment_active_q(start: date, end: date) -> Q:
    """Assignments in force on some day of [start, end] (open-ended ones have no `end`)."""
    return Q(start__lte=end) & (Q(end__isnull=True) | Q(end__gte=start))


def assignment_list(*, cadre: User, start: date, end: date) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(cadre=cadre)
        .filter(assignment_active_q(start, end))
        .select_related("contact_point", "household", "contact_point__area", "household__contact_point")
    )


def contact_point_list(*, cadre: User, start: date, end: date) -> QuerySet[ContactPoint]:
    ids = Assignment.objects.filter(
        assignment_active_q(start, end), cadre=cadre, contact_point__isnull=False
    ).values("contact_point_id")
    return ContactPoint.objects.filter(pk__in=ids, is_active=True).select_related("area")


def household_list(*, cadre: User, start: date, end: date) -> QuerySet[Household]:
    ids = Assignment.objects.filter(
        assignment_active_q(start, end), cadre=cadre, household__isnull=False
    ).values("household_id")
    return Household.objects.filter(pk__in=ids, is_active=True).select_related("contact_point", "area")


def visit_list(*, cadre: User, start: date | None = None, end: date | None = None) -> QuerySet[Visit]:
    qs = Visit.objects.filter(cadre=cadre)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs.select_related("contact_point").prefetch_related("households", "photos", "problems__demand")


@dataclass
class CoverageItem:
    obj: Any
    last_visit: date | None
    covered: bool
    last_visit_id: int | None = None


@dataclass
class CoverageGroup:
    target: str
    every_months: int
    window: tuple[date, date]
    items: list[CoverageItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def covered(self) -> int:
        return sum(1 for i in self.items if i.covered)

    @property
    def gaps(self) -> list[CoverageItem]:
        return [i for i in self.items if not i.covered]

    @property
    def rate(self) -> float | None:
        return self.covered / self.total if self.total else None


@dataclass
class Coverage:
    as_of: date
    points: CoverageGroup
    households: CoverageGroup

    @property
    def gap_count(self) -> int:
        return len(self.points.gaps) + len(self.households.gaps)


def coverage_get(*, cadre: User, as_of: date, rules: dict[str, int] | None = None) -> Coverage:
    """Coverage of the cycles containing `as_of`, counting the cadre's visits from cycle start to `as_of`.

    A point is covered when the cadre logged a visit at it in the cycle; a household when it was among
    the households met on one of the cadre's visits in its cycle.
    """
    rules = rules or coverage_rules()
    p_start, p_end = cycle_of(as_of, rules[CoverageTarget.POINT])
    h_start, h_end = cycle_of(as_of, rules[CoverageTarget.HOUSEHOLD])
    points = list(contact_point_list(cadre=cadre, start=p_start, end=p_end))
    households = list(household_list(cadre=cadre, start=h_start, end=h_end))
    point_last = dict(
        Visit.objects.filter(cadre=cadre, contact_point__in=points, date__gte=p_start, date__lte=as_of)
        .values_list("contact_point_id")
        .annotate(last=Max("date"))
    )
    household_last = dict(
        Visit.households.through.objects.filter(
            visit__cadre=cadre, household__in=households, visit__date__gte=h_start, visit__date__lte=as_of
        )
        .values_list("household_id")
        .annotate(last=Max("visit__date"))
    )
    return Coverage(
        as_of=as_of,
        points=CoverageGroup(
            CoverageTarget.POINT,
            rules[CoverageTarget.POINT],
            (p_start, p_end),
            [CoverageItem(p, point_last.get(p.pk), p.pk in point_last) for p in points],
        ),
        households=CoverageGroup(
            CoverageTarget.HOUSEHOLD,
            rules[CoverageTarget.HOUSEHOLD],
            (h_start, h_end),
            [CoverageItem(h, household_last.get(h.pk), h.pk in household_last) for h in households],
        ),
    )


@dataclass
class ContactMeasures:
    visits: int = 0
    points_assigned: int = 0
    points_covered: int = 0
    households_assigned: int = 0
    households_covered: int = 0
    problems: int = 0
    problems_solved: int = 0

    @property
    def point_coverage(self) -> float | None:
        return self.points_covered / self.points_assigned if self.points_assigned else None

    @property
    def household_coverage(self) -> float | None:
        return self.households_covered / self.households_assigned if self.households_assigned else None

    @property
    def problem_solved_rate(self) -> float | None:
        return self.problems_solved / self.problems if self.problems else None


def contact_measures(*, cadre_ids: list[int] | None, start: date, end: date) -> dict[int, ContactMeasures]:
    """Contact-work measures of the period per cadre, in a fixed number of grouped queries.

    Covered = visited at least once in [start, end] (the period itself, whatever the reminder cycle).
    A problem is solved when its demand was closed as resolved (the rating said resolved).
    """
    out: dict[int, ContactMeasures] = defaultdict(ContactMeasures)
    cadre_filter = Q(cadre_id__in=cadre_ids) if cadre_ids is not None else Q()
    assignments = Assignment.objects.filter(cadre_filter, assignment_active_q(start, end))
    for row in assignments.values("cadre_id").annotate(
        points=Count("contact_point", distinct=True, filter=Q(contact_point__is_active=True)),
        households=Count("household", distinct=True, filter=Q(household__is_active=True)),
    ):
        out[row["cadre_id"]].points_assigned = row["points"]
        out[row["cadre_id"]].households_assigned = row["households"]
    visits = Visit.objects.filter(cadre_filter, date__gte=start, date__lte=end)
    for row in visits.values("cadre_id").annotate(n=Count("pk")):
        out[row["cadre_id"]].visits = row["n"]
    # Covered counts only what is also counted as assigned (active points and households), so that
    # covered never exceeds assigned and equals the list `coverage_records` gives.
    assigned_points = Assignment.objects.filter(
        assignment_active_q(start, end), contact_point__isnull=False, contact_point__is_active=True
    )
    # order_by(): Visit's default ordering would put date and pk into the SELECT DISTINCT, so that two
    # visits to one point counted it twice.
    point_pairs = (
        visits.filter(contact_point__isnull=False)
        .order_by()
        .values_list("cadre_id", "contact_point_id")
        .distinct()
    )
    assigned_point_pairs = set(
        assigned_points.filter(cadre_filter).values_list("cadre_id", "contact_point_id")
    )
    for cadre_id, point_id in point_pairs:
        if (cadre_id, point_id) in assigned_point_pairs:
            out[cadre_id].points_covered += 1
    through = (
        Visit.households.through.objects.filter(visit__in=visits.values("pk"))
        .order_by()
        .values_list("visit__cadre_id", "household_id")
        .distinct()
    )
    assigned_household_pairs = set(
        Assignment.objects.filter(
            cadre_filter, assignment_active_q(start, end), household__isnull=False, household__is_active=True
        ).values_list("cadre_id", "household_id")
    )
    for cadre_id, household_id in through:
        if (cadre_id, household_id) in assigned_household_pairs:
            out[cadre_id].households_covered += 1
    problems = VisitProblem.objects.filter(visit__in=visits.values("pk"))
    for row in problems.values("visit__cadre_id").annotate(
        n=Count("pk"), solved=Count("pk", filter=problem_solved_q())
    ):
        out[row["visit__cadre_id"]].problems = row["n"]
        out[row["visit__cadre_id"]].problems_solved = row["solved"]
    return dict(out)


def coverage_records(*, cadre: User, start: date, end: date, target: str) -> list[CoverageItem]:
    """The contact points (target "point") or households assigned to the cadre in [start, end], each with
    the cadre's last visit to it in that window: the records behind `contact_measures`' assigned (all of
    them) and covered (those with a visit) figures, in one query."""
    window = Visit.objects.filter(cadre=cadre, date__gte=start, date__lte=end)
    if target == CoverageTarget.POINT:
        qs: QuerySet[Any] = contact_point_list(cadre=cadre, start=start, end=end)
        latest = window.filter(contact_point=OuterRef("pk"))
    elif target == CoverageTarget.HOUSEHOLD:
        qs = household_list(cadre=cadre, start=start, end=end)
        latest = window.filter(households=OuterRef("pk"))
    else:
        raise ValueError(f"unknown coverage target {target!r}")
    latest = latest.order_by("-date", "-pk")
    rows = qs.annotate(
        last_visit_date=Subquery(latest.values("date")[:1]), last_visit_pk=Subquery(latest.values("pk")[:1])
    )
    return [
        CoverageItem(row, row.last_visit_date, row.last_visit_pk is not None, row.last_visit_pk)
        for row in rows
    ]


def visit_of_demand(demand: Demand | None) -> Visit | None:
    """The visit a demand was raised on (the link lives on the visit side, `VisitProblem.demand`), with
    its cadre and contact point; only demands of the visit channel can have one, so the others cost
    no query."""
    if demand is None or demand.channel != Channel.VISIT:
        return None
    problem = (
        VisitProblem.objects.select_related("visit__cadre", "visit__contact_point")
        .filter(demand_id=demand.pk)
        .first()
    )
    return problem.visit if problem is not None else None


def problem_solved_q(prefix: str = "demand__") -> Q:
    """A visit problem counts as solved when its demand is closed as resolved (办结·已解决)."""
    return Q(**{f"{prefix}status": Status.CLOSED, f"{prefix}closure": Closure.RESOLVED})


def visit_problem_list(
    *, cadre: User, start: date, end: date, solved: bool | None = None
) -> QuerySet[VisitProblem]:
    qs = VisitProblem.objects.filter(visit__cadre=cadre, visit__date__gte=start, visit__date__lte=end)
    if solved is True:
        qs = qs.filter(problem_solved_q())
    elif solved is False:
        qs = qs.exclude(problem_solved_q())
    return qs.select_related("visit", "demand", "household")
