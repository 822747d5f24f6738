"""`make soak`: the production layout under load and faults, counted end to end.

Starts N web nodes (deploy/gunicorn.conf.py: gunicorn + buffering uvicorn workers) and M worker nodes
(`lianxin run_huey`) on PostgreSQL (database `lianxin_soak`) + Redis, all on loopback, with DEBUG off.
K citizens submit a demand each through the public API, C at a time, each with its own Idempotency-Key
and retrying (another node) on a refused connection, a timeout or a 5xx. A third of the way in a worker
is SIGKILLed, halfway a web node; both are started again a few seconds later. Then it waits for the
outbox to drain (the reconciler takes back what the killed worker held once its lease, shortened to
LIANXIN_OUTBOX_TIMEOUT=20 s here, ran out) and counts:

    sent / stored / lost / duplicated / 5xx / undelivered

- lost: submissions that got no demand row; duplicated: submissions with more than one;
- 5xx: server errors answered (refused connections while a node is down are retried, counted apart);
- undelivered: background work not done after the reconciler's timeout: outbox rows not done, and
  demands whose intake check (outbox key intake:<id>) never ran.

`0 / 0 / 0 / 0` is required; the exit status is 1 otherwise. `--no-faults` runs without the kills.
Sizes: `--web 2 --workers 2 --submissions 300 --concurrency 8` (a few minutes on 2 cores); `--quick`
60 submissions.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import mkdtemp

from bench.common import QUICK, ROOT, admin_url, emit, free_port, percentile, reachable, redis_url

PYTHON = sys.executable
DATABASE = os.environ.get("LIANXIN_SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lianxin_soak")
OUTBOX_TIMEOUT = 20
TITLE = "浸泡测试"


def _psql(url: str, sql: str) -> str:
    out = subprocess.run(["psql", url, "-tAc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "LIANXIN_", "DJANGO_"))}
    run = secrets.token_hex(4)
    env.update(
        LIANXIN_ENV="production",
        DJANGO_SETTINGS_MODULE="lianxin.settings",
        LIANXIN_SECRET_KEY=secrets.token_urlsafe(48),
        LIANXIN_DATA_KEY=secrets.token_urlsafe(48),
        LIANXIN_SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=DATABASE,
        REDIS_URL=redis_url(),
        LIANXIN_QUEUE_NAME=f"lianxin-soak-{run}",
        LIANXIN_CACHE_PREFIX=f"lianxin-soak-{run}",
        LIANXIN_VAR_DIR=str(var),
        LIANXIN_MEDIA_ROOT=str(var / "media"),
        LIANXIN_OUTBOX_TIMEOUT=str(OUTBOX_TIMEOUT),
        LIANXIN_OUTBOX_BACKOFF="5",
        LIANXIN_RATE_PUBLIC_SUBMIT="1000000/min",
        LIANXIN_LOG_LEVEL="WARNING",
        LIANXIN_WEB_THREADS="4",
        WEB_CONCURRENCY="1",
        LIANXIN_NOTIFY_SENDERS="",
    )
    return env


def _database_fresh() -> None:
    name = DATABASE.rsplit("/", 1)[-1]
    admin = admin_url(DATABASE)
    _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(admin, f'CREATE DATABASE "{name}"')


SEED = """
from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind
city = Area.objects.create(code="S1", name="浸泡市", level=AreaLevel.CITY)
district = Area.objects.create(code="S101", name="一区", level=AreaLevel.DISTRICT, parent=city)
street = Area.objects.create(code="S101001", name="东风街道", level=AreaLevel.STREET, parent=district)
parent = Category.objects.create(code="SC", name="城乡建设")
Category.objects.create(code="SC.01", name="物业管理", parent=parent)
Unit.objects.create(code="SU0", name="热线中心", kind=UnitKind.CENTER, area=city, accepts_dispatch=False)
print(street.pk)
"""


def _lianxin(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PYTHON, "-m", "lianxin", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"lianxin {args[0]} failed: {done.stderr[-3000:]}")
    return done.stdout


# Titles are encrypted at rest: counted through the ORM, which decrypts them.
COUNT = """
import json
from collections import Counter
from lianxin.core.models import OutboxItem
from lianxin.demands.models import Demand
mine = [(pk, t) for pk, t in Demand.objects.values_list("pk", "title") if t.startswith("%(prefix)s")]
titles = Counter(t for _, t in mine)
done = set(OutboxItem.objects.filter(task="analysis.intake", status="done").values_list("key", flat=True))
print(json.dumps({"rows": len(mine), "distinct": len(titles),
                  "no_intake": sum(1 for pk, _ in mine if f"intake:{pk}" not in done)}))
"""


class Node:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path):
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        handle = self.log.open("a")
        self.proc = subprocess.Popen(
            self.argv, env=self.env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            # The whole node at once, as a machine failing would: gunicorn's master and its worker.
            for pid in _children(self.proc.pid):
                os.kill(pid, signal.SIGKILL)
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _get(url: str, timeout: float = 3.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # loopback only
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_up(port: int, seconds: float = 240) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if _get(f"http://127.0.0.1:{port}/healthz", timeout=10) == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"web node on port {port} did not come up")


class Load:
    def __init__(self, ports: list[int], street: int, run: str):
        self.ports, self.street, self.run = ports, street, run
        self.lock = threading.Lock()
        self.done = 0
        self.server_errors = 0
        self.refused = 0
        self.failed: list[int] = []
        self.latencies: list[float] = []

    def submit(self, i: int) -> None:
        body = json.dumps(
            {
                "title": f"{TITLE} {self.run}-{i}",
                "content": f"小区电梯长期故障，第{i}号住户反映，编号 {self.run}-{i}。",
                "type": "complaint",
                "area": self.street,
                "category": "物业管理",
                "contact_name": "张三",
                "contact_phone": f"139{i:08d}",
            }
        ).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"soak-{self.run}-{i}"}
        for attempt in range(12):
            port = self.ports[(i + attempt) % len(self.ports)]
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/demands/", data=body, headers=headers, method="POST"
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                with self.lock:
                    self.refused += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            with self.lock:
                if status >= 500:
                    self.server_errors += 1
            if status in (200, 201):
                with self.lock:
                    self.done += 1
                    self.latencies.append(time.perf_counter() - started)
                return
            time.sleep(0.2 * (attempt + 1))
        with self.lock:
            self.failed.append(i)


def _count(sql: str) -> int:
    return int(_psql(DATABASE, sql) or 0)


def soak(*, web: int, workers: int, submissions: int, concurrency: int, faults: bool) -> dict[str, int]:
    var = Path(mkdtemp(prefix="lianxin-soak-"))
    env = _env(var)
    _database_fresh()
    _lianxin(env, "migrate", "--noinput")
    street = int(_lianxin(env, "shell", "-c", SEED).strip().splitlines()[-1])
    ports = [free_port() for _ in range(web)]
    webs = [
        Node(
            f"web{n}",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "lianxin.core.server:application",
            ],
            {**env, "PROMETHEUS_MULTIPROC_DIR": str(var / f"prometheus-{n}")},
            var / f"web{n}.log",
        )
        for n, port in enumerate(ports)
    ]
    consumers = [
        Node(f"worker{n}", [PYTHON, "-m", "lianxin", "run_huey"], env, var / f"worker{n}.log")
        for n in range(workers)
    ]
    run = secrets.token_hex(3)
    load = Load(ports, street, run)
    started = time.time()
    try:
        for node in [*webs, *consumers]:
            node.start()
        for port in ports:
            _wait_up(port)

        def faults_thread() -> None:
            killed: list[Node] = []
            for fraction, node in ((1 / 3, consumers[0]), (1 / 2, webs[0])):
                while load.done < submissions * fraction and time.time() - started < 900:
                    time.sleep(0.05)
                node.kill()
                print(f"# killed {node.name} at {load.done}/{submissions}", flush=True)
                killed.append(node)
            time.sleep(3)
            for node in killed:
                node.start()
                print(f"# restarted {node.name}", flush=True)

        chaos = threading.Thread(target=faults_thread, daemon=True)
        if faults:
            chaos.start()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(load.submit, range(submissions)))
        load_seconds = time.time() - started
        if faults:
            chaos.join(timeout=60)
            _wait_up(ports[0])
        # Background work: wait for the outbox to drain, at most the reconciler's timeout + two of its minutes.
        deadline = time.time() + OUTBOX_TIMEOUT + 150
        while time.time() < deadline and _count(
            "SELECT count(*) FROM core_outboxitem WHERE status <> 'done'"
        ):
            time.sleep(2)
        drained_after = time.time() - started - load_seconds
        counts = json.loads(
            _lianxin(env, "shell", "-c", COUNT % {"prefix": f"{TITLE} {run}-"}).strip().splitlines()[-1]
        )
        rows, distinct, no_intake = counts["rows"], counts["distinct"], counts["no_intake"]
        undone = _count("SELECT count(*) FROM core_outboxitem WHERE status <> 'done'")
        result = {
            "sent": submissions,
            "stored": distinct,
            "lost": submissions - distinct,
            "duplicated": rows - distinct,
            "5xx": load.server_errors,
            "undelivered": undone + no_intake,
            "refused_retried": load.refused,
            "gave_up": len(load.failed),
        }
        emit(
            "soak_submissions_per_second",
            submissions / load_seconds,
            "1/s",
            submissions,
            faults=faults,
            web=web,
            workers=workers,
            concurrency=concurrency,
        )
        emit(
            "soak_submit_p99", percentile(load.latencies, 99) * 1000, "ms", len(load.latencies), faults=faults
        )
        emit("soak_outbox_drained_after", drained_after, "s", undone, faults=faults)
        for key, value in result.items():
            emit(f"soak_{key}", value, "count", submissions, faults=faults)
        return result
    finally:
        for node in [*webs, *consumers]:
            node.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if not reachable(DATABASE) or not reachable(redis_url()):
        print("# soak skipped: PostgreSQL or Redis does not answer on loopback")
        return
    submissions = 60 if (args.quick or QUICK) else args.submissions
    result = soak(
        web=args.web,
        workers=args.workers,
        submissions=submissions,
        concurrency=args.concurrency,
        faults=not args.no_faults,
    )
    line = " / ".join(f"{k} {v}" for k, v in result.items())
    print(f"# soak {'without' if args.no_faults else 'with'} faults: {line}", flush=True)
    bad = result["lost"] or result["duplicated"] or result["5xx"] or result["undelivered"]
    print(
        f"# lost / duplicated / 5xx / undelivered = {result['lost']} / {result['duplicated']} / "
        f"{result['5xx']} / {result['undelivered']}",
        flush=True,
    )
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
