"""Issue 21 item 1: list search never matches what the searcher may not see (no yes/no oracle)."""

import pytest
from rest_framework.test import APIClient

from lianxin.demands.choices import Status
from tests.demands.factories import make_demand

LIST = "/api/v1/demands/"
PHONE = "13987654321"
ID_NUMBER = "430102199003071234"


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def matches(user, q: str) -> int:
    r = api(user).get(LIST, {"q": q})
    assert r.status_code == 200, r.content
    return r.json()["count"]


@pytest.fixture
def secret(world):
    """A demand in the cadre's area, dispatched to another unit: the cadre sees its content masked."""
    return make_demand(
        world,
        Status.IN_PROGRESS,
        title="噪音扰民",
        content=f"楼上每晚施工，我的电话{PHONE}，身份证{ID_NUMBER}，请尽快处理。",
        address="东风街道幸福小区3栋2单元501",
        area=world.street,
    )


def recover_by_oracle(user, prefix: str, known: str, length: int) -> str:
    """The attack of the issue: a non-digit before the digits makes `q` a text search; extend the known
    digits one at a time while the list says yes. Returns what it recovered."""
    while len(known) < length:
        for digit in "0123456789":
            if matches(user, prefix + known + digit):
                known += digit
                break
        else:
            return known
    return known


def test_the_cadre_sees_the_content_masked(world, secret):
    body = api(world["cadre"]).get(f"{LIST}{secret.pk}/").json()
    assert PHONE not in body["content"] and ID_NUMBER not in body["content"]


def test_the_oracle_recovers_nothing_hidden(world, secret):
    cadre = world["cadre"]
    assert matches(cadre, "施工") == 1  # the words they can read are found
    assert matches(cadre, "电话" + PHONE) == 0
    recovered = recover_by_oracle(cadre, "电话", "", len(PHONE))
    shown = api(cadre).get(f"{LIST}{secret.pk}/").json()["content"]
    assert recovered in shown  # nothing beyond what the masked text shows
    assert len(recovered) < len(PHONE)
    assert matches(cadre, "身份证" + ID_NUMBER[:10]) == 0
    assert matches(cadre, "幸福小区") == 0  # beyond the first characters of the address
    assert matches(cadre, PHONE) == 0  # a number search runs only on what they may read in full


def test_an_assisting_unit_gets_no_oracle_either(world, secret):
    from lianxin.demands.models import Demand

    Demand.assisting_units.through.objects.create(demand_id=secret.pk, unit_id=world.other_unit.pk)
    helper = world["other_handler"]
    assert matches(helper, "施工") == 1
    assert matches(helper, "电话" + PHONE[:7]) == 0


def test_full_view_roles_still_find_numbers_and_addresses(world, secret):
    for name in ("operator", "handler"):
        assert matches(world[name], PHONE) == 1, name
        assert matches(world[name], "+86 139-8765-4321") == 1, name
        assert matches(world[name], ID_NUMBER) == 1, name
        assert matches(world[name], "幸福小区") == 1, name
        assert matches(world[name], "施工") == 1, name
    assert matches(world["operator"], "13900000000") == 0


def test_the_staff_list_search_page_has_no_oracle(world, secret, client):
    client.force_login(world["cadre"])
    yes = client.get("/demands/supervision/", {"q": "施工", "queue": ""})
    no = client.get("/demands/supervision/", {"q": "电话" + PHONE[:6], "queue": ""})
    assert yes.status_code == no.status_code == 200
    assert secret.ticket_no in yes.content.decode()
    assert secret.ticket_no not in no.content.decode()


def test_the_staff_search_is_rate_limited(world, secret, monkeypatch):
    from django.core.cache import cache

    cache.clear()  # counters of earlier tests (same user ids in this process) must not count here

    from lianxin.core.throttling import DefaultRateScopedThrottle

    # The class the search limit reads (another test may have given a subclass its own rates).
    rates = {**DefaultRateScopedThrottle.THROTTLE_RATES, "staff_search": "5/min"}
    monkeypatch.setattr(DefaultRateScopedThrottle, "THROTTLE_RATES", rates)
    cadre = api(world["cadre"])
    codes = [cadre.get(LIST, {"q": f"电话{i}"}).status_code for i in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert cadre.get(LIST).status_code == 200  # browsing without a search is not limited
    assert api(world["operator"]).get(LIST, {"q": "x"}).status_code == 200  # per user


def test_the_staff_search_page_shares_the_limit(world, secret, monkeypatch, client):
    from django.core.cache import cache

    cache.clear()  # counters of earlier tests (same user ids in this process) must not count here

    from lianxin.core.throttling import DefaultRateScopedThrottle

    # The class the search limit reads (another test may have given a subclass its own rates).
    rates = {**DefaultRateScopedThrottle.THROTTLE_RATES, "staff_search": "3/min"}
    monkeypatch.setattr(DefaultRateScopedThrottle, "THROTTLE_RATES", rates)
    for _ in range(3):
        assert api(world["cadre"]).get(LIST, {"q": "施工"}).status_code == 200
    client.force_login(world["cadre"])
    r = client.get("/demands/supervision/", {"q": "施工"})
    assert r.status_code == 429 and r["Retry-After"]
