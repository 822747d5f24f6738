"""`lianxin serve`: the web server (gunicorn) and the background worker (Huey) in one command.

Meant for the embedded default and small installations; production runs `gunicorn lianxin.wsgi`
on each web node and `lianxin run_huey` on worker nodes separately. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

# The access log names the path only: query strings carry phones (?phone=, ?q=), draft titles typed by
# citizens (/portal/related/?title=) and tracking credentials (?ticket_no=&code=), and the referer carries
# the previous page's query string. Gunicorn writes this line itself, past the PII log filter, so what
# must not be logged is never put in it: method, path, protocol, status, bytes and duration in ms.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The command line of the web server `serve` starts."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "lianxin.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--graceful-timeout",
        "5",
    ]


class Command(BaseCommand):
    help = "Run the web server and the background worker together (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-worker", action="store_true", help="Serve the web only.")

    def handle(self, *args, **options):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "lianxin.settings"),
        }
        web_cmd = gunicorn_argv(
            host=options["host"], port=options["port"], workers=options["workers"], threads=options["threads"]
        )
        procs: list[tuple[str, subprocess.Popen]] = [("web server", subprocess.Popen(web_cmd, env=env))]
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
