"""保密/不公开 at intake: a confidential demand is on no public board or list — the public "already
reported" hint, Open311 GET requests, hot-issue mining, an area cadre's lists — while its caller (the
tracking door, their account) and the staff assigned to it still see it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from lianxin.demands import selectors, services
from lianxin.demands.choices import Status
from lianxin.demands.models import Demand
from tests.demands.factories import make_demand
from tests.interconnect.factories import open311_world

pytestmark = pytest.mark.django_db


def test_the_submit_form_and_the_api_keep_the_choice(world, client):
    client.force_login(world["citizen"])
    page = client.get("/demands/submit/").content.decode()
    assert 'name="confidential"' in page and 'type="checkbox"' in page
    r = client.post(
        "/demands/submit/",
        {"type": "help", "title": "家庭纠纷求助", "content": "邻里纠纷，不希望公开", "confidential": "on"},
    )
    assert r.status_code == 302
    assert Demand.objects.get(title_masked="家庭纠纷求助").confidential is True
    r = client.post("/demands/submit/", {"type": "help", "title": "路灯不亮", "content": "小区路灯坏了"})
    assert Demand.objects.get(title_masked="路灯不亮").confidential is False

    api = APIClient()
    r = api.post(
        "/api/v1/demands/",
        {"title": "不公开的诉求", "content": "请保密处理", "confidential": True},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert Demand.objects.get(ticket_no=r.json()["ticket_no"]).confidential is True
    r = api.post("/api/v1/demands/", {"title": "公开的诉求", "content": "可以公开"}, format="json")
    assert Demand.objects.get(ticket_no=r.json()["ticket_no"]).confidential is False


def test_the_public_already_reported_hint_never_shows_a_confidential_demand(world):
    public = make_demand(world, Status.IN_PROGRESS)
    private = make_demand(world, Status.IN_PROGRESS, confidential=True)
    ids = [private.pk, public.pk]
    shown = selectors.demand_hint_list(user=None, ids=ids)
    assert len(shown) == 1  # the public one only
    assert len(selectors.demand_hint_list(user=world["other_citizen"], ids=ids)) == 1
    # the operator taking a call still sees every open demand (to merge the same problem)
    assert len(selectors.demand_hint_list(user=world["operator"], ids=ids)) == 2


def test_the_public_hint_page_leaves_it_out(world, client, monkeypatch):
    private = make_demand(world, Status.IN_PROGRESS, title="保密的电梯故障", confidential=True)
    public = make_demand(world, Status.IN_PROGRESS, title="公开的电梯故障")
    from lianxin.demands import intel_port

    monkeypatch.setattr(intel_port, "similar_for_text", lambda **kw: [private.pk, public.pk])
    page = client.post("/demands/similar/", {"title": "电梯故障", "content": "电梯坏了"}).content.decode()
    assert "公开的电梯故障" in page and "保密的电梯故障" not in page


def test_open311_get_requests_leave_a_confidential_demand_out(client, settings):
    settings.ROOT_URLCONF = "tests.interconnect.urls"
    o = open311_world()
    public = make_demand(o.world, Status.DISPATCHED)
    private = make_demand(o.world, Status.DISPATCHED, confidential=True)
    rows = client.get("/open311/v2/requests.json").json()
    ids = {row["service_request_id"] for row in rows}
    assert public.ticket_no in ids and private.ticket_no not in ids
    by_id = client.get("/open311/v2/requests.json", {"service_request_id": private.ticket_no}).json()
    assert by_id == []
    assert client.get(f"/open311/v2/requests/{private.ticket_no}.json").status_code == 404


def test_only_the_caller_and_the_assigned_staff_see_it(world, client):
    d = make_demand(world, Status.IN_PROGRESS, confidential=True)
    other = make_demand(world, Status.IN_PROGRESS)
    # the caller: their account and the tracking door
    assert selectors.demand_is_visible(world["citizen"], d)
    r = client.get("/demands/track/", {"ticket_no": d.ticket_no, "code": d.query_code})
    assert r.status_code == 200 and d.ticket_no in r.content.decode()
    # the assigned unit and the centre
    assert selectors.demand_is_visible(world["handler"], d)
    assert selectors.demand_is_visible(world["operator"], d)
    # an area cadre's lists show the area's other demands, not the confidential one
    cadre = world["cadre"]
    assert selectors.demand_is_visible(cadre, other)
    assert not selectors.demand_is_visible(cadre, d)
    visible = set(Demand.objects.filter(selectors.demand_visible_q(cadre)).values_list("pk", flat=True))
    assert other.pk in visible and d.pk not in visible
    assert not selectors.demand_is_visible(world["other_citizen"], d)
    assert not selectors.demand_is_visible(world["other_handler"], d)


def test_hot_issue_mining_reads_no_confidential_demand(world, monkeypatch):
    from lianxin.analysis import hotspots

    make_demand(world, title="公开诉求一", content="小区电梯坏了")
    make_demand(world, title="保密诉求二", content="家里电梯坏了", confidential=True)
    seen: list[str] = []

    def fake_find(messages, **kwargs):
        seen.extend(m.title for m in messages)
        return []

    monkeypatch.setattr(hotspots, "hotspots_find", fake_find)
    hotspots.hotspots_refresh(days=7)
    assert "公开诉求一" in seen and "保密诉求二" not in seen


def test_a_confidential_demand_is_worked_as_any_other(world):
    d = make_demand(world, Status.CLOSED, confidential=True)
    assert d.status == Status.CLOSED and d.confidential
    d2, _ = services.demand_submit(
        actor=world["operator"], title="电话受理", content="保密", confidential=True
    )
    assert d2.confidential
