"""Demand benchmarks on PostgreSQL with the production server (gunicorn), loopback only.

- sustained public submissions over HTTP (wrk): rate, p99, and none lost (rows counted afterwards)
- the deadline sweep over 1 million open demands
- the operator's workbench page and the API list at 1 million demands (p95)

Data goes into a separate database `lianxin_bench`, created afresh for every run: the sweep rewrites
hundreds of thousands of rows, and a database reused across runs carries their bloat (with autovacuum
off, as on the 2-core CI VM, submissions measured 245–290/s on a reused database against 353/s on a
fresh one). `LIANXIN_BENCH_REUSE=1` keeps an existing database (seeding is then skipped); drop it with
`dropdb -h 127.0.0.1 -U postgres lianxin_bench`. Skips with a message when PostgreSQL is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, emit, percentile, wait_quiet

PG_ADMIN = os.environ.get("LIANXIN_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "lianxin_bench"
BENCH_URL = PG_ADMIN.rsplit("/", 1)[0] + "/" + BENCH_DB
N_DEMANDS = int(os.environ.get("LIANXIN_BENCH_DEMANDS", "1000000"))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
LIANXIN = str(ROOT / ".venv" / "bin" / "lianxin")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=BENCH_URL,
        DEBUG="0",
        LIANXIN_SECRET_KEY="bench-secret-key-not-for-production-0123456789",
        LIANXIN_DATA_KEY="bench-data-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LIANXIN_RATE_PUBLIC_TRACK="1000000/min",
        LIANXIN_VAR_DIR=str(Path(tempfile.gettempdir()) / "lianxin-bench-var"),
        LIANXIN_LOG_LEVEL="WARNING",
        LIANXIN_NOTIFY_SENDERS="",
        LIANXIN_SECURE_COOKIES="0",  # plain http on loopback: cookies must not be Secure-only
        LIANXIN_NUM_PROXIES="1",  # the bench plays the reverse proxy that sets X-Forwarded-For
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env["LIANXIN_CACHE_PREFIX"] = "lianxin-bench"
    env.pop("LIANXIN_TESTING", None)
    return env


def _psql(url: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return str(cur.fetchone()[0]) if cur.description else ""


def _django(code: str) -> str:
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='lianxin.settings'; django.setup()\n" + code
    )
    out = subprocess.run(
        [PYTHON, "-c", script], env=_env(), cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def prepare() -> bool:
    try:
        exists = _psql(PG_ADMIN, f"SELECT count(*) FROM pg_database WHERE datname = '{BENCH_DB}'")
    except Exception as exc:  # noqa: BLE001 - any connection failure means: skip
        print(f"# bench_demands skipped: PostgreSQL not reachable at {PG_ADMIN} ({type(exc).__name__})")
        return False
    if exists != "0" and os.environ.get("LIANXIN_BENCH_REUSE") != "1":
        _psql(PG_ADMIN, f"DROP DATABASE {BENCH_DB} WITH (FORCE)")
        exists = "0"
    if exists == "0":
        _psql(PG_ADMIN, f"CREATE DATABASE {BENCH_DB}")
    subprocess.run(
        [LIANXIN, "migrate", "--noinput", "--skip-checks", "-v0"], env=_env(), cwd=ROOT, check=True
    )
    # Production settings serve hashed static files: pages fail without the manifest.
    subprocess.run(
        [LIANXIN, "collectstatic", "--noinput", "--skip-checks", "-v0"], env=_env(), cwd=ROOT, check=True
    )
    _django(
        """
from lianxin.accounts.models import User
from lianxin.org.models import Area, Unit, Category, AreaLevel, UnitKind
if not User.objects.filter(username='bench_operator').exists():
    city = Area.objects.create(code='B01', name='基准市', level=AreaLevel.CITY)
    street = Area.objects.create(code='B01001', name='基准街道', level=AreaLevel.STREET, parent=city)
    for i in range(20):
        Unit.objects.create(code=f'BU{i:02d}', name=f'基准单位{i}', kind=UnitKind.DEPARTMENT, area=city)
    for i in range(10):
        Category.objects.create(code=f'BC{i:02d}', name=f'基准分类{i}')
    u = User(username='bench_operator', roles='operator')
    u.set_password('bench-password-1'); u.save()
"""
    )
    return True


def seed(n: int) -> int:
    have = int(_psql(BENCH_URL, "SELECT count(*) FROM demands_demand"))
    if have >= n:
        return have
    ids = _django(
        "from lianxin.org.models import Area, Unit, Category\n"
        "print(Area.objects.get(code='B01001').pk, min(Unit.objects.filter(code__startswith='BU').values_list('pk', flat=True)),"
        " min(Category.objects.filter(code__startswith='BC').values_list('pk', flat=True)))"
    )
    area, unit0, cat0 = (int(x) for x in ids.split())
    start = time.perf_counter()
    # Set-based: open demands in every open state, due times spread around now (past → red, soon → yellow).
    _psql(
        BENCH_URL,
        f"""
        INSERT INTO demands_demand (
            ticket_no, query_code, type, urgency, intel_urgency, title, content, category_id, area_id, address, channel,
            contact_name, contact_phone, contact_phone_hash, external_id, status, closure, lead_unit_id,
            returned_from, reply_text, outcome, satisfaction, created_at, updated_at, dispatched_at,
            sign_due_at, reply_due_at, stage, due_at, warn_at, warning_level, was_overdue, extension_count,
            reopen_count, return_count, urge_count, supervised, version)
        SELECT 'B' || lpad(g::text, 10, '0'), 'BENCHQC1',
               (ARRAY['consultation','help','complaint','report','suggestion'])[1 + g % 5], 'normal',
               CASE WHEN g % 250 = 0 THEN 'critical' ELSE '' END,  -- 1 in 1,750 awaiting acceptance: 疑似特急
               '基准诉求 ' || g, '小区路灯不亮，已经一周了。编号 ' || g, {cat0} + g % 10, {area}, '', 'web',
               '', '', '', '',
               (ARRAY['submitted','accepted','dispatched','in_progress','in_progress','returned','replied'])[1 + g % 7],
               '', CASE WHEN g % 7 BETWEEN 2 AND 6 THEN {unit0} + g % 20 END,
               '', '', '', '',
               now() - (g % 90) * interval '1 day' - (g % 1440) * interval '1 minute', now(),
               CASE WHEN g % 7 BETWEEN 2 AND 6 THEN now() - (g % 90) * interval '1 day' END,
               NULL, NULL, 'reply',
               now() + ((g % 100) - 30) * interval '1 hour',
               now() + ((g % 100) - 30) * interval '1 hour' - interval '12 hours',
               0, false, 0, 0, 0, 0, (g % 50 = 0), 1
        FROM generate_series({have + 1}, {n}) AS g
        """,
    )
    _psql(BENCH_URL, "ANALYZE demands_demand")
    emit("demands_seed_rows_per_second", (n - have) / (time.perf_counter() - start), "rows/s", n - have)
    return n


def bench_sweep(n: int) -> None:
    _psql(BENCH_URL, "UPDATE demands_demand SET warning_level = 0 WHERE warning_level <> 0")
    _psql(BENCH_URL, "DELETE FROM demands_demandevent WHERE action = 'urge'")
    _psql(BENCH_URL, "DELETE FROM core_notification")
    _psql(BENCH_URL, "VACUUM ANALYZE demands_demand")
    out = _django(
        "import time\nfrom lianxin.demands.sweep import deadline_sweep\n"
        "t=time.perf_counter(); r=deadline_sweep(); s=time.perf_counter()-t\n"
        "t2=time.perf_counter(); r2=deadline_sweep(); s2=time.perf_counter()-t2\n"
        "print(s, r.yellow, r.red, s2, r2.yellow + r2.red)"
    )
    seconds, yellow, red, again, again_marked = out.split()
    open_n = int(_psql(BENCH_URL, "SELECT count(*) FROM demands_demand WHERE due_at IS NOT NULL"))
    emit(
        "demands_deadline_sweep",
        float(seconds),
        "s",
        open_n,
        yellow=int(yellow),
        red=int(red),
        target="< 60 s",
    )
    emit(
        "demands_deadline_sweep_rerun",
        float(again),
        "s",
        open_n,
        marked=int(again_marked),
        note="idempotent: 0 marked",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int) -> None:
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # loopback
            return
        except Exception:  # noqa: BLE001
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


# Each request comes from one of CLIENT_ADDRESSES simulated citizens (X-Forwarded-For, as the reverse proxy
# in front of the web nodes sets it), so the public_submit throttle stays at its production rate (30/min
# per address) instead of being raised for the benchmark.
CLIENT_ADDRESSES = 4000
WRK_SCRIPT = """
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() + tid * 7919)
  prefix = tostring(tid) .. "-" .. tostring(math.random(1, 1000000000))
end
request = function()
  counter = counter + 1
  local client = (counter * 2 + tid) % ADDRESSES
  local body = '{"title":"基准提交","content":"路灯不亮，请尽快维修。","type":"help","contact_phone":"13912345678"}'
  return wrk.format("POST", "/api/v1/demands/", {["Content-Type"]="application/json",
    ["X-Forwarded-For"]="10.77." .. math.floor(client / 250) .. "." .. (client % 250 + 1),
    ["Idempotency-Key"]="bench-" .. prefix .. "-" .. counter}, body)
end
""".replace("ADDRESSES", str(CLIENT_ADDRESSES))


def _parse_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def bench_http(n: int) -> None:
    if not shutil.which("wrk"):
        print("# submissions benchmark skipped: wrk is not installed (apt-get install wrk)")
        return
    port = _free_port()
    # Sync workers, one per core plus one: submissions are CPU-bound here (PostgreSQL, Redis and wrk share
    # the 2 cores), and more processes than that only lengthen the tail (measured: 4 workers p99 ~250 ms,
    # 3 workers ~60 ms at the same rate).
    workers = str(int(os.environ.get("LIANXIN_BENCH_WORKERS", str((os.cpu_count() or 2) + 1))))
    throttle = os.environ.get("LIANXIN_RATE_PUBLIC_SUBMIT", "30/min (production default)")
    server = subprocess.Popen(
        [GUNICORN, "lianxin.wsgi", "-b", f"127.0.0.1:{port}", "-w", workers, "--log-level", "warning"],
        env=_env(),
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        _wait(port)
        before = int(_psql(BENCH_URL, "SELECT count(*) FROM demands_demand WHERE title = '基准提交'"))
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
            fh.write(WRK_SCRIPT)
        duration = os.environ.get("LIANXIN_BENCH_SECONDS", "20")
        load_before = wait_quiet()
        out = subprocess.run(
            ["wrk", "-t2", "-c8", f"-d{duration}s", "--latency", "-s", fh.name, f"http://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        completed = int(re.search(r"(\d+) requests in", out).group(1))
        non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p99 = _parse_ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
        p50 = _parse_ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
        time.sleep(1)
        after = int(_psql(BENCH_URL, "SELECT count(*) FROM demands_demand WHERE title = '基准提交'"))
        stored = after - before
        load_after = os.getloadavg()[0]
        emit(
            "demands_http_submit_rate",
            rate,
            "req/s",
            n,
            target=">= 300",
            gunicorn=f"{workers} sync workers",
            throttle=f"public_submit on at {throttle} per client address",
            clients=f"{CLIENT_ADDRESSES} addresses via X-Forwarded-For, wrk 2 threads x 8 connections",
            loadavg_1m_before=round(load_before, 2),
            loadavg_1m_after=round(load_after, 2),
        )
        emit("demands_http_submit_p99", p99, "ms", n, p50_ms=p50, target="< 200")
        emit(
            "demands_http_submit_lost",
            max(0, completed - non2xx - stored),
            "demands",
            completed,
            answered_201=completed - non2xx,
            stored=stored,
            errors=non2xx,
        )
        bench_reads(port, n)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def bench_reads(port: int, n: int) -> None:
    import requests

    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    token = session.post(
        f"{base}/api/v1/auth/token/", json={"username": "bench_operator", "password": "bench-password-1"}
    ).json()["token"]
    login = session.get(f"{base}/accounts/login/")
    csrf = session.cookies.get("csrftoken", "")
    session.post(
        f"{base}/accounts/login/",
        data={"username": "bench_operator", "password": "bench-password-1", "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    del login
    pages = {
        "demands_workbench_p95": ("/demands/workbench/", {}),
        "demands_workbench_overdue_p95": ("/demands/workbench/?queue=overdue", {}),
        "demands_api_list_p95": ("/api/v1/demands/", {"Authorization": f"Token {token}"}),
        "demands_api_list_filtered_p95": (
            "/api/v1/demands/?status=in_progress",
            {"Authorization": f"Token {token}"},
        ),
    }
    for name, (path, headers) in pages.items():
        client = requests.Session() if headers else session
        timings = []
        for i in range(120):
            start = time.perf_counter()
            r = client.get(base + path, headers=headers, allow_redirects=False)
            elapsed = (time.perf_counter() - start) * 1000
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
            if i >= 20:
                timings.append(elapsed)
        emit(name, percentile(timings, 95), "ms", n, p50_ms=round(percentile(timings, 50), 2), target="< 100")


def main() -> None:
    if not prepare():
        return
    n = seed(N_DEMANDS)
    bench_sweep(n)
    bench_http(n)


if __name__ == "__main__":
    main()
    sys.exit(0)
