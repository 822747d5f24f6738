"""The gateway's doors (inbound messages, delivery receipts) and the operators' queue of answers."""

from __future__ import annotations

import contextlib
import json
from typing import Any, cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lianxin.accounts.models import Role, User
from lianxin.accounts.permissions import role_required
from lianxin.core.errors import ApplicationError
from lianxin.core.masking import mask_phone
from lianxin.notices import selectors, services
from lianxin.notices.models import InboundSms

MAX_BODY = 16384


def _error(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return JsonResponse({"error": body}, status=status, json_dumps_params={"ensure_ascii": False})


def _gateway_body(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    """The JSON body of an authenticated gateway callback, or the error response."""
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else request.headers.get("X-Sms-Token", "")
    if not services.token_valid(given):
        return _error(403, "forbidden", "bad or missing gateway token")
    if len(request.body) > MAX_BODY:
        return _error(413, "too_large", "body too large")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "invalid", "body is not JSON")
    if not isinstance(body, dict):
        return _error(400, "invalid", "body is not a JSON object")
    return body


@csrf_exempt  # a server-to-server callback authenticated by the shared token, no cookie
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    body = _gateway_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        row, created = services.sms_inbound_receive(
            gateway_id=str(body.get("id") or ""), phone=str(body.get("from") or ""), text=body.get("text")
        )
    except ApplicationError as exc:
        return _error(exc.status, exc.code, exc.message, exc.fields)
    return JsonResponse({"id": row.gateway_id, "state": row.state, "duplicate": not created})


@csrf_exempt  # a server-to-server callback authenticated by the shared token, no cookie
@require_POST
def sms_receipt(request: HttpRequest) -> HttpResponse:
    body = _gateway_body(request)
    if isinstance(body, JsonResponse):
        return body
    try:
        receipt = services.sms_receipt_record(
            ref=str(body.get("id") or ""),
            status=str(body.get("status") or ""),
            detail=str(body.get("error") or ""),
        )
    except ApplicationError as exc:
        return _error(exc.status, exc.code, exc.message, exc.fields)
    return JsonResponse({"id": receipt.ref, "status": receipt.status, "matched": receipt.sms_id is not None})


@role_required(Role.OPERATOR)
def queue(request: HttpRequest) -> HttpResponse:
    rows = [{"row": row, "phone": mask_phone(row.phone)} for row in selectors.inbound_queue()]
    return render(request, "notices/queue.html", {"rows": rows})


@require_POST
@role_required(Role.OPERATOR)
def queue_done(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(InboundSms, pk=pk)
    # handled meanwhile by someone else: the queue simply no longer lists it
    with contextlib.suppress(ApplicationError):
        services.sms_inbound_handled(inbound=row, actor=cast(User, request.user))  # role_required: signed in
    return redirect("notices:queue")
