"""The article page for anonymous readers, answered in front of the rest of the middleware.

Most article reads come from readers without a session (search engines, shared links): for them the page
is a cached string with the view count and the CSRF token filled in (`views.article_cached`), and the
session, authentication, message and error middleware have nothing to do. `ArticleFastPathMiddleware`,
placed right after WhiteNoise in `MIDDLEWARE`, answers those reads itself when the page is in the cache —
the read counted exactly as the view counts it, the language chosen as `core.middleware.LanguageMiddleware`
chooses it (the language cookie, else Chinese), the CSRF cookie and X-Frame-Options set by Django's own
middleware — and hands every other request (a cache miss, a session, a non-GET, another path) to the
stack unchanged, so the page and its headers are the same either way (tests/scale/test_article_fastpath).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from lianxin.portal import views

ARTICLE_PATH = re.compile(r"^/portal/(?:(m)/)?([-\w]+)/(\d{1,18})\.html$")


class ArticleFastPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.xframe = XFrameOptionsMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self._cached(request)
        return response if response is not None else self.get_response(request)

    def _cached(self, request: HttpRequest) -> HttpResponseBase | None:
        if request.method not in ("GET", "HEAD"):
            return None
        match = ARTICLE_PATH.match(request.path_info)
        if match is None:
            return None
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        mobile, slug, pk = bool(match.group(1)), match.group(2), int(match.group(3))
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            page = views.article_cached(request, slug, pk, mobile)
            if page is None:
                return None
            patch_vary_headers(page, ("Accept-Language",))
            page.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        with_cookie = cast(HttpResponse, self.csrf.process_response(request, page))
        return self.xframe.process_response(request, with_cookie)
