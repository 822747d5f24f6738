"""Query counts of the diary pages, pinned at what they take with several cadres, visits (households,
photos, problems) and contacts: a query per row (an N+1) would push a page over its bound."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lianxin.contact.models import Visit
from tests.contact.factories import busy_world, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(db):
    today = timezone.localdate()
    world = make_world(start=date(today.year - 1, 1, 1))
    busy_world(world, today - timedelta(days=3), cadres=3, visits=3, demands=1)
    return world


# (page, who looks, the most queries it may take); overseers name the cadre with ?cadre=
PAGES = [
    ("diary", "cadre", 13),
    ("diary", "supervisor", 14),
    ("visit", "cadre", 10),
    ("visit", "supervisor", 9),
    ("coverage", "cadre", 8),
    ("coverage", "supervisor", 9),
    ("contacts", "cadre", 5),
    ("contacts", "supervisor", 6),
    ("visit_new", "cadre", 6),  # with the categories of the problem rows
]


@pytest.mark.parametrize(("page", "who", "most"), PAGES)
def test_diary_page_queries_are_bounded(client, busy, django_assert_max_num_queries, page, who, most):
    client.force_login(getattr(busy, who))
    if page == "visit":
        url = reverse("contact:visit", args=[Visit.objects.filter(cadre=busy.cadre).first().pk])
    else:
        url = reverse(f"contact:{page}") + ("" if who == "cadre" else f"?cadre={busy.cadre.pk}")
    with django_assert_max_num_queries(most):
        response = client.get(url)
    assert response.status_code == 200


def test_coverage_overview_queries_are_bounded(client, busy, django_assert_max_num_queries):
    # Every cadre's gaps: coverage_get runs per cadre (4 queries each; 4 cadres here), not yet one batch.
    client.force_login(busy.supervisor)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("contact:coverage"))
    assert response.status_code == 200 and response.content.decode().count("干部") >= 3
