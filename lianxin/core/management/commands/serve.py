"""`lianxin serve`: the web server (gunicorn + uvicorn workers) and the background worker (Huey) in one command.

Meant for the embedded default and small installations; production runs the same web server on each web
node (deploy/gunicorn.conf.py) and `lianxin run_huey` on worker nodes separately. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

# Gunicorn's access line, were it to write one (a sync or gthread worker): the path only. Query strings
# carry phones (?phone=, ?q=), draft titles and tracking credentials, and the referer carries the previous
# page's query string. With the uvicorn worker of lianxin.core.server the application writes the same line
# (lianxin.core.middleware.MetricsMiddleware): method, path, status, duration in ms.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The command line of the web server `serve` starts: gunicorn with uvicorn workers that buffer each
    request before Django sees it (lianxin.core.server), the same layout as production
    (deploy/gunicorn.conf.py). No access log of gunicorn's own: query strings carry phones, so the
    application logs the path only (lianxin.core.middleware.MetricsMiddleware)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:lianxin.core.gunicorn_conf",
        "lianxin.core.server:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--graceful-timeout",
        "5",
    ]


def web_env(base: dict[str, str], *, threads: int) -> dict[str, str]:
    """The web server's environment: Django threads per worker, and where the worker processes keep
    their shared Prometheus metrics (var/prometheus unless PROMETHEUS_MULTIPROC_DIR is set)."""
    from django.conf import settings

    env = dict(base)
    env["LIANXIN_WEB_THREADS"] = str(threads)
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(settings.VAR_DIR / "prometheus"))
    return env


class Command(BaseCommand):
    help = "Run the web server and the background worker together (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("LIANXIN_WEB_THREADS", "8")))
        parser.add_argument("--no-worker", action="store_true", help="Serve the web only.")

    def handle(self, *args, **options):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "lianxin.settings"),
        }
        web_cmd = gunicorn_argv(
            host=options["host"], port=options["port"], workers=options["workers"], threads=options["threads"]
        )
        web = subprocess.Popen(web_cmd, env=web_env(env, threads=options["threads"]))
        procs: list[tuple[str, subprocess.Popen]] = [("web server", web)]
        if not options["no_worker"]:
            procs.append(("worker", subprocess.Popen([sys.executable, "-m", "lianxin", "run_huey"], env=env)))
        self.stdout.write(
            self.style.SUCCESS(f"Lianxin at http://{options['host']}:{options['port']}/ (Ctrl-C to stop)")
        )

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            while not stopping:
                for name, proc in procs:
                    if proc.poll() is not None:
                        exit_code = proc.returncode or 1
                        self.stderr.write(f"The {name} stopped with code {proc.returncode}; stopping.")
                        stopping = True
                time.sleep(0.3)
        finally:
            for _name, proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.time() + 10
            for _name, proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    proc.kill()
        if exit_code:
            sys.exit(exit_code)
