"""Portal articles: published ones for anyone, the other states for editors."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lianxin.portal.models import Article, ArticleState
from tests.api.conftest import client_for, walk
from tests.portal.factories import PortalCategoryFactory, published_article


def test_anyone_reads_published_articles_only(roles):
    section = PortalCategoryFactory(slug="policy", name="政策解读")
    shown = published_article(title="已发布", category=section, tags="电梯")
    published_article(title="定时发布", category=section, published_at=timezone.now() + timedelta(days=1))
    Article.objects.create(title="草稿", category=section, body="x", state=ArticleState.DRAFT)
    rows = walk(client_for(), "/api/v1/portal/articles/")
    assert [r["title"] for r in rows] == ["已发布"]
    assert (
        rows[0]["url"] == shown.get_absolute_url() and rows[0]["tags"] == ["电梯"] and "body" not in rows[0]
    )
    detail = client_for().get(f"/api/v1/portal/articles/{shown.pk}/").json()
    assert detail["body"] and "review_note" not in detail
    scheduled = Article.objects.get(title="定时发布")
    assert client_for(roles.citizen).get(f"/api/v1/portal/articles/{scheduled.pk}/").status_code == 404


def test_editors_read_drafts_and_others_are_refused(roles):
    section = PortalCategoryFactory()
    draft = Article.objects.create(title="草稿", category=section, body="x", state=ArticleState.DRAFT)
    Article.objects.create(title="待审", category=section, body="y", state=ArticleState.REVIEW)
    assert client_for().get("/api/v1/portal/articles/", {"state": "draft"}).status_code == 401
    assert client_for(roles.cadre).get("/api/v1/portal/articles/", {"state": "all"}).status_code == 403
    editor = client_for(roles.editor)
    assert [r["id"] for r in walk(editor, "/api/v1/portal/articles/", {"state": "draft"})] == [draft.pk]
    assert {r["title"] for r in walk(editor, "/api/v1/portal/articles/", {"state": "all"})} == {
        "草稿",
        "待审",
    }
    body = editor.get(f"/api/v1/portal/articles/{draft.pk}/").json()
    assert body["state"] == "draft" and body["url"] is None and "review_note" in body
    bad = editor.get("/api/v1/portal/articles/", {"state": "secret"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]


def test_filters_by_section_tag_kind_and_day(roles):
    parent = PortalCategoryFactory(slug="news")
    child = PortalCategoryFactory(slug="news-local", parent=parent)
    other = PortalCategoryFactory(slug="other")
    now = timezone.now()
    a = published_article(title="子栏目", category=child, tags="民生", published_at=now - timedelta(days=10))
    b = published_article(title="别处", category=other, kind="notice", published_at=now - timedelta(days=2))
    client = client_for()
    assert [r["id"] for r in walk(client, "/api/v1/portal/articles/", {"category": "news"})] == [a.pk]
    assert [r["id"] for r in walk(client, "/api/v1/portal/articles/", {"category": str(parent.pk)})] == [a.pk]
    assert [r["id"] for r in walk(client, "/api/v1/portal/articles/", {"tag": "民生"})] == [a.pk]
    assert [r["id"] for r in walk(client, "/api/v1/portal/articles/", {"kind": "notice"})] == [b.pk]
    since = timezone.localdate() - timedelta(days=5)
    assert [r["id"] for r in walk(client, "/api/v1/portal/articles/", {"since": since.isoformat()})] == [b.pk]
    r = client.get("/api/v1/portal/articles/", {"category": "nope"})
    assert r.status_code == 400 and "category" in r.json()["error"]["fields"]
    assert client.get("/api/v1/portal/articles/", {"kind": "poem"}).status_code == 400


def test_cursor_walks_articles_with_equal_publication_times_exactly_once(roles):
    section = PortalCategoryFactory()
    moment = timezone.now() - timedelta(hours=3)
    made = [published_article(title=f"同时{i}", category=section, published_at=moment) for i in range(7)]
    made.append(published_article(title="更新", category=section))
    rows = walk(client_for(), "/api/v1/portal/articles/", {"page_size": 3})
    ids = [r["id"] for r in rows]
    assert len(ids) == 8 == len(set(ids)) and set(ids) == {a.pk for a in made}
    assert ids[0] == made[-1].pk  # newest first


def test_list_etag_changes_when_an_article_is_published(roles):
    section = PortalCategoryFactory()
    published_article(title="一", category=section)
    client = client_for()
    first = client.get("/api/v1/portal/articles/")
    assert client.get("/api/v1/portal/articles/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    published_article(title="二", category=section)
    assert client.get("/api/v1/portal/articles/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_article_list_query_count_is_flat(roles, django_assert_max_num_queries):
    section = PortalCategoryFactory()
    for i in range(12):
        published_article(title=f"文章{i}", category=section, tags=f"标签{i} 共同")
    with django_assert_max_num_queries(4):
        r = client_for().get("/api/v1/portal/articles/", {"page_size": 20})
    assert len(r.json()["results"]) == 12
