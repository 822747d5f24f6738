from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lianxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from lianxin.core.models import Notification
from lianxin.core.sms import MemoryBackend
from lianxin.participation import selectors, services
from lianxin.participation.models import Comment, Consultation, TimelineEntry
from tests.participation import factories

pytestmark = pytest.mark.django_db


def test_signed_in_and_anonymous_comments_then_feedback_notifies_everyone(
    cadre, editor, citizen, area, sms_code, django_capture_on_commit_callbacks
):
    c = factories.consultation(cadre, area)
    mine = services.comment_add(consultation=c, actor=citizen, body="建议增加无障碍坡道")
    code = sms_code("13912345678")
    anon = services.comment_add(
        consultation=c, actor=None, body="电梯费用如何分摊？", phone="13912345678", code=code
    )
    assert anon.identity.startswith("p:") and anon.display == "139****5678"
    services.consultation_close(consultation=c, actor=cadre)
    services.feedback_add(
        consultation=c, actor=cadre, comments=[mine.pk], outcome="adopted", reason="已纳入方案"
    )
    services.feedback_add(
        consultation=c, actor=cadre, comments=[anon.pk], outcome="partly", reason="按面积分摊"
    )
    MemoryBackend.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        c = services.consultation_feedback_publish(
            consultation=c, actor=cadre, summary="共收到2条意见，采纳1条。"
        )
    assert c.status == "feedback"
    assert Notification.objects.filter(recipient=citizen, kind="participation").count() == 1
    assert [m["phone"] for m in MemoryBackend.sent] == ["13912345678"]
    actions = list(
        TimelineEntry.objects.filter(subject="consultation", object_id=c.pk).values_list("action", flat=True)
    )
    assert actions == ["create", "publish", "close", "feedback", "feedback", "publish_feedback"]


def test_feedback_cannot_be_published_with_unanswered_comments(cadre, citizen, area):
    c = factories.consultation(cadre, area)
    services.comment_add(consultation=c, actor=citizen, body="意见一")
    services.consultation_close(consultation=c, actor=cadre)
    with pytest.raises(ValidationFailed) as err:
        services.consultation_feedback_publish(consultation=c, actor=cadre, summary="说明")
    assert err.value.code == "unanswered"
    assert Consultation.objects.get(pk=c.pk).status == "closed"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("<script>alert(1)</script>", "html"),
        ("好" * 2001, "too_long"),
        ("  ", "required"),
        ("a &amp; b", "html"),
    ],
)
def test_bad_comments_are_refused_and_nothing_is_written(cadre, citizen, area, body, code):
    c = factories.consultation(cadre, area)
    with pytest.raises(ValidationFailed) as err:
        services.comment_add(consultation=c, actor=citizen, body=body)
    assert err.value.code == code and "body" in err.value.fields
    assert not Comment.objects.exists()
    assert Consultation.objects.get(pk=c.pk).comment_count == 0


def test_comment_after_close_is_refused(cadre, citizen, area):
    c = factories.consultation(cadre, area)
    with pytest.raises(Conflict) as err:
        services.comment_add(
            consultation=c, actor=citizen, body="迟到的意见", now=c.closes_at + timedelta(seconds=1)
        )
    assert err.value.code == "closed"


def test_anonymous_comment_needs_a_valid_code(cadre, area, sms_code):
    c = factories.consultation(cadre, area)
    with pytest.raises(ValidationFailed) as err:
        services.comment_add(consultation=c, actor=None, body="意见", phone="13900000000", code="")
    assert err.value.code == "code_required"
    sms_code("13900000000")
    with pytest.raises(ValidationFailed) as err:
        services.comment_add(consultation=c, actor=None, body="意见", phone="13900000000", code="000000x")
    assert err.value.code == "bad_code"
    assert not Comment.objects.exists()


def test_one_identity_one_support_and_limited_comments(cadre, citizen, citizen2, area):
    c = factories.consultation(cadre, area)
    comment = services.comment_add(consultation=c, actor=citizen, body="意见")
    services.comment_support(comment=comment, actor=citizen2)
    with pytest.raises(Conflict):
        services.comment_support(comment=comment, actor=citizen2)
    assert Comment.objects.get(pk=comment.pk).support_count == 1
    services.comment_add(consultation=c, actor=citizen, body="意见2")
    services.comment_add(consultation=c, actor=citizen, body="意见3")
    with pytest.raises(Conflict) as err:
        services.comment_add(consultation=c, actor=citizen, body="意见4")
    assert err.value.code == "too_many_comments"


def test_closed_questions_once_per_identity_and_in_range(cadre, citizen, area):
    c = factories.consultation(cadre, area, questions=[{"text": "是否同意", "options": ["同意", "不同意"]}])
    q = c.questions.get()
    with pytest.raises(ValidationFailed) as err:
        services.answers_submit(consultation=c, actor=citizen, answers={q.pk: [5]})
    assert err.value.code == "out_of_range"
    services.answers_submit(consultation=c, actor=citizen, answers={q.pk: [0]})
    with pytest.raises(Conflict):
        services.answers_submit(consultation=c, actor=citizen, answers={q.pk: [1]})
    assert selectors.question_results(c)[0]["options"] == [("同意", 1), ("不同意", 0)]


def test_moderation_by_a_second_person_with_reason_shown_and_personal_data_masked(
    cadre, editor, citizen, area
):
    c = factories.consultation(cadre, area)
    comment = services.comment_add(consultation=c, actor=citizen, body="我的电话13812345678，请联系")
    assert "13812345678" not in selectors.comment_public(comment)["body"]
    with pytest.raises(PermissionDenied) as err:
        services.comment_moderate(comment=comment, actor=cadre, hide=True, reason="含个人信息")
    assert err.value.code == "second_moderator"
    with pytest.raises(ValidationFailed):
        services.comment_moderate(comment=comment, actor=editor, hide=True, reason="")
    services.comment_moderate(comment=comment, actor=editor, hide=True, reason="含人身攻击")
    shown = selectors.comment_public(Comment.objects.get(pk=comment.pk))
    assert shown["hidden"] and shown["body"] == "" and shown["hidden_reason"] == "含人身攻击"
    entry = TimelineEntry.objects.get(subject="comment", object_id=comment.pk, action="hide")
    assert entry.actor == editor and entry.note == "含人身攻击"


def test_draft_is_not_public(cadre, area):
    c = factories.consultation(cadre, area, open_=False)
    assert not selectors.consultation_list(user=None).filter(pk=c.pk).exists()
    assert selectors.consultation_list(user=cadre).filter(pk=c.pk).exists()


def test_api_comment_list_and_errors(client, cadre, citizen, area, django_assert_max_num_queries):
    c = factories.consultation(cadre, area)
    for i in range(3):
        Comment.objects.create(consultation=c, body=f"意见{i}", identity=f"u:{i}", created_at=timezone.now())
    client.force_login(citizen)
    r = client.post(
        f"/api/v1/consultations/{c.pk}/comments/", {"body": "<b>x</b>"}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["error"]["fields"]["body"]
    r = client.post(
        f"/api/v1/consultations/{c.pk}/comments/", {"body": "好意见"}, content_type="application/json"
    )
    assert r.status_code == 201
    client.logout()
    with django_assert_max_num_queries(4):
        r = client.get(f"/api/v1/consultations/{c.pk}/comments/")
    assert r.status_code == 200 and len(r.json()) == 4
    page = client.get(f"/participation/consultations/{c.pk}/")
    assert page.status_code == 200 and "好意见" in page.content.decode()
