"""The outbox: work written with the change, run after commit, retried, reconciled, idempotent."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from lianxin.core.models import OutboxItem, OutboxStatus
from lianxin.core.outbox import outbox_add, outbox_handler, outbox_reconcile, outbox_run, outbox_stats

pytestmark = pytest.mark.django_db

RAN: list[dict] = []
FAILS = {"left": 0}


@outbox_handler("tests.record")
def record(payload):
    if FAILS["left"] > 0:
        FAILS["left"] -= 1
        raise RuntimeError("down for now")
    RAN.append(payload)


@pytest.fixture(autouse=True)
def _reset():
    RAN.clear()
    FAILS["left"] = 0


def test_runs_after_commit_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox_add("tests.record", key="k1", payload={"n": 1})
        assert RAN == []  # not before commit
    assert len(callbacks) >= 1
    assert RAN == [{"n": 1}]
    item = OutboxItem.objects.get(key="k1")
    assert item.status == OutboxStatus.DONE and item.done_at is not None and item.attempts == 1


def test_same_key_is_a_no_op(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox_add("tests.record", key="same", payload={"n": 1})
        outbox_add("tests.record", key="same", payload={"n": 2})
    assert RAN == [{"n": 1}]
    assert OutboxItem.objects.filter(key="same").count() == 1
    # Running a done row again does nothing.
    assert outbox_run(OutboxItem.objects.get(key="same").pk) is False
    assert RAN == [{"n": 1}]


def test_rolled_back_work_never_exists(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox_add("tests.record", key="gone", payload={})
        raise RuntimeError("the change failed")
    assert not OutboxItem.objects.filter(key="gone").exists()
    assert RAN == []


def test_failure_is_retried_with_backoff_then_done(django_capture_on_commit_callbacks, settings):
    settings.LIANXIN_OUTBOX_BACKOFF = 10
    FAILS["left"] = 2
    with django_capture_on_commit_callbacks(execute=True):
        outbox_add("tests.record", key="flaky", payload={"n": 3})
    item = OutboxItem.objects.get(key="flaky")
    assert item.status == OutboxStatus.PENDING and item.attempts == 1
    assert "down for now" in item.last_error
    assert 8 <= (item.next_attempt_at - timezone.now()).total_seconds() <= 11
    assert outbox_run(item.pk) is False  # not due yet
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    assert outbox_run(item.pk) is False  # second failure: backoff doubles
    item.refresh_from_db()
    assert item.attempts == 2 and 18 <= (item.next_attempt_at - timezone.now()).total_seconds() <= 21
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    assert outbox_reconcile(run=True) == 1
    item.refresh_from_db()
    assert item.status == OutboxStatus.DONE and RAN == [{"n": 3}]


def test_gives_up_after_max_attempts(settings):
    settings.LIANXIN_OUTBOX_MAX_ATTEMPTS = 2
    FAILS["left"] = 5
    outbox_add("tests.record", key="dead", payload={})
    item = OutboxItem.objects.get(key="dead")
    for _ in range(2):
        OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
        outbox_run(item.pk)
    item.refresh_from_db()
    assert item.status == OutboxStatus.FAILED and item.attempts == 2
    assert outbox_stats()["failed"] == 1


def test_reconciler_takes_back_a_row_whose_worker_died(settings):
    """A worker killed mid-task leaves the row claimed; after the lease the reconciler runs it."""
    settings.LIANXIN_OUTBOX_TIMEOUT = 60
    past = timezone.now() - timedelta(minutes=5)
    item = OutboxItem.objects.create(task="tests.record", key="orphan", payload={"n": 9})
    OutboxItem.objects.filter(pk=item.pk).update(
        created_at=past, attempts=1, claimed_until=timezone.now() + timedelta(seconds=30)
    )
    assert outbox_reconcile(run=True) == 0  # the lease still holds: the worker may be alive
    assert RAN == []
    OutboxItem.objects.filter(pk=item.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox_reconcile(run=True) == 1
    assert RAN == [{"n": 9}]
    item.refresh_from_db()
    assert item.status == OutboxStatus.DONE and item.attempts == 2


def test_reconciler_runs_a_row_never_queued():
    """The queue was down at commit: the row waits, and the reconciler picks it up after the grace."""
    item = OutboxItem.objects.create(task="tests.record", key="lost", payload={"n": 4})
    assert outbox_reconcile(run=True) == 0  # fresh: its own task may still be on the way
    OutboxItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    stats = outbox_stats()
    assert stats["pending"] == 1 and stats["oldest_pending_seconds"] >= 119
    assert outbox_reconcile(run=True) == 1
    assert RAN == [{"n": 4}]
    assert outbox_stats()["pending"] == 0


def test_a_claimed_row_is_not_run_twice():
    item = OutboxItem.objects.create(task="tests.record", key="busy", payload={})
    OutboxItem.objects.filter(pk=item.pk).update(claimed_until=timezone.now() + timedelta(minutes=1))
    assert outbox_run(item.pk) is False
    assert RAN == []


def test_unknown_task_is_kept_and_retried(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox_add("tests.nobody", key="nobody", payload={})
    item = OutboxItem.objects.get(key="nobody")
    assert item.status == OutboxStatus.PENDING and "no outbox handler" in item.last_error


def test_bad_arguments_fail_at_the_call_site():
    with pytest.raises(TypeError):
        outbox_add("tests.record", key="obj", payload={"x": object()})
    with pytest.raises(ValueError):
        outbox_add("tests.record", key="", payload={})


def test_healthz_shows_the_outbox(client):
    OutboxItem.objects.create(task="tests.record", key="waiting", payload={})
    body = client.get("/healthz").json()
    assert body["outbox"]["pending"] == 1
    assert "oldest_pending_seconds" in body["outbox"]
