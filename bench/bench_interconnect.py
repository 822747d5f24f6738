"""Interconnect benchmarks on PostgreSQL (database `lianxin_bench_interconnect`), loopback only.

- Open311 `GET requests.json` over 1M demands with a date window and a status filter: p95 of the view
  (query, masking of personal data, JSON) called in-process, target < 100 ms.
- Webhook delivery from one worker (one sender, its thread pool, pooled keep-alive connections) to a
  loopback receiver (`reference_client.Receiver`): events/s, target ≥ 200, every event received once.
- Work-order intake through the signed door (in-process WSGI: signature check, parse, the demands' intake,
  the work-order row): orders/s, target ≥ 100; then the full loop with callbacks — each order accepted
  (a state change owes a callback) and the callbacks delivered to the reference platform: orders/s.

Runs itself in a subprocess with the bench database's settings (`python -m bench.bench_interconnect run`).
The database is made afresh every run (`LIANXIN_BENCH_REUSE=1` keeps a seeded one;
`LIANXIN_BENCH_ONLY=open311,webhooks,orders` picks parts). Skips when PostgreSQL is absent.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from bench.common import (
    ROOT,
    admin_url,
    database_name,
    database_url,
    django_setup,
    emit,
    percentile,
    redis_url,
    scaled,
    wait_quiet,
)

BENCH_URL = database_url("interconnect")  # lianxin_bench_interconnect beside LIANXIN_BENCH_DATABASE_URL
BENCH_DB = database_name(BENCH_URL)
PG_ADMIN = admin_url(BENCH_URL)
N_DEMANDS = int(os.environ.get("LIANXIN_BENCH_DEMANDS", str(scaled(1_000_000, 20_000))))
N_WEBHOOKS = int(os.environ.get("LIANXIN_BENCH_WEBHOOKS", str(scaled(5_000, 1_000))))
N_ORDERS = int(os.environ.get("LIANXIN_BENCH_ORDERS", str(scaled(1_000, 300))))


def _env() -> dict[str, str]:
    return {
        "REDIS_URL": redis_url(),
        "DATABASE_URL": BENCH_URL,
        "DEBUG": "0",
        "LIANXIN_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "LIANXIN_DATA_KEY": "bench-data-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "LIANXIN_VAR_DIR": str(tempfile.gettempdir() + "/lianxin-bench-interconnect-var"),
        "LIANXIN_LOG_LEVEL": "WARNING",
        "LIANXIN_NOTIFY_SENDERS": "",
        "LIANXIN_SECURE_COOKIES": "0",
        "LIANXIN_CACHE_PREFIX": "lianxin-bench-interconnect",
        "LIANXIN_QUEUE_NAME": "lianxin-bench-interconnect",
    }


def _psql(url: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return str(cur.fetchone()[0]) if cur.description else ""


def prepare() -> bool:
    try:
        exists = _psql(PG_ADMIN, f"SELECT count(*) FROM pg_database WHERE datname = '{BENCH_DB}'")
    except Exception as exc:  # noqa: BLE001 - any connection failure means: skip
        print(f"# bench_interconnect skipped: PostgreSQL not reachable at {PG_ADMIN} ({type(exc).__name__})")
        return False
    if exists != "0" and os.environ.get("LIANXIN_BENCH_REUSE") != "1":
        _psql(PG_ADMIN, f"DROP DATABASE {BENCH_DB} WITH (FORCE)")
        exists = "0"
    if exists == "0":
        _psql(PG_ADMIN, f"CREATE DATABASE {BENCH_DB}")
    return True


# --- in the subprocess, with Django set up on the bench database -------------------------------------------


def _world() -> dict[str, int]:
    from lianxin.accounts.models import User
    from lianxin.interconnect.models import Open311Service
    from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind

    if not User.objects.filter(username="bench_operator").exists():
        city = Area.objects.create(code="I01", name="基准市", level=AreaLevel.CITY, lat=30.0, lng=120.0)
        Area.objects.create(
            code="I01001", name="基准街道", level=AreaLevel.STREET, parent=city, lat=30.01, lng=120.01
        )
        for i in range(20):
            Unit.objects.create(code=f"IU{i:02d}", name=f"基准单位{i}", kind=UnitKind.DEPARTMENT, area=city)
        for i in range(10):
            c = Category.objects.create(code=f"IC{i:02d}", name=f"基准分类{i}")
            Open311Service.objects.create(category=c, code=f"svc{i:02d}", name=f"服务{i}")
        u = User(username="bench_operator", roles="operator")
        u.set_password("bench-password-1")
        u.save()
    return {
        "area": Area.objects.get(code="I01001").pk,
        "unit0": min(Unit.objects.filter(code__startswith="IU").values_list("pk", flat=True)),
        "cat0": min(Category.objects.filter(code__startswith="IC").values_list("pk", flat=True)),
    }


def _filler(cur, listed: set[str]) -> tuple[str, str]:
    """Columns of demands_demand that are NOT NULL, have no database default and are not in `listed`
    (the demands app adds columns as it grows), with a neutral value of their type."""
    cur.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_name = 'demands_demand' AND is_nullable = 'NO' AND column_default IS NULL"""
    )
    extra = [(name, kind) for name, kind in cur.fetchall() if name not in listed and name != "id"]
    values = {"boolean": "false", "integer": "0", "bigint": "0", "smallint": "0", "jsonb": "'{}'::jsonb"}
    return (
        "".join(f", {name}" for name, _kind in extra),
        "".join(", " + values.get(kind, "''") for _name, kind in extra),
    )


def _stored(field_name: str, text: str) -> str:
    """`text` as the column holds it (ciphertext when the field is encrypted), quoted for SQL."""
    from lianxin.demands.models import Demand

    value = Demand._meta.get_field(field_name).get_prep_value(text)
    return "'" + str(value).replace("'", "''") + "'"


COLUMNS = (
    "ticket_no, query_code, type, urgency, intel_urgency, title, content, category_id, area_id, address, lat, lng,"
    " channel, contact_name, contact_phone, contact_phone_hash, external_id, status, closure, lead_unit_id,"
    " returned_from, reply_text, outcome, satisfaction, created_at, updated_at, dispatched_at, reply_due_at, stage,"
    " due_at, warn_at, warning_level, was_overdue, answered_at_intake, extension_count, reopen_count, return_count,"
    " urge_count, supervised, version"
)


def seed(n: int) -> int:
    from django.db import connection

    from lianxin.demands.models import Demand

    ids = _world()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM demands_demand")
        have = cur.fetchone()[0]
        if have >= n:
            return have
        start = time.perf_counter()
        names = {c.strip() for c in COLUMNS.split(",")}
        extra_columns, extra_values = _filler(cur, names | {"content_masked", "title_masked"})
        masked = {f.name for f in Demand._meta.fields}
        if "content_masked" in masked:
            extra_columns += ", content_masked, title_masked"
            extra_values += ", '小区路灯不亮，已经一周了。联系电话 138****' || lpad((g % 10000)::text, 4, '0'), '基准诉求'"
        title, content, reply = (
            _stored("title", "基准诉求"),
            _stored("content", "小区路灯不亮，已经一周了。联系电话 13812345678"),
            _stored("reply_text", "已安排维修，路灯已恢复。"),
        )
        # Set-based: a year of demands in every state (1 in 7 closed, 1 in 20 rejected), 1 in 5 a 举报.
        cur.execute(
            f"""
            INSERT INTO demands_demand ({COLUMNS}{extra_columns})
            SELECT 'I' || lpad(g::text, 10, '0'), 'BENCHQC1',
                   (ARRAY['consultation','help','complaint','report','suggestion'])[1 + g % 5], 'normal', '',
                   {title}, {content}, {ids["cat0"]} + g % 10, {ids["area"]}, '',
                   30 + (g % 1000) / 10000.0, 120 + (g % 997) / 10000.0, 'web', '', '', '', '',
                   CASE WHEN g % 20 = 0 THEN 'rejected'
                        ELSE (ARRAY['submitted','accepted','dispatched','in_progress','replied','closed','closed'])[1 + g % 7] END,
                   CASE WHEN g % 7 IN (5, 6) AND g % 20 <> 0 THEN 'resolved' ELSE '' END,
                   CASE WHEN g % 7 BETWEEN 2 AND 6 THEN {ids["unit0"]} + g % 20 END, '',
                   CASE WHEN g % 7 IN (4, 5, 6) THEN {reply} ELSE '' END, '', '',
                   now() - (g % 365) * interval '1 day' - (g % 1440) * interval '1 minute', now(),
                   NULL, now() + interval '5 days', '', NULL, NULL, 0, false,
                   false, 0, 0, 0, 0, false, 1{extra_values}
            FROM generate_series({have + 1}, {n}) AS g
            """
        )
        cur.execute("ANALYZE demands_demand")
    emit("interconnect_seed_rows_per_second", (n - have) / (time.perf_counter() - start), "rows/s", n - have)
    return n


def bench_open311(n: int) -> None:
    from django.conf import settings
    from django.test import RequestFactory
    from django.utils import timezone

    from lianxin.interconnect import open311_views

    settings.LIANXIN_OPEN311_PUBLIC_RATE = 10**9
    factory = RequestFactory()
    rng = random.Random(311)
    now = timezone.now()
    timings: list[float] = []
    rows: list[int] = []
    for i in range(220):
        end = now - timedelta(days=rng.randint(0, 300))
        params = {
            "start_date": (end - timedelta(days=7)).isoformat(),
            "end_date": end.isoformat(),
            "status": "open" if i % 2 else "closed",
        }
        request = factory.get("/open311/v2/requests.json", params)
        t0 = time.perf_counter()
        response = open311_views.requests(request, fmt="json")
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"requests.json: {response.status_code} {response.content[:200]!r}")
        if i >= 20:
            timings.append(elapsed)
            rows.append(len(json.loads(response.content)))
    emit(
        "open311_requests_p95",
        percentile(timings, 95),
        "ms",
        n,
        p50_ms=round(percentile(timings, 50), 2),
        rows_per_answer=round(sum(rows) / len(rows), 1),
        filter="7-day window + status",
        target="< 100",
    )


def _serve(kind: str, secret: str, code: str = "bench") -> tuple[subprocess.Popen, int]:
    """The reference receiver or platform in its own process (it must not share this one's GIL)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lianxin.interconnect.reference_client",
            kind,
            "--secret",
            secret,
            "--code",
            code,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"reference {kind} did not start: {line!r}")
    return proc, int(line.split()[1])


def _stats(port: int) -> dict[str, int]:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as r:
        return json.loads(r.read())


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def bench_webhooks(count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from lianxin.interconnect.deliveries import deliveries_send
    from lianxin.interconnect.models import Delivery, Subscriber
    from lianxin.interconnect.webhooks import webhooks_reconcile

    proc, port = _serve("receiver", "bench-hook-secret")
    try:
        Subscriber.objects.all().delete()
        Subscriber.objects.create(
            name="bench",
            url=f"http://127.0.0.1:{port}/hook",
            secret="bench-hook-secret",
            events=["created", "dispatched"],
        )
        # real events (dispatch of the newest demands) whose rows the reconciler owes through webhook_rows
        with connection.cursor() as cur:
            cur.execute(
                """INSERT INTO demands_demandevent (demand_id, actor_id, action, from_status, to_status, note, data, created_at)
                   SELECT id, NULL, 'dispatch', 'accepted', 'dispatched', '', '{}'::jsonb, now()
                   FROM demands_demand ORDER BY id DESC LIMIT %s""",
                [count],
            )
        owed = webhooks_reconcile(hours=1)
        wait_quiet()
        t0 = time.perf_counter()
        delivered = 0
        while True:
            report = deliveries_send(now=timezone.now())
            if not report.claimed:
                break
            delivered += report.delivered
        seconds = time.perf_counter() - t0
        stats = _stats(port)
        emit(
            "webhook_delivery_rate",
            delivered / seconds,
            "events/s",
            owed,
            received_once=stats["unique"],
            duplicates=stats["hits"] - stats["unique"],
            refused=stats["refused"],
            pending=Delivery.objects.filter(status="pending").count(),
            worker="one sender, 8 threads, keep-alive",
            target=">= 200",
        )
    finally:
        _stop(proc)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(port: int) -> None:
    import urllib.request

    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _push_all(port: int, bodies: list[bytes], threads: int) -> int:
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    from lianxin.interconnect import signing

    def push(body: bytes) -> int:
        headers = {
            "Content-Type": "application/json",
            signing.PLATFORM_HEADER: "bench",
            **signing.sign("bench-platform-secret", body),
        }
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("POST", "/api/v1/interconnect/work-orders/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return sum(1 for status in pool.map(push, bodies) if status == 201)


def bench_work_orders(count: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.utils import timezone

    from lianxin.accounts.models import User
    from lianxin.demands import services as demand_services
    from lianxin.interconnect.deliveries import deliveries_send
    from lianxin.interconnect.models import Platform, WorkOrder

    proc, platform_port = _serve("platform", "bench-platform-secret")
    port = _free_port()
    workers = os.environ.get("LIANXIN_BENCH_WORKERS", str((os.cpu_count() or 2) + 1))
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "lianxin.wsgi", "-b", f"127.0.0.1:{port}", "-w", workers, "--log-level", "warning"],
        env={**os.environ, **_env()},
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        Platform.objects.update_or_create(
            code="bench",
            defaults={
                "name": "基准省平台",
                "secret": "bench-platform-secret",
                "callback_url": f"http://127.0.0.1:{platform_port}/callback",
                "state_url": f"http://127.0.0.1:{platform_port}/state",
            },
        )
        _wait_http(port)
        stamp = int(time.time())
        deadline = (timezone.now() + timedelta(days=5)).isoformat()
        bodies = [
            json.dumps(
                {
                    "order_id": f"B{stamp}-{i}",
                    "title": f"省平台转办诉求 {i}",
                    "content": "小区路灯不亮，已经一周了，请尽快修复。",
                    "type": "complaint",
                    "category": "IC01",
                    "area": "I01001",
                    "deadline": deadline,
                    "contact": {"name": "王五", "phone": "13700001111"},
                },
                ensure_ascii=False,
            ).encode()
            for i in range(count)
        ]
        wait_quiet()
        t0 = time.perf_counter()
        accepted = _push_all(port, bodies, threads=8)
        intake = time.perf_counter() - t0
        emit(
            "work_order_intake_rate",
            accepted / intake,
            "orders/s",
            count,
            acknowledged=accepted,
            server=f"gunicorn {workers} sync workers, 8 pushing threads",
            target=">= 100",
        )
        operator = User.objects.get(username="bench_operator")
        orders = list(
            WorkOrder.objects.filter(
                platform__code="bench", order_id__startswith=f"B{stamp}-"
            ).select_related("demand")
        )

        def accept(order: WorkOrder) -> None:
            try:
                demand_services.demand_transition(demand=order.demand, actor=operator, action="accept")
            finally:
                connection.close()

        t1 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(accept, orders))
        while deliveries_send(now=timezone.now()).claimed:
            pass
        loop = time.perf_counter() - t1
        stats = _stats(platform_port)
        emit(
            "work_order_callbacks_rate",
            len(orders) / loop,
            "orders/s",
            len(orders),
            callbacks_received_once=stats["unique"],
            duplicates=stats["hits"] - stats["unique"],
            refused=stats["refused"],
            note="each order accepted (4 threads) and its callback delivered to the reference platform",
            target=">= 100",
        )
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        _stop(proc)


def run() -> None:
    from django.core.management import call_command

    django_setup(_env())
    call_command("migrate", "--noinput", "--skip-checks", verbosity=0)
    n = seed(N_DEMANDS)
    only = set(filter(None, os.environ.get("LIANXIN_BENCH_ONLY", "").split(","))) or {
        "open311",
        "webhooks",
        "orders",
    }
    if "open311" in only:
        wait_quiet()
        bench_open311(n)
    if "webhooks" in only:
        bench_webhooks(N_WEBHOOKS)
    if "orders" in only:
        bench_work_orders(N_ORDERS)


def main() -> None:
    if not prepare():
        return
    env = {**os.environ, **_env()}
    subprocess.run([sys.executable, "-m", "bench.bench_interconnect", "run"], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["run"]:
        run()
    else:
        main()
