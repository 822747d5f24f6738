"""Settings of the interconnect app, each with its default here (read once per use, so tests may override).

The lead moves these into `lianxin/settings/base.py`; until then `getattr(settings, name, default)` keeps
the app working with the defaults below.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Open311: the jurisdiction this endpoint serves (requests naming another are refused with 404).
    "LIANXIN_OPEN311_JURISDICTION": "lianxin",
    # Demand types whose requests never show in public GET (举报: the reporter is protected, 保密).
    "LIANXIN_OPEN311_CONFIDENTIAL_TYPES": ["report"],
    # GET requests.json: the default window (days before end_date) and the most rows returned (the spec
    # suggests up to 1000; masking personal data costs ~0.1 ms a row, so 200 keep the p95 low).
    "LIANXIN_OPEN311_WINDOW_DAYS": 90,
    "LIANXIN_OPEN311_MAX_REQUESTS": 200,
    # A point outside every imported polygon falls back to the nearest area centre within this distance.
    "LIANXIN_OPEN311_NEAREST_KM": 10.0,
    # Requests per minute of one anonymous address on the public GET doors (API keys carry their own).
    "LIANXIN_OPEN311_PUBLIC_RATE": 600,
    # Work orders and webhooks: how old a signed timestamp may be (seconds, either way).
    "LIANXIN_INTERCONNECT_REPLAY_WINDOW": 300,
    # Deliveries (webhooks and platform callbacks): backoff base and cap (seconds), attempts before giving up.
    "LIANXIN_INTERCONNECT_RETRY_BASE": 30,
    "LIANXIN_INTERCONNECT_RETRY_CAP": 3600,
    "LIANXIN_INTERCONNECT_MAX_ATTEMPTS": 30,
    # One HTTP attempt's timeout (seconds), and how long a claimed row is leased to one sender.
    "LIANXIN_INTERCONNECT_TIMEOUT": 10.0,
    "LIANXIN_INTERCONNECT_LEASE": 120,
    # Rows one sender pass claims, and the threads it posts them with.
    "LIANXIN_INTERCONNECT_BATCH": 200,
    "LIANXIN_INTERCONNECT_THREADS": 8,
    # How far back the webhook reconciler looks for events without their delivery rows (hours).
    "LIANXIN_INTERCONNECT_RECONCILE_HOURS": 24,
}


def conf(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
