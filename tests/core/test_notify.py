import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext_noop

from lianxin.core.models import Notification
from lianxin.core.notify import Message, notify
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
