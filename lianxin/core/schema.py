"""A drf-spectacular postprocessing hook (settings.SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): every
operation documents the 401 and 403 answers it can give, where its view did not document them itself.

- 401 and 403 when the view needs credentials (any permission class other than AllowAny) and its
  operation is not public: a signed-in view's own code refuses roles too (services, selectors);
- 403 on a public operation that checks more than AllowAny, or changes something.

The body is the API's error format (`ApiError`: {"error": {"code", "message", "fields"?}}).
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.permissions import AllowAny, IsAuthenticated

ERROR_COMPONENT = "ApiError"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
DESCRIPTIONS = {
    "401": "No credentials, or an expired token.",
    "403": "The caller's role may not do this.",
}


def _shape(path: str) -> str:
    """A path with its parameters unnamed: the schema may call {pk} what the URL pattern calls {id}."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def _permissions(callback: Any) -> list[type]:
    view = getattr(callback, "cls", None)
    if view is None:
        return []
    classes = list(getattr(view, "permission_classes", []) or [])
    # DRF's permission_classes may hold composed permissions (operands of & and |): count them as checks.
    return [c if isinstance(c, type) else type(c) for c in classes]


def _needs(permissions: list[type], method: str, operation: dict[str, Any]) -> set[str]:
    if not permissions or all(p is AllowAny for p in permissions):
        return set()
    public = {} in (operation.get("security") or [])
    if not public:
        return {"401", "403"}  # signed-in views refuse roles in their own code too (services, selectors)
    beyond_login = [p for p in permissions if p not in (IsAuthenticated, AllowAny)]
    return {"403"} if beyond_login or method.upper() not in ("GET", "HEAD", "OPTIONS") else set()


def document_auth_errors(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    used = False
    by_operation: dict[tuple[str, str], Any] = {}
    for endpoint in getattr(generator, "endpoints", None) or []:
        path, _regex, method, callback = endpoint[:4]
        by_operation[(_shape(path), method.lower())] = callback
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            callback = by_operation.get((_shape(path), method))
            if callback is None:
                continue
            responses = operation["responses"]
            for status in sorted(_needs(_permissions(callback), method, operation)):
                if status in responses:
                    continue
                responses[status] = {
                    "description": DESCRIPTIONS[status],
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
                    },
                }
                used = True
    if used and ERROR_COMPONENT not in components:
        components[ERROR_COMPONENT] = ERROR_SCHEMA
    return result
