"""ETags on API reads: a weak validator of the JSON body, and 304 Not Modified when the client has it.

The tag is computed from the serialised body (the data the view answers, keys sorted), so it changes
exactly when what the caller would read changes — whatever the table, scope, masking or language. The
view still runs its queries; a 304 saves the transfer and the client's parse. Bodies depend on who asks,
so the answer varies on the credentials and the language and may be kept only by the caller's own
cache (`Cache-Control: private, no-cache`: revalidate every time).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

VARY = ("Authorization", "Cookie", "Accept-Language")

# For `extend_schema(parameters=[*ETAG_PARAMETERS, ...], responses={..., 304: NOT_MODIFIED})`.
ETAG_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        description="an ETag of an earlier answer: 304 with no body while the answer is the same",
    ),
    OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        response=[200, 304],
        description='weak validator of the body, e.g. W/"3f2a…"',
    ),
]
NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the `If-None-Match` tag is still current (no body)."
)


def body_etag(data: Any) -> str:
    """A weak ETag of `data` as the API serialises it (DRF's encoder, keys sorted)."""
    text = json.dumps(data, cls=JSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return bytes_etag(text.encode("utf-8"), weak=True)


def bytes_etag(content: bytes, *, weak: bool = False) -> str:
    digest = hashlib.sha256(content).hexdigest()[:32]
    return f'W/"{digest}"' if weak else f'"{digest}"'


def etag_matches(header: str, tag: str) -> bool:
    """Whether an `If-None-Match` header names `tag` (weak comparison, RFC 9110 §13.1.2)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == wanted for part in header.split(","))


def not_modified(tag: str) -> Response:
    response = Response(status=304)
    response["ETag"] = tag
    return response


def _private(response: HttpResponseBase) -> None:
    patch_vary_headers(response, VARY)
    patch_cache_control(response, private=True, no_cache=True)


def conditional(request: Request, response: HttpResponseBase, tag: str) -> HttpResponseBase:
    """`response` with its ETag, or a 304 when the request's `If-None-Match` names the tag."""
    if etag_matches(request.headers.get("If-None-Match", ""), tag):
        response = not_modified(tag)
    response["ETag"] = tag
    _private(response)
    return response


class ETagMixin(APIView):
    """For API views (put it first among the bases): every successful GET/HEAD carries a weak ETag of
    its JSON body and answers 304 to an `If-None-Match` that names it. Other methods and error answers
    are left as they are."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and isinstance(response, Response)
            and not response.exception
            and response.data is not None
        ):
            tag = body_etag(response.data)
            if etag_matches(request.headers.get("If-None-Match", ""), tag):
                response = not_modified(tag)
            response["ETag"] = tag
            _private(response)
        return super().finalize_response(request, response, *args, **kwargs)
