"""Public pages: home, categories with pagination, article page elements, tags, feeds, sitemap, robots,
the phone site, and 404 for anything not public."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lianxin.portal import services
from lianxin.portal.models import ArticleState
from tests.portal.factories import PortalCategoryFactory, editor, published_article

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"


def test_article_page_carries_every_element_of_the_seed_page(client):
    section = PortalCategoryFactory(name="政策解读", slug="policy")
    PortalCategoryFactory(name="便民服务", slug="service", in_top_nav=False, in_footer_nav=True)
    article = published_article(
        title="医保参保政策问答",
        category=section,
        source="市医疗保障局",
        author_unit="市医疗保障局办公室",
        tags="医保 参保",
        body="第一段正文。\n第二段正文。",
    )
    html = client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).content.decode()
    assert 'id="top-nav"' in html and "/portal/policy/" in html
    assert 'id="footer-nav"' in html and "/portal/service/" in html
    assert (
        '当前位置: <a href="/portal/">连心宣传网</a> &gt; <a href="/portal/policy/">政策解读</a> &gt; 正文'
        in html
    )
    assert '<h1 class="portal-title" id="article-title">医保参保政策问答</h1>' in html
    assert "时间:" in html and "来源:市医疗保障局" in html
    assert '本文已影响 <strong class="view-count">1</strong> 人' in html
    assert f'href="/portal/m/policy/{article.pk}.html"' in html and "手机站" in html
    assert "<p>第一段正文。</p><p>第二段正文。</p>" in html
    assert "(作者单位:市医疗保障局办公室)" in html
    assert "推荐访问:" in html and 'href="/portal/tag/%E5%8C%BB%E4%BF%9D/"' in html
    assert "<title>医保参保政策问答 - 连心宣传网" in html
    assert '<meta name="keywords" content="医保,参保">' in html
    assert '<meta name="description" content="第一段正文。 第二段正文。">' in html


def test_related_and_previous_next(client):
    section = PortalCategoryFactory()
    now = timezone.now()
    first = published_article(
        title="第一篇", category=section, tags="甲", published_at=now - timedelta(days=3)
    )
    middle = published_article(
        title="第二篇", category=section, tags="甲", published_at=now - timedelta(days=2)
    )
    last = published_article(
        title="第三篇", category=section, tags="乙", published_at=now - timedelta(days=1)
    )
    html = client.get(middle.get_absolute_url(), HTTP_USER_AGENT=UA).content.decode()
    assert f'href="{first.get_absolute_url()}" rel="prev"' in html
    assert f'href="{last.get_absolute_url()}" rel="next"' in html
    related = html.split('id="related-articles"')[1]
    assert related.index("第一篇") < related.index("第三篇")  # shares a tag, so it ranks first


def test_phone_site_article_and_home(client):
    article = published_article(title="手机看政策")
    r = client.get(article.get_mobile_url(), HTTP_USER_AGENT=UA)
    html = r.content.decode()
    assert r.status_code == 200 and "portal-mobile" in html and "手机看政策" in html
    assert f'href="{article.get_absolute_url()}"' in html  # 电脑版
    assert client.get("/portal/m/").status_code == 200
    assert client.get(f"/portal/m/{article.category.slug}/").status_code == 200


def test_wrong_category_in_url_redirects_to_the_canonical_address(client):
    article = published_article()
    r = client.get(f"/portal/other/{article.pk}.html", HTTP_USER_AGENT=UA)
    assert r.status_code == 301 and r["Location"] == article.get_absolute_url()


@pytest.mark.parametrize("state", [ArticleState.DRAFT, ArticleState.REVIEW, ArticleState.WITHDRAWN])
def test_unpublished_articles_are_404(client, state):
    article = published_article()
    article.state = state
    article.save()
    services.content_changed()
    assert client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).status_code == 404
    assert client.get(article.get_mobile_url(), HTTP_USER_AGENT=UA).status_code == 404
    assert article.title not in client.get("/portal/").content.decode()
    assert article.title not in client.get("/portal/feed/").content.decode()


def test_scheduled_article_is_404_until_its_time(client):
    article = published_article(title="定时发布的文章", published_at=timezone.now() + timedelta(days=1))
    assert client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).status_code == 404
    assert "定时发布的文章" not in client.get(f"/portal/{article.category.slug}/").content.decode()
    assert client.get("/portal/search/?q=定时发布").content.decode().count("定时发布的文章") == 0


def test_withdrawing_a_cached_article_takes_it_off_at_once(client):
    author, reviewer = editor(), editor()
    section = PortalCategoryFactory()
    article = services.article_create(
        actor=author, data=services.ArticleInput(title="将被撤回", category=section, body="正文")
    )
    services.article_transition(article=article, actor=author, action="submit")
    services.article_transition(article=article, actor=reviewer, action="approve")
    assert client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).status_code == 200  # now cached
    services.article_transition(article=article, actor=reviewer, action="withdraw")
    assert client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA).status_code == 404


def test_category_list_paginates_and_includes_subcategories(client):
    parent = PortalCategoryFactory(slug="parent")
    child = PortalCategoryFactory(parent=parent)
    for i in range(25):
        published_article(title=f"文章{i:02d}", category=child if i % 2 else parent)
    page1 = client.get("/portal/parent/").content.decode()
    page2 = client.get("/portal/parent/?page=2").content.decode()
    assert page1.count('.html">文章') == 20 and "第 1 / 2 页" in page1
    assert page2.count('.html">文章') == 5
    assert client.get("/portal/nope/").status_code == 404


def test_list_pages_have_bounded_queries(client, django_assert_max_num_queries):
    section = PortalCategoryFactory(slug="many")
    for i in range(15):
        published_article(title=f"文章{i}", category=section)
    with django_assert_max_num_queries(12):
        assert client.get("/portal/many/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/portal/").status_code == 200


def test_tag_page_lists_its_articles(client):
    a = published_article(title="带标签的文章", tags="民生")
    published_article(title="别的文章", tags="其他")
    html = client.get("/portal/tag/民生/").content.decode()
    assert "带标签的文章" in html and "别的文章" not in html
    assert client.get(a.get_absolute_url(), HTTP_USER_AGENT=UA).status_code == 200
    assert client.get("/portal/tag/不存在/").status_code == 404


def test_feeds_sitemap_and_robots(client):
    section = PortalCategoryFactory(slug="news")
    article = published_article(title="订阅测试", category=section)
    rss = client.get("/portal/feed/")
    assert rss.status_code == 200 and "application/rss+xml" in rss["Content-Type"]
    assert "订阅测试" in rss.content.decode() and article.get_absolute_url() in rss.content.decode()
    assert "订阅测试" in client.get("/portal/news/feed/").content.decode()
    atom = client.get("/portal/news/atom/")
    assert "http://www.w3.org/2005/Atom" in atom.content.decode()
    assert client.get("/portal/feed/atom/").status_code == 200
    sitemap = client.get("/sitemap.xml").content.decode()
    assert article.get_absolute_url() in sitemap and "/portal/news/" in sitemap
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots and "Disallow: /portal/editor/" in robots
