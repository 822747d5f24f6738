"""The view counter (本文已影响 N 人): real reads, buffered in the cache, flushed to the database by the worker.

Per counted read (never a database write):
  * `seen:<article>:<reader>` is `add`-ed with a TTL — only the first read in the window counts;
  * `pending:<article>` is incremented atomically (Redis INCR; a lock on the locmem cache; a file lock on
    the file cache) — the increments not yet in the database;
  * `total:<article>` is incremented atomically — the number shown (stored + pending), initialised
    from the database the first time it is needed;
  * when `pending` goes from 0 to 1 the article id is appended to a journal (`journal:<n>`, with `n`
    from an atomic sequence), so the flush finds the articles with pending reads without scanning.

`views_flush()` (the periodic task) walks the journal from its cursor, and for each article reads
`pending`, adds it to `Article.view_count` with an F() update, and atomically decrements `pending` by the
amount it stored; reads that arrived meanwhile stay pending and the id goes back on the journal. No
increment is lost or counted twice across web nodes, and concurrent flushes are excluded by a lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from lianxin.core.requests import client_ip
from lianxin.portal.models import Article

PREFIX = "portal:views"
READER_COOKIE = "lxr"
BOT_UA = re.compile(
    r"bot|crawl|spider|slurp|curl|wget|python-requests|python-urllib|httpclient|go-http|java/|libwww|"
    r"scrapy|headless|phantom|facebookexternalhit|bingpreview|monitor|uptime|check|preview|feedfetcher|"
    r"baiduspider|sogou|yisouspider|360spider|bytespider|petalbot",
    re.IGNORECASE,
)


def window_seconds() -> int:
    return int(settings.LIANXIN_PORTAL_VIEW_WINDOW)


def _cache_dir(cache: FileBasedCache) -> Path:
    # The directory the file cache was made with (Django keeps it in a private attribute).
    return Path(cast(Any, cache)._dir)


class CounterStore:
    """The cache operations the counter needs, made atomic on every supported backend."""

    def __init__(self, cache: BaseCache):
        self.cache = cache
        self._lock_path: Path | None = None
        if isinstance(cache, FileBasedCache):
            self._lock_path = _cache_dir(cache) / ".portal-counter.lock"

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        # The file cache implements incr as get+set; several gunicorn workers share the directory,
        # so serialise the read-modify-write with an OS lock.
        if self._lock_path is None:
            yield
            return
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def incr(self, key: str, delta: int = 1) -> int:
        with self._file_lock():
            try:
                return int(self.cache.incr(key, delta))
            except ValueError:
                if self.cache.add(key, delta, timeout=None):
                    return delta
                return int(self.cache.incr(key, delta))

    def init_and_incr(self, key: str, initial: Any, delta: int = 1) -> int:
        """Increment `key`, first setting it to `initial()` if it is missing."""
        with self._file_lock():
            try:
                return int(self.cache.incr(key, delta))
            except ValueError:
                if self.cache.add(key, int(initial()) + delta, timeout=None):
                    return int(self.cache.get(key))
                return int(self.cache.incr(key, delta))

    def add(self, key: str, value: Any, timeout: int | None) -> bool:
        return bool(self.cache.add(key, value, timeout=timeout))

    def get(self, key: str, default: Any = None) -> Any:
        return self.cache.get(key, default)

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        return self.cache.get_many(keys)

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        self.cache.set(key, value, timeout=timeout)

    def delete_many(self, keys: list[str]) -> None:
        self.cache.delete_many(keys)


_dedicated: dict[str, CounterStore] = {}


def store() -> CounterStore:
    """The counters' cache. On Redis it is the default cache. The file and local-memory caches cull
    entries at random once they hold MAX_ENTRIES (300 by default), which would drop pending counts, so
    there the counters get their own instance without that limit (the many reader marks stay in the
    default cache, where culling one merely lets a reload count)."""
    cache = caches["default"]
    if isinstance(cache, FileBasedCache):
        location = str(_cache_dir(cache)).rstrip("/") + "-portal-counter"
        if location not in _dedicated:
            _dedicated[location] = CounterStore(
                FileBasedCache(location, {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 10**9}})
            )
        return _dedicated[location]
    if isinstance(cache, LocMemCache):
        if "locmem" not in _dedicated:
            _dedicated["locmem"] = CounterStore(
                LocMemCache("lianxin-portal-counter", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 10**9}})
            )
        return _dedicated["locmem"]
    return CounterStore(cache)


def _key(kind: str, *parts: object) -> str:
    return ":".join([PREFIX, kind, *map(str, parts)])


def is_bot(user_agent: str) -> bool:
    ua = (user_agent or "").strip()
    return not ua or len(ua) < 12 or bool(BOT_UA.search(ua))


def client_fingerprint(request: HttpRequest) -> str:
    ip = client_ip(request)
    raw = f"{ip}|{request.META.get('HTTP_USER_AGENT', '')}|{request.META.get('HTTP_ACCEPT_LANGUAGE', '')}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def new_reader_token() -> str:
    return secrets.token_urlsafe(12)


def valid_reader_token(value: str | None) -> bool:
    return bool(value) and 8 <= len(value or "") <= 32 and re.fullmatch(r"[-\w]+", value or "") is not None


def stored_count(article_id: int) -> int:
    return Article.objects.filter(pk=article_id).values_list("view_count", flat=True).first() or 0


def total_key(article_id: int) -> str:
    return _key("total", article_id)


# Counting one read on Redis, shared by both scripts below: mark the reader seen (and the cookie about to
# be set), add the read to `pending` (journalling the article when it had none), and return the new total:
# -1 when the reader was already counted, -2 when the total still has to be initialised.
_REDIS_COUNT_READ = """
local function count_read(seen, extra_seen, pending, seq, total, ttl, journal, article_id)
  if not redis.call('SET', seen, 1, 'NX', 'EX', ttl) then return -1 end
  if extra_seen ~= '' then redis.call('SET', extra_seen, 1, 'NX', 'EX', ttl) end
  if redis.call('INCR', pending) == 1 then
    local n = redis.call('INCR', seq)
    redis.call('SET', journal .. n, article_id)
  end
  if redis.call('EXISTS', total) == 1 then return redis.call('INCR', total) end
  return -2
end
"""
# The whole of view_record in one round trip on Redis (atomic, as a script); returns what count_read does.
_REDIS_RECORD = (
    _REDIS_COUNT_READ
    + """
return count_read(KEYS[1], ARGV[4], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3])
"""
)
# The article page read in one round trip on Redis: the cached page (stored raw as b"<slug>\n<html>"),
# and — when the page is there, its slug is the requested one and the read is to be counted — count_read,
# as _REDIS_RECORD does. Returns {page or '', status, total}: status 1 counted, 0 not counted (seen before, or not
# asked), -3 no cached page (nothing done), -4 the page's slug differs (nothing counted); total -2 when it
# still has to be initialised.
_REDIS_PAGE_READ = (
    _REDIS_COUNT_READ
    + """
local page = redis.call('GET', KEYS[1])
if not page then return {'', -3, -2} end
local head = ARGV[1] .. '\\n'
if string.sub(page, 1, #head) ~= head then return {page, -4, -2} end
if ARGV[2] == '1' then
  local total = count_read(KEYS[2], ARGV[6], KEYS[3], KEYS[4], KEYS[5], ARGV[3], ARGV[4], ARGV[5])
  if total ~= -1 then return {page, 1, total} end
end
local t = redis.call('GET', KEYS[5])
if t then return {page, 0, tonumber(t)} end
return {page, 0, -2}
"""
)
# One redis-py client (and its registered scripts) per connection pool of this process: Django's cache
# builds a new client object, with its table of ~300 response callbacks, for every call.
_redis_clients: dict[int, tuple[Any, Any, dict[str, Any]]] = {}


def _redis() -> tuple[Any, dict[str, Any]] | None:
    """(client, scripts) when the default cache is Redis, else None."""
    backend: Any = getattr(default_cache, "_cache", None)
    if not isinstance(backend, RedisCacheClient):
        return None
    backend = cast(Any, backend)  # Django's private pool and client class: the same objects it uses
    pool = backend._get_connection_pool(True)
    entry = _redis_clients.get(id(pool))
    if entry is None or entry[0] is not pool:
        client = backend._client(connection_pool=pool)
        scripts = {
            "record": client.register_script(_REDIS_RECORD),
            "page": client.register_script(_REDIS_PAGE_READ),
        }
        entry = _redis_clients[id(pool)] = (pool, client, scripts)
    return entry[1], entry[2]


def _total_after_count(article_id: int) -> int:
    """The total for a read just counted while `total` did not exist yet: initialise it from the database."""
    pending = int(default_cache.get(_key("pending", article_id)) or 1)
    return store().init_and_incr(total_key(article_id), lambda: stored_count(article_id) + pending - 1)


def _redis_record(article_id: int, seen: str, extra_seen: str | None) -> int | None | bool:
    """The Redis fast path; returns False when the default cache is not Redis."""
    redis = _redis()
    if redis is None:
        return False
    mk = default_cache.make_key
    result = int(
        redis[1]["record"](
            keys=[mk(seen), mk(_key("pending", article_id)), mk(_key("seq")), mk(total_key(article_id))],
            args=[
                window_seconds(),
                mk(_key("journal", "")),
                article_id,
                mk(extra_seen) if extra_seen else "",
            ],
        )
    )
    if result == -1:
        return None
    if result == -2:
        return _total_after_count(article_id)
    return result


def _seen_keys(
    article_id: int, reader: str | None, fingerprint: Callable[[], str], new_reader: str | None
) -> tuple[str, str | None]:
    if reader:
        return _key("seen", article_id, "r", reader), None
    return (
        _key("seen", article_id, "f", fingerprint()),
        _key("seen", article_id, "r", new_reader) if new_reader else None,
    )


@dataclass(frozen=True)
class PageRead:
    page: bytes | None  # b"<slug>\n<html>" as stored by page_store; None: not cached
    checked: bool  # the read was counted or found not countable (page cached, slug right)
    total: int | None  # the number to show when checked (None: ask views_total)


def page_read(
    *,
    article_id: int,
    page_key: str,
    slug: str,
    count: bool,
    reader: str | None,
    fingerprint: Callable[[], str],
    new_reader: str | None,
) -> PageRead | None:
    """On Redis, fetch the cached page and count the read in one round trip; None on other caches."""
    redis = _redis()
    if redis is None:
        return None
    mk = default_cache.make_key
    seen, extra_seen = _seen_keys(article_id, reader, fingerprint, new_reader) if count else ("-", None)
    page, status, total = redis[1]["page"](
        keys=[
            mk(page_key),
            mk(seen),
            mk(_key("pending", article_id)),
            mk(_key("seq")),
            mk(total_key(article_id)),
        ],
        args=[
            slug,
            "1" if count else "0",
            window_seconds(),
            mk(_key("journal", "")),
            article_id,
            mk(extra_seen) if extra_seen else "",
        ],
    )
    status, total = int(status), int(total)
    if status == -3:
        return PageRead(None, False, None)
    if status == -4:
        return PageRead(page, False, None)
    if total == -2:
        return PageRead(page, True, _total_after_count(article_id) if status == 1 else None)
    return PageRead(page, True, total)


def page_store(page_key: str, page: bytes, timeout: int) -> None:
    redis = _redis()
    if redis is None:
        default_cache.set(page_key, page, timeout)
    else:
        redis[0].set(default_cache.make_key(page_key), page, ex=timeout)


def page_get(page_key: str) -> bytes | None:
    """The cached page on caches other than Redis (there page_read fetches it)."""
    return default_cache.get(page_key)


def view_record(
    *, article_id: int, reader: str | None, fingerprint: str, new_reader: str | None
) -> int | None:
    """Count one read of `article_id`; returns the new total if it counted, None if not.

    `reader` is the reader's cookie token when the browser sent one; without it the read is
    de-duplicated by `fingerprint` (address + user agent), and `new_reader` (the token about to be set
    as a cookie) is marked seen too, so that the reload which carries the new cookie does not count.
    """
    seen, extra_seen = _seen_keys(article_id, reader, lambda: fingerprint, new_reader)
    fast = _redis_record(article_id, seen, extra_seen)
    if fast is not False:
        return fast  # type: ignore[return-value]
    s = store()
    ttl = window_seconds()
    if not default_cache.add(seen, 1, ttl):
        return None
    if extra_seen:
        default_cache.add(extra_seen, 1, ttl)
    pending = s.incr(_key("pending", article_id))
    if pending == 1:
        _journal_append(s, article_id)
    return s.init_and_incr(total_key(article_id), lambda: stored_count(article_id) + pending - 1)


def _journal_append(s: CounterStore, article_id: int) -> None:
    n = s.incr(_key("seq"))
    s.set(_key("journal", n), article_id, timeout=None)


def views_total(article_id: int, *, cached: Any = None) -> int:
    """The number to show: stored + pending, from the cache (initialised from the database once)."""
    if cached is not None:
        return int(cached)
    s = store()
    value = s.get(total_key(article_id))
    if value is not None:
        return int(value)
    pending = int(s.get(_key("pending", article_id)) or 0)
    value = stored_count(article_id) + pending
    s.add(total_key(article_id), value, timeout=None)
    return int(s.get(total_key(article_id), value))


def views_pending(article_id: int) -> int:
    return int(store().get(_key("pending", article_id)) or 0)


def views_flush(*, batch: int = 500) -> int:
    """Move pending reads into Article.view_count; returns how many reads were stored."""
    s = store()
    lock = _key("flush-lock")
    if not s.add(lock, 1, 300):
        return 0
    stored = 0
    try:
        while True:
            cursor = int(s.get(_key("cursor")) or 0)
            seq = int(s.get(_key("seq")) or 0)
            if cursor >= seq:
                break
            upto = min(seq, cursor + batch)
            journal_keys = [_key("journal", n) for n in range(cursor + 1, upto + 1)]
            entries = s.get_many(journal_keys)
            article_ids = sorted({int(v) for v in entries.values()})
            for article_id in article_ids:
                pending_key = _key("pending", article_id)
                amount = int(s.get(pending_key) or 0)
                if amount <= 0:
                    continue
                with transaction.atomic():
                    Article.objects.filter(pk=article_id).update(view_count=F("view_count") + amount)
                remaining = s.incr(pending_key, -amount)
                stored += amount
                if remaining > 0:
                    _journal_append(s, article_id)
            s.set(_key("cursor"), upto, timeout=None)
            s.delete_many(journal_keys)
    finally:
        s.delete_many([lock])
    return stored
