"""The household's file is seen by its paired cadre, a supervisor whose area scope contains the
household, and admins; every other role, and the same roles out of scope, get a 404 — on the page, in
the API's detail and sub-resources, and by absence from the lists."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from lianxin.assistance.models import FollowUp
from tests.assistance.factories import make_plan

IN_SCOPE = ["cadre", "supervisor", "district_supervisor", "admin"]
OUT_OF_SCOPE = [
    "other_cadre",
    "outside_supervisor",
    "unscoped_supervisor",
    "operator",
    "handler",
    "editor",
    "citizen",
]


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", IN_SCOPE)
def test_in_scope_users_open_the_file_on_the_page_and_in_the_api(world, client, who):
    plan = make_plan(world)
    user = getattr(world, who)
    client.force_login(user)
    page = client.get(f"/assistance/plans/{plan.pk}/")
    assert page.status_code == 200 and "夫妻二人均失业" in page.content.decode()
    api = _api(user)
    assert api.get(f"/api/v1/assistance/plans/{plan.pk}/").status_code == 200
    assert api.get(f"/api/v1/assistance/plans/{plan.pk}/follow-ups/").status_code == 200
    assert api.get(f"/api/v1/assistance/plans/{plan.pk}/measures/").status_code == 200
    listed = api.get("/api/v1/assistance/plans/").json()["results"]
    assert [r["id"] for r in listed] == [plan.pk]


@pytest.mark.parametrize("who", OUT_OF_SCOPE)
def test_everyone_else_gets_404_on_the_page_and_in_the_api(world, client, who):
    plan = make_plan(world)
    user = getattr(world, who)
    client.force_login(user)
    page = client.get(f"/assistance/plans/{plan.pk}/")
    assert page.status_code == 404
    assert "夫妻二人均失业" not in page.content.decode() and "王秀英" not in page.content.decode()
    post = client.post(f"/assistance/plans/{plan.pk}/follow_up/", {"date": "2026-01-01", "note": "x"})
    assert post.status_code == 404
    api = _api(user)
    for path in ("", "follow-ups/", "measures/"):
        r = api.get(f"/api/v1/assistance/plans/{plan.pk}/{path}")
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "not_found"
    r = api.post(
        f"/api/v1/assistance/plans/{plan.pk}/follow-ups/", {"date": "2026-01-01", "note": "x"}, format="json"
    )
    assert r.status_code == 404
    r = api.post(
        f"/api/v1/assistance/plans/{plan.pk}/assess/", {"outcome": "lifted", "reason": "x"}, format="json"
    )
    assert r.status_code == 404
    listed = api.get("/api/v1/assistance/plans/").json()["results"]
    assert listed == []
    assert FollowUp.objects.count() == 0


def test_anonymous_visitors_are_sent_to_login_and_refused_by_the_api(world, client):
    plan = make_plan(world)
    page = client.get(f"/assistance/plans/{plan.pk}/")
    assert page.status_code == 302 and "/accounts/login" in page["Location"]
    assert APIClient().get(f"/api/v1/assistance/plans/{plan.pk}/").status_code == 401


def test_a_cadre_paired_away_loses_the_file(world):
    from lianxin.assistance.services import plan_pair

    plan = make_plan(world)
    plan_pair(plan=plan, actor=world.supervisor, cadre=world.other_cadre)
    assert _api(world.cadre).get(f"/api/v1/assistance/plans/{plan.pk}/").status_code == 404
    assert _api(world.other_cadre).get(f"/api/v1/assistance/plans/{plan.pk}/").status_code == 200


def test_phone_and_address_are_whole_for_the_paired_cadre_and_masked_for_overseers(world):
    plan = make_plan(world)
    own = _api(world.cadre).get(f"/api/v1/assistance/plans/{plan.pk}/").json()["household"]
    assert own["phone"] == "13912340001" and own["address"] == "青山路12号3单元"
    for who in ("supervisor", "admin"):
        seen = _api(getattr(world, who)).get(f"/api/v1/assistance/plans/{plan.pk}/").json()["household"]
        assert seen["phone"] != "13912340001" and "****" in seen["phone"]
        assert seen["address"] != "青山路12号3单元"


def test_the_page_masks_the_phone_for_an_overseer(world, client):
    plan = make_plan(world)
    client.force_login(world.supervisor)
    html = client.get(f"/assistance/plans/{plan.pk}/").content.decode()
    assert "13912340001" not in html and "139****0001" in html
    client.force_login(world.cadre)
    assert "13912340001" in client.get(f"/assistance/plans/{plan.pk}/").content.decode()


def test_personal_text_is_encrypted_at_rest(world):
    from django.db import connection

    plan = make_plan(world)
    with connection.cursor() as cur:
        cur.execute("SELECT needs FROM assistance_plan WHERE id = %s", [plan.pk])
        (raw,) = cur.fetchone()
    assert "失业" not in raw


def test_workbench_lists_only_what_the_user_may_see(world, client):
    mine = make_plan(world)
    other = make_plan(world, household=world.other_household, cadre=world.other_cadre)
    client.force_login(world.cadre)
    html = client.get("/assistance/").content.decode()
    assert f"/assistance/plans/{mine.pk}/" in html and f"/assistance/plans/{other.pk}/" not in html
    client.force_login(world.outside_supervisor)
    html = client.get("/assistance/").content.decode()
    assert f"/assistance/plans/{other.pk}/" in html and f"/assistance/plans/{mine.pk}/" not in html
    client.force_login(world.operator)
    assert client.get("/assistance/").status_code == 403
