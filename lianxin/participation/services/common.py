"""What every participation service shares: the identity behind a voice, the action-table check,
the timeline entry, and validation of typed text.

A service checks its row of `transitions` (state and role), then writes the change and its
`TimelineEntry` in one transaction. Phone codes are verified BEFORE that transaction
(`core.sms.phone_code_verify` must keep its count of wrong tries when the action later fails).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import Role, User, Viewer
from lianxin.core.crypto import normalise_phone, phone_index
from lianxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from lianxin.core.masking import mask_name, mask_phone
from lianxin.core.sms import phone_code_verify
from lianxin.participation.models import Subject, TimelineEntry
from lianxin.participation.transitions import ORGANISER, Transition

HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|&#?\w+;")
PHONE = re.compile(r"^1\d{10}$")


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def bad(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def clean_text(value: Any, *, field: str, limit: int, required: bool = True) -> str:
    """Plain text of at most `limit` characters: HTML tags or entities are refused, not stripped."""
    text = str(value or "").strip()
    if required and not text:
        raise bad(field, _("%(field)s不能为空") % {"field": field}, "required")
    if len(text) > limit:
        raise bad(
            field,
            _("%(field)s最多 %(n)d 字（现有 %(m)d 字）") % {"field": field, "n": limit, "m": len(text)},
            "too_long",
        )
    if HTML.search(text):
        raise bad(field, _("%(field)s不能包含 HTML 标记") % {"field": field}, "html")
    return text


@dataclass(frozen=True)
class Voice:
    """Who takes part: a signed-in user, or an anonymous person with a verified phone."""

    identity: str
    user: User | None
    phone: str = ""
    display: str = ""

    @property
    def label(self) -> str:
        return self.display


def voice_of(actor: Viewer, *, phone: str = "", code: str = "", purpose: str) -> Voice:
    """The identity of a citizen: "u:<id>" when signed in, else the keyed hash of a phone whose SMS code
    (sent by `core.sms.phone_code_send` for `purpose`) is verified here. Raises ValidationFailed naming
    `phone` or `code`."""
    if actor is not None and actor.is_authenticated:
        return Voice(identity=f"u:{actor.pk}", user=actor, display=mask_name(str(actor)))
    digits = normalise_phone(phone)
    if not PHONE.match(digits):
        raise bad("phone", _("匿名参与需要填写手机号码并通过短信验证"), "phone_required")
    if not (code or "").strip():
        raise bad("code", _("请填写短信验证码"), "code_required")
    phone_code_verify(digits, code, purpose=purpose)
    return Voice(identity=f"p:{phone_index(digits)}", user=None, phone=digits, display=mask_phone(digits))


def relations(actor: Viewer, obj: Any) -> set[str]:
    if actor is None or not actor.is_authenticated:
        return {"anonymous"}
    out = set(actor.role_list)
    if actor.is_superuser:
        out.add(Role.ADMIN)
    if getattr(obj, "organiser_id", None) == actor.pk:
        out.add(ORGANISER)
    return out


def check(
    table: dict[str, Transition], action: str, obj: Any, actor: Viewer, *, system: bool = False
) -> Transition:
    """The row of `action`: PermissionDenied when the actor holds none of its roles, Conflict when the
    object's state does not allow it."""
    row = table[action]
    rel = {"system"} if system else relations(actor, obj)
    if not rel & row.roles:
        raise PermissionDenied(
            _("当前角色无权执行「%(action)s」") % {"action": _(row.label)}, code="forbidden"
        )
    if obj.status not in row.sources:
        raise Conflict(
            _("当前状态为「%(status)s」，不能执行「%(action)s」")
            % {"status": obj.get_status_display(), "action": _(row.label)},
            code="invalid_transition",
        )
    return row


def record(
    subject: str,
    obj: Any,
    action: str,
    actor: Viewer,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    label: str = "",
    now: datetime | None = None,
) -> TimelineEntry:
    user = actor if actor is not None and actor.is_authenticated else None
    return TimelineEntry.objects.create(
        subject=subject,
        object_id=obj.pk,
        action=action,
        actor=user,
        actor_label=(label or (str(user) if user else _("群众")))[:80],
        note=note,
        data=data or {},
        at=now_or(now),
    )


def may_manage(actor: Viewer, obj: Any) -> bool:
    """Staff who may run an object's staff actions and see its staff pages: its organiser, overseers,
    staff of its unit, or staff whose area scope holds its area."""
    if actor is None or not actor.is_authenticated or not actor.is_staff_member:
        return False
    if actor.pk == obj.organiser_id or actor.has_role(Role.SUPERVISOR, Role.ADMIN):
        return True
    if obj.unit_id and actor.unit_id == obj.unit_id:
        return True
    scope = actor.area_scope
    return bool(scope and scope.contains(obj.area))


def require_creator(actor: Viewer) -> User:
    from lianxin.participation.transitions import CREATORS

    if actor is None or not actor.is_authenticated or not actor.has_role(*CREATORS):
        raise PermissionDenied(_("当前角色不能发起"), code="forbidden")
    return actor


def window(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise bad("closes_at", _("截止时间必须晚于开始时间"))


__all__ = ["Subject", "Voice", "bad", "check", "clean_text", "may_manage", "record", "voice_of"]
