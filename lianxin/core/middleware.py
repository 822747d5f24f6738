"""Language selection: Chinese (zh-hans) unless the user chose another language.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show an English UI to
every Chinese civil servant whose browser happens to be set to English. Lianxin speaks Chinese by
default; the language switch in the page header sets a cookie, and only that changes the language.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
