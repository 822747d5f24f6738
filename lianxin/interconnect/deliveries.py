"""The outbox of everything sent out — webhooks to subscribers and callbacks to upper platforms.

A `Delivery` row is written in the transaction of the event it reports (`delivery_rows_add`), so a message
exists exactly when its event does. A sender pass (`deliveries_send`, run by the periodic task and kicked
after commit) claims due rows — the earliest pending one of each (receiver, demand), so a demand's messages arrive in
order — by leasing them (`next_attempt_at` moved past the lease, `SKIP LOCKED` on
PostgreSQL, so two senders never post one row at once), posts them signed over a pooled keep-alive
connection from a few threads, and records each attempt. A failure (no answer within the timeout, or any
status but 2xx) is retried after `base · 2^(attempts−1)` seconds, capped; after MAX_ATTEMPTS the row is
`failed` and waits for an admin's "retry". A sender that dies mid-pass leaves its rows leased: the next
pass takes them after the lease. Receivers see the same `X-Lianxin-Delivery` id on every retry of one row
(at-least-once; they drop ids they have seen).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from lianxin.interconnect import signing
from lianxin.interconnect.conf import conf
from lianxin.interconnect.models import Delivery, DeliveryAttempt, DeliveryStatus


def backoff_seconds(attempts: int) -> int:
    """The wait after the `attempts`-th failed attempt (1, 2, …): exponential, capped."""
    base, cap = int(conf("LIANXIN_INTERCONNECT_RETRY_BASE")), int(conf("LIANXIN_INTERCONNECT_RETRY_CAP"))
    return int(min(cap, base * 2 ** max(0, attempts - 1)))


def delivery_rows_add(rows: list[Delivery]) -> None:
    """Write owed messages in the caller's transaction (ignoring ones already owed: the unique keys), and
    have a sender run once it commits."""
    if not rows:
        return
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(deliveries_kick)


def deliveries_kick() -> None:
    """Queue a sender pass, at most one every two seconds however many events commit."""
    if cache.add("interconnect:kick", 1, timeout=2):
        from lianxin.interconnect.tasks import deliveries_send_task

        deliveries_send_task()


# --- HTTP: one keep-alive connection per (thread, host) ---------------------------------------------------

_local = threading.local()


def _connection(scheme: str, netloc: str, timeout: float) -> http.client.HTTPConnection:
    pool: dict[tuple[str, str], http.client.HTTPConnection] = getattr(_local, "pool", None) or {}
    _local.pool = pool
    conn = pool.get((scheme, netloc))
    if conn is None:
        cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        conn = pool[(scheme, netloc)] = cls(netloc, timeout=timeout)
    return conn


def _drop(scheme: str, netloc: str) -> None:
    pool = getattr(_local, "pool", {})
    conn = pool.pop((scheme, netloc), None)
    if conn is not None:
        conn.close()


def http_send(
    method: str, url: str, body: bytes, headers: dict[str, str], *, timeout: float
) -> tuple[int, bytes]:
    """One request over this thread's pooled connection; a stale kept-alive connection is reopened once."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    for retry in (False, True):
        conn = _connection(parts.scheme, parts.netloc, timeout)
        fresh = conn.sock is None
        try:
            conn.request(method, target, body=body if method != "GET" else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                _drop(parts.scheme, parts.netloc)
            return response.status, data
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            _drop(parts.scheme, parts.netloc)
            if fresh or retry:
                raise
        except Exception:
            _drop(parts.scheme, parts.netloc)
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def signed_request(
    method: str, url: str, secret: str, payload: Any = None, *, extra: dict[str, str] | None = None
) -> tuple[int, bytes]:
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        **signing.sign(secret, body),
        **(extra or {}),
    }
    return http_send(method, url, body, headers, timeout=float(conf("LIANXIN_INTERCONNECT_TIMEOUT")))


# --- the sender ---------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0  # attempts that failed (the rows are retried later)
    given_up: int = 0  # rows that reached MAX_ATTEMPTS
    ids: list[int] = field(default_factory=list)

    def add(self, other: SendReport) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.failed += other.failed
        self.given_up += other.given_up


def _firsts(candidates: Sequence[tuple[int, int | None, int | None, int]]) -> list[int]:
    """Of candidate rows (id, subscriber, platform, demand), those with no earlier pending row for the same
    receiver and demand: one demand's messages reach a receiver in the order of its events (a platform must
    never hear "closed" before "replied")."""
    demands = {c[3] for c in candidates}
    earliest: dict[tuple[int | None, int | None, int], int] = {}
    rows = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, demand_id__in=demands)
        .values_list("subscriber_id", "platform_id", "demand_id")
        .annotate(first=Min("id"))
        .order_by()
    )
    for subscriber, platform, demand, first in rows:
        earliest[(subscriber, platform, demand)] = first
    return [c[0] for c in candidates if earliest.get((c[1], c[2], c[3])) == c[0]]


def _claim(moment: datetime, limit: int) -> list[Delivery]:
    lease = timedelta(seconds=int(conf("LIANXIN_INTERCONNECT_LEASE")))
    with transaction.atomic():
        due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=moment).order_by(
            "next_attempt_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        candidates = list(due.values_list("id", "subscriber_id", "platform_id", "demand_id")[:limit])
        ids = _firsts(candidates) if candidates else []
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=moment + lease)
    return list(Delivery.objects.filter(pk__in=ids).select_related("subscriber", "platform").order_by("id"))


def _target(d: Delivery) -> tuple[str, str, bool]:
    """(url, secret, active) of the row's receiver."""
    if d.subscriber is not None:
        return d.subscriber.url, d.subscriber.secret, d.subscriber.is_active
    assert d.platform is not None
    return d.platform.callback_url, d.platform.secret, d.platform.is_active


def _post(d: Delivery) -> tuple[int | None, str, int]:
    """(status code or None, error, ms) of one attempt."""
    url, secret, active = _target(d)
    if not active:
        return None, "receiver inactive", 0
    start = time.perf_counter()
    try:
        code, body = signed_request(
            "POST",
            url,
            secret,
            d.payload,
            extra={signing.DELIVERY_HEADER: str(d.pk), signing.EVENT_HEADER: d.kind},
        )
    except Exception as exc:  # noqa: BLE001 - any transport failure is a failed attempt, retried
        return None, f"{type(exc).__name__}: {exc}"[:300], int((time.perf_counter() - start) * 1000)
    ms = int((time.perf_counter() - start) * 1000)
    if 200 <= code < 300:
        return code, "", ms
    return code, f"HTTP {code}: {body[:200].decode('utf-8', 'replace')}"[:300], ms


def _record(rows: list[Delivery], results: list[tuple[int | None, str, int]], moment: datetime) -> SendReport:
    report = SendReport(claimed=len(rows))
    max_attempts = int(conf("LIANXIN_INTERCONNECT_MAX_ATTEMPTS"))
    ok: list[int] = []
    retry: dict[tuple[int, str], list[int]] = defaultdict(list)  # (attempts before, error) → ids
    log = []
    for d, (code, error, ms) in zip(rows, results):
        log.append(DeliveryAttempt(delivery_id=d.pk, at=moment, status_code=code, error=error, ms=ms))
        if not error:
            ok.append(d.pk)
        else:
            retry[(d.attempts, error)].append(d.pk)
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(log)
        if ok:
            report.delivered = Delivery.objects.filter(pk__in=ok, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.DELIVERED,
                delivered_at=moment,
                attempts=F("attempts") + 1,
                last_error="",
            )
        for (before, error), ids in retry.items():
            report.failed += len(ids)
            done = before + 1
            fields: dict[str, Any] = {"attempts": F("attempts") + 1, "last_error": error}
            if done >= max_attempts:
                fields["status"] = DeliveryStatus.FAILED
                report.given_up += len(ids)
            else:
                fields["next_attempt_at"] = moment + timedelta(seconds=backoff_seconds(done))
            Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(**fields)
    report.ids = [d.pk for d in rows]
    return report


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=int(conf("LIANXIN_INTERCONNECT_THREADS")), thread_name_prefix="interconnect-send"
            )
        return _executor


def deliveries_send(*, now: datetime | None = None, limit: int | None = None) -> SendReport:
    """One pass: claim up to `limit` due rows, post them, record the attempts. `now` is the sender's clock
    for what is due and when to retry (tests move it; signatures always use the real time)."""
    moment = now or timezone.now()
    rows = _claim(moment, limit or int(conf("LIANXIN_INTERCONNECT_BATCH")))
    if not rows:
        return SendReport()
    results = [_post(rows[0])] if len(rows) == 1 else list(_pool().map(_post, rows))
    return _record(rows, results, moment)


def deliveries_drain(*, now: datetime | None = None, seconds: float = 50.0) -> SendReport:
    """Passes until nothing is due or `seconds` have gone by (what the periodic task runs)."""
    total = SendReport()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        report = deliveries_send(now=now)
        total.add(report)
        if report.claimed == 0:
            break
    return total


def deliveries_retry(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """Put given-up (or pending) rows back in the queue, due now, with a fresh attempt budget."""
    return (
        Delivery.objects.filter(pk__in=list(ids))
        .exclude(status=DeliveryStatus.DELIVERED)
        .update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now or timezone.now())
    )
