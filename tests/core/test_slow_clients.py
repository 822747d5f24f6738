"""A real `lianxin serve` on a free loopback port holds against slow clients: sockets that send headers
announcing a 100 kB body and then one byte do not take the threads /healthz needs.

Also the server's other limits (a body not sent in time is a 408, a body announced past the limit a 413),
its access line (the path only) and /metrics summed over several worker processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real-server")]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("serve-var")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST"))}
    env.update(
        LIANXIN_ENV="development",
        DJANGO_SETTINGS_MODULE="lianxin.settings",
        LIANXIN_VAR_DIR=str(var),
        LIANXIN_WARM_UP="0",
        LIANXIN_REQUEST_BODY_TIMEOUT="3",
        LIANXIN_REQUEST_MAX_BYTES="1000000",
        PROMETHEUS_MULTIPROC_DIR=str(var / "prometheus"),
    )
    lianxin = [sys.executable, "-m", "lianxin"]
    subprocess.run([*lianxin, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = _free_port()
    log = (var / "serve.log").open("w")
    proc = subprocess.Popen(
        [*lianxin, "serve", "--port", str(port), "--no-worker", "--workers", "2", "--threads", "2"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if _get(f"{base}/healthz", timeout=1)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    else:
        proc.terminate()
        pytest.fail("lianxin serve did not answer: " + (var / "serve.log").read_text()[-2000:])
    yield {"base": base, "port": port, "log": var / "serve.log"}
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


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


def test_healthz_answers_while_slow_clients_hold_sockets(server):
    # 12 sockets against 2 workers x 2 threads: with gunicorn's threaded workers 4 would be enough to stop it.
    sockets = _slow_sockets(server["port"], 12)
    try:
        time.sleep(0.5)
        for _ in range(10):
            status, body = _get(f"{server['base']}/healthz", timeout=5)
            assert status == 200 and b'"ok"' in body
    finally:
        for s in sockets:
            s.close()


def test_a_body_not_sent_in_time_is_a_408(server):
    (s,) = _slow_sockets(server["port"], 1)
    try:
        s.settimeout(10)
        answer = s.recv(200)
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.1 408")


def test_a_body_announced_past_the_limit_is_a_413(server):
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=5) as s:
        s.sendall(b"POST /api/v1/demands/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000000\r\n\r\n")
        assert s.recv(200).startswith(b"HTTP/1.1 413")


def test_access_line_has_the_path_only(server):
    assert _get(f"{server['base']}/healthz?phone=13912345678&code=K7Q2ZP")[0] == 200
    time.sleep(0.3)
    log = server["log"].read_text()
    assert "GET /healthz 200" in log
    assert "13912345678" not in log and "K7Q2ZP" not in log


def test_metrics_from_every_worker_process(server):
    for _ in range(6):
        _get(f"{server['base']}/healthz")
    status, body = _get(f"{server['base']}/metrics")
    assert status == 200
    text = body.decode()
    assert 'lianxin_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}' in text
    assert "lianxin_outbox_pending 0.0" in text
    assert "lianxin_queue_depth" in text
    assert list((server["log"].parent / "prometheus").glob("*.db"))  # the processes' shared files
