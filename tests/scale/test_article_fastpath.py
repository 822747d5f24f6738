"""The article fast path answers anonymous cached reads in front of the stack, counting exactly as the
view does, and leaves everything else to the stack."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from lianxin.portal import counter, services
from lianxin.portal.fastpath import ArticleFastPathMiddleware
from tests.portal.factories import published_article

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
FAST = "lianxin.portal.fastpath.ArticleFastPathMiddleware"


@pytest.fixture(autouse=True)
def _fast_path(settings):
    from django.core.cache import cache

    services._local_generation[:] = [0.0, -1.0]
    cache.clear()
    counter.store().cache.clear()
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1, FAST)
    with override_settings(MIDDLEWARE=middleware):
        yield
    cache.clear()


def _count(html: str) -> int:
    return int(html.split('class="view-count">')[1].split("<")[0])


def _plain(html: str) -> str:
    """The page without what differs per request: CSRF tokens and the count."""
    return re.sub(r'class="view-count">\d+', "", re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html))


def _refuse(request):
    raise AssertionError("the request went down the stack")


def test_cached_reads_are_answered_in_front_and_counted_once_per_reader(rf):
    article = published_article()
    url = article.get_absolute_url()
    first = Client().get(url, HTTP_USER_AGENT=UA)  # a miss: the stack renders and caches the page
    assert first.status_code == 200 and _count(first.content.decode()) == 1
    fast = ArticleFastPathMiddleware(_refuse)
    for k in range(2, 5):
        request = rf.get(url, HTTP_USER_AGENT=UA, REMOTE_ADDR=f"10.0.1.{k}")
        response = fast(request)  # would raise if it went down the stack
        html = response.content.decode()
        assert response.status_code == 200 and _count(html) == k
        assert counter.READER_COOKIE in response.cookies
        assert "csrftoken" not in response.cookies  # no form to post: one page for every reader
        assert "@@LX_CSRF@@" not in html and 'id="language-switch"' in html
        assert response["X-Frame-Options"] == "DENY" and response["Content-Language"] == "zh-hans"
        token = response.cookies[counter.READER_COOKIE].value
        again = rf.get(url, HTTP_USER_AGENT=UA, REMOTE_ADDR=f"10.0.1.{k}")
        again.COOKIES[counter.READER_COOKIE] = token
        assert _count(fast(again).content.decode()) == k  # a reload by the same reader does not count
    # the page is the one the stack serves (count and tokens aside)
    stacked = Client().get(url, HTTP_USER_AGENT=UA, REMOTE_ADDR="10.0.2.1").content.decode()
    assert _plain(stacked) == _plain(html)


def test_everything_else_goes_down_the_stack(rf):
    article = published_article()
    url = article.get_absolute_url()
    Client().get(url, HTTP_USER_AGENT=UA)
    seen = []

    def stack(request):
        seen.append(request.path)
        return "stack"

    fast = ArticleFastPathMiddleware(stack)
    with_session = rf.get(url, HTTP_USER_AGENT=UA)
    with_session.COOKIES["sessionid"] = "x"
    assert fast(with_session) == "stack"  # someone signed in (or messages to show)
    assert fast(rf.post(url)) == "stack"
    assert fast(rf.get("/portal/")) == "stack"
    assert fast(rf.get(article.get_absolute_url().replace(".html", "0000.html"))) == "stack"  # not cached
    assert len(seen) == 4


def test_the_language_cookie_picks_the_cached_page_of_that_language(rf):
    article = published_article()
    url = article.get_absolute_url()
    english = Client()
    english.cookies["django_language"] = "en"
    english.get(url, HTTP_USER_AGENT=UA)
    request = rf.get(url, HTTP_USER_AGENT=UA)
    request.COOKIES["django_language"] = "en"
    response = ArticleFastPathMiddleware(_refuse)(request)
    assert response["Content-Language"] == "en"
    request = rf.get(url, HTTP_USER_AGENT=UA)
    assert ArticleFastPathMiddleware(lambda r: "stack")(request) == "stack"  # the Chinese page is not cached
