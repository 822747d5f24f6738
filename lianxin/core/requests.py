"""The client's address, the one way every part of Lianxin reads it (login throttling, view counting).

Behind `NUM_PROXIES` reverse proxies (REST_FRAMEWORK setting, from LIANXIN_NUM_PROXIES) the address is
taken from X-Forwarded-For as those proxies appended it, exactly as DRF's throttles do; with 0 proxies
the header is ignored, so a client cannot choose its own address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    num_proxies = int(str(settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            return addresses[-min(num_proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
