"""Reads of demands, always through the visibility rule of `demand_visible_q`.

Who sees what (domain.md "No role sees more than it needs"):
operator, supervisor, admin — everything; handler — demands whose lead or assisting unit is theirs;
cadre — demands located in their area subtree; citizen — their own submissions. Anything else is
a 404. Contact name and phone are shown in full to operator, supervisor, admin, the requester and
the handlers of the lead unit (who call the citizen back); everyone else sees them masked.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import Role, User, Viewer
from lianxin.accounts.scoping import NOTHING, area_q
from lianxin.core.crypto import number_index, phone_index
from lianxin.core.dates import parse_day
from lianxin.core.errors import NotFound
from lianxin.core.masking import mask_address, mask_name, mask_phone
from lianxin.core.params import as_id
from lianxin.core.throttling import Throttled, counter_hit, counter_undo, rate_of
from lianxin.demands.choices import (
    OPEN_STATUSES,
    SUSPECT_LEVELS,
    URGENCY_RANK,
    Action,
    AppealStatus,
    DemandType,
    Status,
    Urgency,
)
from lianxin.demands.intel_port import mask_pii
from lianxin.demands.models import (
    AssistRequest,
    Demand,
    DemandAppeal,
    DemandEvent,
    Judgement,
    JudgementKind,
)
from lianxin.demands.transitions import PUBLIC_ACTIONS
from lianxin.org.models import Area, Category

logger = logging.getLogger("lianxin.demands")

LIST_ONLY = (
    "id",
    "ticket_no",
    "title",
    "type",
    "urgency",
    "intel_urgency",
    "status",
    "closure",
    "channel",
    "created_at",
    "due_at",
    "stage",
    "warning_level",
    "supervised",
    "category",
    "category__name",
    "area",
    "area__name",
    "lead_unit",
    "lead_unit__name",
)


def _unit_demands_q(unit_id: int) -> Q:
    """The demands a unit leads or assists, as `id IN (… UNION …)` of the two indexed sets. Written as
    `lead_unit = u OR EXISTS(assisting)`, PostgreSQL cannot use an index for the OR and scans the whole
    table: 3 s per unit page at 1M demands (bench_callers, `demands.workbench_queue_p95.unit.*`)."""
    through = Demand.assisting_units.through
    led = Demand.objects.filter(lead_unit_id=unit_id).order_by().values("pk")
    assisted = through.objects.filter(unit_id=unit_id).order_by().values("demand_id")
    return Q(pk__in=led.union(assisted))


def demand_visible_q(user: Viewer) -> Q:
    if user is None or not user.is_authenticated:
        return NOTHING
    if user.sees_all:
        return Q()
    q = NOTHING
    roles = set(user.role_list)
    if Role.HANDLER in roles and user.unit_id:
        q |= _unit_demands_q(user.unit_id)
    if Role.CADRE in roles and user.area_scope_id:
        # a confidential demand (保密/不公开) is seen by the caller and the staff assigned to it only
        q |= area_q(user, "area") & Q(confidential=False)
    if Role.CITIZEN in roles:
        q |= Q(requester_id=user.pk)
    return q


def demand_is_visible(user: Viewer, demand: Demand) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.sees_all:
        return True
    if demand.requester_id == user.pk and user.has_role(Role.CITIZEN):
        return True
    if user.has_role(Role.HANDLER) and user.unit_id and demand.lead_unit_id == user.unit_id:
        return True
    return Demand.objects.filter(demand_visible_q(user), pk=demand.pk).exists()


def visible_demand_ids(user: Viewer, ids: Iterable[int]) -> set[int]:
    """Which of these demands `user` may open (`demand_visible_q`), in one query: for pages that list
    other records' demands (a visit's problems, a hot issue's evidence) and link only the visible ones."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(Demand.objects.filter(demand_visible_q(user), pk__in=wanted).values_list("pk", flat=True))


def may_see_contact(user: Viewer, demand: Demand) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.has_role(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
        return True
    if demand.requester_id == user.pk:
        return True
    return bool(user.has_role(Role.HANDLER) and user.unit_id and user.unit_id == demand.lead_unit_id)


def contact_visible_q(user: Viewer) -> Q:
    """The demands whose contact `user` sees in full (`may_see_contact` as a filter). A phone search
    runs only among these: matching on a masked phone would let anyone recover it digit by digit."""
    if user is None or not user.is_authenticated:
        return NOTHING
    if user.has_role(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
        return Q()
    q = Q(requester_id=user.pk)
    if user.has_role(Role.HANDLER) and user.unit_id:
        q |= Q(lead_unit_id=user.unit_id)
    return q


TEXT_FIELDS = ("title", "content", "address", "reply_text")


def demand_texts(user: Viewer, demand: Demand, names: Iterable[str] = TEXT_FIELDS) -> dict[str, str]:
    """The texts `names` (of TEXT_FIELDS) as `user` may read them: whoever sees the contact masked (a
    cadre, an assisting unit) also sees personal data written into the texts masked, as exports do.
    Only the texts asked for are masked (a list row shows the title alone)."""
    texts = {name: getattr(demand, name) or "" for name in names}
    if may_see_contact(user, demand):
        return texts

    return {name: mask_address(text) if name == "address" else mask_pii(text) for name, text in texts.items()}


def demand_contact(user: Viewer, demand: Demand) -> dict[str, str]:
    if may_see_contact(user, demand):
        return {"name": demand.contact_name or "", "phone": demand.contact_phone or "", "masked": "no"}
    return {
        "name": mask_name(demand.contact_name),
        "phone": mask_phone(demand.contact_phone),
        "masked": "yes",
    }


def demand_get(*, user: Viewer, pk: int) -> Demand:
    qs = Demand.objects.select_related("category", "area", "lead_unit", "requester", "merged_into")
    try:
        demand = qs.get(pk=pk)
    except (Demand.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("工单不存在或无权查看")) from None
    if not demand_is_visible(user, demand):
        raise NotFound(_("工单不存在或无权查看"))
    return demand


def demand_was_units(*, user: Viewer, pk: int) -> bool:
    """Whether `pk` was dispatched to the user's unit once (it has that unit's judged sign step, or a 协办
    request of that unit), though the user may not see it now: it was re-dispatched or withdrawn, and
    their links to it should say so."""
    unit_id = getattr(user, "unit_id", None)
    if not unit_id or not getattr(user, "is_authenticated", False):
        return False
    if Judgement.objects.filter(demand_id=pk, unit_id=unit_id, kind=JudgementKind.SIGN).exists():
        return True
    return AssistRequest.objects.filter(demand_id=pk, unit_id=unit_id).exists()  # an assisting unit dropped


def demand_track(*, ticket_no: str, code: str, client: str | None = None, cache: Any = None) -> Demand:
    """The public door: a wrong code and a missing ticket are the same 404.

    With `client` (the caller's address: the API and the tracking page pass it) every attempt is counted
    first, atomically and in one counter that both doors share (`lianxin.core.throttling.counter_hit`):
    per address, `public_track` attempts a window (Throttled past that); per ticket number,
    `TRACK_MAX_FAILURES` wrong codes lock the ticket for `TRACK_LOCK_SECONDS` — the right code is
    refused too while it is locked, so concurrent guesses cannot race past the count — and the owner is
    told by text message once. A right code gives its attempt back. 8 characters of 32 (40 bits) at
    10 guesses an hour stay out of reach; an attacker's many addresses still meet the ticket's lock."""
    ticket_no = (ticket_no or "").strip()[:24]
    keys: list[str] = []
    if client is not None:
        keys = _track_attempt(ticket_no, client, cache=cache)
    demand = (
        Demand.objects.select_related("category", "area", "lead_unit", "merged_into")
        .filter(ticket_no=ticket_no)
        .first()
    )
    given = (code or "").strip().upper()[:16].encode("utf-8", "replace")  # bytes: any text compares safely
    if demand is None or not hmac.compare_digest(demand.query_code.encode(), given):
        if keys and keys[1] == "locked-now" and demand is not None:
            _track_lock_notice(demand)
        raise NotFound(_("未找到该工单，请核对工单编号和查询码"))
    if keys:
        counter_undo(keys[0], cache=cache)  # the owner's lookups never use up the ticket's tries
    return demand


TRACK_MAX_FAILURES = 10
TRACK_LOCK_SECONDS = 3600


def _track_ticket_key(ticket_no: str) -> str:
    # every ticket number counts, existing or not, so a lock says nothing about which tickets exist
    return "track:ticket:" + hashlib.sha256(ticket_no.encode("utf-8", "replace")).hexdigest()[:32]


def _track_attempt(ticket_no: str, client: str, *, cache: Any = None) -> list[str]:
    """Count one attempt of `client` on `ticket_no`; raise Throttled when over either limit. Returns
    [the ticket's counter key, "locked-now" when this attempt is the last one before the lock, else ""]."""
    limit, window = rate_of("public_track", "60/min")
    if counter_hit(f"track:ip:{client}", window, cache=cache) > limit:
        raise Throttled(_("查询过于频繁，请稍后再试。"), wait=window)
    key = _track_ticket_key(ticket_no)
    tries = counter_hit(key, TRACK_LOCK_SECONDS, cache=cache)
    if tries > TRACK_MAX_FAILURES:
        raise Throttled(
            _("该工单查询码错误次数过多，已暂时锁定，请 %(n)d 分钟后再试。")
            % {"n": TRACK_LOCK_SECONDS // 60},
            wait=TRACK_LOCK_SECONDS,
            code="ticket_locked",
        )
    return [key, "locked-now" if tries == TRACK_MAX_FAILURES else ""]


def _track_lock_notice(demand: Demand) -> None:
    """Tell the demand's contact that its tracking was locked after wrong query codes (once a lock)."""
    if not demand.contact_phone:
        return
    text = _(
        "您的工单 %(ticket)s 的查询码已被多次输错，查询已暂时锁定 %(n)d 分钟。如非本人操作，请留意查询码安全。"
    ) % {
        "ticket": demand.ticket_no,
        "n": TRACK_LOCK_SECONDS // 60,
    }
    key = f"track-lock:{demand.pk}:{int(timezone.now().timestamp()) // TRACK_LOCK_SECONDS}"
    try:
        _sms_send(demand.contact_phone, text, purpose="track_lock", key=key)
    except Exception as exc:  # noqa: BLE001 - a failed notice must not turn a 404 into a 500
        logger.warning("track lock notice failed: %s", type(exc).__name__)


def _sms_send(phone: str, text: str, *, purpose: str, key: str) -> None:
    """`lianxin.core.sms.sms_send` (through the outbox, in its own transaction here: the lookup is a
    read), or a log line without the phone where the module is absent."""
    try:
        from lianxin.core.sms import sms_send
    except ImportError:  # pragma: no cover - core.sms lands with the infra work
        logger.warning("track lock notice not sent: lianxin.core.sms is absent")
        return
    with transaction.atomic():
        sms_send(phone, text, purpose=purpose, key=key)


def demand_timeline(*, demand: Demand) -> QuerySet[DemandEvent]:
    return DemandEvent.objects.filter(demand=demand).select_related("actor").order_by("created_at", "id")


def staff_timeline(user: Viewer, demand: Demand) -> list[DemandEvent]:
    """The timeline as a member of staff reads it: whoever sees the contact masked (a cadre, an assisting
    unit) reads the notes masked too — a note holds the reply, reasons and appeals, which may quote the
    caller's phone or address (as `demand_texts` masks the demand's own texts)."""
    events = list(demand_timeline(demand=demand))
    if not may_see_contact(user, demand):
        for event in events:
            event.note = mask_pii(event.note or "")
    return events


def citizen_events(events: Iterable[DemandEvent]) -> list[DemandEvent]:
    """The steps of a timeline (in order) the citizen sees: the table's public ones, less a reply held
    for review (答复审核) that was never approved — sent back, or still waiting."""
    rows = list(events)
    hidden: set[int] = set()
    pending: DemandEvent | None = None
    for e in rows:
        if e.action == Action.REPLY:
            if pending is not None:
                hidden.add(id(pending))
            pending = e if (e.data or {}).get("held") else None
        elif e.action == Action.APPROVE_REPLY:
            pending = None
        elif e.action == Action.RETURN_REPLY and pending is not None:
            hidden.add(id(pending))
            pending = None
    if pending is not None:
        hidden.add(id(pending))
    return [e for e in rows if e.action in PUBLIC_ACTIONS and id(e) not in hidden]


# --- Lists --------------------------------------------------------------------------------------


# Each named queue of the lists and workbenches, as a filter at `now`.
_QUEUE_FILTERS: dict[str, Callable[[datetime], Q]] = {
    "to_accept": lambda now: Q(status=Status.SUBMITTED),
    "to_dispatch": lambda now: Q(status=Status.ACCEPTED),
    "returned": lambda now: Q(status=Status.RETURNED),
    "overdue": lambda now: Q(due_at__lt=now, status__in=OPEN_STATUSES),
    "followup": lambda now: Q(status=Status.REPLIED, reply_held=False),
    # 并单待回访: callers merged into a demand now answered, each followed up and rated on their own
    "merged_followup": lambda now: Q(
        status=Status.MERGED,
        rated_at__isnull=True,
        merged_into__status__in=(Status.REPLIED, Status.CLOSED),
        merged_into__reply_held=False,
    ),
    # 答复审核: replies held for the centre's review
    "review": lambda now: Q(status=Status.REPLIED, reply_held=True),
    # 紧急转办 awaiting the follow-up that confirms the outcome (outside the deadlines: no due time)
    "transferred": lambda now: Q(status=Status.TRANSFERRED, closed_at__isnull=True),
    "extension": lambda now: Q(extension_pending_until__isnull=False, status=Status.IN_PROGRESS),
    "to_sign": lambda now: Q(status=Status.DISPATCHED),
    "in_progress": lambda now: Q(status=Status.IN_PROGRESS),
    "supervised": lambda now: Q(supervised=True, status__in=OPEN_STATUSES),
    # 黄牌预警: past the warning time and not yet due — read from the times (indexed: `demand_warn_at`),
    # not from the sweep's mark `warning_level`, which no index may name (the sweep updates it in place) and
    # whose filter scanned the table: 145 ms per count at 1M demands.
    "warning": lambda now: Q(warn_at__lte=now, due_at__gt=now, status__in=OPEN_STATUSES),
    "open": lambda now: Q(status__in=OPEN_STATUSES),
    # 考核申诉 waiting for the supervisor's decision (any state: a unit appeals after the fact too)
    "appeals": lambda now: Q(
        Exists(DemandAppeal.objects.filter(demand_id=OuterRef("pk"), status=AppealStatus.PENDING))
    ),
}
# Queues that depend on who looks: 待协办, the 协办 requests of the handler's unit still waiting for its
# opinion, while the demand can take one (dispatched or in progress).
ASSIST_OPEN = (Status.DISPATCHED, Status.IN_PROGRESS)


def _to_assist_q(now: datetime, user: Viewer) -> Q:
    if not isinstance(user, User) or not user.unit_id or not user.has_role(Role.HANDLER):
        return NOTHING
    waiting = AssistRequest.objects.filter(
        demand_id=OuterRef("pk"), unit_id=user.unit_id, submitted_at__isnull=True, voided_at__isnull=True
    )
    return Q(Exists(waiting), status__in=ASSIST_OPEN)


_USER_QUEUE_FILTERS: dict[str, Callable[[datetime, Viewer], Q]] = {"to_assist": _to_assist_q}
QUEUE_NAMES = frozenset(_QUEUE_FILTERS) | frozenset(_USER_QUEUE_FILTERS)


def _queue_q(name: str, now: datetime, user: Viewer = None) -> Q:
    make = _QUEUE_FILTERS.get(name)
    if make is not None:
        return make(now)
    by_user = _USER_QUEUE_FILTERS.get(name)
    return by_user(now, user) if by_user else Q()


def assist_requests_of(demand: Demand, user: Viewer = None) -> list[AssistRequest]:
    """The active 协办 requests of a demand with their units (the lead's page: opinions received and
    missing). Given the reader, an opinion is masked for whoever sees the contact masked."""
    found = list(
        AssistRequest.objects.filter(demand=demand, voided_at__isnull=True)
        .select_related("unit", "submitted_by")
        .order_by("unit__code", "id")
    )
    if user is not None and not may_see_contact(user, demand):
        for request in found:
            request.opinion = mask_pii(request.opinion or "")
    return found


QUEUES = {
    "workbench": [
        "to_accept",
        "to_dispatch",
        "returned",
        "extension",
        "overdue",
        "review",
        "followup",
        "merged_followup",
        "transferred",
    ],
    "unit": ["to_sign", "in_progress", "to_assist", "overdue", "warning"],
    "supervision": ["overdue", "warning", "supervised", "appeals"],
}


@dataclass
class DemandFilters:
    q: str = ""
    ticket_no: str = ""
    phone: str = ""
    status: str = ""
    type: str = ""
    urgency: str = ""
    category: int | None = None
    area: int | None = None
    unit: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    queue: str = ""
    supervised: bool | None = None
    ids: list[int] | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> DemandFilters:
        """The filters in `params`; a malformed value is ignored (the pages, whose query strings people
        edit by hand). `parse` also says what was malformed (the API refuses it)."""
        return cls.parse(params)[0]

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> tuple[DemandFilters, dict[str, list[str]]]:
        """The filters in `params`, and what is wrong with them by name (empty when nothing)."""
        problems: dict[str, list[str]] = {}

        def _text(name: str, limit: int = 100) -> str:
            return (params.get(name) or "").strip()[:limit]

        def _int(name: str) -> int | None:
            value = as_id(params.get(name))
            if value is None and _text(name):
                problems[name] = [_("应为正整数编号")]
            return value

        def _date(name: str) -> date | None:
            try:
                return parse_day(params.get(name) or "")
            except ValueError:
                if _text(name):
                    problems[name] = [_("日期格式应为 YYYY-MM-DD，且在 1970 至 2100 年之间")]
                return None

        def _choice(name: str, allowed: set[str]) -> str:
            value = _text(name, 1000)
            if value and value not in allowed:
                problems[name] = [_("可选值：%(values)s") % {"values": ", ".join(sorted(allowed))}]
            return value

        supervised = _choice("supervised", {"1", "0", "true", "false", "yes", "no"})
        filters = cls(
            q=_text("q"),
            ticket_no=_text("ticket_no", 24),
            phone=_text("phone", 30),
            status=_choice("status", {*Status.values, "closed_resolved", "closed_not_resolved"}),
            type=_choice("type", set(DemandType.values)),
            urgency=_choice("urgency", set(Urgency.values)),
            category=_int("category"),
            area=_int("area"),
            unit=_int("unit"),
            date_from=_date("date_from"),
            date_to=_date("date_to"),
            queue=_choice("queue", set(QUEUE_NAMES)),
            supervised=None if supervised == "" else supervised in ("1", "true", "yes"),
        )
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            problems["date_to"] = [_("结束日期早于开始日期")]
        return filters, problems


_NUMBER_LIKE = re.compile(r"[\d\s+\-()]+")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _search_q(user: Viewer, text: str) -> Q:
    """The free-text search of the lists: a ticket number or a phone as people type it (+86 138…,
    139-0000-1111, (0731) 8…) by exact match, anything else in the title, content or address.

    The texts are stored encrypted; what is searched is only what the searcher may read (so a search can
    never be a yes/no oracle on masked digits): the masked copies, which hide the personal data written
    in the texts — and, on the demands whose contact the searcher sees in full (`contact_visible_q`), the
    full address's masked copy and the blind indexes of whole numbers written in the texts."""
    full = contact_visible_q(user)
    sees_all = full == Q()
    masked_text = Q(title_masked__icontains=text) | Q(content_masked__icontains=text)
    if _NUMBER_LIKE.fullmatch(text) and len(digits := re.sub(r"\D", "", text)) >= 10:
        by_number = Q(contact_phone_hash=phone_index(text)) | Q(text_numbers__contains=number_index(text))
        return Q(ticket_no=digits) | (full & by_number)
    own = full & Q(address_masked__icontains=text)
    if sees_all:
        return masked_text | own
    return masked_text | own | (~full & Q(address_prefix__icontains=text))


def _field_filters(qs: QuerySet[Demand], f: DemandFilters) -> QuerySet[Demand]:
    """`qs` limited by the filters that name a field: status, type, urgency, category, area, unit."""
    if f.status:
        if f.status in ("closed_resolved", "closed_not_resolved"):
            qs = qs.filter(status=Status.CLOSED, closure=f.status.removeprefix("closed_"))
        else:
            qs = qs.filter(status=f.status)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    if f.category:
        cat = Category.objects.filter(pk=f.category).first()
        qs = qs.filter(cat.subtree_q("category")) if cat else qs.none()
    if f.area:
        area = Area.objects.filter(pk=f.area).first()
        qs = qs.filter(area.subtree_q("area")) if area else qs.none()
    if f.unit:
        qs = qs.filter(lead_unit_id=f.unit)
    return qs


def demand_list(
    *, user: Viewer, filters: DemandFilters | None = None, now: datetime | None = None
) -> QuerySet[Demand]:
    """Visible demands matching `filters`, newest first, with the related names the lists show."""
    f = filters or DemandFilters()
    now = now or timezone.now()
    qs = Demand.objects.filter(demand_visible_q(user))
    if f.queue:
        qs = qs.filter(_queue_q(f.queue, now, user))
    if f.ticket_no:
        qs = qs.filter(ticket_no=f.ticket_no)
    if f.phone:
        qs = qs.filter(contact_visible_q(user), contact_phone_hash=phone_index(f.phone))
    if f.q:
        qs = qs.filter(_search_q(user, f.q))
    qs = _field_filters(qs, f)
    if f.date_from:
        qs = qs.filter(created_at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(created_at__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.supervised is not None:
        qs = qs.filter(supervised=f.supervised)
    if f.ids is not None:
        qs = qs.filter(pk__in=f.ids)
    return qs.select_related("category", "area", "lead_unit").order_by("-created_at", "-id")


def urgency_suspected_q() -> Q:
    """Awaiting acceptance, and intel proposed a higher urgency than the demand's own (疑似特急/紧急;
    `Demand.suspected_urgency` per row). Its first two terms are the condition of the partial index
    `demand_suspected`, which holds these few rows."""
    above = Q()
    for level in SUSPECT_LEVELS:
        below = [u for u, rank in URGENCY_RANK.items() if rank < URGENCY_RANK[level]]
        above |= Q(intel_urgency=level, urgency__in=below)
    return Q(status=Status.SUBMITTED, intel_urgency__in=SUSPECT_LEVELS) & above


def rows_first(qs: QuerySet[Demand], first: Q, *, start: int, stop: int) -> list[Demand]:
    """Rows `start:stop` of `qs` with those matching `first` ahead of the others (`rows_tiered`)."""
    return rows_tiered(qs, [first], start=start, stop=stop)


def rows_tiered(qs: QuerySet[Demand], tiers: list[Q], *, start: int, stop: int) -> list[Demand]:
    """Rows `start:stop` of `qs`: those matching the first tier, then the second (not the first), …, then
    the others, each part in the order of `qs`. One ordered query per part read instead of one sorted on
    an expression (each reads its index in order; a tier is a small partial index or a narrow filter,
    where sorting by `CASE …` would read every row of the queue); a part is counted only to page past it."""
    parts, rest = [], qs
    for tier in tiers:
        parts.append(rest.filter(tier))
        rest = rest.exclude(tier)
    parts.append(rest)
    rows: list[Demand] = []
    offset, wanted = start, stop - start
    for part in parts:
        if wanted <= 0:
            break
        if offset:
            n = part.count()
            if offset >= n:
                offset -= n
                continue
        found = list(part[offset : offset + wanted])
        rows += found
        wanted -= len(found)
        offset = 0
    return rows


def capped_count(qs: QuerySet[Any], cap: int = 10_000) -> tuple[int, bool]:
    """Count up to `cap` rows (an exact count of a million rows is too slow for a list page)."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def queue_counts(
    *, user: Viewer, names: list[str], now: datetime | None = None
) -> dict[str, tuple[int, bool]]:
    now = now or timezone.now()
    base = Demand.objects.filter(demand_visible_q(user))
    return {name: capped_count(base.filter(_queue_q(name, now, user)), cap=999) for name in names}


def hint_sees_all(user: Viewer) -> bool:
    """Whether the "already reported" hint shows `user` every open demand: the roles that see all demands
    (operators taking calls, supervisors, admins)."""
    return bool(user is not None and user.is_authenticated and user.sees_all)


def demand_hint_list(*, user: Viewer, ids: Iterable[int], limit: int = 5) -> list[dict[str, Any]]:
    """The "already reported" hint on the submission form: of the demands `ids` (best first), what the
    writer may see — a masked title, when, the status. Operators, supervisors and admins see every open
    one; everyone else only those staff accepted (past 待受理, so nobody's unreviewed text goes public)
    and no 举报 (a report names the people or business it accuses), and no confidential demand."""

    ids = list(ids)
    qs = Demand.objects.filter(pk__in=ids, status__in=OPEN_STATUSES)
    if not hint_sees_all(user):
        # nor a demand its caller asked to keep private (保密/不公开)
        qs = qs.exclude(status=Status.SUBMITTED).exclude(type=DemandType.REPORT).exclude(confidential=True)
    rows = {d.pk: d for d in qs.only("id", "title", "status", "closure", "created_at")}
    return [
        {"title": mask_pii(rows[i].title), "created_at": rows[i].created_at, "status": rows[i].status_display}
        for i in ids
        if i in rows
    ][:limit]


def my_demands(*, user: User) -> QuerySet[Demand]:
    return (
        Demand.objects.filter(requester=user)
        .select_related("category", "area", "lead_unit")
        .order_by("-created_at", "-id")
    )
