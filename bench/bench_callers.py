"""Caller history at intake (issue 16 part 8) on PostgreSQL: the operator's lookup of a caller's earlier
demands by phone (blind index) with the repeat-call check, at 1,000,000 demands (20,000 under --quick;
`LIANXIN_BENCH_CALLERS_DEMANDS` changes it; target p95 ≤ 50 ms at 1M).

The database is `lianxin_bench_callers` beside `LIANXIN_BENCH_DATABASE_URL` (bench/common.py), created when
missing and filled once (set-based SQL; `dropdb -h 127.0.0.1 -U postgres lianxin_bench_callers` starts
afresh). The demands are spread over N/4 callers (about four demands each, one frequent caller with one
in 20,000) and two years; titles are encrypted tokens as the model stores them. Figures:

- `callers.lookup_p95` — `callers.caller_history` alone (blind index, query, decrypting and masking the
  rows, the repeat check with a problem typed), 300 lookups of random callers;
- `callers.endpoint_p95` — the operator's HTMX endpoint through the Django test client (session, CSRF
  off, the fragment rendered), 300 requests.

Runs in a child process so Django is configured once with the bench database. Skips with a message when
PostgreSQL is absent.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import tempfile
import time

from bench.common import (
    ROOT,
    admin_url,
    database_name,
    database_url,
    defaults_missing,
    django_setup,
    emit,
    insert_columns,
    percentile,
    scaled,
    wait_quiet,
)

PG_URL = database_url("callers")
DB = database_name(PG_URL)
PG_ADMIN = admin_url(PG_URL)
N = int(os.environ.get("LIANXIN_BENCH_CALLERS_DEMANDS", str(scaled(1_000_000, 20_000))))
RUNS = int(os.environ.get("LIANXIN_BENCH_CALLERS_RUNS", "300"))
PROBLEMS = ["路灯不亮", "电梯故障停运", "下水道堵塞返臭", "夜间施工噪音扰民", "违章停车堵路", "垃圾未及时清运",
            "道路破损坑洼", "楼顶漏水", "小区停水", "餐馆油烟污染", "物业乱收费", "供暖温度不达标"]  # fmt: skip
FREQUENT = 20_000  # one demand in this many is the frequent caller's (phone 0)

SEED_SQL = """
INSERT INTO demands_demand (ticket_no, query_code, title, title_masked, content, address, category_id,
    area_id, contact_phone_hash, status, warning_level, created_at, updated_at/*EXTRA_COLS*/)
SELECT 'C' || lpad(g::text, 10, '0'), 'BENCHQC1', {tokens}[1 + g % {n_problems}],
       {plain}[1 + g % {n_problems}], '', '', {cat0} + g % 10, {area0} + g % 4,
       p.hash, (ARRAY['submitted','accepted','dispatched','in_progress','replied','closed','closed'])[1 + g % 7], 0,
       now() - (g % 730) * interval '1 day' - (g % 1440) * interval '1 minute', now()/*EXTRA_VALS*/
FROM generate_series({first}, {last}) AS g
JOIN bench_phones p ON p.k = CASE WHEN g % {frequent} = 0 THEN 0 ELSE 1 + g % {callers} END
"""


def phone_of(k: int) -> str:
    return f"139{k:08d}"


def callers_count(n: int) -> int:
    return max(n // 4, 1)


def _ensure_database() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
                conn.execute(f'CREATE DATABASE "{DB}"')
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL: skip
        print(f"# bench_callers skipped: PostgreSQL unavailable ({type(exc).__name__})", flush=True)
        return False
    return True


def _sql_array(values: list[str]) -> str:
    return "(ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "])"


def _fill(n: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic():  # all or nothing: a later run fills a half-filled database again
        _fill_rows(n, connection)


def _fill_rows(n: int, connection) -> None:
    from lianxin.accounts.models import User
    from lianxin.core.crypto import encrypt, phone_index
    from lianxin.demands.models import Demand
    from lianxin.org.models import Area, AreaLevel, Category

    city = Area.objects.create(code="CB01", name="来电市", level=AreaLevel.CITY)
    areas = [
        Area.objects.create(code=f"CB01{i:03d}", name=f"来电街道{i}", level=AreaLevel.STREET, parent=city)
        for i in range(4)
    ]
    cats = [Category.objects.create(code=f"CBC{i:02d}", name=f"来电分类{i}") for i in range(10)]
    operator = User(username="bench_callers_operator", roles="operator")
    operator.set_password("bench-password-1")
    operator.save()
    callers = callers_count(n)
    start = time.perf_counter()
    buffer = io.StringIO()
    for k in range(callers + 1):
        buffer.write(f"{k}\t{phone_index(phone_of(k))}\n")
    hashing = time.perf_counter() - start
    cols, vals = defaults_missing(Demand, insert_columns(SEED_SQL))
    sql = SEED_SQL.format(
        tokens=_sql_array([encrypt(p) for p in PROBLEMS]),
        plain=_sql_array(PROBLEMS),
        n_problems=len(PROBLEMS),
        cat0=min(c.pk for c in cats),
        area0=min(a.pk for a in areas),
        frequent=FREQUENT,
        callers=callers,
        first=1,
        last=n,
    )
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_phones (k integer PRIMARY KEY, hash varchar(64) NOT NULL)")
        with cur.cursor.copy("COPY bench_phones (k, hash) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cur.execute(sql.replace("/*EXTRA_COLS*/", cols).replace("/*EXTRA_VALS*/", vals))
        cur.execute("ANALYZE demands_demand")
    emit(
        "callers.seed_rows_per_second",
        n / (time.perf_counter() - start),
        "rows/s",
        n,
        callers=callers,
        hashing_seconds=round(hashing, 1),
    )


def _timed(call, phones: list[str]) -> list[float]:
    times = []
    for phone in phones:
        t0 = time.perf_counter()
        call(phone)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def phase() -> None:
    if not _ensure_database():
        return
    django_setup(
        {
            "DATABASE_URL": PG_URL,
            "LIANXIN_VAR_DIR": tempfile.mkdtemp(prefix="lianxin-callers-bench-"),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            # fixed keys: the stored tokens and blind indexes must read back in every later run
            "LIANXIN_DATA_KEY": "bench-callers-data-key-not-for-production-0123456789",
            "LIANXIN_SECRET_KEY": "bench-callers-secret-key-not-for-production-0123456789",
        }
    )
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from lianxin.accounts.models import User
    from lianxin.demands.callers import Problem, caller_history
    from lianxin.org.models import Area, Category

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="bench_callers_operator").exists():
        _fill(N)
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'demands_demand'")
        n = int(cur.fetchone()[0])
        cur.execute("SELECT count(*) FROM bench_phones")
        callers = int(cur.fetchone()[0]) - 1
    operator = User.objects.get(username="bench_callers_operator")
    category = Category.objects.filter(code="CBC03").first()
    area = Area.objects.filter(code="CB01001").first()
    problem = Problem(
        title="路灯不亮好几天了",
        category_id=category.pk if category else None,
        area_id=area.pk if area else None,
    )
    rng = random.Random(16)
    phones = [phone_of(0 if i % 30 == 0 else rng.randint(1, callers)) for i in range(RUNS)]
    warm = [phone_of(rng.randint(1, callers)) for _ in range(20)]
    load = wait_quiet()

    def lookup(phone: str) -> None:
        history = caller_history(user=operator, phone=phone, problem=problem)
        assert history is not None and history.rows

    _timed(lookup, warm)
    times = _timed(lookup, phones)
    emit(
        "callers.lookup_p95",
        percentile(times, 95),
        "ms",
        n,
        limit_ms=50,
        runs=RUNS,
        p50_ms=round(percentile(times, 50), 2),
        callers=callers,
        load=round(load, 2),
    )
    client = Client()
    client.force_login(operator)
    url = reverse("demands:caller_history")
    data = {
        "title": problem.title,
        "category": str(problem.category_id or ""),
        "area": str(problem.area_id or ""),
    }

    def endpoint(phone: str) -> None:
        response = client.post(url, {"contact_phone": phone, **data})
        assert response.status_code == 200 and b"caller-demands" in response.content

    _timed(endpoint, warm)
    times = _timed(endpoint, phones)
    emit(
        "callers.endpoint_p95",
        percentile(times, 95),
        "ms",
        n,
        limit_ms=50,
        runs=RUNS,
        p50_ms=round(percentile(times, 50), 2),
        callers=callers,
        load=round(os.getloadavg()[0], 2),
    )
    workbench_queues(n, operator)


def workbench_queues(n: int, operator) -> None:
    """`demands.workbench_queue_p95.<page>.<queue>`: the staff pages with the issue-16 queues (答复待审核,
    转办待确认, 待协办, 申诉待审) beside the old ones, over the same 1M demands: each tab's page through the
    test client (the tab counts, the list, the render), 50 requests each after a warm-up."""
    from django.test import Client

    from lianxin.accounts.models import User
    from lianxin.demands.selectors import QUEUES
    from lianxin.org.models import Area, Unit

    area = Area.objects.get(code="CB01000")
    unit, _ = Unit.objects.get_or_create(code="CBU01", defaults={"name": "来电测试单位", "area": area})
    supervisor = User.objects.filter(username="bench_callers_supervisor").first()
    if supervisor is None:
        supervisor = User.objects.create(username="bench_callers_supervisor", roles="supervisor")
    handler = User.objects.filter(username="bench_callers_handler").first()
    if handler is None:
        handler = User.objects.create(username="bench_callers_handler", roles="handler", unit=unit)
    pages = (
        ("workbench", operator, QUEUES["workbench"]),
        ("unit", handler, QUEUES["unit"]),
        ("supervision", supervisor, QUEUES["supervision"]),
    )
    load = wait_quiet()
    for page, user, queues in pages:
        client = Client()
        client.force_login(user)
        for queue in queues:
            url = f"/demands/{page}/?queue={queue}"
            for _ in range(5):
                assert client.get(url).status_code == 200
            times = []
            for _ in range(50):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            emit(
                f"demands.workbench_queue_p95.{page}.{queue}",
                percentile(times, 95),
                "ms",
                n,
                limit_ms=100,
                p50_ms=round(percentile(times, 50), 2),
                tabs=len(queues),
                load=round(load, 2),
            )


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-m", "bench.bench_callers", "phase"], cwd=ROOT, env=env)
    if result.returncode:
        raise RuntimeError(f"bench_callers failed ({result.returncode})")


if __name__ == "__main__":
    if sys.argv[1:] == ["phase"]:
        phase()
    else:
        main()
