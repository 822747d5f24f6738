import pytest
from django.core import mail

from lianxin.core.models import Notification
from lianxin.core.notify import notify
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
