from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from lianxin import __version__
from lianxin.core.api import json_error


@never_cache
def language_switch(request: HttpRequest, code: str) -> HttpResponse:
    """The language switch of the page header, as a link: sets the language cookie and goes back to `next`
    (a path of this site; else the home page). A GET, so that pages for anonymous readers carry no CSRF
    token and a cache in front can serve one copy to everyone (docs/scale.md, the article page); choosing
    a language changes nothing but how pages are shown to this browser."""
    if code not in dict(settings.LANGUAGES):
        return error_page(request, 404, gettext("没有这种语言：%(code)s") % {"code": code[:20]})
    target = request.GET.get("next", "") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - the health check reports any database failure
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    from lianxin.core.outbox import outbox_stats

    return JsonResponse(
        {"status": "ok", "database": connection.vendor, "version": __version__, "outbox": outbox_stats()}
    )


def home(request: HttpRequest) -> HttpResponse:
    """The site's home; a cadre's home is their workbench (我的工作台: evaluation's page at
    evaluation:scorecards, named by URL because core sits below the apps that build it)."""
    user = request.user
    if user.is_authenticated and user.has_role("cadre") and not user.has_role("supervisor", "admin"):
        return redirect("evaluation:scorecards")
    return render(request, "core/home.html")


@csrf_exempt  # a POST to an unknown API path is a 404, not a CSRF failure
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    return json_error(404, "not_found", f"No API endpoint at {request.path}")


class ErrorPage(HttpResponse):
    """One of Lianxin's own error pages: the middleware tells it from Django's technical pages by its class."""


# The status each error page is for; any other status an ApplicationError carries gets the generic page.
ERROR_TEMPLATES = {
    400: "core/400.html",
    403: "core/403.html",
    404: "core/404.html",
    409: "core/409.html",
}


def error_page(request: HttpRequest, status: int, message: str = "") -> ErrorPage:
    """Lianxin's page for an error `status`, with the message of the rule that refused the request."""
    template = ERROR_TEMPLATES.get(status, "core/error.html")
    content = render_to_string(template, {"status": status, "message": message}, request=request)
    return ErrorPage(content, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return error_page(request, 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error(403, "forbidden", "You do not have permission to perform this action.")
    return error_page(request, 403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error(400, "bad_request", "Bad request.")
    return error_page(request, 400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the JSON error format under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error(403, "csrf_failed", f"CSRF check failed: {reason}")
    return django_csrf_failure(request, reason=reason)
