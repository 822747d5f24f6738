"""Rate limits: DRF's scoped throttle, atomic on Redis, for the API and for public pages alike.

The scopes and rates are REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (public_submit, public_track, login,
staff_search); the client is identified as DRF does (the user, else the address behind NUM_PROXIES proxies).

`counter_hit` is the one atomic counter (cache.add + cache.incr, on Redis and in memory alike) for limits
that several doors share, such as the guessing of a demand's query code (`lianxin.demands.selectors`).
"""

from __future__ import annotations

import contextlib
import secrets
from types import SimpleNamespace
from typing import Any, cast

from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCacheClient
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle

from lianxin.core.errors import ApplicationError

_THROTTLE_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, n, oldest[2]}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {1, n + 1, '0'}
"""
# One redis-py client and registered script per connection pool of this process (Django's cache builds
# a new client object, with its table of response callbacks, for every call).
_throttle_scripts: dict[int, tuple[Any, Any]] = {}


def _redis_throttle_script() -> Any:
    backend: Any = getattr(default_cache, "_cache", None)
    if not isinstance(backend, RedisCacheClient):
        return None
    backend = cast(Any, backend)
    pool = backend._get_connection_pool(True)
    entry = _throttle_scripts.get(id(pool))
    if entry is None or entry[0] is not pool:
        client = backend._client(connection_pool=pool)
        entry = _throttle_scripts[id(pool)] = (pool, client.register_script(_THROTTLE_SCRIPT))
    return entry[1]


class AtomicScopedRateThrottle(ScopedRateThrottle):
    """DRF's ScopedRateThrottle — same scopes, rates, client identity and sliding window — kept on Redis
    by one atomic script (a sorted set of hit times): one round trip instead of a get and a set, and
    concurrent hits of one client cannot overwrite each other. Other caches use DRF's code unchanged."""

    def allow_request(self, request, view):  # type: ignore[no-untyped-def]
        script = _redis_throttle_script()
        if script is None:
            return super().allow_request(request, view)
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        allowed, hits, oldest = script(
            keys=[self.cache.make_key(self.key + ":window")],
            args=[repr(self.now), self.duration, self.num_requests, f"{self.now!r}:{secrets.token_hex(4)}"],
        )
        self.history = [float(oldest)] * int(hits)  # what DRF's wait() reads: count and oldest hit
        return bool(int(allowed))


def page_throttled(request: HttpRequest, scope: str) -> HttpResponse | None:
    """The API's rate limit of `scope` on a page: a 429 page saying how long to wait (with
    Retry-After), or None when the request may go on."""
    throttle = AtomicScopedRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    wait = max(1, int(throttle.wait() or 1))
    response = render(request, "core/429.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


# --- atomic attempt counters (guessing of codes) -------------------------------------------------------


class Throttled(ApplicationError):
    """Too many attempts: a 429 in the API's error format (and the 429 page), with the wait in seconds."""

    status = 429
    default_code = "throttled"

    def __init__(self, message: str, *, wait: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.wait = max(1, int(wait))


def counter_hit(key: str, window: int, *, cache: Any = None) -> int:
    """Add one to the counter `key` of a fixed window of `window` seconds and return the new count.

    `cache.add` starts the window (only one of many concurrent callers creates the key) and `cache.incr`
    counts — atomic on Redis (INCR) and on the in-memory cache (under its lock), so concurrent attempts
    from many threads, processes or nodes can never be counted as fewer. A window that ran out between the
    two calls restarts with this attempt."""
    cache = cache or default_cache
    cache.add(key, 0, window)
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 0, window)
        count = int(cache.incr(key))
    if count == 1:
        cache.touch(key, window)  # Redis's INCR of a key that had just expired creates it without a TTL
    return count


def counter_undo(key: str, *, cache: Any = None) -> None:
    """Take back one attempt counted by `counter_hit` (a right answer does not count as a guess)."""
    cache = cache or default_cache
    with contextlib.suppress(ValueError):  # the window ran out meanwhile: nothing to take back
        cache.decr(key)


def rate_of(scope: str, default: str) -> tuple[int, int]:
    """(requests, seconds) of the throttle scope `scope` as DRF's throttles read it (the settings'
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), `default` when the scope is not configured."""
    rate = (ScopedRateThrottle.THROTTLE_RATES or {}).get(scope) or default
    num, period = ScopedRateThrottle().parse_rate(rate)
    return int(num or 0), int(period or 60)


class DefaultRateScopedThrottle(AtomicScopedRateThrottle):
    """An atomic scoped throttle whose scope may be missing from the settings: `default_rates` holds the
    rate then (a scope added by an app before the settings name it)."""

    default_rates = {"staff_search": "120/min"}

    def get_rate(self):  # type: ignore[no-untyped-def]
        rates = getattr(self, "THROTTLE_RATES", {}) or {}
        return rates.get(self.scope) or self.default_rates.get(self.scope or "")


def page_search_throttled(request: HttpRequest, scope: str = "staff_search") -> HttpResponse | None:
    """`page_throttled` for a scope with a default rate (`DefaultRateScopedThrottle`)."""
    throttle = DefaultRateScopedThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    wait = max(1, int(throttle.wait() or 1))
    response = render(request, "core/429.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response
