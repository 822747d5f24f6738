"""Query counts of the evaluation pages, pinned at what they take with several cadres, units, visits and
demands: a query per row (an N+1) would push a page over its bound."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from lianxin.evaluation.models import ReportBatch
from tests.contact.factories import busy_world

pytestmark = pytest.mark.django_db
PERIOD = "?period=2026-03"


@pytest.fixture
def busy(world):
    busy_world(world, date(2026, 3, 2), cadres=3, visits=3, demands=4)
    return world


def _records(**params: object) -> str:
    return (
        reverse("evaluation:records") + "?period=2026-03&" + "&".join(f"{k}={v}" for k, v in params.items())
    )


@pytest.fixture(autouse=True)
def _without_module_measures(monkeypatch):
    """The bounds are of evaluation's own queries; the duty modules' measures (core.contributions) add
    their own, counted by their apps' tests."""
    from lianxin.core import contributions

    monkeypatch.setattr(contributions, "_measures", {})
    monkeypatch.setattr(contributions, "_sections", {})


# (page, who looks, the most queries it may take)
PAGES = [
    ("scorecards", "supervisor", 20),  # demand and judged-step aggregates, and the open-overdue column
    ("cadre_card", "supervisor", 108),  # six months of trend, each a whole card, the rank, 申诉核减
    ("cadre_card", "cadre", 108),
    ("unit_card", "supervisor", 47),
    ("records_rate", "supervisor", 6),
    ("records_unit", "supervisor", 6),
    ("records_visits", "supervisor", 9),
    ("records_problems", "supervisor", 5),
    ("records_coverage", "supervisor", 5),
    ("dashboard", "supervisor", 3),
    ("dashboard_data", "supervisor", 18),
    ("dashboard_data", "cadre", 19),
    ("reports", "supervisor", 8),
    ("reports", "cadre", 4),
    ("report", "supervisor", 32),
    ("report", "cadre", 32),
    ("batch", "supervisor", 4),
]


def _url(page: str, w, who: str) -> str:
    if page == "cadre_card":
        return reverse("evaluation:cadre_card", args=[w.cadre.pk]) + PERIOD
    if page == "unit_card":
        return reverse("evaluation:unit_card", args=[w.unit.pk]) + PERIOD
    if page == "records_rate":
        return _records(subject="cadre", id=w.cadre.pk, measure="response_rate", part="denominator")
    if page == "records_unit":
        return _records(subject="unit", id=w.unit.pk, measure="received", part="denominator")
    if page == "records_visits":
        return _records(subject="cadre", id=w.cadre.pk, measure="visits")
    if page == "records_problems":
        return _records(subject="cadre", id=w.cadre.pk, measure="problems")
    if page == "records_coverage":
        return _records(subject="cadre", id=w.cadre.pk, measure="household_coverage", part="denominator")
    if page == "reports":  # an overseer picks the cadre; a cadre sees their own
        return reverse("evaluation:reports") + PERIOD + (f"&cadre={w.cadre.pk}" if who != "cadre" else "")
    if page == "report":
        return reverse("evaluation:report", args=[w.cadre.username, "2026-03"])
    if page == "batch":
        batch = ReportBatch.objects.create(
            unit=w.unit, period="2026-03", fmt="pdf", requested_by=w.supervisor
        )
        return reverse("evaluation:batch", args=[batch.pk])
    return reverse(f"evaluation:{page}") + PERIOD


@pytest.mark.parametrize(("page", "who", "most"), PAGES)
def test_evaluation_page_queries_are_bounded(client, busy, django_assert_max_num_queries, page, who, most):
    client.force_login(getattr(busy, who))
    url = _url(page, busy, who)
    with django_assert_max_num_queries(most):
        response = client.get(url)
    assert response.status_code == 200
