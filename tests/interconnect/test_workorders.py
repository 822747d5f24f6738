"""Work orders from an upper platform: signed intake, acknowledgement, idempotency, callbacks of every
state change and of the reply and rating to the reference platform, and reconciliation."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lianxin.demands import services as demand_services
from lianxin.demands.choices import Channel, Outcome, Satisfaction, Status
from lianxin.demands.models import Demand
from lianxin.interconnect import signing
from lianxin.interconnect.deliveries import deliveries_send
from lianxin.interconnect.models import Delivery, WorkOrder
from lianxin.interconnect.reference_client import UpperPlatform
from tests.demands.factories import build_world
from tests.interconnect.factories import platform_make

pytestmark = pytest.mark.django_db
URL = "/api/v1/interconnect/work-orders/"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def upper():
    with UpperPlatform("prov", "platform-secret") as p:
        yield p


@pytest.fixture
def platform(upper):
    return platform_make(callback_url=upper.callback_url, state_url=upper.state_url)


def order(world, order_id="P-0001", **extra):
    return {
        "order_id": order_id,
        "title": "小区停水三天",
        "content": "东风小区停水三天，无人通知。",
        "type": "complaint",
        "category": world.subcategory.code,
        "area": world.street.code,
        "deadline": "2026-12-31T18:00:00+08:00",
        "contact": {"name": "李四", "phone": "13700001111"},
        **extra,
    }


def push(client, data, *, secret="platform-secret", code="prov", timestamp=None, raw=None):
    body = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode()
    headers = {signing.PLATFORM_HEADER: code, **signing.sign(secret, body, now=timestamp)}
    return client.post(URL, body, content_type="application/json", headers=headers)


def drain():
    while deliveries_send().claimed:
        pass


def test_a_signed_push_becomes_a_demand_and_is_acknowledged(client, world, platform):
    r = push(client, order(world))
    assert r.status_code == 201, r.content
    ack = r.json()
    wo = WorkOrder.objects.get()
    d = wo.demand
    assert ack == {
        "order_id": "P-0001",
        "ticket_no": d.ticket_no,
        "status": "submitted",
        "received_at": wo.received_at.isoformat(),
    }
    assert d.channel == Channel.API and d.category == world.subcategory and d.area == world.street
    assert d.contact_phone == "13700001111"
    assert wo.deadline is not None


def test_a_repush_is_idempotent_and_a_reused_id_conflicts(client, world, platform):
    first = push(client, order(world)).json()
    again = push(client, order(world))
    assert again.status_code == 200 and again.json() == first
    other = push(client, order(world, title="另一件事"))
    assert other.status_code == 409 and other.json()["error"]["code"] == "order_id_reused"
    assert Demand.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret": "wrong"}, "bad_signature"),
        ({"code": "nobody"}, "bad_signature"),
        ({"timestamp": time.time() - 3600}, "stale_timestamp"),  # a replay of an old message
    ],
)
def test_bad_signatures_and_replays_are_401(client, world, platform, kwargs, code):
    r = push(client, order(world), **kwargs)
    assert r.status_code == 401 and r.json()["error"]["code"] == code
    assert not Demand.objects.exists()


def test_a_tampered_body_is_refused(client, world, platform):
    body = json.dumps(order(world)).encode()
    headers = {signing.PLATFORM_HEADER: "prov", **signing.sign("platform-secret", body)}
    r = client.post(URL, body.replace(b"P-0001", b"P-0002"), content_type="application/json", headers=headers)
    assert r.status_code == 401


def test_bad_fields_are_400_naming_them(client, world, platform):
    r = push(client, order(world, title="", category="nope", deadline="tomorrow", lat="x"))
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"title", "category", "deadline", "lat"}
    r = push(client, None, raw=b"not json")
    assert r.status_code == 400 and "body" in r.json()["error"]["fields"]


def test_state_changes_reply_and_rating_are_reported_back(client, world, platform, upper):
    push(client, order(world))
    d = Demand.objects.get()
    op, handler = world["operator"], world["handler"]
    d = demand_services.demand_transition(demand=d, actor=op, action="accept")
    d = demand_services.demand_transition(demand=d, actor=op, action="dispatch", unit=world.unit)
    d = demand_services.demand_transition(demand=d, actor=handler, action="sign")
    d = demand_services.demand_transition(
        demand=d,
        actor=handler,
        action="reply",
        text="已协调供水公司抢修管道，已恢复供水。",
        outcome=Outcome.RESOLVED,
    )
    d = demand_services.demand_transition(
        demand=d, actor=op, action="rate", satisfaction=Satisfaction.SATISFIED, resolved=True
    )
    kinds = list(Delivery.objects.filter(platform=platform).order_by("id").values_list("kind", flat=True))
    assert kinds == ["accept", "dispatch", "sign", "reply", "rate"]
    drain()
    got = upper.callbacks
    assert [c["status"] for c in got] == ["accepted", "dispatched", "in_progress", "replied", "closed"]
    assert got[3]["reply"] == {"text": "已协调供水公司抢修管道，已恢复供水。", "outcome": "resolved"}
    assert got[4]["rating"] == {"satisfaction": "satisfied", "resolved": True}
    assert all(c["order_id"] == "P-0001" for c in got) and upper.refused == 0
    upper.states["P-0001"] = "submitted"  # as if the platform had pushed it itself
    upper.pushed_on["P-0001"] = timezone.localdate()
    upper.on_message(got[-1])
    assert upper.states["P-0001"] == "closed"


def test_callbacks_survive_a_failing_platform_without_duplicates(
    client, world, platform, upper, fast_retries
):
    push(client, order(world))
    d = Demand.objects.get()
    upper.fail_with = 500
    demand_services.demand_transition(demand=d, actor=world["operator"], action="accept")
    assert deliveries_send().failed == 1
    upper.fail_with = None
    later = timezone.now() + timedelta(minutes=1)
    assert deliveries_send(now=later).delivered == 1
    assert deliveries_send(now=later + timedelta(hours=1)).claimed == 0
    assert [c["status"] for c in upper.callbacks] == ["accepted"]


def test_reconcile_finds_and_fixes_differences(client, world, platform, upper):
    push(client, order(world))
    push(client, order(world, order_id="P-0002"))
    for wo in WorkOrder.objects.all():
        upper.states.setdefault(wo.order_id, "submitted")
        upper.pushed_on.setdefault(wo.order_id, timezone.localdate())
    upper.states["P-9999"] = "submitted"
    upper.pushed_on["P-9999"] = timezone.localdate()
    d = WorkOrder.objects.get(order_id="P-0001").demand
    demand_services.demand_transition(demand=d, actor=world["operator"], action="accept")
    Delivery.objects.all().delete()  # the callback was lost on the way
    since = timezone.localdate().isoformat()
    out = _command("reconcile", "--platform", "prov", "--since", since, "--json")
    report = json.loads(out)
    assert report["compared"] == 2
    assert report["differences"] == [{"order_id": "P-0001", "ours": "accepted", "theirs": "submitted"}]
    assert report["unknown_here"] == ["P-9999"] and report["resent"] == 0
    report = json.loads(_command("reconcile", "--platform", "prov", "--since", since, "--fix", "--json"))
    assert report["resent"] == 1
    drain()
    assert upper.states["P-0001"] == "accepted" and upper.callbacks[-1]["action"] == "sync"
    report = json.loads(_command("reconcile", "--platform", "prov", "--since", since, "--json"))
    assert report["differences"] == []
    with pytest.raises(CommandError):
        _command("reconcile", "--platform", "nope", "--since", since)
    with pytest.raises(CommandError):
        _command("reconcile", "--platform", "prov", "--since", "2026-13-01")


def test_the_platform_can_query_our_state(client, world, platform):
    push(client, order(world))
    headers = {signing.PLATFORM_HEADER: "prov", **signing.sign("platform-secret", b"")}
    r = client.get(URL + "P-0001/", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == Status.SUBMITTED
    assert client.get(URL + "P-0404/", headers=headers).status_code == 404
    assert client.get(URL + "P-0001/").status_code == 401


def test_the_reference_client_pushes_over_http(live_server, transactional_db, upper):
    world = build_world()
    platform_make(callback_url=upper.callback_url)
    status, ack = upper.push(live_server.url + URL, order(world, order_id="LIVE-1"))
    assert status == 201 and ack["status"] == "submitted"
    assert upper.states == {"LIVE-1": "submitted"}
    status, _ack = upper.push(
        live_server.url + URL, order(world, order_id="LIVE-1"), timestamp=time.time() - 999
    )
    assert status == 401


def _command(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("interconnect", *args, stdout=out)
    return out.getvalue()
