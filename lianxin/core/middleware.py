"""Lianxin's own middleware: the language of the UI, and the error pages of page views."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin

from lianxin.core.errors import ApplicationError
from lianxin.core.views import ErrorPage, error_page, page_not_found

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
