"""Production web node: `gunicorn -c deploy/gunicorn.conf.py lianxin.core.server:application`.

The same server as `lianxin serve` (lianxin.core.gunicorn_conf): gunicorn supervising uvicorn workers
(lianxin.core.server.Worker) that read each request whole, bounded in size and time, before Django runs it
in a thread, so slow clients cost a coroutine and never a Django thread. Set in the environment:
DJANGO_SETTINGS_MODULE=lianxin.settings, LIANXIN_ENV=production, the secrets, DATABASE_URL, REDIS_URL,
GUNICORN_BIND (default 127.0.0.1:8000), WEB_CONCURRENCY (processes, default 2), LIANXIN_WEB_THREADS
(Django threads per process, default 8), PROMETHEUS_MULTIPROC_DIR (default /run/lianxin/prometheus).
The buffering front (deploy/nginx.conf) terminates TLS and is a second line against slow clients.
"""

import os

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/run/lianxin/prometheus")
os.environ.setdefault("LIANXIN_ENV", "production")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

from lianxin.core.gunicorn_conf import *  # noqa: F403

preload_app = False  # each worker loads Django after the fork (database connections are per process)
