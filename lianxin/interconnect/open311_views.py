"""The Open311 GeoReport v2 doors at /open311/v2/ (`open311_urls.py`), each in .json and .xml. Thin:
parse, call `open311`, render. Errors leave in the spec's format: a list of {code, description} (JSON) or
<errors><error><code/><description/></error></errors> (XML), one per bad parameter."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from lianxin.core.errors import ApplicationError, NotFound
from lianxin.core.requests import client_ip
from lianxin.interconnect import keys, open311
from lianxin.interconnect.conf import conf

CHANGESET = "2026-12-01T00:00:00Z"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
SINGULAR = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _xml_value(node, SINGULAR.get(name, "item"), item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(node, key, inner)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def render(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """`data` (a list of rows under `root`, or one object named `root`) as JSON or as the spec's XML."""
    if fmt == "json":
        import json

        body = json.dumps(data, ensure_ascii=False)
    else:
        tree = ET.Element(root)
        if isinstance(data, list):
            for item in data:
                _xml_value(tree, SINGULAR.get(root, "item"), item)
        else:
            for key, inner in data.items():
                _xml_value(tree, key, inner)
        body = ET.tostring(tree, encoding="unicode")
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + body
    return HttpResponse(body.encode(), status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, exc: ApplicationError) -> HttpResponse:
    items = [
        {"code": exc.status, "description": f"{name}: {'; '.join(msgs)}"} for name, msgs in exc.fields.items()
    ]
    if not items:
        items = [{"code": exc.status, "description": exc.message}]
    response = render(fmt, "errors", items, status=exc.status)
    if exc.status == 429:
        response["Retry-After"] = "60"
    return response


def _door(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Checks jurisdiction_id, rate-limits anonymous reads, and renders ApplicationErrors in the spec's form."""

    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            params = request.POST if request.method == "POST" else request.GET
            jurisdiction = (params.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
            if jurisdiction and jurisdiction != conf("LIANXIN_OPEN311_JURISDICTION"):
                raise NotFound(
                    _("jurisdiction_id %(j)s 不在本服务范围") % {"j": jurisdiction},
                    fields={"jurisdiction_id": [_("未知辖区")]},
                )
            if request.method == "GET":
                keys.rate_check(f"ip:{client_ip(request)}", int(conf("LIANXIN_OPEN311_PUBLIC_RATE")))
            return view(request, fmt, **kwargs)
        except ApplicationError as exc:
            return error_response(fmt, exc)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


@require_http_methods(["GET"])
@_door
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = (
        request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    )
    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("请联系 12345 热线中心"),
            "key_service": _("API key 由系统管理员在后台「Open311 客户端」中发放"),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@require_http_methods(["GET"])
@_door
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [open311.service_row(s) for s in open311.services_active()])


@require_http_methods(["GET"])
@_door
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    return render(fmt, "service_definition", open311.service_definition(open311.service_get(code)))


@require_http_methods(["GET", "POST"])
@_door
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        client = keys.api_key_check(request.POST.get("api_key"))
        keys.rate_check(f"key:{client.pk}", client.rate_per_minute)
        posted = open311.request_post(
            client=client,
            params=request.POST,
            idempotency_key=request.headers.get("Idempotency-Key", "")[:100],
        )
        row = {
            "service_request_id": posted.demand.ticket_no,
            "token": posted.token,
            "service_notice": "",
            "account_id": request.POST.get("account_id", ""),
        }
        return render(fmt, "service_requests", [row], status=201)
    filters = open311.RequestFilters.parse(request.GET)
    return render(fmt, "service_requests", open311.requests_list(filters=filters))


@require_http_methods(["GET"])
@_door
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    return render(fmt, "service_requests", [open311.request_get(request_id)])


@require_http_methods(["GET"])
@_door
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    return render(fmt, "service_requests", [open311.token_get(token)])
