"""The web server's application: Django (WSGI) behind an asynchronous front that buffers each request.

Gunicorn's threaded workers give a thread to a connection as soon as its headers arrive, so eight clients
that send `Content-Length: 100000` and then one byte a minute hold every thread, and /healthz times out.
Here each gunicorn worker is a uvicorn event loop (`Worker`): connections cost a coroutine, not a thread.
`BufferedRequests` reads the whole body first, within `LIANXIN_REQUEST_BODY_TIMEOUT` seconds (else 408)
and `LIANXIN_REQUEST_MAX_BYTES` bytes (else 413, refused at once when Content-Length says so), and only
then hands the request to Django in one of `LIANXIN_WEB_THREADS` threads (uvicorn's WSGI adapter).

`lianxin serve` and the production layout (deploy/gunicorn.conf.py) both run
`gunicorn -c python:lianxin.core.gunicorn_conf lianxin.core.server:application`.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import warnings
from typing import Any

from uvicorn_worker import UvicornWorker

MAX_BYTES = int(os.environ.get("LIANXIN_REQUEST_MAX_BYTES", str(64 * 1024 * 1024)))
BODY_TIMEOUT = float(os.environ.get("LIANXIN_REQUEST_BODY_TIMEOUT", "30"))
THREADS = int(os.environ.get("LIANXIN_WEB_THREADS", "8"))


async def _answer(send: Any, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": text})


class BufferedRequests:
    """ASGI middleware: the whole body, bounded in size and time, before the inner app is called."""

    def __init__(self, app: Any, *, max_bytes: int = MAX_BYTES, body_timeout: float = BODY_TIMEOUT):
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_bytes):
            await _answer(send, 413, b"Request body too large.\n")
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                await _answer(send, 408, b"Request body not received in time.\n")
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(send, 413, b"Request body too large.\n")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def build_application(wsgi_app: Any = None, *, threads: int = THREADS) -> BufferedRequests:
    if wsgi_app is None:
        # lianxin.wsgi sits above every app (it warms their text tools up): named, not imported by the core.
        wsgi_app = importlib.import_module("lianxin.wsgi").application
    with warnings.catch_warnings():
        # uvicorn suggests a2wsgi instead; a2wsgi streams the body into the thread, which is what we avoid.
        warnings.simplefilter("ignore", DeprecationWarning)
        from uvicorn.middleware.wsgi import _WSGIMiddleware

        inner = _WSGIMiddleware(wsgi_app, workers=threads)
    return BufferedRequests(inner)


class _Lazy:
    """The application, built in the worker process after the fork (gunicorn_conf.post_worker_init)."""

    _app: BufferedRequests | None = None

    def load(self) -> BufferedRequests:
        if self._app is None:
            self._app = build_application()
        return self._app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await (self._app or self.load())(scope, receive, send)


application = _Lazy()


class Worker(UvicornWorker):
    """A gunicorn worker running uvicorn (h11): no access log of its own (it would print query strings,
    which carry phones; lianxin.core.middleware logs the path only), no proxy-header rewriting of the
    client address (the rate limits read it as settings.REST_FRAMEWORK["NUM_PROXIES"] says), no lifespan."""

    CONFIG_KWARGS = {
        "loop": "asyncio",
        "http": "h11",
        "lifespan": "off",
        "access_log": False,
        "proxy_headers": False,
        "h11_max_incomplete_event_size": 32 * 1024,
    }
