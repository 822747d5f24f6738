"""Slow clients against `lianxin serve` (issue 21 item 5): /healthz latency while sockets hold the server.

Starts the embedded server (`lianxin serve`, 2 workers x 2 threads, no task worker) on a free loopback port
with the embedded SQLite in a temporary folder, then measures `GET /healthz` (`LIANXIN_BENCH_SLOW_PROBES`
requests, default 300; 100 under --quick) three ways: with no attack, with 8 slow sockets and with 64 (each
sends headers announcing a 100 kB JSON body, then one byte, and stays open; the issue found 8 enough to
stop the server). Prints p50 / p99 / max and the failures (a probe that times out after 5 s or answers
non-200). Loopback only; every loop is bounded.

    .venv/bin/python -m bench slow_clients
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import ROOT, emit, free_port, percentile, scaled

PROBES = int(os.environ.get("LIANXIN_BENCH_SLOW_PROBES", str(scaled(300, 100))))


def _get(url: str, timeout: float = 5.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _slow_sockets(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(
            b"POST /api/v1/demands/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
        sockets.append(s)
    return sockets


def _probe(base: str) -> tuple[list[float], int]:
    latencies, failures = [], 0
    for _ in range(PROBES):
        started = time.perf_counter()
        try:
            ok = _get(f"{base}/healthz") == 200
        except OSError:
            ok = False
        latencies.append(time.perf_counter() - started)
        failures += 0 if ok else 1
    return latencies, failures


def main() -> None:
    var = Path(tempfile.mkdtemp(prefix="lianxin-slow-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST"))}
    env.update(
        LIANXIN_ENV="development",
        DJANGO_SETTINGS_MODULE="lianxin.settings",
        LIANXIN_VAR_DIR=str(var),
        LIANXIN_WARM_UP="0",
        LIANXIN_REQUEST_BODY_TIMEOUT="10",
        LIANXIN_LOG_LEVEL="WARNING",
        PROMETHEUS_MULTIPROC_DIR=str(var / "prometheus"),
    )
    lianxin = [sys.executable, "-m", "lianxin"]
    subprocess.run([*lianxin, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (var / "serve.log").open("w") as log:
        proc = subprocess.Popen(
            [*lianxin, "serve", "--port", str(port), "--no-worker", "--workers", "2", "--threads", "2"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(150):
                try:
                    if _get(f"{base}/healthz", timeout=1) == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            else:
                raise SystemExit("lianxin serve did not answer: " + (var / "serve.log").read_text()[-2000:])
            for sockets_held in (0, 8, 64):
                sockets = _slow_sockets(port, sockets_held)
                try:
                    time.sleep(0.5)
                    latencies, failures = _probe(base)
                finally:
                    for s in sockets:
                        s.close()
                emit(
                    "slow_clients_healthz_p99_ms",
                    percentile(latencies, 99) * 1000,
                    "ms",
                    PROBES,
                    slow_sockets=sockets_held,
                    p50_ms=round(percentile(latencies, 50) * 1000, 2),
                    max_ms=round(max(latencies) * 1000, 2),
                    failures=failures,
                    server="lianxin serve --workers 2 --threads 2 (uvicorn workers, buffered bodies)",
                    loadavg_1m=round(os.getloadavg()[0], 2),
                )
                time.sleep(1)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
