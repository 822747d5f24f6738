"""Lianxin's own middleware: the language of the UI, the error pages of page views, request limits,
security headers and metrics."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin

from lianxin.core.errors import ApplicationError
from lianxin.core.views import ErrorPage, error_page, page_not_found

access_log = logging.getLogger("lianxin.access")

# Every technical 404 page of Django (an unmatched URL, or Http404 under DEBUG) says this; none of ours.
TECHNICAL_404_MARK = b"<code>DEBUG = True</code>"


class LanguageMiddleware(LocaleMiddleware):
    """Chinese (zh-hans) unless the user chose another language.

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show an English UI to
    every Chinese civil servant whose browser happens to be set to English. Lianxin speaks Chinese by
    default; the language switch in the page header sets a cookie, and only that changes the language.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def _is_technical_404(response: HttpResponseBase) -> bool:
    return (
        response.status_code == 404
        and not isinstance(response, ErrorPage)
        and isinstance(response, HttpResponse)  # not a streaming or file response
        and response.get("Content-Type", "").startswith("text/html")
        and TECHNICAL_404_MARK in response.content
    )


class ApplicationErrorMiddleware(MiddlewareMixin):
    """Page views let the `ApplicationError`s of services go (ValidationFailed 400, PermissionDenied 403,
    NotFound 404, Conflict 409) and the user gets Lianxin's page for that status showing the error's
    message. The API is left alone: DRF catches its errors inside the view and
    `lianxin.core.api.exception_handler` gives them their JSON body, so they never get here (and a path
    under /api/ is never given an HTML page).

    Under DEBUG, Django answers a 404 with its technical page listing every URL pattern, before any
    `process_exception` runs for an unmatched URL; that page is replaced by ours (still a 404, so
    CommonMiddleware's APPEND_SLASH redirect, which runs after this, still sees it).
    Goes right after MessageMiddleware, inside CommonMiddleware.
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        return error_page(request, exception.status, exception.message)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if settings.DEBUG and _is_technical_404(response):
            return page_not_found(request)
        return response


class RequestLimitsMiddleware:
    """Every door: a JSON body over the size limit or nested past the depth limit is refused with a 400
    before any view parses it (lianxin.core.limits), and control characters are dropped from the fields
    of forms. Goes right after WhiteNoise, before the session and CSRF middleware read the form."""

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            refused = self._check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponseBase | None:
        from lianxin.core.limits import json_depth_over, max_bytes, max_depth, stripped_querydict

        content_type = request.content_type or ""
        if content_type == "application/json" or content_type.endswith("+json"):
            length = request.META.get("CONTENT_LENGTH") or "0"
            if length.isdigit() and int(length) > max_bytes():
                return _refuse(request, 413, "too_large", f"JSON body larger than {max_bytes()} bytes.")
            if json_depth_over(request.body, max_depth()):
                return _refuse(request, 400, "too_deep", f"JSON nested deeper than {max_depth()} levels.")
        elif content_type in self.FORM_TYPES:
            request.POST = stripped_querydict(request.POST)  # type: ignore[misc,assignment]
        return None


def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponseBase:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        from lianxin.core.api import error_body

        return JsonResponse(error_body(code, message, {"body": [message]}), status=status)
    # Before the session and authentication middleware: a plain answer, not a page needing the user.
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class SecurityHeadersMiddleware:
    """The Content-Security-Policy of every response (lianxin.core.csp), with a fresh nonce per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from lianxin.core.csp import new_nonce, policy

        nonce = new_nonce()
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy(nonce, path=request.path)
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("X-Content-Type-Options", "nosniff")
        return response


class MetricsMiddleware:
    """Answers /metrics for the allowed (lianxin.core.metrics), times every other request by its URL
    pattern, and writes the access log line: method, path without the query string, status, time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        import time

        from lianxin.core import metrics

        if request.path == "/metrics":
            if not metrics.allowed(request):
                return HttpResponse(status=404)
            return metrics.metrics_response(request)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            route = ("/" + match.route) if match is not None and match.route else "unmatched"
            try:
                metrics.observe(request.method or "", route, status, elapsed)
            except Exception:  # noqa: BLE001 - metrics never break a request
                access_log.warning("metrics observation failed", exc_info=True)
            access_log.info("%s %s %s %.0fms", request.method, request.path, status, elapsed * 1000)
