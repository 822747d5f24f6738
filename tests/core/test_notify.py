from datetime import date

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext_noop

from lianxin.core.models import Notification
from lianxin.core.notify import Message, month_day, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_notify_fills_the_inbox_and_mails_after_commit():
    user = UserFactory(email="h@example.org")
    notify([user, user], title="新工单", body="请签收", link="/demands/1/")
    assert Notification.objects.filter(recipient=user).count() == 1
    assert [m.subject for m in mail.outbox] == ["新工单"]
    row = Notification.objects.get(recipient=user)
    assert row.deliveries == {"email": "sent", "sms": "sent"}


def test_failed_sender_is_recorded_and_does_not_break_the_caller(settings):
    settings.LIANXIN_NOTIFY_SENDERS = ["tests.core.test_notify.BrokenSender"]
    user = UserFactory()
    notify([user], title="x")  # must not raise: delivery failures are retried by the worker
    assert Notification.objects.get(recipient=user).deliveries == {"broken": "failed: RuntimeError"}


class BrokenSender:
    name = "broken"

    def send(self, notification):
        raise RuntimeError("gateway down")


def test_message_title_is_stored_in_the_default_language_and_shown_in_the_readers():
    user = UserFactory()
    title = Message(gettext_noop("催办 %(ticket)s：%(title)s"), {"ticket": "T1", "title": "路灯不亮"})
    with translation.override("en"):  # an English-speaking actor still writes the Chinese text
        (row,) = notify([user], title=title)
    row.refresh_from_db()
    assert row.title == "催办 T1：路灯不亮"
    assert row.title_msgid == "催办 %(ticket)s：%(title)s"
    assert row.title_params == {"ticket": "T1", "title": "路灯不亮"}
    assert row.display_title == "催办 T1：路灯不亮"
    with translation.override("en"):
        assert row.display_title == "Urge T1: 路灯不亮"


def test_plain_string_title_is_shown_as_is():
    (row,) = notify([UserFactory()], title="新工单")
    assert row.title_msgid == "" and row.title_params == {}
    with translation.override("en"):
        assert row.display_title == "新工单"


@pytest.mark.parametrize(
    ("msgid", "params"),
    [
        ("催办 %(ticket)s：%(title)s", {"ticket": "T1"}),  # a key missing
        ("催办 %(ticket)s：%(title)s", ["T1", "x"]),  # not a mapping
        ("催办 %(ticket)s：%(title)s", None),
        ("催办 %(ticket)", {"ticket": "T1"}),  # a broken placeholder
    ],
)
def test_broken_msgid_or_params_fall_back_to_the_stored_title(msgid, params):
    row = Notification(
        recipient=UserFactory(), title="催办 T1：路灯不亮", title_msgid=msgid, title_params=params
    )
    with translation.override("en"):
        assert row.display_title == "催办 T1：路灯不亮"


def test_message_body_is_stored_in_the_default_language_and_shown_in_the_readers():
    user = UserFactory(email="h@example.org")
    lines = [
        Message(gettext_noop("%(unit)s：%(count)s 件"), {"unit": "住建局", "count": 2}),
        Message(gettext_noop("未派单：%(count)s 件"), {"count": 1}),
    ]
    with translation.override("en"):  # an English-speaking actor still writes the Chinese text
        (row,) = notify([user], title="超期", body=lines)
    row.refresh_from_db()
    assert row.body == "住建局：2 件\n未派单：1 件"
    assert row.body_msgs == [
        ["%(unit)s：%(count)s 件", {"unit": "住建局", "count": 2}],
        ["未派单：%(count)s 件", {"count": 1}],
    ]
    assert mail.outbox[0].body == "住建局：2 件\n未派单：1 件"  # e-mail goes out in the default language
    with translation.override("en"):
        assert row.display_body == "住建局: 2\nNot dispatched: 1"


def test_list_and_day_parameters_read_as_the_readers_language_writes_them():
    body = Message(
        gettext_noop("%(end)s前需走访的联系点（%(count)s个）：%(names)s"),
        {"end": month_day(date(2026, 3, 5)), "count": 2, "names": ["东风小学", "东风社区"]},
    )
    (row,) = notify([UserFactory()], title="走访提醒", body=body)
    row.refresh_from_db()
    assert row.body == row.display_body == "3月5日前需走访的联系点（2个）：东风小学、东风社区"
    with translation.override("en"):
        assert row.display_body == "Contact points to visit by March 5 (2): 东风小学, 东风社区"


def test_plain_string_body_is_shown_as_is():
    (row,) = notify([UserFactory()], title="催办", body="请尽快")
    row.refresh_from_db()
    assert row.body_msgs == []
    with translation.override("en"):
        assert row.display_body == "请尽快"


@pytest.mark.parametrize(
    "body_msgs",
    [
        [["%(unit)s：%(count)s 件", {"count": 2}]],  # a key missing
        [["%(unit)s：%(count)s 件", ["住建局", 2]]],  # params not a mapping
        [["%(unit)s：%(count)s 件"]],  # not a pair
        [[None, {}]],  # no msgid
        [["未派单：%(count)s 件", {"count": 1}], "住建局：2 件"],  # one line broken: none translated
        [
            [
                "%(end)s前需走访的联系点（%(count)s个）：%(names)s",
                {"end": {"month_day": "3/5"}, "count": 2, "names": []},
            ]
        ],
        {"%(unit)s：%(count)s 件": {"unit": "住建局", "count": 2}},  # not a list
        7,
    ],
)
def test_broken_body_messages_fall_back_to_the_stored_body(body_msgs):
    row = Notification(recipient=UserFactory(), title="超期", body="住建局：2 件", body_msgs=body_msgs)
    with translation.override("en"):
        assert row.display_body == "住建局：2 件"


def test_title_body_and_their_parameters_are_encrypted_at_rest():
    """A notification copies a demand's title and a reason into the inbox: stored encrypted, read back
    whole in the reader's language, searched through the title's masked copy."""
    from django.db import connection

    user = UserFactory()
    phone = "13987654321"
    notify(
        [user],
        title=Message(
            gettext_noop("新派单 %(ticket)s：%(title)s"), {"ticket": "T1", "title": f"电梯坏了{phone}"}
        ),
        body=[Message(gettext_noop("退回理由：%(reason)s"), {"reason": f"请联系{phone}"})],
    )
    row = Notification.objects.get(recipient=user)
    assert phone in row.title and row.title_params["title"] == f"电梯坏了{phone}"
    assert row.body_msgs[0][1] == {"reason": f"请联系{phone}"} and phone in row.display_body
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title, title_params, body, body_msgs, title_masked FROM core_notification WHERE id = %s",
            [row.pk],
        )
        stored = cursor.fetchone()
    assert all(phone not in str(column) for column in stored)
    assert "电梯" not in stored[0] and "退回理由" not in stored[3]  # ciphertext, not the text
    assert "电梯坏了" in stored[4]  # the masked copy: searchable words, no phone
    assert Notification.objects.filter(title_masked__contains="电梯坏了").count() == 1
