"""Open311 API keys: made once and shown once, stored hashed, revocable, rate-limited per key.

A key reads `<prefix>.<secret>`; the prefix finds the row, the SHA-256 of the whole key must match its
hash. The rate limit is a per-minute counter in the Django cache (`cache.add` then `cache.incr`: atomic
on Redis and in the local-memory cache), so concurrent requests of one client never overwrite each other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.errors import ApplicationError, PermissionDenied
from lianxin.interconnect.models import ApiClient


class Throttled(ApplicationError):
    status = 429
    default_code = "throttled"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, name: str, rate_per_minute: int = 60, note: str = "") -> tuple[ApiClient, str]:
    """A new client and its key (returned once: only its hash is kept)."""
    while True:
        prefix = secrets.token_hex(4)
        if not ApiClient.objects.filter(prefix=prefix).exists():
            break
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    client = ApiClient.objects.create(
        name=name, prefix=prefix, key_hash=_hash(key), rate_per_minute=rate_per_minute, note=note
    )
    return client, key


def api_client_rekey(*, client: ApiClient) -> str:
    """A new key for the client (the old one stops working at once)."""
    prefix = client.prefix
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    ApiClient.objects.filter(pk=client.pk).update(key_hash=_hash(key), revoked_at=None, is_active=True)
    return key


def api_client_revoke(*, client: ApiClient) -> ApiClient:
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["is_active", "revoked_at"])
    return client


def api_key_check(key: str | None) -> ApiClient:
    """The client of a key, or PermissionDenied (403, as the spec says for an invalid api_key)."""
    key = (key or "").strip()
    if not key:
        raise PermissionDenied(_("缺少 api_key"), code="api_key_missing", fields={"api_key": [_("必填")]})
    prefix = key.split(".", 1)[0][:12]
    client = ApiClient.objects.filter(prefix=prefix).first()
    if client is None or not hmac.compare_digest(client.key_hash, _hash(key)):
        raise PermissionDenied(_("api_key 无效"), code="api_key_invalid", fields={"api_key": [_("无效")]})
    if not client.is_active or client.revoked_at is not None:
        raise PermissionDenied(_("api_key 已吊销"), code="api_key_revoked", fields={"api_key": [_("已吊销")]})
    return client


def rate_check(bucket: str, limit: int, *, now: float | None = None) -> None:
    """Count one hit of `bucket` in the current minute; Throttled once the minute holds `limit` hits."""
    minute = int((time.time() if now is None else now) // 60)
    key = f"interconnect:rate:{bucket}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=120)
        hits = 1
    if hits > limit:
        raise Throttled(_("请求过于频繁，请一分钟后再试"), code="throttled")
