"""Odd input found by fuzzing the API against its OpenAPI schema (schemathesis): each once answered 500."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.demands.factories import make_demand


@pytest.fixture(autouse=True)
def _no_throttle_carryover():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("code", ["v\u0091!SU\u0080C\u00b9q", "查询码", "\U0010ffff" * 3])
def test_a_query_code_with_any_characters_is_just_wrong(world, client, code):
    demand = make_demand(world)
    api = APIClient()
    got = api.get("/api/v1/track/", {"ticket_no": demand.ticket_no, "code": code})
    assert got.status_code == 404 and got.json()["error"]["code"] == "not_found"
    rated = api.post(
        "/api/v1/track/",
        {"ticket_no": demand.ticket_no, "code": code, "satisfaction": "satisfied", "resolved": True},
        format="json",
    )
    assert rated.status_code == 404
    page = client.get("/demands/track/", {"ticket_no": demand.ticket_no, "code": code})
    assert page.status_code == 200 and demand.title not in page.content.decode()


@pytest.mark.parametrize(
    ("start", "end"),
    [("0001-01-01", "0013-01-04"), ("2026-01-01", "9999-12-31"), ("1969-12-31", "2026-01-01")],
)
def test_measures_refuse_days_outside_the_years_served_by_name(world, client, start, end):
    api = APIClient()
    api.force_authenticate(world["supervisor"])
    got = api.get("/api/v1/demands/measures/", {"start": start, "end": end})
    assert got.status_code == 400
    assert "YYYY-MM-DD" in got.json()["error"]["message"]
    assert got.json()["error"]["fields"]["start"]
    client.force_login(world["supervisor"])
    page = client.get("/demands/stats/", {"start": start, "end": end})
    assert page.status_code == 400 and "YYYY-MM-DD" in page.content.decode()  # the page, with the reason
    assert client.get("/demands/stats/", {"start": "abc"}).status_code == 400
    ok = api.get("/api/v1/demands/measures/", {"start": "2026-01-01", "end": "2026-02-01"})
    assert ok.status_code == 200


def test_list_pages_ignore_days_outside_the_years_served(world, client):
    make_demand(world)
    client.force_login(world["supervisor"])
    assert (
        client.get("/demands/list/", {"date_from": "0001-01-01", "date_to": "9999-12-31"}).status_code == 200
    )


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"unit": "null"}, "unit"),
        ({"area": "²"}, "area"),
        ({"category": "9" * 30}, "category"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"status": "bogus"}, "status"),
        ({"queue": "nowhere"}, "queue"),
        ({"supervised": "maybe"}, "supervised"),
    ],
)
def test_the_list_api_refuses_a_bad_filter_by_name_and_the_page_ignores_it(world, client, params, named):
    api = APIClient()
    api.force_authenticate(world["supervisor"])
    make_demand(world)
    got = api.get("/api/v1/demands/", params)
    assert got.status_code == 400 and named in got.json()["error"]["fields"]
    client.force_login(world["supervisor"])
    assert client.get("/demands/list/", params).status_code == 200
    fine = api.get("/api/v1/demands/", {"status": "closed_resolved", "queue": "open", "supervised": "false"})
    assert fine.status_code == 200
