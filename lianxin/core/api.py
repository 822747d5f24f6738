"""API plumbing shared by every app: the JSON error format of contract.md and pagination."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lianxin.core.errors import ApplicationError

# Every 4xx of the API has this body (see `error_body`); views list it in their schema responses.
ERROR = OpenApiResponse(description='`{"error": {"code", "message", "fields"?}}`')


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _flatten_detail(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _flatten_detail(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [str(x) if not isinstance(x, dict | list) else _flatten_detail(x) for x in detail]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every 4xx leaves as `{"error": {"code", "message", "fields"?}}`."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields or None), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else None
        return Response(
            error_body("invalid", "; ".join(exc.messages), fields), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_detail(exc.detail)
        if isinstance(fields, dict):
            message = _("以下字段有误：%(fields)s") % {"fields": ", ".join(fields)}
        else:
            fields = {"non_field_errors": fields}
            message = "; ".join(fields["non_field_errors"])
        response.data = error_body("invalid", message, fields)
    else:
        code = getattr(exc, "default_code", "error")
        detail = getattr(exc, "detail", str(exc))
        if isinstance(exc, exceptions.Throttled):
            code = "throttled"
        response.data = error_body(str(code), str(detail))
    return response


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)
