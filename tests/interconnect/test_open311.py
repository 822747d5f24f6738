"""Open311 GeoReport v2 at /open311/v2/: discovery, services, POST and GET requests, tokens, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lianxin.demands import services as demand_services
from lianxin.demands.choices import Channel, DemandType, Outcome, Status
from lianxin.demands.models import Demand
from lianxin.interconnect import keys
from lianxin.interconnect.models import Open311Request
from tests.demands.factories import make_demand
from tests.interconnect.factories import open311_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open311_urls")]
BASE = "/open311/v2/"


@pytest.fixture
def o(db):
    return open311_world()


def post(client, o, **fields):
    data = {
        "api_key": o.key,
        "service_code": "property",
        "lat": "30.001",
        "long": "120.001",
        "description": "电梯坏了一个月没人修",
        "attribute[floor]": "3",
        **fields,
    }
    return client.post(BASE + "requests.json", {k: v for k, v in data.items() if v is not None})


def test_discovery_names_the_endpoint_and_formats(client, o):
    body = client.get(BASE + "discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    xml = ET.fromstring(client.get(BASE + "discovery.xml").content)
    assert xml.tag == "discovery"
    assert [f.text for f in xml.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_are_the_exposed_categories_only(client, o):
    rows = client.get(BASE + "services.json").json()
    assert [r["service_code"] for r in rows] == ["city", "property"]
    prop = rows[1]
    assert prop["service_name"] == "物业管理" and prop["metadata"] is True and prop["type"] == "realtime"
    assert prop["group"] == o.world.category.name  # the top category
    o.hidden.is_active = False
    o.hidden.save()
    assert [r["service_code"] for r in client.get(BASE + "services.json").json()] == ["property"]
    xml = ET.fromstring(client.get(BASE + "services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code").text == "property"
    assert xml.find("service/metadata").text == "true"


def test_service_definition_lists_attributes_in_both_formats(client, o):
    body = client.get(BASE + "services/property.json").json()
    assert body["service_code"] == "property"
    assert [a["code"] for a in body["attributes"]] == ["floor", "kind"]
    assert body["attributes"][1]["values"] == [
        {"key": "lift", "name": "电梯"},
        {"key": "water", "name": "供水"},
    ]
    xml = ET.fromstring(client.get(BASE + "services/property.xml").content)
    assert xml.tag == "service_definition"
    assert [v.find("key").text for v in xml.findall("attributes/attribute/values/value")] == ["lift", "water"]


def test_unknown_service_definition_is_404_in_the_spec_format(client, o):
    r = client.get(BASE + "services/nope.json")
    assert r.status_code == 404
    assert r.json()[0]["code"] == 404 and "service_code" in r.json()[0]["description"]
    x = client.get(BASE + "services/nope.xml")
    root = ET.fromstring(x.content)
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_post_creates_a_demand_through_intake_with_encrypted_contact(client, o):
    r = post(
        client,
        o,
        email="zhang@example.com",
        phone="13812345678",
        first_name="三",
        last_name="张",
        address_string="东风小区3栋",
        media_url="https://img.example.com/1.jpg",
        **{"attribute[kind]": "lift"},
    )
    assert r.status_code == 201, r.content
    row = r.json()[0]
    demand = Demand.objects.get(ticket_no=row["service_request_id"])
    assert demand.channel == Channel.OPEN311 and demand.status == Status.SUBMITTED
    assert demand.category == o.world.subcategory
    assert demand.area == o.world.street  # the deepest polygon holding the point
    assert demand.contact_name == "张三" and demand.contact_phone == "13812345678"
    assert "楼层：3" in demand.content and "问题类型：lift" in demand.content
    assert demand.events.get().action == "submit"
    extra = Open311Request.objects.get(demand=demand)
    assert extra.token == row["token"] and extra.client == o.client
    assert extra.email == "zhang@example.com" and extra.address_string == "东风小区3栋"
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, address_string, media_url FROM interconnect_open311request")
        stored = cursor.fetchone()
    assert "zhang" not in stored[0] and "东风" not in stored[1] and "img" not in stored[2]
    token = client.get(BASE + f"tokens/{row['token']}.json").json()
    assert token == [{"service_request_id": demand.ticket_no, "token": row["token"]}]


def test_post_xml_answer(client, o):
    r = client.post(
        BASE + "requests.xml",
        {
            "api_key": o.key,
            "service_code": "property",
            "lat": "30.0",
            "long": "120.0",
            "attribute[floor]": "1",
        },
    )
    assert r.status_code == 201
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text


def test_post_refusals_name_the_parameter(client, o):
    r = post(client, o, service_code="nope")
    assert r.status_code == 400 and "service_code" in r.json()[0]["description"]
    r = post(client, o, lat="10.0", long="10.0")  # outside every polygon and far from every centre
    assert r.status_code == 400 and r.json()[0]["description"].startswith("lat")
    r = post(client, o, lat=None, long=None)
    assert r.status_code == 400 and "lat" in r.json()[0]["description"]
    r = post(client, o, **{"attribute[floor]": None})
    assert r.status_code == 400 and "attribute[floor]" in r.json()[0]["description"]
    r = post(client, o, **{"attribute[kind]": "fire"})
    assert r.status_code == 400 and "attribute[kind]" in r.json()[0]["description"]
    r = post(client, o, email="not-an-email")
    assert r.status_code == 400 and "email" in r.json()[0]["description"]
    assert not Demand.objects.exists()


def test_missing_wrong_or_revoked_key_is_403(client, o):
    assert post(client, o, api_key=None).status_code == 403
    assert post(client, o, api_key=o.key[:-2] + "xx").status_code == 403
    keys.api_client_revoke(client=o.client)
    r = post(client, o)
    assert r.status_code == 403 and "api_key" in r.json()[0]["description"]
    assert not Demand.objects.exists()


def test_a_key_is_rate_limited_per_minute(client, o):
    o.client.rate_per_minute = 5
    o.client.save()
    for _ in range(5):
        assert post(client, o).status_code == 201
    r = post(client, o)
    assert r.status_code == 429 and r["Retry-After"] == "60"
    assert Demand.objects.count() == 5


def test_the_key_is_stored_hashed(o):
    assert o.key not in o.client.key_hash and len(o.client.key_hash) == 64
    assert keys.api_key_check(o.key) == o.client


def test_idempotency_key_replays_the_first_request(client, o):
    a = client.post(
        BASE + "requests.json",
        {
            "api_key": o.key,
            "service_code": "property",
            "lat": "30.0",
            "long": "120.0",
            "attribute[floor]": "1",
        },
        headers={"Idempotency-Key": "k1"},
    )
    b = client.post(
        BASE + "requests.json",
        {
            "api_key": o.key,
            "service_code": "property",
            "lat": "30.0",
            "long": "120.0",
            "attribute[floor]": "1",
        },
        headers={"Idempotency-Key": "k1"},
    )
    assert a.json() == b.json() and Demand.objects.count() == 1


def test_wrong_jurisdiction_is_404(client, o):
    r = client.get(BASE + "services.json", {"jurisdiction_id": "elsewhere"})
    assert r.status_code == 404 and "jurisdiction_id" in r.json()[0]["description"]
    assert client.get(BASE + "services.json", {"jurisdiction_id": "lianxin"}).status_code == 200


def test_get_requests_filters_by_status_date_service_and_id(client, o):
    w = o.world
    open_one = make_demand(w, Status.DISPATCHED)
    closed_one = make_demand(w, Status.CLOSED)
    old = make_demand(w)
    Demand.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=200))
    ids = lambda r: {row["service_request_id"] for row in r.json()}  # noqa: E731
    assert ids(client.get(BASE + "requests.json")) == {open_one.ticket_no, closed_one.ticket_no}
    assert ids(client.get(BASE + "requests.json", {"status": "open"})) == {open_one.ticket_no}
    closed = client.get(BASE + "requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [closed_one.ticket_no]
    assert closed[0]["status"] == "closed" and closed[0]["status_notes"].startswith("已安排维保单位维修")
    start = (timezone.now() - timedelta(days=300)).isoformat()
    end = (timezone.now() - timedelta(days=100)).isoformat()
    assert ids(client.get(BASE + "requests.json", {"start_date": start, "end_date": end})) == {old.ticket_no}
    assert ids(client.get(BASE + "requests.json", {"service_code": "city"})) == set()
    by_id = client.get(BASE + "requests.json", {"service_request_id": old.ticket_no, "status": "closed"})
    assert ids(by_id) == {old.ticket_no}  # ids ignore the other filters
    assert client.get(BASE + f"requests/{open_one.ticket_no}.json").json()[0]["status"] == "open"
    xml = ET.fromstring(client.get(BASE + "requests.xml", {"status": "closed"}).content)
    assert xml.tag == "service_requests" and xml.find("request/status").text == "closed"


def test_bad_filters_are_400(client, o):
    r = client.get(BASE + "requests.json", {"status": "pending"})
    assert r.status_code == 400 and "status" in r.json()[0]["description"]
    r = client.get(BASE + "requests.json", {"start_date": "yesterday"})
    assert r.status_code == 400 and "start_date" in r.json()[0]["description"]
    r = client.get(BASE + "requests.json", {"start_date": "2026-01-01T00:00:00"})  # no time zone
    assert r.status_code == 400


def test_public_reads_hide_personal_data_and_confidential_demands(client, o):
    w = o.world
    d = make_demand(
        w,
        content="我叫张三，电话13812345678，电梯坏了",
        lat=30.0123456,
        lng=120.0123456,
        address="东风小区3栋2单元",
    )
    report = make_demand(w, type=DemandType.REPORT, content="举报违规施工")
    hidden = make_demand(w, category=w.category)  # its service's requests are not public
    body = client.get(BASE + "requests.json").content.decode()
    assert d.ticket_no in body
    for secret in ("13812345678", "张三", "东风小区", "30.0123456", report.ticket_no, hidden.ticket_no):
        assert secret not in body
    assert client.get(BASE + f"requests/{report.ticket_no}.json").status_code == 404
    assert client.get(BASE + f"requests/{hidden.ticket_no}.json").status_code == 404
    row = client.get(BASE + f"requests/{d.ticket_no}.json").json()[0]
    assert row["lat"] == 30.012 and row["address"] == w.street.name and row["media_url"] == ""


def test_replies_show_as_status_notes(client, o):
    w = o.world
    d = make_demand(w, Status.IN_PROGRESS)
    demand_services.demand_transition(
        demand=d,
        actor=w["handler"],
        action="reply",
        text="已修复，联系电话 13900001111",
        outcome=Outcome.RESOLVED,
    )
    row = client.get(BASE + f"requests/{d.ticket_no}.json").json()[0]
    assert (
        row["status"] == "open"
        and "13900001111" not in row["status_notes"]
        and row["status_notes"].startswith("已修复")
    )


def test_requests_list_query_count_is_fixed(client, o, django_assert_max_num_queries):
    for _ in range(5):
        make_demand(o.world, Status.DISPATCHED)
    with django_assert_max_num_queries(3):
        assert len(client.get(BASE + "requests.json").json()) == 5
