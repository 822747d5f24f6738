"""Pieces of the OpenAPI documentation every API module repeats: the error answers with an example each,
and the security requirement of the public doors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

# Anyone may call a public door: with a token, a session, or neither (the empty requirement).
PUBLIC_AUTH: list[Any] = [{"tokenAuth": []}, {"cookieAuth": []}, {}]


def _error(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


class ApiErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable English code, e.g. invalid, not_found, permission_denied")
    message = serializers.CharField(help_text="for people, in the request's language")
    fields = serializers.DictField(  # type: ignore[assignment]  # a field named like Serializer.fields: the metaclass moves declared fields out of the class
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="the parameters or fields at fault, each with its messages",
    )


class ApiErrorSerializer(serializers.Serializer):
    error = ApiErrorDetailSerializer()


def error_response(status: int, description: str, example: dict[str, Any]) -> OpenApiResponse:
    return OpenApiResponse(
        response=ApiErrorSerializer,
        description=description,
        examples=[OpenApiExample(f"error {status}", value=example, status_codes=[str(status)])],
    )


BAD_REQUEST = error_response(
    400,
    "A parameter or field is malformed; `fields` names it.",
    _error("invalid", "参数 since 有误：日期应为 YYYY-MM-DD", {"since": ["日期应为 YYYY-MM-DD"]}),
)
UNAUTHORIZED = error_response(
    401, "No credentials (or an expired token).", _error("not_authenticated", "身份认证信息未提供。")
)
FORBIDDEN = error_response(
    403, "The caller's role may not do this.", _error("permission_denied", "您没有执行该操作的权限。")
)
NOT_FOUND = error_response(
    404, "No such record, or one the caller may not see.", _error("not_found", "未找到。")
)
CONFLICT = error_response(
    409, "The change does not fit the record's state.", _error("conflict", "该记录仍被引用，不能删除")
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers of an operation, by status."""
    table = {400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
    return {code: table[code] for code in codes}


def ok_example(name: str, value: Any, *, status: int = 200, summary: str = "") -> OpenApiExample:
    """An example of a successful answer (response only)."""
    return OpenApiExample(
        name, value=value, summary=summary or name, response_only=True, status_codes=[str(status)]
    )


def request_example(name: str, value: Any) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)
