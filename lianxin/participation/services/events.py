"""组织群众: meetings, 议事会, hearings and volunteer activities with sign-up, waiting list, reminders,
QR check-in, minutes and follow-up tasks that can become demands.

Capacity holds under concurrency without a table lock: a sign-up is confirmed only when one conditional
UPDATE `confirmed_count = confirmed_count + 1 WHERE confirmed_count < capacity` changes the event row
(PostgreSQL re-checks the condition after a concurrent writer commits; SQLite serialises writers), else
it waits. A cancellation locks the event row (select_for_update) and promotes the first waiting person
in the same transaction, so the count never drifts from the confirmed rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import User, Viewer
from lianxin.core.crypto import normalise_phone, phone_index
from lianxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from lianxin.core.masking import mask_name, mask_phone
from lianxin.core.notify import Message, notify
from lianxin.core.params import as_id
from lianxin.core.sms import sms_send
from lianxin.org.models import Area, Unit
from lianxin.participation import conf
from lianxin.participation.models import (
    Event,
    EventKind,
    EventStatus,
    FollowUp,
    SignUp,
    SignUpStatus,
    Subject,
)
from lianxin.participation.services.common import (
    PHONE,
    Voice,
    bad,
    check,
    clean_text,
    now_or,
    record,
    relations,
    require_creator,
    voice_of,
    window,
)
from lianxin.participation.services.consultations import PURPOSE
from lianxin.participation.transitions import EVENT, ORGANISER

CHECKIN_SALT = "lianxin.participation.checkin"


def event_create(
    *,
    actor: User,
    title: str,
    kind: str,
    area: Area,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str = "",
    unit: Unit | None = None,
    now: datetime | None = None,
) -> Event:
    require_creator(actor)
    if kind not in EventKind.values:
        raise bad("kind", _("类型应为 %(v)s 之一") % {"v": ", ".join(EventKind.values)})
    if area is None:
        raise bad("area", _("请选择区域"), "required")
    if not 1 <= int(capacity) <= 100_000:
        raise bad("capacity", _("名额应在 1 到 100000 之间"))
    window(starts_at, ends_at)
    moment = now_or(now)
    with transaction.atomic():
        event = Event.objects.create(
            title=clean_text(title, field="title", limit=200),
            kind=kind,
            description=clean_text(description, field="description", limit=5000, required=False),
            area=area,
            place=clean_text(place, field="place", limit=200),
            unit=unit or actor.unit,
            organiser=actor,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=int(capacity),
            created_at=moment,
        )
        record(Subject.EVENT, event, "create", actor, now=moment)
    return event


def event_sign_up(
    *,
    event: Event,
    actor: Viewer,
    name: str = "",
    phone: str = "",
    code: str = "",
    now: datetime | None = None,
) -> SignUp:
    """Sign up online (a signed-in citizen, or anonymous with an SMS-verified phone) or by the organiser
    for someone (their name and phone, no code). Confirmed while places are left, else on the waiting
    list. Refused after the start, for a cancelled event, and twice for one identity."""
    moment = now_or(now)
    rel = relations(actor, event)
    check(EVENT, "sign_up", event, actor)
    if moment >= event.starts_at:
        raise Conflict(_("活动已开始，报名已截止"), code="signup_closed")
    by_organiser = ORGANISER in rel
    if by_organiser:
        name = clean_text(name, field="name", limit=60)
        digits = normalise_phone(phone)
        if not PHONE.match(digits):
            raise bad("phone", _("请填写 11 位手机号码"))
        voice = Voice(
            identity=f"p:{phone_index(digits)}", user=None, phone=digits, display=mask_phone(digits)
        )
    else:
        name = clean_text(name, field="name", limit=60, required=False)
        voice = voice_of(actor, phone=phone, code=code, purpose=PURPOSE)
    try:
        with transaction.atomic():
            took = Event.objects.filter(
                pk=event.pk, status=EventStatus.PUBLISHED, confirmed_count__lt=F("capacity")
            ).update(confirmed_count=F("confirmed_count") + 1)
            signup = SignUp.objects.create(
                event=event,
                identity=voice.identity,
                user=voice.user,
                name=name or (str(voice.user) if voice.user else ""),
                phone=voice.phone,
                status=SignUpStatus.CONFIRMED if took else SignUpStatus.WAITING,
                by_organiser=by_organiser,
                created_at=moment,
            )
            record(
                Subject.SIGNUP,
                signup,
                "sign_up",
                actor,
                label=voice.display or mask_name(name),
                data={"event": event.pk, "status": signup.status, "by_organiser": by_organiser},
                now=moment,
            )
    except IntegrityError:
        raise Conflict(_("已经报过名了"), code="already_signed_up") from None
    return signup


def _may_act_on(signup: SignUp, actor: Viewer) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    return signup.user_id == actor.pk or signup.event.organiser_id == actor.pk


def event_cancel_signup(
    *, signup: SignUp, actor: Viewer, phone: str = "", code: str = "", now: datetime | None = None
) -> SignUp:
    """Cancel a sign-up (its person, or the organiser); a freed place goes to the first waiting."""
    moment = now_or(now)
    if not _may_act_on(signup, actor):
        voice = voice_of(actor, phone=phone, code=code, purpose=PURPOSE)
        if voice.identity != signup.identity:
            raise PermissionDenied(_("只能取消自己的报名"), code="forbidden")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=signup.event_id)
        if event.status != EventStatus.PUBLISHED:
            raise Conflict(_("活动状态不允许取消报名"), code="invalid_transition")
        s = SignUp.objects.select_for_update().get(pk=signup.pk)
        if s.status == SignUpStatus.CANCELLED:
            raise Conflict(_("报名已取消"), code="already_cancelled")
        was = s.status
        s.status = SignUpStatus.CANCELLED
        s.save(update_fields=["status"])
        record(Subject.SIGNUP, s, "cancel_signup", actor, data={"event": event.pk, "was": was}, now=moment)
        if was == SignUpStatus.CONFIRMED:
            Event.objects.filter(pk=event.pk).update(confirmed_count=F("confirmed_count") - 1)
            _promote(event, moment)
    return s


def _promote(event: Event, moment: datetime) -> SignUp | None:
    """Give a freed place to the first person waiting (called with the event row locked)."""
    nxt = (
        SignUp.objects.select_for_update()
        .filter(event=event, status=SignUpStatus.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if nxt is None:
        return None
    took = Event.objects.filter(pk=event.pk, confirmed_count__lt=F("capacity")).update(
        confirmed_count=F("confirmed_count") + 1
    )
    if not took:
        return None
    nxt.status = SignUpStatus.CONFIRMED
    nxt.save(update_fields=["status"])
    record(Subject.SIGNUP, nxt, "promote", None, label=_("系统"), data={"event": event.pk}, now=moment)
    _tell(
        nxt,
        Message(gettext_noop("您已由候补转为正式报名：%(title)s"), {"title": event.title[:60]}),
        key=f"event:{event.pk}:promote:{nxt.pk}",
    )
    return nxt


def _tell(signup: SignUp, message: Message, *, key: str) -> None:
    if signup.user is not None:
        notify(
            [signup.user],
            title=message,
            link=f"/participation/events/{signup.event_id}/",
            kind="participation",
        )
    elif signup.phone:
        sms_send(signup.phone, message.render(), purpose="participation_event", key=key)


def checkin_code(signup: SignUp) -> str:
    """The attendee's signed check-in code (shown as a QR code or as text): it names the sign-up and
    its event and cannot be forged without the secret key."""
    return signing.dumps({"s": signup.pk, "e": signup.event_id}, salt=CHECKIN_SALT, compress=True)


def event_check_in(*, event: Event, actor: User, code: str, now: datetime | None = None) -> SignUp:
    """The organiser scans an attendee's code. A forged code, one of another event, or one of a person
    not confirmed is refused (400); a code already used is a Conflict (409)."""
    check(EVENT, "check_in", event, actor)
    try:
        data = signing.loads((code or "").strip(), salt=CHECKIN_SALT)
    except signing.BadSignature:
        raise ValidationFailed(
            _("签到码无效或被篡改"), code="bad_checkin_code", fields={"code": [_("签到码无效或被篡改")]}
        ) from None
    if not isinstance(data, dict) or data.get("e") != event.pk:
        raise bad("code", _("签到码不属于本次活动"), "wrong_event")
    moment = now_or(now)
    with transaction.atomic():
        s = SignUp.objects.select_for_update().filter(pk=as_id(data.get("s")) or 0, event=event).first()
        if s is None or s.status != SignUpStatus.CONFIRMED:
            raise bad("code", _("该报名不是正式报名（候补或已取消），不能签到"), "not_confirmed")
        done = SignUp.objects.filter(pk=s.pk, checked_in_at__isnull=True).update(checked_in_at=moment)
        if not done:
            raise Conflict(
                _("该签到码已于 %(t)s 使用过")
                % {"t": f"{timezone.localtime(s.checked_in_at):%H:%M}" if s.checked_in_at else ""},
                code="code_used",
            )
        record(Subject.SIGNUP, s, "check_in", actor, data={"event": event.pk}, now=moment)
    s.checked_in_at = moment
    return s


def event_cancel(*, event: Event, actor: User, reason: str, now: datetime | None = None) -> Event:
    reason = clean_text(reason, field="reason", limit=500)
    moment = now_or(now)
    with transaction.atomic():
        e = Event.objects.select_for_update().get(pk=event.pk)
        row = check(EVENT, "cancel", e, actor)
        e.status = row.target_for(e.status)
        e.save(update_fields=["status"])
        record(Subject.EVENT, e, "cancel", actor, note=reason, now=moment)
        for s in e.signups.exclude(status=SignUpStatus.CANCELLED).select_related("user"):
            _tell(
                s,
                Message(
                    gettext_noop("活动「%(title)s」已取消：%(reason)s"),
                    {"title": e.title[:60], "reason": reason[:100]},
                ),
                key=f"event:{e.pk}:cancel:{s.pk}",
            )
    return e


def event_minutes_record(
    *, event: Event, actor: User, minutes: str, decisions: str = "", now: datetime | None = None
) -> Event:
    minutes = clean_text(minutes, field="minutes", limit=20_000)
    decisions = clean_text(decisions, field="decisions", limit=5000, required=False)
    with transaction.atomic():
        e = Event.objects.select_for_update().get(pk=event.pk)
        row = check(EVENT, "record_minutes", e, actor)
        if now_or(now) < e.starts_at:
            raise Conflict(_("活动尚未开始，不能记录纪要"), code="not_started")
        e.status = row.target_for(e.status)
        e.minutes, e.decisions = minutes, decisions
        e.save(update_fields=["status", "minutes", "decisions"])
        record(Subject.EVENT, e, "record_minutes", actor, now=now)
    return e


def event_follow_up_add(
    *, event: Event, actor: User, text: str, as_demand: bool = False, now: datetime | None = None
) -> FollowUp:
    """A follow-up task decided at the event; with `as_demand` it enters the 接诉即办 loop as a demand
    submitted by the organiser (demands' intake service and its rules: a cadre may submit)."""
    text = clean_text(text, field="text", limit=500)
    event = Event.objects.get(pk=event.pk)
    check(EVENT, "follow_up", event, actor)
    moment = now_or(now)
    with transaction.atomic():
        item = FollowUp.objects.create(event=event, text=text, created_by=actor, created_at=moment)
        if as_demand:
            from lianxin.demands.services import demand_submit

            demand, _created = demand_submit(
                actor=actor,
                title=text[:200],
                content=_("%(kind)s「%(title)s」议定事项：%(text)s")
                % {"kind": event.get_kind_display(), "title": event.title, "text": text},
                type="suggestion",
                area=event.area,
                idempotency_key=f"participation-followup-{item.pk}",
                now=moment,
            )
            item.demand_id = demand.pk
            item.save(update_fields=["demand_id"])
        record(
            Subject.EVENT, event, "follow_up", actor, note=text, data={"demand": item.demand_id}, now=moment
        )
    return item


def event_reminders_send(*, now: datetime | None = None) -> int:
    """Remind everyone confirmed for an event starting within `conf.REMIND_HOURS` (once per event:
    `reminded_at` is claimed by a conditional UPDATE, the SMS keys make a retry harmless)."""
    moment = now_or(now)
    soon = Event.objects.filter(
        status=EventStatus.PUBLISHED,
        reminded_at__isnull=True,
        starts_at__gt=moment,
        starts_at__lte=moment + timedelta(hours=conf.REMIND_HOURS),
    )
    sent = 0
    for event in soon:
        with transaction.atomic():
            if not Event.objects.filter(pk=event.pk, reminded_at__isnull=True).update(reminded_at=moment):
                continue
            for s in event.signups.filter(status=SignUpStatus.CONFIRMED).select_related("user"):
                _tell(
                    s,
                    Message(
                        gettext_noop("活动提醒：「%(title)s」将于 %(time)s 在 %(place)s 举行"),
                        {
                            "title": event.title[:60],
                            "time": f"{timezone.localtime(event.starts_at):%m-%d %H:%M}",
                            "place": event.place[:60],
                        },
                    ),
                    key=f"event:{event.pk}:remind:{s.pk}",
                )
                sent += 1
            record(Subject.EVENT, event, "remind", None, label=_("系统"), data={"sent": sent}, now=moment)
    return sent
