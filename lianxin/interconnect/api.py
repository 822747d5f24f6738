"""The work-order doors of an upper platform (docs/interconnect.md): signed JSON in, JSON out. Plain
Django views, not DRF: the signature covers the raw body, read before anything parses it. Errors leave in
the API's format `{"error": {"code", "message", "fields"?}}`."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lianxin.core.api import error_body
from lianxin.core.errors import ApplicationError, ValidationFailed
from lianxin.interconnect import signing, workorders
from lianxin.interconnect.models import Platform

MAX_BODY = 256 * 1024


def _platform(request: HttpRequest, body: bytes) -> Platform:
    return workorders.platform_authenticate(
        code=request.headers.get(signing.PLATFORM_HEADER),
        body=body,
        timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
        given=request.headers.get(signing.SIGNATURE_HEADER),
    )


def _error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse(error_body(exc.code, exc.message, exc.fields or None), status=exc.status)


@csrf_exempt
@require_http_methods(["POST"])
def work_order_push(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/interconnect/work-orders/: 201 with the acknowledgement, 200 for a re-push of the same
    order, 400 naming bad fields, 401 for a bad or stale signature, 409 for an order id reused."""
    try:
        body = request.body
        if len(body) > MAX_BODY:
            raise ValidationFailed("body too large", fields={"body": [f"at most {MAX_BODY} bytes"]})
        platform = _platform(request, body)
        try:
            data = json.loads(body)
        except ValueError:
            raise ValidationFailed("body is not JSON", fields={"body": ["not JSON"]}) from None
        order, created = workorders.work_order_receive(platform=platform, data=data)
    except ApplicationError as exc:
        return _error(exc)
    return JsonResponse(workorders.acknowledgement(order), status=201 if created else 200)


@csrf_exempt
@require_http_methods(["GET"])
def work_order_state(request: HttpRequest, order_id: str) -> JsonResponse:
    """GET /api/v1/interconnect/work-orders/{order_id}/: our state of the order (signed, empty body)."""
    try:
        platform = _platform(request, b"")
        return JsonResponse(workorders.work_order_state(platform=platform, order_id=order_id))
    except ApplicationError as exc:
        return _error(exc)
