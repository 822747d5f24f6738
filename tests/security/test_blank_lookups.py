"""Issue 21 item 3: a blank category or area is a 400 naming the field, never a 500."""

import pytest
from rest_framework.test import APIClient

from tests.demands.factories import make_demand

SUBMIT = "/api/v1/demands/"


@pytest.mark.parametrize(
    ("payload", "field"), [({"area": ""}, "area"), ({"category": " "}, "category"), ({"area": "\t"}, "area")]
)
def test_submit_with_a_blank_lookup_is_a_400_naming_it(world, payload, field):
    r = APIClient().post(SUBMIT, {"title": "路灯不亮", "content": "小区路灯坏了", **payload}, format="json")
    assert r.status_code == 400
    body = r.json()["error"]
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


def test_submit_names_both_blank_lookups(world):
    r = APIClient().post(SUBMIT, {"title": "t", "content": "c", "area": "", "category": ""}, format="json")
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"area", "category"}


def test_null_and_absent_lookups_still_mean_none(world):
    for extra in ({"area": None}, {}):
        r = APIClient().post(SUBMIT, {"title": "路灯", "content": "坏了", **extra}, format="json")
        assert r.status_code == 201, r.content


@pytest.mark.parametrize(("payload", "field"), [({"area": ""}, "area"), ({"category": " "}, "category")])
def test_accept_with_a_blank_lookup_is_a_400_naming_it(world, payload, field):
    d = make_demand(world)
    c = APIClient()
    c.force_authenticate(world["operator"])
    r = c.post(f"/api/v1/demands/{d.pk}/transitions/", {"action": "accept", **payload}, format="json")
    assert r.status_code == 400, r.content
    assert list(r.json()["error"]["fields"]) == [field]
    d.refresh_from_db()
    assert d.status == "submitted"
