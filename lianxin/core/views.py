from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from lianxin import __version__
from lianxin.core.api import json_error


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - the health check reports any database failure
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor, "version": __version__})


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return json_error(404, "not_found", f"No API endpoint at {request.path}")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return render(request, "core/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error(403, "forbidden", "You do not have permission to perform this action.")
    return render(request, "core/403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error(400, "bad_request", "Bad request.")
    return render(request, "core/400.html", status=400)
