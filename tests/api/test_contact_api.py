"""Contact work over the API: scoped and masked exactly as the contact pages are."""

from __future__ import annotations

import json
from datetime import date

from lianxin.contact.services import assignment_create, household_create
from tests.api.conftest import client_for, walk
from tests.contact.factories import field_visit
from tests.factories import AreaFactory

FULL_PHONES = [f"1390000000{i}" for i in range(3)]


def test_own_cadre_reads_whole_phones_and_addresses(roles):
    rows = walk(client_for(roles.cadre), "/api/v1/contact/households/")
    assert sorted(r["phone"] for r in rows) == FULL_PHONES
    assert {r["address"] for r in rows} == {f"东风路{i}号" for i in range(3)}
    assert rows[0]["contact_point"]["name"] == "东风社区" and rows[0]["tags"]


def test_overseers_read_another_cadres_households_masked_never_whole(roles):
    for overseer in (roles.supervisor, roles.admin):
        r = client_for(overseer).get("/api/v1/contact/households/", {"cadre": "cadre_t"})
        assert r.status_code == 200
        text = r.content.decode()
        assert not any(p in text for p in FULL_PHONES)
        assert sorted(row["phone"] for row in r.json()["results"]) == [f"139****000{i}" for i in range(3)]
        assert all("号" not in row["address"] for row in r.json()["results"])
    # a visit's households are masked for overseers too, whole for the visit's own cadre
    visit = field_visit(roles.world, date(2026, 2, 5))
    for user, whole in ((roles.supervisor, False), (roles.cadre, True)):
        body = client_for(user).get(f"/api/v1/contact/visits/{visit.pk}/").json()
        phones = {h["phone"] for h in body["households"]}
        assert (phones <= set(FULL_PHONES)) is whole
        listed = json.dumps(client_for(user).get("/api/v1/contact/visits/", {"cadre": "cadre_t"}).json())
        assert any(p in listed for p in FULL_PHONES) is whole


def test_a_cadre_never_sees_an_out_of_scope_household(roles):
    other_area = AreaFactory(name="别处")
    stranger = household_create(head_name="外人", area=other_area, phone="13711112222")
    assignment_create(cadre=roles.other_cadre, household=stranger, start=date(2026, 1, 1))
    client = client_for(roles.cadre)
    ids = {r["id"] for r in walk(client, "/api/v1/contact/households/")}
    assert stranger.pk not in ids and len(ids) == 3
    for wanted in ("cadre_o", str(roles.other_cadre.pk)):
        r = client.get("/api/v1/contact/households/", {"cadre": wanted})
        assert r.status_code == 404 and "13711112222" not in r.content.decode()
    assert client.get("/api/v1/contact/points/", {"cadre": "cadre_o"}).status_code == 404
    # the other cadre sees theirs, whole
    own = walk(client_for(roles.other_cadre), "/api/v1/contact/households/")
    assert [r["phone"] for r in own] == ["13711112222"]


def test_households_cursor_walks_every_row_once(roles):
    w = roles.world
    for i in range(9):
        h = household_create(head_name=f"李{i}", area=w.community, phone=f"1360000{i:04d}")
        assignment_create(cadre=w.cadre, household=h, start=date(2026, 1, 1))
    rows = walk(client_for(w.cadre), "/api/v1/contact/households/", {"page_size": 4})
    ids = [r["id"] for r in rows]
    assert len(ids) == 12 == len(set(ids)) and ids == sorted(ids)


def test_assignment_window_and_area_filters(roles):
    w = roles.world
    client = client_for(w.cadre)
    assert client.get("/api/v1/contact/households/", {"until": "2025-12-31"}).json()["results"] == []
    assert len(client.get("/api/v1/contact/points/", {"since": "2026-03-01"}).json()) == 2
    elsewhere = AreaFactory(name="无关区")
    assert client.get("/api/v1/contact/points/", {"area": elsewhere.pk}).json() == []
    assert len(client.get("/api/v1/contact/points/", {"area": w.district.pk}).json()) == 2


def test_visits_filter_by_day_and_area_and_walk_once(roles):
    w = roles.world
    visits = [field_visit(w, date(2026, 2, d)) for d in (3, 10, 17, 24)]
    client = client_for(w.cadre)
    rows = walk(client, "/api/v1/contact/visits/", {"page_size": 3})
    assert [r["id"] for r in rows] == sorted((v.pk for v in visits), reverse=True)
    r = client.get("/api/v1/contact/visits/", {"since": "2026-02-10", "until": "2026-02-17"})
    assert {row["date"] for row in r.json()["results"]} == {"2026-02-10", "2026-02-17"}
    assert client.get("/api/v1/contact/visits/", {"area": AreaFactory().pk}).json()["results"] == []
    assert len(client.get("/api/v1/contact/visits/", {"area": w.street.pk}).json()["results"]) == 4
    row = rows[0]
    assert row["problems"][0]["title"] == "楼道灯坏了" and row["problems"][0]["demand"]["ticket_no"]
    assert row["cadre"]["username"] == "cadre_t"


def test_visit_problem_demand_is_openable_only_for_who_may_open_it(roles):
    visit = field_visit(roles.world, date(2026, 2, 5))
    mine = client_for(roles.cadre).get(f"/api/v1/contact/visits/{visit.pk}/").json()
    assert mine["problems"][0]["demand"]["openable"] is True
    assert client_for(roles.other_cadre).get(f"/api/v1/contact/visits/{visit.pk}/").status_code == 404


def test_visit_list_query_count_is_flat(roles, django_assert_max_num_queries):
    for d in range(1, 9):
        field_visit(roles.world, date(2026, 2, d))
    client = client_for(roles.cadre)
    with django_assert_max_num_queries(12):
        r = client.get("/api/v1/contact/visits/", {"page_size": 8})
    assert len(r.json()["results"]) == 8


def test_household_list_query_count_is_flat(roles, django_assert_max_num_queries):
    w = roles.world
    for i in range(20):
        h = household_create(
            head_name=f"周{i}", area=w.community, phone=f"1350000{i:04d}", contact_point=w.point
        )
        assignment_create(cadre=w.cadre, household=h, start=date(2026, 1, 1))
    with django_assert_max_num_queries(6):
        r = client_for(roles.supervisor).get(
            "/api/v1/contact/households/", {"cadre": "cadre_t", "page_size": 30}
        )
    assert len(r.json()["results"]) == 23
