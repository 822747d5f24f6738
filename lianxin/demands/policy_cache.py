"""The active deadline policies (时限规则), cached per process and kept in step across processes.

Every submission needs the active policies; they change rarely (admin 时限规则). Each process keeps
them in memory. A change (post_save/post_delete of DeadlinePolicy, connected in apps.py) forgets this process's
copy at once and bumps a version number in the shared cache, now and again after commit; other
processes and nodes re-read that version at most every POLICY_VERSION_CHECK_SECONDS, so they follow
within that time. A connection whose open transaction changed policies reads the table directly
(its uncommitted rows are never cached, so a rollback leaves no trace).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from lianxin.demands.models import DeadlinePolicy

POLICY_VERSION_KEY = "demands:deadline-policies:version"
POLICY_VERSION_CHECK_SECONDS = 1.0
_policy_lock = threading.Lock()
_policy_state: dict[str, Any] = {"rows": None, "version": None, "checked": 0.0, "epoch": 0}
# connection → its outermost atomic block whose transaction changed policies
_dirty: weakref.WeakKeyDictionary[Any, weakref.ref[Any]] = weakref.WeakKeyDictionary()


def _dirty_here() -> bool:
    """Whether this connection's open transaction changed policies (then it must not use the cache)."""
    conn = connections[DEFAULT_DB_ALIAS]
    ref = _dirty.get(conn)
    if ref is None:
        return False
    if conn.in_atomic_block and conn.atomic_blocks and conn.atomic_blocks[0] is ref():
        return True
    _dirty.pop(conn, None)  # that transaction ended (rolled back: no commit hook ran)
    return False


def active_policies() -> list[DeadlinePolicy]:
    """The active DeadlinePolicy rows, from this process's copy when it is current."""
    if _dirty_here():
        return list(DeadlinePolicy.objects.filter(is_active=True))
    state = _policy_state
    now = time.monotonic()
    with _policy_lock:
        rows, epoch = state["rows"], state["epoch"]
        fresh = rows is not None and now - state["checked"] < POLICY_VERSION_CHECK_SECONDS
    if fresh:
        return rows
    version = cache.get(POLICY_VERSION_KEY)
    with _policy_lock:
        if rows is not None and version == state["version"] and epoch == state["epoch"]:
            state["checked"] = now
            return rows
    loaded = list(DeadlinePolicy.objects.filter(is_active=True))
    with _policy_lock:
        if epoch == state["epoch"]:  # no change signalled in this process meanwhile
            state.update(rows=loaded, version=version, checked=now)
    return loaded


def _policies_forget() -> None:
    with _policy_lock:
        _policy_state.update(rows=None, version=None, checked=0.0, epoch=_policy_state["epoch"] + 1)
    cache.set(POLICY_VERSION_KEY, time.time_ns(), timeout=None)


def policies_changed(*, using: str | None = None, **_: object) -> None:
    """Signal receiver for DeadlinePolicy saves and deletes."""
    using = using or DEFAULT_DB_ALIAS
    _policies_forget()
    conn = connections[using]
    if conn.in_atomic_block and conn.atomic_blocks:
        _dirty[conn] = weakref.ref(conn.atomic_blocks[0])

        def committed() -> None:
            _dirty.pop(conn, None)
            _policies_forget()

        transaction.on_commit(committed, using=using)
