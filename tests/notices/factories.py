"""Notices test data: demands through the demands services (tests.demands.factories), SMS callbacks
through the gateway's door."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.test import Client

from tests.notices.conftest import TOKEN

_ids = itertools.count(1)


def inbound(
    client: Client,
    text: str,
    *,
    phone: str = "13912345678",
    gateway_id: str | None = None,
    token: str = TOKEN,
) -> Any:
    body = {"from": phone, "text": text, "id": gateway_id or f"gw-{next(_ids)}"}
    return client.post(
        "/notices/sms/inbound/",
        data=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def receipt(client: Client, ref: str, status: str, *, error: str = "", token: str = TOKEN) -> Any:
    return client.post(
        "/notices/sms/receipt/",
        data=json.dumps({"id": ref, "status": status, "error": error}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def sent_to(phone: str = "13912345678") -> list[dict[str, str]]:
    from lianxin.core.sms import MemoryBackend

    return [m for m in MemoryBackend.sent if m["phone"] == phone]
