"""Signed webhooks: rows written in the event's transaction, delivered signed to a loopback receiver,
retried on the schedule while the receiver fails, never lost nor duplicated, reconciled."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from lianxin.demands.choices import Action, Status
from lianxin.demands.models import DemandEvent
from lianxin.demands.sweep import deadline_sweep
from lianxin.interconnect import signing
from lianxin.interconnect.deliveries import backoff_seconds, deliveries_retry, deliveries_send
from lianxin.interconnect.models import Delivery, DeliveryAttempt, DeliveryStatus
from lianxin.interconnect.reference_client import Receiver
from lianxin.interconnect.webhooks import webhooks_reconcile
from tests.demands.factories import build_world, make_demand
from tests.interconnect.factories import subscriber_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with Receiver("hook-secret") as r:
        yield r


@pytest.fixture
def world(db):
    return build_world()


def drain(now=None):
    total = 0
    while True:
        report = deliveries_send(now=now)
        if not report.claimed:
            return total
        total += report.delivered


def test_events_become_signed_webhooks(world, receiver):
    subscriber_make(receiver.url + "/hook")
    d = make_demand(world, Status.CLOSED)
    kinds = list(Delivery.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "dispatched", "replied", "closed"]
    assert drain() == 4
    assert [m["event"] for m in receiver.messages] == kinds
    first = receiver.messages[0]
    assert first["demand"]["ticket_no"] == d.ticket_no and first["demand"]["status"] == "submitted"
    assert "contact_phone" not in json.dumps(receiver.messages) and "13912345678" not in json.dumps(
        receiver.messages
    )
    assert receiver.refused == 0 and {m["delivery"] for m in receiver.messages} == {
        str(i) for i in Delivery.objects.values_list("id", flat=True)
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_only_the_chosen_events_of_active_subscribers(world, receiver):
    subscriber_make(receiver.url, events=["replied"])
    subscriber_make(receiver.url, events=["created"], is_active=False)
    make_demand(world, Status.REPLIED)
    assert list(Delivery.objects.values_list("kind", flat=True)) == ["replied"]


def test_the_row_is_written_in_the_event_transaction(world, receiver):
    subscriber_make(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_demand(world)
        assert Delivery.objects.count() == 1
        raise RuntimeError("roll back")
    assert Delivery.objects.count() == 0 and DemandEvent.objects.count() == 0


def test_verify_refuses_replays_and_forgeries():
    body = b'{"a": 1}'
    headers = signing.sign("k", body, now=1_000_000)
    ts, sig = headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER]
    signing.verify("k", body, ts, sig, now=1_000_100)
    for secret, raw, now, code in [
        ("k", body, 1_000_301, "stale_timestamp"),  # a replay outside the window
        ("other", body, 1_000_000, "bad_signature"),
        ("k", b'{"a": 2}', 1_000_000, "bad_signature"),
    ]:
        with pytest.raises(signing.SignatureError) as err:
            signing.verify(secret, raw, ts, sig, now=now)
        assert err.value.code == code
    with pytest.raises(signing.SignatureError):
        signing.verify("k", body, None, sig)


def test_a_receiver_failing_for_an_hour_keeps_the_schedule_and_loses_nothing(world, receiver, fast_retries):
    subscriber_make(receiver.url)
    make_demand(world, Status.DISPATCHED)  # created + dispatched
    receiver.fail_with = 500
    start = timezone.now()
    clock = start
    attempts_at = []
    while clock < start + timedelta(hours=1):
        report = deliveries_send(now=clock)
        if report.claimed:
            attempts_at.append(int((clock - start).total_seconds()))
            assert report.delivered == 0
        clock += timedelta(seconds=15)
    # exponential: 0, 30, 90, 210, 450, 930, 1890 s (rounded up to the 15 s steps of this clock)
    assert attempts_at == [0, 30, 90, 210, 450, 930, 1890]
    assert [backoff_seconds(n) for n in (1, 2, 3, 7, 8, 20)] == [30, 60, 120, 1920, 3600, 3600]
    row, later = Delivery.objects.order_by("id")
    assert row.status == DeliveryStatus.PENDING and row.attempts == 7 and "HTTP 500" in row.last_error
    assert DeliveryAttempt.objects.filter(delivery=row).count() == 7
    assert later.attempts == 0  # waits behind the earlier message of its demand: order is kept
    receiver.fail_with = None
    assert drain(now=start + timedelta(hours=2)) == 2
    assert [m["event"] for m in receiver.messages] == ["created", "dispatched"] and receiver.hits == 9


def test_a_receiver_that_times_out_is_retried(world, receiver, fast_retries):
    subscriber_make(receiver.url)
    make_demand(world)
    receiver.delay = 1.0
    report = deliveries_send()
    assert report.failed == 1
    row = Delivery.objects.get()
    assert "timed out" in row.last_error.lower() or "timeout" in row.last_error.lower()
    receiver.delay = 0
    assert deliveries_send().claimed == 0  # not due yet
    assert drain(now=timezone.now() + timedelta(seconds=31)) == 1
    # the timed-out attempt may have arrived too: the receiver keeps one copy per delivery id
    assert len(receiver.messages) == 1


def test_a_leased_row_is_not_sent_twice_and_comes_back_after_the_lease(world, receiver):
    subscriber_make(receiver.url)
    make_demand(world)
    row = Delivery.objects.get()
    lease_end = timezone.now() + timedelta(seconds=120)
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=lease_end)  # as if a sender had died holding it
    assert deliveries_send().claimed == 0
    assert deliveries_send(now=lease_end).delivered == 1


def test_given_up_rows_wait_for_an_admin_retry(world, receiver, settings):
    settings.LIANXIN_INTERCONNECT_MAX_ATTEMPTS = 2
    subscriber_make(receiver.url)
    make_demand(world)
    receiver.fail_with = 503
    deliveries_send()
    deliveries_send(now=timezone.now() + timedelta(minutes=5))
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and row.attempts == 2
    assert deliveries_send(now=timezone.now() + timedelta(days=1)).claimed == 0
    receiver.fail_with = None
    assert deliveries_retry(ids=[row.pk]) == 1
    assert drain() == 1 and len(receiver.messages) == 1


def test_the_reconciler_adds_what_no_listener_wrote_once(world, receiver):
    subscriber_make(receiver.url, events=["overdue"])
    d = make_demand(world, Status.DISPATCHED)
    # an overdue event written in bulk without the listener (as the PostgreSQL sweep does)
    DemandEvent.objects.bulk_create(
        [
            DemandEvent(
                demand=d,
                action=Action.URGE,
                from_status=d.status,
                to_status=d.status,
                data={"system": True},
                created_at=timezone.now(),
            )
        ]
    )
    assert Delivery.objects.count() == 0
    assert webhooks_reconcile() == 1
    assert webhooks_reconcile() == 0
    assert drain() == 1 and receiver.messages[0]["event"] == "overdue"


def test_the_sweep_overdue_events_are_heard(world, receiver):
    subscriber_make(receiver.url, events=["overdue"])
    d = make_demand(world, Status.DISPATCHED)
    deadline_sweep(now=d.due_at + timedelta(minutes=1))
    webhooks_reconcile(now=d.due_at + timedelta(minutes=1))  # whichever path the database's sweep took
    assert list(Delivery.objects.values_list("kind", "demand_id")) == [("overdue", d.pk)]
