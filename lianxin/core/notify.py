"""Notifications: the in-app inbox always, plus pluggable senders chosen by configuration.

`notify()` writes inbox rows inside the caller's transaction and, in the same transaction, an outbox
item for external delivery after commit (lianxin.core.outbox: retried, never lost), so a slow mail server never blocks or rolls back the action that caused it.

Titles, and bodies the system writes, are given as a `Message` (a gettext_noop-marked Chinese msgid
with named parameters; a body may be several, one per line) so the inbox can show them in the
viewer's language; the row also keeps the text rendered in the default language for senders, the
admin and search. Bodies people type (reasons, notes) are plain strings and stay as typed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, translation
from django.utils.module_loading import import_string

from lianxin.core.models import Notification
from lianxin.core.outbox import outbox_add

if TYPE_CHECKING:
    from lianxin.accounts.models import User

logger = logging.getLogger("lianxin.notify")

# The outbox task of external delivery (its handler is in lianxin.core.tasks).
NOTIFY_TASK = "core.notify"


@dataclass(frozen=True)
class Message:
    """A translatable text: `msgid` is a Chinese source marked with gettext_noop at the call site,
    with named %-placeholders filled from `params` (JSON-serialisable values, stored with the row).

    Two kinds of value are shown in the reader's language rather than as stored: a list reads as an
    enumeration (、 in Chinese, commas in English) and `month_day(day)` as the locale's month and day.
    """

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        """The text in the active language; raises KeyError/TypeError/ValueError on bad params."""
        return translation.gettext(self.msgid) % {k: _shown(v) for k, v in dict(self.params).items()}

    @classmethod
    def stored(cls, pair: Any) -> Message:
        """The message of a stored `[msgid, params]` pair; TypeError when the pair is not one."""
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise TypeError(f"not a [msgid, params] pair: {pair!r}")
        msgid, params = pair
        if not isinstance(msgid, str) or not isinstance(params, dict):
            raise TypeError(f"not a [msgid, params] pair: {pair!r}")
        return cls(msgid, params)

    def pair(self) -> list[Any]:
        return [self.msgid, dict(self.params)]


def month_day(day: date) -> dict[str, str]:
    """A day as a Message parameter, shown as the reader's locale writes a month and day
    (3月31日, March 31); stored as an ISO string so the row stays JSON."""
    return {"month_day": day.isoformat()}


def enumeration(items: Iterable[str]) -> str:
    """Items as the active language lists them (、 in Chinese, commas in English)."""
    return translation.pgettext("enumeration", "、").join(items)


def _shown(value: Any) -> Any:
    """A parameter as the active language shows it (see `Message`); other values as stored."""
    if isinstance(value, list | tuple):
        return enumeration(str(_shown(v)) for v in value)
    if isinstance(value, dict) and value.keys() == {"month_day"}:
        return formats.date_format(date.fromisoformat(value["month_day"]), "MONTH_DAY_FORMAT")
    return value


# A notification body: plain text (typed by a person) or system text as one message per line.
Body: TypeAlias = str | Message | Sequence[Message]


def render_lines(messages: Iterable[Message]) -> str:
    """Messages rendered in the active language, one per line."""
    return "\n".join(m.render() for m in messages)


class Sender(Protocol):
    name: str

    def send(self, notification: Notification) -> None:
        """Deliver or raise; raising makes the task retry."""


class EmailSender:
    name = "email"

    def send(self, notification: Notification) -> None:
        email = notification.recipient.email
        if not email:
            return
        send_mail(notification.title, notification.body or notification.title, None, [email])


class LogSmsSender:
    """The default SMS sender: writes the message to the log instead of a gateway (no phone logged)."""

    name = "sms"

    def send(self, notification: Notification) -> None:
        logger.info("SMS to user #%s: %s", notification.recipient_id, notification.title)


def configured_senders() -> list[Sender]:
    return [import_string(path)() for path in settings.LIANXIN_NOTIFY_SENDERS]


def notify(
    recipients: Iterable[User],
    *,
    title: str | Message,
    body: Body = "",
    link: str = "",
    kind: str = "info",
) -> list[Notification]:
    """Put a message in each recipient's inbox and deliver it by the other senders after commit.

    A `Message` title (or body messages) is stored as msgid + params (shown in the viewer's language)
    and as its text in the default language; a plain string is stored as is.
    """
    if isinstance(title, Message):
        text = _default_text([title])
        msgid, params = title.msgid, dict(title.params)
    else:
        text, msgid, params = title, "", {}
    body_text, body_msgs = _body(body)
    rows = [
        Notification(
            recipient=user,
            title=text[:200],
            title_msgid=msgid,
            title_params=params,
            body=body_text,
            body_msgs=body_msgs,
            link=link[:300],
            kind=kind,
        )
        for user in {u.pk: u for u in recipients}.values()
    ]
    with transaction.atomic():  # the rows and their delivery commit together
        created = Notification.objects.bulk_create(rows)
        ids = [n.pk for n in created if n.pk]
        if ids and settings.LIANXIN_NOTIFY_SENDERS:
            outbox_add(NOTIFY_TASK, key=f"notify:{min(ids)}:{len(ids)}", payload={"ids": ids})
    return created


def _body(body: Body) -> tuple[str, list[list[Any]]]:
    """The body's text in the default language and its stored `[msgid, params]` pairs."""
    if isinstance(body, str):
        return body, []
    messages = [body] if isinstance(body, Message) else list(body)
    return _default_text(messages), [m.pair() for m in messages]


def _default_text(messages: list[Message]) -> str:
    """What the row stores for senders, the admin and search: the text in the default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_lines(messages)


def notification_deliver(notification_ids: list[int]) -> int:
    """Run every configured sender for each notification; returns how many deliveries failed."""
    failures = 0
    senders = configured_senders()
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related("recipient"):
        deliveries = dict(notification.deliveries)
        for sender in senders:
            if deliveries.get(sender.name) == "sent":
                continue  # idempotent on retry
            try:
                sender.send(notification)
                deliveries[sender.name] = "sent"
            except Exception as exc:  # noqa: BLE001 - any sender failure is retried, never raised to the caller
                failures += 1
                deliveries[sender.name] = f"failed: {type(exc).__name__}"
                logger.warning("Sender %s failed for notification %s: %s", sender.name, notification.pk, exc)
        Notification.objects.filter(pk=notification.pk).update(deliveries=deliveries)
    return failures
