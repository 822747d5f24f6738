import io
import threading

import pytest
from django.conf import settings
from django.core.cache import cache
from PIL import Image
from rest_framework.test import APIClient

from lianxin.demands.choices import Status
from lianxin.demands.models import Demand, DemandAttachment, DemandEvent
from tests.demands.factories import make_demand

SUBMIT = "/api/v1/demands/"


@pytest.fixture(autouse=True)
def _no_throttle_carryover():
    cache.clear()
    yield
    cache.clear()


def client_for(user=None):
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def test_public_submit_and_track_masks_personal_data(world):
    r = client_for().post(
        SUBMIT,
        {
            "title": "噪音扰民",
            "content": "夜里施工",
            "type": "complaint",
            "area": world.street.pk,
            "category": world.subcategory.name,
            "contact_name": "王小明",
            "contact_phone": "13912345678",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert {"id", "ticket_no", "query_code", "status", "due_at"} <= set(body)
    assert body["status"] == "submitted"
    demand = Demand.objects.get(pk=body["id"])
    assert demand.channel == "api" and demand.category == world.subcategory
    t = client_for().get("/api/v1/track/", {"ticket_no": body["ticket_no"], "code": body["query_code"]})
    assert t.status_code == 200
    data = t.json()
    assert data["contact_phone"] == "139****5678" and data["contact_name"] == "王**"
    assert data["timeline"][0]["action"] == "submit"
    # times read the same as in the submit answer: local time with its offset, not UTC "Z"
    assert data["due_at"] == body["due_at"] and data["created_at"].endswith("+08:00")
    assert data["timeline"][0]["created_at"].endswith("+08:00")


def test_wrong_code_and_missing_ticket_are_the_same_404(world):
    d = make_demand(world)
    wrong = client_for().get("/api/v1/track/", {"ticket_no": d.ticket_no, "code": "WRONG123"})
    missing = client_for().get("/api/v1/track/", {"ticket_no": "20990101" + "9" * 7, "code": "WRONG123"})
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()


def test_submit_400_names_fields(world):
    r = client_for().post(SUBMIT, {"title": "", "type": "bogus", "lat": 500}, format="json")
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]
    assert {"title", "content", "type", "lat"} <= set(fields)
    assert r.json()["error"]["message"] == "以下字段有误：" + ", ".join(fields)


def test_idempotency_key_retry_returns_first(world):
    payload = {"title": "重复", "content": "同一条"}
    a = client_for().post(SUBMIT, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    b = client_for().post(SUBMIT, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert a.status_code == b.status_code == 201
    assert a.json() == b.json()
    assert b["Idempotent-Replayed"] == "true"
    assert Demand.objects.filter(title="重复").count() == 1


@pytest.mark.django_db(transaction=True)
def test_idempotency_key_under_concurrency():
    from django.db import connection as db

    if db.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the in-memory SQLite test database refuses concurrent writers")
    from tests.demands.factories import build_world

    build_world()
    results = []

    def post():
        from django.db import connection

        try:
            r = client_for().post(
                SUBMIT, {"title": "并发", "content": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="race"
            )
            results.append((r.status_code, r.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Demand.objects.filter(title="并发").count() == 1
    assert {code for code, _ in results} == {201}
    assert len({i for _, i in results}) == 1


def test_detail_timeline_and_scoping(world):
    d = make_demand(world, Status.IN_PROGRESS)
    r = client_for(world["handler"]).get(f"/api/v1/demands/{d.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert body["contact"]["phone"] == "13912345678" and body["contact"]["masked"] is False
    assert "reply" in body["allowed_actions"]
    assert client_for(world["other_handler"]).get(f"/api/v1/demands/{d.pk}/").status_code == 404
    cadre = client_for(world["cadre"]).get(f"/api/v1/demands/{d.pk}/").json()
    assert cadre["contact"]["masked"] is True and "*" in cadre["contact"]["phone"]
    timeline = client_for(world["operator"]).get(f"/api/v1/demands/{d.pk}/timeline/").json()
    assert [e["action"] for e in timeline] == ["submit", "accept", "dispatch", "sign"]
    assert client_for().get(f"/api/v1/demands/{d.pk}/").status_code in (401, 403)


def test_transitions_full_loop_through_api(world):
    d = make_demand(world)
    op, h = client_for(world["operator"]), client_for(world["handler"])
    url = f"/api/v1/demands/{d.pk}/transitions/"
    assert op.post(url, {"action": "accept"}, format="json").json()["status"] == "accepted"
    assert (
        op.post(url, {"action": "dispatch", "unit": world.unit.pk}, format="json").json()["status"]
        == "dispatched"
    )
    assert h.post(url, {"action": "sign"}, format="json").json()["status"] == "in_progress"
    r = h.post(
        url, {"action": "reply", "text": "已安排维修人员更换电梯控制板", "outcome": "resolved"}, format="json"
    )
    assert r.json()["status"] == "replied"
    citizen = client_for(world["citizen"])
    r = citizen.post(url, {"action": "rate", "satisfaction": "satisfied", "resolved": True}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["closure"] == "resolved"
    assert DemandEvent.objects.filter(demand=d).count() == 6


def test_transition_errors(world):
    d = make_demand(world)
    url = f"/api/v1/demands/{d.pk}/transitions/"
    r = client_for(world["operator"]).post(url, {"action": "sign"}, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = client_for(world["operator"]).post(url, {"action": "reopen", "reason": "x"}, format="json")
    assert r.status_code == 409 and "待受理" in r.json()["error"]["message"]
    r = client_for(world["operator"]).post(url, {"action": "teleport"}, format="json")
    assert r.status_code == 400 and "action" in r.json()["error"]["fields"]
    r = client_for(world["operator"]).post(url, {"action": "reject"}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    r = client_for(world["operator"]).post(url, {"action": "accept", "version": d.version + 5}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "stale"
    r = client_for(world["other_handler"]).post(url, {"action": "sign"}, format="json")
    assert r.status_code == 404


def test_units_door(world):
    r = client_for(world["operator"]).get("/api/v1/units/")
    names = {u["name"] for u in r.json()}
    assert world.unit.name in names and world.centre.name not in names
    assert client_for(world["citizen"]).get("/api/v1/units/").status_code == 403


def test_list_filters_and_query_pin(world, django_assert_max_num_queries):
    for status in (Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED, Status.REPLIED):
        make_demand(world, status)
    api = client_for(world["operator"])
    with django_assert_max_num_queries(6):
        r = api.get("/api/v1/demands/", {"status": "in_progress"})
    assert r.status_code == 200 and r.json()["count"] == 1
    assert api.get("/api/v1/demands/", {"phone": "139-1234-5678"}).json()["count"] == 4
    assert api.get("/api/v1/demands/", {"queue": "to_accept"}).json()["count"] == 1
    assert api.get("/api/v1/demands/", {"status": "closed_resolved"}).json()["count"] == 1
    assert api.get("/api/v1/demands/", {"area": world.district.pk}).json()["count"] == 4
    h = client_for(world["other_handler"]).get("/api/v1/demands/").json()
    assert h["count"] == 0


def test_detail_query_pin(world, django_assert_max_num_queries):
    d = make_demand(world, Status.IN_PROGRESS)
    api = client_for(world["operator"])
    with django_assert_max_num_queries(6):
        assert api.get(f"/api/v1/demands/{d.pk}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert api.get(f"/api/v1/demands/{d.pk}/timeline/").status_code == 200


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return buf.getvalue()


def test_attachments_checked_by_content(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    d = make_demand(world)
    api = client_for(world["operator"])
    url = f"/api/v1/demands/{d.pk}/attachments/"
    ok = api.post(url, {"file": SimpleUploadedFile("photo.txt", _png())}, format="multipart")
    assert ok.status_code == 201 and ok.json()["content_type"] == "image/png"
    pdf = api.post(url, {"file": SimpleUploadedFile("a.bin", b"%PDF-1.4\n%%EOF")}, format="multipart")
    assert pdf.status_code == 201 and pdf.json()["content_type"] == "application/pdf"
    fake = api.post(
        url, {"file": SimpleUploadedFile("evil.png", b"MZ\x90\x00 not an image")}, format="multipart"
    )
    assert fake.status_code == 400
    from lianxin.demands import services

    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (services.MAX_ATTACHMENT_BYTES + 1))
    assert api.post(url, {"file": big}, format="multipart").status_code == 400
    assert DemandAttachment.objects.filter(demand=d).count() == 2


def test_track_rate_with_code(world):
    d = make_demand(world, Status.REPLIED, by=None)
    r = client_for().post(
        "/api/v1/track/",
        {
            "ticket_no": d.ticket_no,
            "code": d.query_code,
            "satisfaction": "basically_satisfied",
            "resolved": False,
        },
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["closure"] == "not_resolved"
    again = client_for().post(
        "/api/v1/track/",
        {"ticket_no": d.ticket_no, "code": d.query_code, "satisfaction": "satisfied", "resolved": True},
        format="json",
    )
    assert again.status_code == 409


def test_public_submit_is_throttled(world, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    from rest_framework.throttling import ScopedRateThrottle

    old = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {**rates, "public_submit": "2/min"}
    try:
        codes = [
            client_for().post(SUBMIT, {"title": "t", "content": "c"}, format="json").status_code
            for _ in range(3)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = old
    assert codes == [201, 201, 429]


def test_measures_door(world):
    make_demand(world, Status.CLOSED)
    from django.utils import timezone

    today = timezone.localdate()
    r = client_for(world["operator"]).get(
        "/api/v1/demands/measures/", {"start": today.replace(day=1).isoformat(), "end": "2099-01-01"}
    )
    assert r.status_code == 200
    codes = {m["code"]: m for m in r.json()}
    assert codes["satisfaction_rate"]["numerator"] == 1 and codes["satisfaction_rate"]["denominator"] == 1


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_one_answer_names_every_wrong_field_the_phone_included(world):
    r = client_for().post(
        SUBMIT, {"title": "", "content": "夜里施工", "contact_phone": "abc", "lat": 95}, format="json"
    )
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"title", "contact_phone", "lat"}


def test_json_errors_follow_the_chosen_language(world):
    """Service and serializer messages travel in the JSON error format in the UI language; Chinese by default."""
    d = make_demand(world)
    reopen = f"/api/v1/demands/{d.pk}/transitions/"
    bad_phone = {"title": "噪音扰民", "content": "夜里施工", "contact_phone": "12"}
    bad_category = {"title": "噪音扰民", "content": "夜里施工", "category": "没有这个分类"}

    r = client_for().post(SUBMIT, bad_phone, format="json")
    assert r.status_code == 400 and r.json()["error"]["fields"]["contact_phone"] == ["电话号码格式不正确"]
    r = client_for().post(SUBMIT, bad_category, format="json")
    assert r.json()["error"]["fields"]["category"] == ["未找到「没有这个分类」"]
    r = client_for(world["operator"]).post(reopen, {"action": "reopen", "reason": "x"}, format="json")
    assert r.json()["error"]["message"] == "工单当前状态为「待受理」，不能执行「重办」"

    r = _english(client_for()).post(SUBMIT, bad_phone, format="json")
    assert r.status_code == 400 and r.json()["error"]["fields"]["contact_phone"] == ["Invalid phone number"]
    r = _english(client_for()).post(SUBMIT, bad_category, format="json")
    assert r.json()["error"]["fields"]["category"] == ["“没有这个分类” not found"]
    r = _english(client_for(world["operator"])).post(
        reopen, {"action": "reopen", "reason": "x"}, format="json"
    )
    assert r.status_code == 409 and r.json()["error"] == {
        "code": "invalid_transition",
        "message": "The work order is “Submitted”; “Reopen” is not possible now",
    }
    r = _english(client_for(world["other_handler"])).get(f"/api/v1/demands/{d.pk}/")
    assert (
        r.status_code == 404
        and r.json()["error"]["message"] == "Work order not found, or you may not view it"
    )
