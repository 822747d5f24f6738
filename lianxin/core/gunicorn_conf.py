"""Gunicorn's settings for Lianxin's web nodes: `gunicorn -c python:lianxin.core.gunicorn_conf
lianxin.core.server:application` (what `lianxin serve` and deploy/gunicorn.conf.py run).

Every value can be set by the environment: HOST/PORT (or GUNICORN_BIND), WEB_CONCURRENCY (worker
processes), LIANXIN_WEB_THREADS (Django threads per worker, lianxin.core.server). Prometheus metrics are
collected across the worker processes in PROMETHEUS_MULTIPROC_DIR (made empty when the master starts)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

bind = (
    os.environ.get("GUNICORN_BIND")
    or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "lianxin.core.server.Worker"
# The worker's heartbeat; a request longer than this is not killed by it (uvicorn runs Django in threads).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "5"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Header limits: a request line and each header at most 8 KiB, at most 100 headers.
limit_request_line = 8190
limit_request_fields = 100
accesslog = None  # the application logs each request (path only: query strings carry phones)
errorlog = "-"
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "0"))


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """Load Django (and warm its text tools up) in each worker before it serves, not on its first request."""
    from lianxin.core.server import application

    application.load()
