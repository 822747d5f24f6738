"""Prometheus metrics at /metrics (served by lianxin.core.middleware.MetricsMiddleware).

- `lianxin_http_request_duration_seconds{method, route, status}`: a histogram per URL pattern (the
  route, never the path: no ids, phones or ticket numbers in label values).
- Read from the database and the queue when scraped, so every web process answers the same:
  `lianxin_queue_depth` (Huey tasks waiting), `lianxin_outbox_pending`, `lianxin_outbox_failed`,
  `lianxin_outbox_oldest_pending_seconds`, `lianxin_demands{status}`, `lianxin_sms_messages{status}`.

Several gunicorn worker processes: with PROMETHEUS_MULTIPROC_DIR set (`lianxin serve` and
deploy/gunicorn.conf.py set it) each process writes its histograms there and a scrape of any of them
adds all up (prometheus_client's multiprocess mode).

Access: only from `LIANXIN_METRICS_ALLOWED_IPS` (default loopback) or with
`Authorization: Bearer LIANXIN_METRICS_TOKEN` when a token is set; anyone else gets a 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger("lianxin.metrics")

REQUEST_LATENCY = Histogram(
    "lianxin_http_request_duration_seconds",
    "Time to answer a request, by URL pattern.",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} else "OTHER"
    REQUEST_LATENCY.labels(method, route, str(status)).observe(seconds)


class StateCollector(Collector):
    """Gauges read from the database and the queue at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from lianxin.core.models import SmsMessage
        from lianxin.core.outbox import outbox_stats

        try:
            from huey.contrib.djhuey import HUEY

            depth = GaugeMetricFamily("lianxin_queue_depth", "Background tasks waiting in the queue.")
            depth.add_metric([], float(HUEY.pending_count()))
            yield depth
        except Exception:  # noqa: BLE001 - a queue outage must not stop the other metrics
            logger.warning("queue depth unavailable for /metrics", exc_info=True)
        stats = outbox_stats()
        for name, key, text in (
            ("lianxin_outbox_pending", "pending", "Outbox items not done yet."),
            ("lianxin_outbox_failed", "failed", "Outbox items given up after their last attempt."),
            (
                "lianxin_outbox_oldest_pending_seconds",
                "oldest_pending_seconds",
                "Age of the oldest pending item.",
            ),
        ):
            gauge = GaugeMetricFamily(name, text)
            gauge.add_metric([], float(stats[key]))
            yield gauge
        if apps.is_installed("lianxin.demands"):
            demand = apps.get_model("demands", "Demand")
            demands = GaugeMetricFamily("lianxin_demands", "Demands by status.", labels=["status"])
            for row in demand.objects.order_by().values("status").annotate(n=Count("id")):
                demands.add_metric([row["status"]], float(row["n"]))
            yield demands
        sms = GaugeMetricFamily(
            "lianxin_sms_messages", "Text messages by delivery status.", labels=["status"]
        )
        for row in SmsMessage.objects.order_by().values("status").annotate(n=Count("id")):
            sms.add_metric([row["status"]], float(row["n"]))
        yield sms


def registry() -> CollectorRegistry:
    reg = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(reg)
    else:
        reg.register(REQUEST_LATENCY)
    reg.register(StateCollector())
    return reg


def allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "LIANXIN_METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in getattr(settings, "LIANXIN_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"]):
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_response(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
