"""Every role × every action and door. Expected outcomes are written out here, not derived from the
transition table, so a change to the table that widens a role shows up as a failing test."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from lianxin.demands import services
from lianxin.demands.choices import Status
from tests.demands.factories import make_demand

ROLES = [
    "citizen",
    "other_citizen",
    "operator",
    "handler",
    "other_handler",
    "cadre",
    "far_cadre",
    "supervisor",
    "admin",
    "editor",
    "anonymous",
]

ALLOWED = {
    "accept": {"operator"},
    "reject": {"operator"},
    "dispatch": {"operator"},
    "withdraw": {"operator"},
    "sign": {"handler"},
    "return": {"handler"},
    "refuse_return": {"operator"},
    "request_extension": {"handler"},
    "approve_extension": {"operator", "supervisor"},
    "deny_extension": {"operator", "supervisor"},
    "reply": {"handler"},
    "rate": {"operator", "citizen"},
    "close": {"operator"},
    "reopen": {"operator"},
    "merge": {"operator"},
    "supervise": {"supervisor", "cadre"},
    "urge": {"supervisor", "cadre"},
}
SOURCE = {
    "accept": Status.SUBMITTED,
    "reject": Status.SUBMITTED,
    "dispatch": Status.ACCEPTED,
    "withdraw": Status.DISPATCHED,
    "sign": Status.DISPATCHED,
    "return": Status.IN_PROGRESS,
    "refuse_return": Status.RETURNED,
    "request_extension": Status.IN_PROGRESS,
    "approve_extension": "pending_extension",
    "deny_extension": "pending_extension",
    "reply": Status.IN_PROGRESS,
    "rate": Status.REPLIED,
    "close": Status.REPLIED,
    "reopen": Status.CLOSED,
    "merge": Status.SUBMITTED,
    "supervise": Status.IN_PROGRESS,
    "urge": Status.IN_PROGRESS,
}
SEES_ALWAYS = {"citizen", "operator", "cadre", "supervisor", "admin"}


def _args(world, action, demand):
    return {
        "reject": {"reason": "r"},
        "dispatch": {"unit": world.unit.pk},
        "withdraw": {"reason": "派错单位"},
        "return": {"reason": "r"},
        "refuse_return": {"reason": "r"},
        "request_extension": {"days": 2, "reason": "r"},
        "deny_extension": {"reason": "r"},
        "reply": {"text": "已安排维修人员更换电梯控制板", "outcome": "resolved"},
        "rate": {"satisfaction": "satisfied", "resolved": True},
        "reopen": {"reason": "r"},
        "merge": {"parent": make_demand(world).pk},
    }.get(action, {})


def _demand(world, source):
    if source == "pending_extension":
        d = make_demand(world, Status.IN_PROGRESS)
        return services.demand_request_extension(demand=d, actor=world["handler"], days=2, reason="r")
    return make_demand(world, source)


def _expected(role, action, demand):
    visible = role in SEES_ALWAYS or (role == "handler" and demand.lead_unit_id is not None)
    if role == "anonymous":
        return {401, 403}
    if not visible:
        return {404}
    return {200} if role in ALLOWED[action] else {403}


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_action_matrix(world, action):
    cache.clear()
    for role in ROLES:
        demand = _demand(world, SOURCE[action])
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(world[role])
        r = client.post(
            f"/api/v1/demands/{demand.pk}/transitions/",
            {"action": action, **_args(world, action, demand)},
            format="json",
        )
        assert r.status_code in _expected(role, action, demand), (
            role,
            action,
            r.status_code,
            r.content[:200],
        )


PAGES = {
    "/demands/workbench/": {"operator", "supervisor", "admin"},
    "/demands/unit/": {"handler", "other_handler"},
    "/demands/supervision/": {"supervisor", "cadre", "far_cadre", "admin"},
    "/demands/stats/": {"operator", "supervisor", "admin", "cadre", "far_cadre"},
    "/demands/list/": {
        "operator",
        "handler",
        "other_handler",
        "cadre",
        "far_cadre",
        "supervisor",
        "admin",
        "editor",
    },
    "/demands/export/": {
        "operator",
        "handler",
        "other_handler",
        "cadre",
        "far_cadre",
        "supervisor",
        "admin",
        "editor",
    },
}


@pytest.mark.parametrize("url", sorted(PAGES))
def test_page_door_matrix(world, url):
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world[role])
        code = client.get(url).status_code
        if role == "anonymous":
            assert code == 302, (url, role)
        else:
            assert code == (200 if role in PAGES[url] else 403), (url, role, code)


def test_public_pages_for_everyone(world):
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world[role])
        assert client.get("/demands/submit/").status_code == 200
        assert client.get("/demands/track/").status_code == 200


def test_api_read_doors_by_role(world):
    d = make_demand(world, Status.IN_PROGRESS)
    expect_detail = {
        "citizen": 200,
        "other_citizen": 404,
        "operator": 200,
        "handler": 200,
        "other_handler": 404,
        "cadre": 200,
        "far_cadre": 404,
        "supervisor": 200,
        "admin": 200,
        "editor": 404,
    }
    for role, code in expect_detail.items():
        c = APIClient()
        c.force_authenticate(world[role])
        assert c.get(f"/api/v1/demands/{d.pk}/").status_code == code, role
        assert c.get(f"/api/v1/demands/{d.pk}/timeline/").status_code == code, role
        staff = role not in ("citizen", "other_citizen")
        assert c.get("/api/v1/demands/").status_code == (200 if staff else 403), role
        assert c.get("/api/v1/units/").status_code == (200 if staff else 403), role


def test_detail_page_scoping(world):
    d = make_demand(world, Status.IN_PROGRESS)
    for role, code in {
        "operator": 200,
        "handler": 200,
        "other_handler": 404,
        "cadre": 200,
        "far_cadre": 404,
        "editor": 404,
    }.items():
        c = Client()
        c.force_login(world[role])
        assert c.get(f"/demands/{d.pk}/").status_code == code, role


def test_a_masked_phone_cannot_be_recovered_by_searching_for_it(world):
    d = make_demand(world, Status.IN_PROGRESS, contact_phone="13912345678")

    def found(role, **params):
        api = APIClient()
        api.force_authenticate(world[role])
        return api.get("/api/v1/demands/", params).json()["count"]

    # the cadre sees the demand but its phone masked: the right number finds nothing, like a wrong one
    assert found("cadre", ticket_no=d.ticket_no) == 1
    assert found("cadre", phone="13912345678") == 0
    assert found("cadre", q="13912345678") == 0
    assert found("cadre", q=d.ticket_no) == 1  # the ticket number still works
    assert found("operator", phone="13912345678") == 1
    assert found("handler", phone="13912345678") == 1  # the lead unit calls the citizen back


def test_personal_data_in_the_texts_is_masked_for_whoever_sees_the_contact_masked(world):
    d = make_demand(
        world,
        Status.IN_PROGRESS,
        title="王大爷电话13987654321家漏水",
        content="身份证430102196501011234，请联系13987654321",
        address="劳动东路123号5栋2单元301室",
    )

    def seen(role):
        api = APIClient()
        api.force_authenticate(world[role])
        body = api.get(f"/api/v1/demands/{d.pk}/").json()
        page = Client()
        page.force_login(world[role])
        return json.dumps(body, ensure_ascii=False) + page.get(f"/demands/{d.pk}/").content.decode()

    cadre = seen("cadre")
    assert "13987654321" not in cadre and "196501011234" not in cadre and "2单元301室" not in cadre
    assert "漏水" in cadre  # the rest of the text stays readable
    operator = seen("operator")
    assert "13987654321" in operator and "430102196501011234" in operator and "2单元301室" in operator


def test_the_citizen_sees_the_public_steps_of_their_timeline_without_staff_names_or_notes(world):
    d = make_demand(world, Status.IN_PROGRESS)
    services.demand_supervise(demand=d, actor=world["supervisor"], note="内部督办意见")
    api = APIClient()
    api.force_authenticate(world["citizen"])
    events = api.get(f"/api/v1/demands/{d.pk}/timeline/").json()
    assert [e["action"] for e in events][:2] == ["submit", "accept"]
    assert "supervise" not in {e["action"] for e in events}
    assert all(e["actor"] is None and e["note"] == "" and e["data"] == {} for e in events)
    staff = APIClient()
    staff.force_authenticate(world["operator"])
    notes = {e["note"] for e in staff.get(f"/api/v1/demands/{d.pk}/timeline/").json()}
    assert "内部督办意见" in notes
