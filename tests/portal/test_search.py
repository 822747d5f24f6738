"""Chinese search: jieba-segmented full text (FTS5 on SQLite, tsvector on PostgreSQL), ranked, highlighted."""

from __future__ import annotations

import pytest

from lianxin.portal import search, selectors
from tests.portal.factories import published_article

pytestmark = pytest.mark.django_db


def test_segment_cuts_chinese_into_words():
    words = search.segment("领导干部要做好群众工作")
    assert "领导" in words and "干部" in words and "群众" in words and "工作" in words


def test_search_finds_by_a_word_of_the_body_and_ranks_the_better_match_first():
    weak = published_article(title="社区通知", body="本周社区举办活动，欢迎参加。顺便提到养老保险。")
    strong = published_article(
        title="养老保险缴费指南", body="养老保险缴费基数、养老保险缴费方式和养老保险待遇。"
    )
    published_article(title="无关文章", body="天气晴朗。")
    page = selectors.article_search("养老保险")
    assert [r.article.pk for r in page.results] == [strong.pk, weak.pk]
    assert page.total == 2
    assert (
        "<mark>养老</mark>" in page.results[0].title_html
        or "<mark>养老保险</mark>" in page.results[0].title_html
    )
    assert "<mark>" in page.results[1].snippet_html


def test_all_words_must_match_unless_none_does():
    both = published_article(title="医保报销", body="门诊费用报销比例")
    published_article(title="医保参保", body="参保登记")
    assert [r.article.pk for r in selectors.article_search("医保 报销").results] == [both.pk]
    assert selectors.article_search("医保 火星").total == 2  # falls back to any word


def test_search_page_shows_highlighted_results(client):
    published_article(title="住房公积金提取办法", body="职工购房可以提取住房公积金。")
    html = client.get("/portal/search/?q=公积金").content.decode()
    assert "找到 1 篇相关文章" in html and "<mark>公积金</mark>" in html


def test_odd_queries_do_not_break(client):
    published_article()
    for q in ['"', "'", "AND OR NOT", "*", "NEAR(", "a' OR 1=1 --", "的", "  ", "领导\\干部", "<b>"]:
        assert client.get("/portal/search/", {"q": q}).status_code == 200


def test_highlight_escapes_the_text():
    assert search.highlight("<b>群众</b>", ["群众"]) == "&lt;b&gt;<mark>群众</mark>&lt;/b&gt;"
