"""The editors' import page is not a way round review: rows become articles sent for review by the
importing editor, a second editor publishes them, and only admins may create sections while importing.
The operator's `lianxin portal import` (tests/portal/test_import.py) still publishes directly."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lianxin.core.errors import PermissionDenied
from lianxin.portal import services
from lianxin.portal.models import Article, ArticleState, PortalCategory
from tests.factories import UserFactory
from tests.portal.factories import PortalCategoryFactory, editor

pytestmark = pytest.mark.django_db

CSV = (
    "title,category,time,source,body,author_unit,tags\n"
    "旧闻新发,新闻,2020-01-02 08:00:00,市政府,正文一,办公室,政策\n"
)


def _upload(text: str = CSV) -> SimpleUploadedFile:
    return SimpleUploadedFile("a.csv", text.encode())


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_s_import_is_sent_for_review_not_published(client):
    PortalCategoryFactory(name="新闻")
    importer, second = editor(), editor()
    html = _as(importer).post("/portal/editor/import/", {"file": _upload()}).content.decode()
    assert "已导入并提交审核" in html and "另一位编辑审核" in html
    article = Article.objects.get(title="旧闻新发")
    assert article.state == ArticleState.REVIEW
    assert article.author == importer and article.submitted_by == importer
    assert f"/portal/editor/{article.pk}/" in html  # the report links the editor's page, not a public one
    assert [r.action for r in article.revisions.order_by("number")] == ["import", "submit"]
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.published_at.year == 2020  # kept, as the proposed time only

    with pytest.raises(PermissionDenied) as refused:
        services.article_transition(article=article, actor=importer, action="approve")
    assert refused.value.code == "second_editor_required"
    services.article_transition(article=article, actor=second, action="approve")
    article.refresh_from_db()
    assert article.state == ArticleState.PUBLISHED and article.reviewer == second
    assert client.get(article.get_absolute_url()).status_code == 200


def test_an_admin_s_web_import_is_reviewed_too():
    PortalCategoryFactory(name="新闻")
    _as(UserFactory(roles="admin")).post("/portal/editor/import/", {"file": _upload()})
    assert Article.objects.get(title="旧闻新发").state == ArticleState.REVIEW


def test_importing_the_same_file_again_on_the_page_reports_the_article_already_there():
    PortalCategoryFactory(name="新闻")
    c = _as(editor())
    c.post("/portal/editor/import/", {"file": _upload()})
    html = c.post("/portal/editor/import/", {"file": _upload()}).content.decode()
    assert "导入 0 篇，拒绝 0 行，1 篇此前已导入" in html and "此前已导入" in html
    assert Article.objects.filter(title="旧闻新发").count() == 1
    outcomes = services.articles_import_for_review(
        rows=[{"title": "旧闻新发", "category": "新闻", "body": "正文一"}], actor=editor()
    )
    assert outcomes[0].as_dict()["existing"] is True


def test_a_plain_editor_cannot_create_sections_by_importing():
    importer = editor()
    page = _as(importer).get("/portal/editor/import/").content.decode()
    assert 'name="create_categories"' not in page
    csv = "标题,分类,正文\n一,编辑新建的栏目,正文\n"
    html = (
        _as(importer)
        .post("/portal/editor/import/", {"file": _upload(csv), "create_categories": "on"})
        .content.decode()
    )
    assert "编辑新建的栏目" in html and "拒绝 1 行" in html
    assert not PortalCategory.objects.filter(name="编辑新建的栏目").exists()
    with pytest.raises(PermissionDenied):
        services.articles_import_for_review(
            rows=[{"title": "一", "category": "编辑新建的栏目", "body": "正文"}],
            actor=importer,
            create_categories=True,
        )
    assert not PortalCategory.objects.filter(name="编辑新建的栏目").exists()


def test_an_admin_may_create_sections_by_importing():
    admin = UserFactory(roles="admin")
    assert 'name="create_categories"' in _as(admin).get("/portal/editor/import/").content.decode()
    csv = "标题,分类,正文\n一,管理员新建的栏目,正文\n"
    _as(admin).post("/portal/editor/import/", {"file": _upload(csv), "create_categories": "on"})
    assert PortalCategory.objects.filter(name="管理员新建的栏目").exists()
    assert Article.objects.get(title="一").state == ArticleState.REVIEW


def test_the_review_import_is_for_editors_only():
    PortalCategoryFactory(name="新闻")
    with pytest.raises(PermissionDenied):
        services.articles_import_for_review(
            rows=[{"title": "一", "category": "新闻", "body": "正文"}], actor=UserFactory(roles="citizen")
        )
    assert _as(UserFactory(roles="citizen")).post("/portal/editor/import/").status_code == 403


def test_the_reviewer_is_told_the_proposed_time_is_in_the_past():
    PortalCategoryFactory(name="新闻")
    _as(editor()).post("/portal/editor/import/", {"file": _upload()})
    article = Article.objects.get(title="旧闻新发")
    page = _as(editor()).get(f"/portal/editor/{article.pk}/").content.decode()
    assert 'id="backdated"' in page and "2020-01-02" in page
