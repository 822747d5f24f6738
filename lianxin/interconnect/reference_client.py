"""A reference of the other side (docs/interconnect.md): a tiny upper-platform simulator and a webhook
receiver, HTTP servers on loopback, standard library only. The tests and the benchmark use them; an
integrator may read them as the wire format in code.

    platform = UpperPlatform(code="prov", secret="s3cret")   # listens on 127.0.0.1:<port>
    platform.start()
    status, ack = platform.push("http://127.0.0.1:8000/api/v1/interconnect/work-orders/", {...})
    platform.callbacks          # verified callbacks received, first copy of each delivery id
    platform.fail_with = 500    # answer every callback with 500 (or .delay = 30 to time out)
    platform.stop()

`UpperPlatform` serves POST /callback (our reports: verified, de-duplicated on X-Lianxin-Delivery, the
order's state updated) and GET /state?since=YYYY-MM-DD (its state of each order pushed since that day,
signed requests only): what `lianxin interconnect reconcile` compares with.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lianxin.interconnect.signing import (
    DELIVERY_HEADER,
    PLATFORM_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    sign,
    verify,
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the sender's pooled connections stay open
    # The status line and headers, then the body, are two writes: with Nagle's algorithm the body waits
    # for the ACK of the first, which the sender delays (~40 ms on Linux) — a stall per message on a
    # kept-alive connection that no real receiver (nginx, gunicorn: TCP_NODELAY) has.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, payload: Any = None) -> None:
        body = json.dumps(payload if payload is not None else {}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting (a timeout test)
            self.close_connection = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        status, payload = self.server.owner.received(self.path, dict(self.headers.items()), body)
        self._answer(status, payload)

    def do_GET(self) -> None:
        status, payload = self.server.owner.queried(self.path, dict(self.headers.items()))
        self._answer(status, payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: Receiver


class Receiver:
    """A loopback receiver of signed messages (a webhook subscriber). It verifies each message, keeps the
    first copy of every delivery id (`messages`), counts every hit (`hits`), and fails on purpose:
    `fail_with` = an HTTP status to answer instead, `delay` = seconds to wait before answering."""

    def __init__(self, secret: str, *, window: int = 300):
        self.secret = secret
        self.window = window
        self.messages: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.hits = 0
        self.refused = 0
        self.fail_with: int | None = None
        self.delay = 0.0
        self.lock = threading.Lock()
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> Receiver:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _verified(self, headers: dict[str, str], body: bytes) -> str | None:
        """None when the message is signed by our secret and fresh, else why not."""
        try:
            verify(
                self.secret,
                body,
                headers.get(TIMESTAMP_HEADER),
                headers.get(SIGNATURE_HEADER),
                window=self.window,
            )
        except SignatureError as exc:
            return exc.code
        return None

    def received(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self.lock:
            self.hits += 1
        if self.delay:
            time.sleep(self.delay)
        if self.fail_with:
            return self.fail_with, {"error": "failing on purpose"}
        problem = self._verified(headers, body)
        if problem:
            with self.lock:
                self.refused += 1
            return 401, {"error": problem}
        delivery = headers.get(DELIVERY_HEADER, "")
        message = json.loads(body)
        with self.lock:
            if delivery and delivery in self.seen:
                return 200, {"duplicate": True}
            self.seen.add(delivery)
            self.messages.append({"delivery": delivery, **message})
            self.on_message(message)
        return 200, {"ok": True}

    def on_message(self, message: dict[str, Any]) -> None:
        """What a subclass does with a new verified message (called under the lock)."""

    def queried(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        if urlsplit(path).path == "/stats":
            with self.lock:
                return 200, {
                    "hits": self.hits,
                    "unique": len(self.seen),
                    "messages": len(self.messages),
                    "refused": self.refused,
                }
        return 404, {"error": "not found"}


class UpperPlatform(Receiver):
    """The provincial platform: pushes orders, hears callbacks at /callback, answers /state queries."""

    def __init__(self, code: str, secret: str, *, window: int = 300):
        super().__init__(secret, window=window)
        self.code = code
        self.states: dict[str, str] = {}  # order id → the last state we were told
        self.pushed_on: dict[str, date] = {}

    @property
    def callback_url(self) -> str:
        return self.url + "/callback"

    @property
    def state_url(self) -> str:
        return self.url + "/state"

    @property
    def callbacks(self) -> list[dict[str, Any]]:
        return self.messages

    def on_message(self, message: dict[str, Any]) -> None:
        order = str(message.get("order_id"))
        if order in self.states:
            self.states[order] = str(message.get("status"))

    def queried(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        parts = urlsplit(path)
        if parts.path != "/state":
            return super().queried(path, headers)
        problem = self._verified(headers, b"")
        if problem:
            return 401, {"error": problem}
        since = date.fromisoformat(parse_qs(parts.query).get("since", ["1970-01-01"])[0])
        with self.lock:
            orders = {k: v for k, v in self.states.items() if self.pushed_on.get(k, since) >= since}
        return 200, {"orders": orders}

    def push(
        self,
        url: str,
        order: dict[str, Any],
        *,
        timestamp: float | None = None,
        secret: str | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Push one order, signed (another `secret` or an old `timestamp` to test refusals); remembers
        its state from the acknowledgement."""
        body = json.dumps(order, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            PLATFORM_HEADER: self.code,
            **sign(secret or self.secret, body, now=timestamp),
        }
        parts = urlsplit(url)
        conn = connection or http.client.HTTPConnection(parts.netloc, timeout=30)
        try:
            conn.request("POST", parts.path, body=body, headers=headers)
            response = conn.getresponse()
            status, answer = response.status, json.loads(response.read() or b"{}")
        finally:
            if connection is None:
                conn.close()
        if status in (200, 201):
            with self.lock:
                self.states.setdefault(str(order["order_id"]), str(answer.get("status")))
                self.pushed_on.setdefault(str(order["order_id"]), datetime.now().date())
        return status, answer


def main(argv: list[str] | None = None) -> None:
    """`python -m lianxin.interconnect.reference_client receiver|platform --secret S [--code C]`: serve on a
    free loopback port (printed as `PORT n`) until killed; GET /stats gives the counts."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="reference_client")
    parser.add_argument("kind", choices=["receiver", "platform"])
    parser.add_argument("--secret", required=True)
    parser.add_argument("--code", default="prov")
    args = parser.parse_args(argv)
    server = Receiver(args.secret) if args.kind == "receiver" else UpperPlatform(args.code, args.secret)
    server.start()
    assert server._server is not None
    print(f"PORT {server._server.server_port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
        sys.exit(0)


if __name__ == "__main__":
    main()
