"""Text messages and phone verification codes.

`sms_send(phone, text, purpose=..., key=...)` writes an `SmsMessage` row (the phone encrypted, never
logged) and an outbox item in the caller's transaction; after commit the outbox hands it to the sender
named by `LIANXIN_SMS_BACKEND` and records the delivery (sent, or failed with the reason, retried by the
outbox). Senders:

- `lianxin.core.sms.MemoryBackend`: keeps messages in `MemoryBackend.sent` (the tests).
- `lianxin.core.sms.ConsoleBackend` (the default): a log line with the phone masked (development).
- `lianxin.core.sms.FileBackend`: appends a JSON line with the phone masked to
  `LIANXIN_SMS_FILE` (default var/sms.log).
- `lianxin.core.sms.HttpGatewayBackend`: POSTs JSON {"phone", "text", "purpose", "ref"} to
  `LIANXIN_SMS_GATEWAY_URL` (with `Authorization: Bearer LIANXIN_SMS_GATEWAY_TOKEN` when set); any 2xx
  is sent, the JSON answer's "id" kept as the gateway's reference.

`phone_code_send` / `phone_code_verify`: a 6-digit code, kept only as a keyed hash, valid
`LIANXIN_PHONE_CODE_TTL` seconds (10 minutes), locked after 5 wrong tries, one send per
`LIANXIN_PHONE_CODE_INTERVAL` seconds (60) and at most `LIANXIN_PHONE_CODE_HOURLY` (5) an hour per phone
and purpose. Call `phone_code_verify` outside an atomic block that a failure would roll back: the
count of wrong tries must be kept when it raises.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from lianxin.core.crypto import normalise_phone, phone_index
from lianxin.core.errors import ValidationFailed
from lianxin.core.masking import mask_phone
from lianxin.core.models import PhoneCode, SmsMessage, SmsStatus
from lianxin.core.outbox import outbox_add, outbox_handler

logger = logging.getLogger("lianxin.sms")

SMS_TASK = "core.sms"
CODE_LENGTH = 6
MAX_CODE_ATTEMPTS = 5
__all__ = ["phone_code_send", "phone_code_verify", "sms_send"]


class SmsSender(Protocol):
    def send(self, message: SmsMessage) -> str:
        """Deliver or raise; returns the gateway's reference (may be empty)."""


class MemoryBackend:
    sent: ClassVar[list[dict[str, str]]] = []

    def send(self, message: SmsMessage) -> str:
        MemoryBackend.sent.append({"phone": message.phone, "text": message.text, "purpose": message.purpose})
        return f"memory-{len(MemoryBackend.sent)}"


class ConsoleBackend:
    def send(self, message: SmsMessage) -> str:
        logger.info("SMS (%s) to %s: %s", message.purpose, mask_phone(message.phone), message.text)
        return ""


class FileBackend:
    def send(self, message: SmsMessage) -> str:
        path = Path(getattr(settings, "LIANXIN_SMS_FILE", "") or settings.VAR_DIR / "sms.log")
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "at": timezone.now().isoformat(),
            "phone": mask_phone(message.phone),
            "purpose": message.purpose,
            "text": message.text,
        }
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return ""


class GatewayError(Exception):
    pass


class HttpGatewayBackend:
    def send(self, message: SmsMessage) -> str:
        url = getattr(settings, "LIANXIN_SMS_GATEWAY_URL", "")
        if not url.startswith(("http://", "https://")):
            raise GatewayError("LIANXIN_SMS_GATEWAY_URL is not an http(s) address")
        body = json.dumps(
            {"phone": message.phone, "text": message.text, "purpose": message.purpose, "ref": message.key},
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        token = getattr(settings, "LIANXIN_SMS_GATEWAY_TOKEN", "")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        timeout = float(getattr(settings, "LIANXIN_SMS_GATEWAY_TIMEOUT", 10))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL checked above
                raw = response.read(65536)
                status = response.status
        except OSError as exc:  # URLError, HTTPError (4xx/5xx), timeouts
            raise GatewayError(
                f"gateway refused or unreachable: {type(exc).__name__} {getattr(exc, 'code', '')}"
            ) from None
        if not 200 <= status < 300:
            raise GatewayError(f"gateway answered {status}")
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        return str(answer.get("id", ""))[:100] if isinstance(answer, dict) else ""


def sms_backend() -> SmsSender:
    path = getattr(settings, "LIANXIN_SMS_BACKEND", "lianxin.core.sms.ConsoleBackend")
    return import_string(path)()


def sms_send(phone: str, text: str, *, purpose: str, key: str) -> None:
    """Send `text` to `phone` after the caller's transaction commits; idempotent on `key`."""
    digits = normalise_phone(phone)
    if not 5 <= len(digits) <= 15:
        raise ValidationFailed(
            _("手机号码格式不正确"), code="bad_phone", fields={"phone": [_("手机号码格式不正确")]}
        )
    if not text.strip():
        raise ValueError("an SMS needs a text")
    with transaction.atomic():
        sms, created = SmsMessage.objects.get_or_create(
            key=key[:200],
            defaults={
                "phone": digits,
                "phone_hash": phone_index(digits),
                "text": text,
                "purpose": purpose[:60],
            },
        )
        if created:
            outbox_add(SMS_TASK, key=f"sms:{sms.pk}", payload={"sms_id": sms.pk})


@outbox_handler(SMS_TASK)
def sms_deliver(payload: dict[str, Any]) -> None:
    """The outbox handler: send one message unless it was sent; record the outcome; raise to retry."""
    sms = SmsMessage.objects.filter(pk=payload["sms_id"]).first()
    if sms is None or sms.status == SmsStatus.SENT:
        return
    backend = sms_backend()
    name = type(backend).__name__
    try:
        ref = backend.send(sms)
    except Exception as exc:
        SmsMessage.objects.filter(pk=sms.pk).update(
            status=SmsStatus.FAILED,
            backend=name,
            attempts=F("attempts") + 1,
            error=f"{type(exc).__name__}: {exc}"[:300],
        )
        raise
    SmsMessage.objects.filter(pk=sms.pk).update(
        status=SmsStatus.SENT,
        backend=name,
        attempts=F("attempts") + 1,
        error="",
        gateway_ref=ref or "",
        sent_at=timezone.now(),
    )


# --- Verification codes --------------------------------------------------------------------------------


def _code_hash(phone_hash: str, purpose: str, code: str) -> str:
    key = hashlib.sha256(("lianxin-phone-code:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{phone_hash}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def phone_code_send(phone: str, *, purpose: str) -> None:
    """Send a fresh 6-digit code to `phone` for `purpose` (resends throttled); earlier codes stop working."""
    digits = normalise_phone(phone)
    if not 5 <= len(digits) <= 15:
        raise ValidationFailed(
            _("手机号码格式不正确"), code="bad_phone", fields={"phone": [_("手机号码格式不正确")]}
        )
    index = phone_index(digits)
    now = timezone.now()
    with transaction.atomic():
        recent = PhoneCode.objects.filter(phone_hash=index, purpose=purpose)
        last = recent.order_by("-created_at").first()
        interval = _setting("LIANXIN_PHONE_CODE_INTERVAL", 60)
        if last is not None and (now - last.created_at).total_seconds() < interval:
            message = _("验证码发送过于频繁，请稍后再试")
            raise ValidationFailed(message, code="too_soon", fields={"phone": [message]})
        if recent.filter(created_at__gte=now - timedelta(hours=1)).count() >= _setting(
            "LIANXIN_PHONE_CODE_HOURLY", 5
        ):
            message = _("验证码发送次数过多，请一小时后再试")
            raise ValidationFailed(message, code="too_soon", fields={"phone": [message]})
        recent.filter(used_at__isnull=True).update(used_at=now)  # an older code stops working
        code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
        ttl = _setting("LIANXIN_PHONE_CODE_TTL", 600)
        row = PhoneCode.objects.create(
            phone_hash=index,
            purpose=purpose,
            code_hash=_code_hash(index, purpose, code),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
        text = _("【%(site)s】您的验证码是%(code)s，%(minutes)s分钟内有效。请勿告诉他人。") % {
            "site": settings.LIANXIN_SITE_NAME,
            "code": code,
            "minutes": max(1, ttl // 60),
        }
        sms_send(digits, text, purpose=f"code:{purpose}", key=f"phone-code:{row.pk}")


def phone_code_verify(phone: str, code: str, *, purpose: str) -> None:
    """Accept the latest code sent to `phone` for `purpose` once; raise ValidationFailed otherwise
    ("bad_code", "code_expired", "too_many_attempts")."""
    index = phone_index(phone)
    now = timezone.now()
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone_hash=index, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            error = ("bad_code", _("验证码不正确"))
        elif row.attempts >= MAX_CODE_ATTEMPTS:
            error = ("too_many_attempts", _("验证码错误次数过多，请重新获取"))
        elif row.expires_at <= now:
            error = ("code_expired", _("验证码已过期，请重新获取"))
        elif not hmac.compare_digest(row.code_hash, _code_hash(index, purpose, (code or "").strip())):
            PhoneCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            tries_left = MAX_CODE_ATTEMPTS - row.attempts - 1
            error = ("bad_code", _("验证码不正确") if tries_left else _("验证码错误次数过多，请重新获取"))
        else:
            PhoneCode.objects.filter(pk=row.pk).update(used_at=now)
            return
    code_name, message = error
    raise ValidationFailed(message, code=code_name, fields={"code": [message]})
