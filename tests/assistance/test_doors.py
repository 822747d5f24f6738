"""The assistance pages and API end to end: a supervisor opens a plan, the cadre works it from the
workbench; refusals come back naming the field, with nothing written."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.assistance.models import FollowUp, Measure, Plan
from tests.assistance.factories import make_plan


def _api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_api_flow_create_measure_follow_up_assess(world):
    today = timezone.localdate()
    start = (today - timedelta(days=10)).isoformat()
    r = _api(world.supervisor).post(
        "/api/v1/assistance/plans/",
        {
            "household": world.household.pk,
            "cadre": world.cadre.pk,
            "needs": "零就业",
            "start": start,
            "every_days": 7,
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["household"]["phone"].startswith("139****")
    cadre = _api(world.cadre)
    r = cadre.post(
        f"/api/v1/assistance/plans/{pk}/measures/",
        {
            "kind": "temporary_relief",
            "detail": "临时救助",
            "status": "applied",
            "date": today.isoformat(),
            "amount": "1500.00",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    m = r.json()["id"]
    r = cadre.post(
        f"/api/v1/assistance/plans/{pk}/measures/{m}/status/", {"status": "approved"}, format="json"
    )
    assert r.json()["status"] == "approved"
    r = cadre.post(
        f"/api/v1/assistance/plans/{pk}/follow-ups/",
        {"date": today.isoformat(), "note": "上门走访"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["on_time"] is False  # due 3 days ago
    r = cadre.post(
        f"/api/v1/assistance/plans/{pk}/assess/", {"outcome": "lifted", "reason": "已就业"}, format="json"
    )
    assert r.json()["status"] == "lifted"
    assert r.json()["household"]["phone"] == "13912340001"


def test_api_follow_up_before_the_plan_is_a_400_naming_date(world):
    plan = make_plan(world)
    r = _api(world.cadre).post(
        f"/api/v1/assistance/plans/{plan.pk}/follow-ups/",
        {"date": (plan.start - timedelta(days=3)).isoformat(), "note": "x"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "before_plan" and "date" in r.json()["error"]["fields"]
    assert FollowUp.objects.count() == 0


def test_api_refuses_an_action_not_allowed_in_the_state_with_409(world):
    plan = make_plan(world)
    api = _api(world.cadre)
    api.post(
        f"/api/v1/assistance/plans/{plan.pk}/assess/", {"outcome": "lifted", "reason": "ok"}, format="json"
    )
    r = api.post(
        f"/api/v1/assistance/plans/{plan.pk}/measures/",
        {"kind": "medical", "detail": "x", "status": "planned", "date": timezone.localdate().isoformat()},
        format="json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    assert Measure.objects.count() == 0


def test_api_bad_values_are_400s(world):
    plan = make_plan(world)
    api = _api(world.cadre)
    r = api.post(
        f"/api/v1/assistance/plans/{plan.pk}/follow-ups/", {"date": "yesterday", "note": "x"}, format="json"
    )
    assert r.status_code == 400 and "date" in r.json()["error"]["fields"]
    r = api.get("/api/v1/assistance/plans/?status=bogus")
    assert r.status_code == 400 and "status" in r.json()["error"]["fields"]


def test_plan_list_is_paged_without_n_plus_one(world, django_assert_max_num_queries):
    from lianxin.contact.services import household_create

    for i in range(8):
        h = household_create(
            head_name=f"户{i}", area=world.community, tags=["hardship"], phone=f"1391234{i:04d}"
        )
        make_plan(world, household=h)
    api = _api(world.cadre)
    with django_assert_max_num_queries(6):
        r = api.get("/api/v1/assistance/plans/")
    assert len(r.json()["results"]) == 8


def test_pages_create_a_plan_and_log_a_follow_up(world, client):
    client.force_login(world.supervisor)
    start = (timezone.localdate() - timedelta(days=3)).isoformat()
    r = client.post(
        "/assistance/plans/new/",
        {
            "household": world.household.pk,
            "cadre": world.cadre.pk,
            "needs": "就业困难",
            "start": start,
            "every_days": "30",
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    plan = Plan.objects.get()
    client.force_login(world.cadre)
    html = client.get("/assistance/").content.decode()
    assert "王秀英户" in html
    r = client.post(
        f"/assistance/plans/{plan.pk}/follow_up/", {"date": "2000-01-01", "note": "走访", "kind": "visit"}
    )
    assert r.status_code == 400 and "回访日期不能早于帮扶计划开始日期" in r.content.decode()
    r = client.post(
        f"/assistance/plans/{plan.pk}/follow_up/",
        {"date": timezone.localdate().isoformat(), "note": "走访", "kind": "visit"},
    )
    assert r.status_code == 302 and FollowUp.objects.count() == 1


def test_page_plan_form_refuses_bad_input_naming_fields(world, client):
    client.force_login(world.supervisor)
    r = client.post(
        "/assistance/plans/new/",
        {
            "household": world.household.pk,
            "cadre": world.cadre.pk,
            "needs": "",
            "start": "",
            "every_days": "0",
        },
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "needs" in html and "start" in html and "every_days" in html
    assert Plan.objects.count() == 0
