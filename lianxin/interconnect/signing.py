"""HMAC-SHA256 signatures of every message between Lianxin and outside systems (docs/interconnect.md).

Standard library only, so a receiver may copy this file as it is. A message carries two headers:

    X-Lianxin-Timestamp: 1767225600                   (Unix seconds when it was signed)
    X-Lianxin-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

and the receiver calls `verify(secret, body, timestamp, signature)`, which refuses a bad signature and a
timestamp further than `window` seconds from its clock (a replay of an old message). Webhooks and
callbacks also carry `X-Lianxin-Delivery: <id>`, the same on every retry: receivers drop ids they have seen.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Lianxin-Timestamp"
SIGNATURE_HEADER = "X-Lianxin-Signature"
DELIVERY_HEADER = "X-Lianxin-Delivery"
EVENT_HEADER = "X-Lianxin-Event"
PLATFORM_HEADER = "X-Lianxin-Platform"
DEFAULT_WINDOW = 300


class SignatureError(Exception):
    """The message is not signed by the holder of the secret, or it is too old or too new."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def signature(secret: str, timestamp: str | int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sign(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The two headers that sign `body` now."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str,
    body: bytes,
    timestamp: str | None,
    given: str | None,
    *,
    now: float | None = None,
    window: int = DEFAULT_WINDOW,
) -> None:
    """Raise SignatureError unless `given` is the signature of `body` at `timestamp` and the timestamp is
    within `window` seconds of `now` (codes: missing_signature, bad_timestamp, stale_timestamp,
    bad_signature). The comparison takes constant time."""
    if not timestamp or not given:
        raise SignatureError("missing_signature", "X-Lianxin-Timestamp and X-Lianxin-Signature are required")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureError("bad_timestamp", "X-Lianxin-Timestamp must be Unix seconds")
    clock = time.time() if now is None else now
    if abs(clock - int(timestamp)) > window:
        raise SignatureError("stale_timestamp", f"the timestamp is more than {window} s away: a replay?")
    if not hmac.compare_digest(signature(secret, timestamp, body), given.strip()):
        raise SignatureError("bad_signature", "the signature does not match the body")
