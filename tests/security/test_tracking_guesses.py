"""Issue 21 item 6: guessing query codes at the public tracking door is held by one atomic counter that the
API and the page share, per address and per ticket (which locks after TRACK_MAX_FAILURES wrong codes, and
its owner is told by text message). Threads on the in-memory cache and on Redis."""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from lianxin.core.models import SmsMessage
from lianxin.core.sms import MemoryBackend
from lianxin.core.throttling import counter_hit
from lianxin.demands import selectors
from lianxin.demands.selectors import TRACK_MAX_FAILURES
from tests.demands.factories import make_demand

TRACK = "/api/v1/track/"
PAGE = "/demands/track/"


def wrong(code: str) -> str:
    return "A" * len(code) if code != "A" * len(code) else "B" * len(code)


def run_threads(n: int, fn) -> list:
    results: list = []
    lock = threading.Lock()

    def work(i: int) -> None:
        from django.db import connection

        try:
            out = fn(i)
            with lock:
                results.append(out)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_a_ticket_locks_after_the_wrong_codes_and_its_owner_is_told(
    world, django_capture_on_commit_callbacks
):
    MemoryBackend.sent.clear()
    d = make_demand(world, contact_phone="13987654321")
    api = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(TRACK_MAX_FAILURES):
            params = {"ticket_no": d.ticket_no, "code": wrong(d.query_code)}
            assert api.get(TRACK, params, REMOTE_ADDR=f"10.0.0.{i}").status_code == 404
    # locked: even the right code is refused, from any address, at both doors
    right = {"ticket_no": d.ticket_no, "code": d.query_code}
    r = api.get(TRACK, right, REMOTE_ADDR="10.0.1.1")
    assert r.status_code == 429 and r.json()["error"]["code"] == "throttled" and r["Retry-After"]
    assert Client().get(PAGE, right, REMOTE_ADDR="10.0.1.2").status_code == 429
    assert SmsMessage.objects.filter(purpose="track_lock").count() == 1
    sent = [m for m in MemoryBackend.sent if m["purpose"] == "track_lock"]
    assert len(sent) == 1 and sent[0]["phone"] == "13987654321" and d.ticket_no in sent[0]["text"]
    # another ticket is not affected
    other = make_demand(world)
    assert api.get(TRACK, {"ticket_no": other.ticket_no, "code": other.query_code}).status_code == 200


def test_the_owners_right_codes_do_not_use_up_the_tries(world):
    d = make_demand(world)
    api = APIClient()
    right = {"ticket_no": d.ticket_no, "code": d.query_code}
    for i in range(TRACK_MAX_FAILURES * 2):
        assert api.get(TRACK, right, REMOTE_ADDR=f"10.1.0.{i}").status_code == 200
    for i in range(TRACK_MAX_FAILURES - 1):
        api.get(TRACK, {**right, "code": wrong(d.query_code)}, REMOTE_ADDR=f"10.2.0.{i}")
    assert api.get(TRACK, right, REMOTE_ADDR="10.3.0.1").status_code == 200


def test_api_and_page_share_the_address_counter(world, settings):
    d = make_demand(world)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["public_track"].split("/")[0])
    api, page = APIClient(), Client()
    codes = []
    for i in range(limit + 2):
        params = {"ticket_no": f"2099{i:011d}", "code": "ABCDEFGH"}  # other tickets: only the address counts
        r = api.get(TRACK, params) if i % 2 else page.get(PAGE, params)
        codes.append(r.status_code)
    assert codes[:limit].count(429) == 0
    assert codes[limit:] == [429, 429]
    assert (
        api.get(TRACK, {"ticket_no": d.ticket_no, "code": d.query_code}, REMOTE_ADDR="10.9.9.9").status_code
        == 200
    )


def test_a_rating_tries_a_code_too(world):
    d = make_demand(world)
    api = APIClient()
    for _ in range(TRACK_MAX_FAILURES):
        r = api.post(
            TRACK,
            {
                "ticket_no": d.ticket_no,
                "code": wrong(d.query_code),
                "satisfaction": "satisfied",
                "resolved": True,
            },
            format="json",
        )
        assert r.status_code == 404
    assert api.get(TRACK, {"ticket_no": d.ticket_no, "code": d.query_code}).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_from_one_address_on_both_doors_locmem():
    """50 concurrent clients, half at the API and half at the page, one address, one ticket: no more
    than TRACK_MAX_FAILURES guesses are judged (the others get 429)."""
    from tests.demands.factories import build_world

    world = build_world()
    d = make_demand(world, contact_phone="")

    def guess(i: int) -> int:
        params = {"ticket_no": d.ticket_no, "code": f"G{i:07d}"}
        if i % 2:
            return APIClient().get(TRACK, params).status_code
        return Client().get(PAGE, params).status_code

    statuses = Counter(run_threads(50, guess))
    assert statuses[404] + statuses[200] == TRACK_MAX_FAILURES  # the judged ones: all wrong
    assert statuses[429] == 50 - TRACK_MAX_FAILURES


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_from_many_addresses_still_meet_the_ticket_lock():
    from tests.demands.factories import build_world

    world = build_world()
    d = make_demand(world, contact_phone="")

    def guess(i: int) -> int:
        params = {"ticket_no": d.ticket_no, "code": f"G{i:07d}"}
        return APIClient().get(TRACK, params, REMOTE_ADDR=f"10.7.{i // 250}.{i % 250}").status_code

    statuses = Counter(run_threads(50, guess))
    assert statuses[404] == TRACK_MAX_FAILURES and statuses[429] == 50 - TRACK_MAX_FAILURES


def _redis_cache():
    from django.core.cache.backends.redis import RedisCache

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    backend = RedisCache(url, {"KEY_PREFIX": f"lianxin-test-security-{os.getpid()}-{uuid.uuid4().hex[:6]}"})
    try:
        backend.set("ping", 1, 5)
    except Exception as exc:  # noqa: BLE001 - any connection error means: no Redis here
        pytest.skip(f"Redis is not reachable at {url}: {type(exc).__name__}")
    return backend


def test_the_counter_is_atomic_under_threads_on_redis():
    redis = _redis_cache()
    counts = run_threads(50, lambda i: counter_hit("race", 60, cache=redis))
    assert sorted(counts) == list(range(1, 51))  # every hit counted once, none lost
    assert 0 < redis.ttl("race") <= 60 if hasattr(redis, "ttl") else True


def test_the_counter_is_atomic_under_threads_on_locmem():
    counts = run_threads(50, lambda i: counter_hit("race", 60, cache=cache))
    assert sorted(counts) == list(range(1, 51))


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_are_held_on_redis():
    """The tracking door's guard (per address, per ticket) with its counters on Redis, 50 threads."""
    from tests.demands.factories import build_world

    redis = _redis_cache()
    world = build_world()
    d = make_demand(world, contact_phone="")

    def guess(i: int) -> str:
        try:
            selectors.demand_track(ticket_no=d.ticket_no, code=f"G{i:07d}", client=f"10.8.0.{i}", cache=redis)
        except selectors.Throttled:
            return "throttled"
        except selectors.NotFound:
            return "judged"
        return "found"

    outcomes = Counter(run_threads(50, guess))
    assert outcomes["judged"] == TRACK_MAX_FAILURES and outcomes["throttled"] == 50 - TRACK_MAX_FAILURES
