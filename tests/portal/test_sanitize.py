"""Script and style injection in every field is neutralised, on the page, the feed and the search."""

from __future__ import annotations

import re

import pytest

from lianxin.portal import services
from lianxin.portal.sanitize import clean_body, clean_text
from tests.portal.factories import PortalCategoryFactory, published_article

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"

PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><script>alert(document.cookie)</script>',
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">点我</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "&lt;script&gt;alert(2)&lt;/script&gt;",
    "<iframe src='https://evil.example'></iframe>",
]
DANGEROUS = ["<script", "onerror=", "onload=", "javascript:", "<style", "<iframe", "<svg", "style="]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_body_keeps_no_active_content(payload):
    cleaned = clean_body(f"<p>正文</p>{payload}<p>结尾</p>").lower()
    for bad in DANGEROUS:
        assert bad not in cleaned
    assert "<p>正文</p>" in cleaned


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_fields_keep_no_markup(payload):
    text = clean_text(payload)
    assert not re.search(r"<\s*[a-z/!]", text, re.IGNORECASE), text


def test_body_keeps_ordinary_formatting():
    html = clean_body(
        '<h2>标题</h2><p><strong>重点</strong><a href="https://gov.cn">链接</a></p><ul><li>一</li></ul>'
    )
    assert "<h2>标题</h2>" in html and "<strong>重点</strong>" in html and 'href="https://gov.cn"' in html
    assert 'rel="noopener noreferrer nofollow"' in html and "<li>一</li>" in html


def test_every_field_is_neutralised_on_the_rendered_page_and_feed(client):
    payload = "<script>alert('xss')</script><style>*{}</style><img src=x onerror=alert(1)>"
    section = PortalCategoryFactory()
    article = published_article(
        title=f"标题{payload}",
        body=f"<p>正文</p>{payload}",
        summary=f"摘要{payload}",
        source=f"来源{payload}",
        author_unit=f"单位{payload}",
        tags=f"标签{payload} 正常",
        category=section,
    )
    pages = [
        client.get(article.get_absolute_url(), HTTP_USER_AGENT=UA),
        client.get(article.get_mobile_url(), HTTP_USER_AGENT=UA),
        client.get("/portal/feed/"),
        client.get("/portal/search/?q=" + "<script>alert(1)</script>正文"),
        client.get("/portal/"),
    ]
    for response in pages:
        html = response.content.decode().lower()
        assert response.status_code == 200
        assert "<script>alert" not in html and "onerror=alert" not in html and "<style>*" not in html
    assert article.title.startswith("标题") and "<" not in article.title


def test_category_and_site_names_are_plain_text():
    section = services.category_create(name="<b>栏目</b><script>x()</script>", slug="safe")
    assert section.name == "栏目"
    site = services.site_settings_update(name="<script>x</script>连心", footer="<img src=x onerror=y>页脚")
    assert site.name == "连心" and site.footer == "页脚"
