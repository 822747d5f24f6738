"""The view counter: real readers only, no database write per read, exact after flushing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lianxin.portal import counter
from lianxin.portal.models import Article
from lianxin.portal.tasks import portal_views_flush_task
from tests.portal.factories import published_article

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"


def _count(html: str) -> int:
    return int(html.split('class="view-count">')[1].split("<")[0])


def test_a_reload_by_the_same_reader_does_not_count_but_a_second_reader_does(client):
    article = published_article()
    first = client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA)
    assert _count(first.content.decode()) == 1 and counter.READER_COOKIE in first.cookies
    assert _count(client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).content.decode()) == 1
    second = Client(REMOTE_ADDR="10.0.0.2")
    assert _count(second.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).content.decode()) == 2
    # Same address and browser but no cookie (cookies refused): still the same reader.
    third = Client()
    assert _count(third.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).content.decode()) == 2


def test_bots_are_not_counted(client):
    article = published_article()
    for ua in [
        "Mozilla/5.0 (compatible; Googlebot/2.1)",
        "curl/8.0",
        "",
        "Baiduspider",
        "python-requests/2.31",
    ]:
        r = Client(REMOTE_ADDR=f"10.1.0.{len(ua)}").get(article.get_absolute_url(), HTTP_USER_AGENT=ua)
        assert r.status_code == 200 and _count(r.content.decode()) == 0


def test_reading_never_writes_to_the_database(client):
    article = published_article()
    client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA)  # renders and caches the page
    for i in range(5):
        reader = Client(REMOTE_ADDR=f"10.2.0.{i}")
        with CaptureQueriesContext(connection) as queries:
            assert reader.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).status_code == 200
        assert not [q for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
        assert len(queries) == 0  # the cached page needs no query at all
    article.refresh_from_db()
    assert article.view_count == 0 and counter.views_total(article.pk) == 6


def test_flush_stores_pending_reads_exactly_and_display_is_unchanged(client):
    article = published_article()
    for i in range(7):
        Client(REMOTE_ADDR=f"10.3.0.{i}").get(article.get_absolute_url(), HTTP_USER_AGENT=UA)
    assert counter.views_pending(article.pk) == 7
    assert portal_views_flush_task.call_local() == 7
    article.refresh_from_db()
    assert article.view_count == 7 and counter.views_pending(article.pk) == 0
    Client(REMOTE_ADDR="10.3.1.1").get(article.get_absolute_url(), HTTP_USER_AGENT=UA)
    assert counter.views_total(article.pk) == 8
    assert counter.views_flush() == 1
    article.refresh_from_db()
    assert article.view_count == 8
    assert counter.views_flush() == 0


def test_concurrent_reads_and_flushes_lose_nothing():
    article = published_article()
    readers, per_thread = 8, 50

    def read(t: int) -> None:
        for i in range(per_thread):
            counter.view_record(
                article_id=article.pk, reader=f"reader-{t}-{i}", fingerprint="x", new_reader=None
            )

    counter.views_total(article.pk)  # readers then touch only the cache
    threads = [threading.Thread(target=read, args=(t,)) for t in range(readers)]
    for th in threads:
        th.start()
    # Flush from this thread (the test database connection) while the readers are counting.
    while any(th.is_alive() for th in threads):
        counter.views_flush()
    for th in threads:
        th.join()
    counter.views_flush()
    assert Article.objects.get(pk=article.pk).view_count == readers * per_thread
    assert counter.views_total(article.pk) == readers * per_thread


def test_display_falls_back_to_the_database_when_the_cache_is_empty(client):
    from django.core.cache import cache

    article = published_article()
    Article.objects.filter(pk=article.pk).update(view_count=41)
    cache.clear()
    r = Client(REMOTE_ADDR="10.4.0.1").get(article.get_absolute_url(), HTTP_USER_AGENT=UA)
    assert _count(r.content.decode()) == 42
