"""Guessing of query codes at the public tracking door (issue 21 item 6): how many guesses are judged
(answered 404/200 rather than 429) under 50 concurrent clients, per ticket and per address, with the
counters in the in-memory cache and in Redis.

Each scenario sends 50 clients × `LIANXIN_BENCH_GUESSES` guesses (default 20, 1,000 in all) through the
real doors — half at `GET /api/v1/track/`, half at the tracking page `/demands/track/` (Django's test
client, in this process, on a SQLite database in a temporary folder) — well within one minute, so the
judged count is the count per minute (the ticket's is also the count per lock period, an hour):

- per ticket: every client its own address, all guessing the codes of one ticket;
- per address: every client the same address, each guess on another ticket number.

Redis is `LIANXIN_BENCH_REDIS_URL` (default redis://127.0.0.1:6379/1); without it the Redis figures are
left out (said on stderr).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter

from bench.common import django_setup, emit, reachable, redis_url, scaled

CLIENTS = 50
GUESSES = int(os.environ.get("LIANXIN_BENCH_GUESSES", "0")) or scaled(20, 4)


def _scenario(name: str, ticket_for, address_for) -> tuple[Counter, float]:
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    statuses: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(i: int) -> None:
        try:
            api, page = APIClient(), Client()
            start.wait()
            for j in range(GUESSES):
                params = {"ticket_no": ticket_for(i, j), "code": f"G{i:03d}{j:04d}"}
                meta = {"REMOTE_ADDR": address_for(i)}
                r = (
                    api.get("/api/v1/track/", params, **meta)
                    if (i + j) % 2
                    else page.get("/demands/track/", params, **meta)
                )
                with lock:
                    statuses[r.status_code] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, time.perf_counter() - began


def _run(backend: str) -> None:
    from django.core.cache import cache

    from lianxin.demands import services

    cache.clear()
    demand, _ = services.demand_submit(actor=None, title="路灯不亮", content="东风路路灯坏了")
    prefix = str(demand.ticket_no)[:8]
    scenarios = {
        "per_ticket": (lambda i, j: demand.ticket_no, lambda i: f"10.20.{i // 250}.{i % 250}"),
        "per_address": (lambda i, j: f"{prefix}9{i:03d}{j:03d}", lambda i: "10.30.0.1"),
    }
    for name, (ticket_for, address_for) in scenarios.items():
        cache.clear()
        statuses, seconds = _scenario(name, ticket_for, address_for)
        judged = statuses[404] + statuses[200]
        per_minute = judged if seconds < 60 else judged * 60 / seconds
        emit(
            f"guessing.{name}.{backend}",
            per_minute,
            "judged guesses/min",
            CLIENTS * GUESSES,
            clients=CLIENTS,
            refused_429=statuses[429],
            seconds=round(seconds, 2),
            other_statuses={str(k): v for k, v in statuses.items() if k not in (200, 404, 429)},
        )


def main() -> None:
    var_dir = tempfile.mkdtemp(prefix="lianxin-bench-guessing-")
    redis = redis_url()
    env = {"LIANXIN_VAR_DIR": var_dir, "LIANXIN_ENV": "development", "REDIS_URL": ""}
    django_setup(env)
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()  # the test client, ALLOWED_HOSTS = testserver
    logging.getLogger("django.request").setLevel(logging.ERROR)  # a line per 429 otherwise
    logging.getLogger("lianxin.access").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        _run("locmem")
    if not reachable(redis):
        print(f"bench_guessing: Redis at {redis} is not reachable, Redis figures left out", file=sys.stderr)
        return
    prefix = f"lianxin-bench-guessing-{uuid.uuid4().hex[:8]}"
    redis_caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=redis_caches):
        caches["default"].clear()
        _run("redis")


if __name__ == "__main__":
    main()
