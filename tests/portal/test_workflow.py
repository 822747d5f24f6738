"""Draft → review → published → withdrawn, with a second editor, revisions, and limits on size."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from lianxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from lianxin.portal import services
from lianxin.portal.models import ArticleState
from tests.factories import UserFactory
from tests.portal.factories import PortalCategoryFactory, editor

pytestmark = pytest.mark.django_db


def _draft(author, **extra):
    data = services.ArticleInput(title="草稿标题", category=PortalCategoryFactory(), body="正文内容", **extra)
    return services.article_create(actor=author, data=data)


def test_publication_needs_a_second_editor():
    author, second = editor(), editor()
    article = _draft(author)
    services.article_transition(article=article, actor=author, action="submit")
    with pytest.raises(PermissionDenied):
        services.article_transition(article=article, actor=author, action="approve")
    article = services.article_transition(article=article, actor=second, action="approve", note="同意")
    assert article.state == ArticleState.PUBLISHED and article.reviewer == second
    assert article.published_at is not None


def test_the_one_who_sent_it_for_review_cannot_approve_either():
    author, submitter, third = editor(), editor(), editor()
    article = _draft(author)
    article = services.article_transition(article=article, actor=submitter, action="submit")
    with pytest.raises(PermissionDenied):
        services.article_transition(article=article, actor=submitter, action="approve")
    assert services.actions_for(article, third) == ["approve", "reject"]
    assert services.actions_for(article, author) == []


def test_reject_returns_to_draft_and_every_change_is_a_revision():
    author, second = editor(), editor()
    article = _draft(author, tags="甲 乙")
    services.article_transition(article=article, actor=author, action="submit")
    services.article_transition(article=article, actor=second, action="reject", note="请补充政策依据")
    data = services.ArticleInput(title="修改后的标题", category=article.category, body="补充了依据")
    services.article_update(article=article, actor=author, data=data)
    services.article_transition(article=article, actor=author, action="submit")
    services.article_transition(article=article, actor=second, action="approve")
    services.article_transition(article=article, actor=second, action="withdraw")
    revisions = list(article.revisions.order_by("number"))
    assert [r.action for r in revisions] == [
        "create",
        "submit",
        "reject",
        "edit",
        "submit",
        "approve",
        "withdraw",
    ]
    assert revisions[0].snapshot["title"] == "草稿标题"
    assert sorted(revisions[0].snapshot["tags"]) == sorted(["甲", "乙"])
    assert revisions[3].snapshot["title"] == "修改后的标题"
    assert revisions[2].note == "请补充政策依据" and revisions[2].actor == second


def test_actions_out_of_order_are_conflicts():
    author, second = editor(), editor()
    article = _draft(author)
    with pytest.raises(Conflict):
        services.article_transition(article=article, actor=second, action="approve")
    with pytest.raises(Conflict):
        services.article_transition(article=article, actor=second, action="withdraw")
    services.article_transition(article=article, actor=author, action="submit")
    with pytest.raises(Conflict):
        services.article_update(
            article=article,
            actor=author,
            data=services.ArticleInput(title="x", category=article.category, body="y"),
        )
    with pytest.raises(ValidationFailed):
        services.article_transition(article=article, actor=second, action="explode")


def test_non_editors_cannot_write():
    citizen = UserFactory(roles="citizen")
    with pytest.raises(PermissionDenied):
        _draft(citizen)


def test_oversized_body_is_refused_with_a_clear_message(settings):
    settings.LIANXIN_PORTAL_MAX_BODY_CHARS = 1000
    with pytest.raises(ValidationFailed) as info:
        services.article_create(
            actor=editor(),
            data=services.ArticleInput(title="长文", category=PortalCategoryFactory(), body="字" * 1001),
        )
    assert (
        "正文过长" in info.value.message
        and "1000" in info.value.message
        and info.value.code == "body_too_large"
    )


def _png(size=(10, 10)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    return buf.getvalue()


def test_cover_image_checks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LIANXIN_PORTAL_MAX_IMAGE_BYTES = 2000
    ok = _draft(editor(), cover=SimpleUploadedFile("c.png", _png(), content_type="image/png"))
    assert ok.cover.name.endswith(".png")
    big = SimpleUploadedFile("big.png", _png() + b"\0" * 3000, content_type="image/png")
    with pytest.raises(ValidationFailed) as info:
        _draft(editor(), cover=big)
    assert "封面图过大" in info.value.message and info.value.code == "image_too_large"
    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ValidationFailed) as info:
        _draft(editor(), cover=fake)
    assert "不是有效的图片" in info.value.message
