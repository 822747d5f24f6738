"""The editors' pages: write, preview, send for review, approve by a second editor, import."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.portal.models import Article, ArticleState
from tests.factories import UserFactory
from tests.portal.factories import PortalCategoryFactory, editor

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def test_editor_writes_previews_and_a_second_editor_publishes(client, django_user_model):
    section = PortalCategoryFactory()
    author, second = editor(), editor()
    from django.test import Client

    c1, c2 = _login(Client(), author), _login(Client(), second)
    assert c1.get("/portal/editor/").status_code == 200
    r = c1.post(
        "/portal/editor/new/",
        {
            "title": "新政策解读",
            "category": section.pk,
            "kind": "policy",
            "body": "<p>正文</p><script>x()</script>",
            "tags": "政策 解读",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    article = Article.objects.get(title="新政策解读")
    assert article.body == "<p>正文</p>" and article.state == ArticleState.DRAFT
    preview = c1.get(f"/portal/editor/{article.pk}/preview/")
    assert preview.status_code == 200 and "预览" in preview.content.decode()
    assert c1.get(f"/portal/editor/{article.pk}/preview/?m=1").status_code == 200
    assert client.get(article.get_absolute_url()).status_code == 404  # not public yet
    c1.post(f"/portal/editor/{article.pk}/transition/", {"action": "submit"})
    page = c1.get(f"/portal/editor/{article.pk}/").content.decode()
    assert "等待另一位编辑审核" in page  # no approve button for the author
    r = c1.post(f"/portal/editor/{article.pk}/transition/", {"action": "approve"}, follow=True)
    assert "不能审核自己的文章" in r.content.decode()
    assert Article.objects.get(pk=article.pk).state == ArticleState.REVIEW
    assert "审核发布" in c2.get(f"/portal/editor/{article.pk}/").content.decode()
    c2.post(f"/portal/editor/{article.pk}/transition/", {"action": "approve", "note": "同意"})
    assert Article.objects.get(pk=article.pk).state == ArticleState.PUBLISHED
    assert client.get(article.get_absolute_url()).status_code == 200


def test_editor_form_reports_oversized_body(client, settings):
    settings.LIANXIN_PORTAL_MAX_BODY_CHARS = 50
    section = PortalCategoryFactory()
    _login(client, editor())
    r = client.post(
        "/portal/editor/new/", {"title": "长", "category": section.pk, "kind": "news", "body": "字" * 60}
    )
    assert r.status_code == 200 and "正文过长" in r.content.decode()


def test_editor_pages_are_for_editors_only(client):
    assert client.get("/portal/editor/").status_code == 302
    _login(client, UserFactory(roles="citizen"))
    assert client.get("/portal/editor/").status_code == 403


def test_import_page_reports_taken_and_refused_rows(client):
    PortalCategoryFactory(name="新闻")
    _login(client, editor())
    upload = SimpleUploadedFile("a.csv", "标题,分类,正文\n一,新闻,正文\n二,没有这个栏目,正文\n".encode())
    html = client.post("/portal/editor/import/", {"file": upload}).content.decode()
    assert "导入 1 篇，拒绝 1 行" in html and "没有这个栏目" in html


def test_editor_buttons_and_messages_follow_the_chosen_language(client):
    section = PortalCategoryFactory()
    _login(client, editor())
    client.cookies["django_language"] = "en"
    r = client.post(
        "/portal/editor/new/",
        {"title": "新政策解读", "category": section.pk, "kind": "policy", "body": "<p>正文</p>"},
        follow=True,
    )
    html = r.content.decode()
    assert "Draft saved" in html and "草稿已保存" not in html
    assert "Submit for review" in html and ">送审<" not in html


def test_editor_errors_follow_the_chosen_language(client):
    section = PortalCategoryFactory(name="新闻")
    _login(client, editor())
    client.post(
        "/portal/editor/new/",
        {"title": "新政策解读", "category": section.pk, "kind": "policy", "body": "<p>正文</p>"},
    )
    article = Article.objects.get(title="新政策解读")
    approve = f"/portal/editor/{article.pk}/transition/"
    html = client.post(approve, {"action": "approve"}, follow=True).content.decode()
    assert "“草稿”状态的文章不能审核发布" in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(approve, {"action": "approve"}, follow=True).content.decode()
    assert "“Approve and publish” is not possible for an article that is “Draft”" in html
    assert "不能审核发布" not in html
    upload = SimpleUploadedFile("a.csv", "标题,分类,正文\n二,没有这个栏目,正文\n".encode())
    html = client.post("/portal/editor/import/", {"file": upload}).content.decode()
    assert "Category “没有这个栏目” does not exist" in html and "不存在" not in html
    assert Article.objects.get(pk=article.pk).state == ArticleState.DRAFT
