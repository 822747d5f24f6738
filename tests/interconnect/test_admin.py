"""Admin: a new Open311 client's key is shown once and stored hashed; revoking works; the delivery log lists
attempts and retries given-up rows."""

import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from lianxin.interconnect.keys import api_key_check
from lianxin.interconnect.models import ApiClient, Delivery, DeliveryAttempt, DeliveryStatus
from tests.interconnect.factories import subscriber_make

pytestmark = pytest.mark.django_db


def test_adding_a_client_shows_its_key_once(admin_client):
    r = admin_client.post(
        "/admin/interconnect/apiclient/add/",
        {"name": "市民App", "rate_per_minute": 30, "is_active": "on", "note": ""},
        follow=True,
    )
    assert r.status_code == 200
    shown = " ".join(str(m) for m in get_messages(r.wsgi_request))
    key = re.search(r"[0-9a-f]{8}\.[\w-]{20,}", shown).group(0)
    client = ApiClient.objects.get()
    assert client.name == "市民App" and key not in client.key_hash
    assert api_key_check(key) == client
    r = admin_client.post(
        "/admin/interconnect/apiclient/", {"action": "revoke", "_selected_action": [client.pk]}, follow=True
    )
    client.refresh_from_db()
    assert client.revoked_at is not None and not client.is_active


def test_delivery_log_and_retry(admin_client):
    s = subscriber_make("http://127.0.0.1:9/")
    d = Delivery.objects.create(
        subscriber=s,
        demand_id=1,
        kind="created",
        payload={},
        status=DeliveryStatus.FAILED,
        attempts=30,
        next_attempt_at=timezone.now(),
        created_at=timezone.now(),
        last_error="HTTP 500",
    )
    DeliveryAttempt.objects.create(delivery=d, at=timezone.now(), status_code=500, error="HTTP 500")
    page = admin_client.get(f"/admin/interconnect/delivery/{d.pk}/change/")
    assert page.status_code == 200 and "HTTP 500" in page.content.decode()
    assert admin_client.get("/admin/interconnect/delivery/?status=failed").status_code == 200
    admin_client.post("/admin/interconnect/delivery/", {"action": "retry", "_selected_action": [d.pk]})
    d.refresh_from_db()
    assert d.status == DeliveryStatus.PENDING and d.attempts == 0
