"""Writes of the mediation app: opening a case and every action of the table (`transitions.TABLE`).

Each service is keyword-only and atomic: it validates its input first, then `_lock` takes the case row
(`select_for_update`), checks that the actor may see the case (NotFound), holds a role or relation for
the action (PermissionDenied), that the state allows it (Conflict) and, when the caller sent the
`version` it read, that nobody changed the case since (Conflict "stale": a retried request does not
write twice); the change and its `CaseEvent` are written together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import Role, User
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.files import IMAGE_TYPES, PDF_TYPE, upload_type_check
from lianxin.demands.models import Demand
from lianxin.demands.selectors import demand_is_visible
from lianxin.mediation import conf
from lianxin.mediation.access import actor_relations, case_is_visible
from lianxin.mediation.choices import (
    LEVEL_ORDER,
    LEVEL_RANK,
    Action,
    DisputeType,
    Level,
    PartyKind,
    PartyRole,
    Performance,
    ReferralTo,
    Risk,
    Source,
    Status,
)
from lianxin.mediation.models import Case, CaseEvent, CaseMediator, FollowUp, Party, Session
from lianxin.mediation.risk import risk_propose
from lianxin.mediation.transitions import API_ACTIONS, OPENERS, SYSTEM, TABLE, Transition, missing_arguments
from lianxin.org.models import Area, AreaLevel

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_PARTIES = 200
MIN_PARTIES = 2  # a dispute has two sides at least
SCAN_TYPES = frozenset({PDF_TYPE, *IMAGE_TYPES.values()})
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
_ID_NUMBER = re.compile(r"^[0-9A-Za-z\-]{6,30}$")
# The level an area's own office handles first.
AREA_LEVEL: dict[str, str] = {
    AreaLevel.GRID: Level.GRID,
    AreaLevel.COMMUNITY: Level.VILLAGE,
    AreaLevel.STREET: Level.TOWN,
    AreaLevel.DISTRICT: Level.COUNTY,
    AreaLevel.CITY: Level.COUNTY,
}


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _text(
    value: str | None, field: str, message: str, max_len: int = MAX_TEXT, *, required: bool = True
) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _invalid(field, message, "required")
    if len(text) > max_len:
        raise _invalid(field, _("最多 %(n)d 字") % {"n": max_len})
    return text


def _choice(value: str | None, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise _invalid(field, _("可选值：%(values)s") % {"values": ", ".join(choices.values)})
    return str(value)


def _day_in_range(value: date, field: str) -> date:
    if not date(1970, 1, 1) <= value <= date(2100, 12, 31):
        raise _invalid(field, _("日期应在 1970 至 2100 年之间"))
    return value


@dataclass(frozen=True)
class PartyInput:
    name: str
    kind: str = PartyKind.PERSON
    role: str = PartyRole.APPLICANT
    id_number: str = ""
    phone: str = ""
    address: str = ""


def _parties_checked(parties: list[PartyInput]) -> list[PartyInput]:
    if len(parties) < MIN_PARTIES:
        raise _invalid(
            "parties", _("至少填写 %(n)d 方当事人（纠纷双方）") % {"n": MIN_PARTIES}, "parties_missing"
        )
    if len(parties) > MAX_PARTIES:
        raise _invalid("parties", _("当事人最多 %(n)d 方") % {"n": MAX_PARTIES})
    checked = []
    for i, p in enumerate(parties):
        prefix = f"parties[{i}]"
        name = _text(p.name, f"{prefix}.name", _("请填写当事人姓名或名称"), 120)
        kind = _choice(p.kind or PartyKind.PERSON, PartyKind, f"{prefix}.kind")
        role = _choice(p.role or PartyRole.APPLICANT, PartyRole, f"{prefix}.role")
        phone = (p.phone or "").strip()
        if phone and not _PHONE.match(phone):
            raise _invalid(f"{prefix}.phone", _("电话号码格式不对"))
        id_number = (p.id_number or "").strip()
        if id_number and not _ID_NUMBER.match(id_number):
            raise _invalid(f"{prefix}.id_number", _("证件号码格式不对"))
        address = _text(p.address, f"{prefix}.address", "", 200, required=False)
        checked.append(PartyInput(name, kind, role, id_number, phone, address))
    return checked


def _mediators_checked(mediators: list[Any], field: str = "mediators") -> list[User]:
    ids = []
    for m in mediators:
        pk = m.pk if isinstance(m, User) else m
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise _invalid(field, _("调解员应为用户编号"))
        ids.append(pk)
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise _invalid(field, _("请指定调解员"), "required")
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    users = []
    for pk in ids:
        user = found.get(pk)
        if user is None or not user.has_role(*OPENERS):
            raise _invalid(field, _("用户 %(id)s 不是可担任调解员的工作人员") % {"id": pk})
        users.append(user)
    return users


def _record(
    case: Case, actor: User | None, action: str, before: str, moment: datetime, note: str = "", **data: Any
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        action=action,
        from_status=before,
        to_status=case.status,
        note=note,
        data=data,
        created_at=moment,
    )


def _save(case: Case) -> None:
    case.version += 1
    case.save()


def _link_mediators(case: Case, users: list[User], lead: User | None = None) -> None:
    CaseMediator.objects.filter(case=case).delete()
    lead = lead if lead in users else users[0]
    CaseMediator.objects.bulk_create([CaseMediator(case=case, user=u, lead=u == lead) for u in users])


# --- opening --------------------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor: User,
    title: str,
    summary: str,
    type: str,
    parties: list[PartyInput],
    area: Area | None = None,
    demand: Demand | None = None,
    visit: Any = None,
    risk: str = "",
    level: str = "",
    prior_petitions: int = 0,
    mediators: list[Any] | None = None,
    now: datetime | None = None,
) -> Case:
    """受理: open a case directly, from a demand or from a visit. Needs two parties at least (each with a
    name), a dispute type and an area (the demand's, or the visit's contact point's, when not given).
    The handling level starts at the area's own level unless given; the risk is intel's proposal
    (`risk.risk_propose`) unless the opener chose one; the deadline is 30 days (conf.mediation_days).
    Mediators default to the opener. Opening from a demand or visit that already has a case (not
    withdrawn) returns that case to whoever may see it (a retry opens nothing twice), and is a Conflict
    "already_opened" for others.

    Raises PermissionDenied (a role that may not open cases), NotFound (a demand the actor may not see),
    ValidationFailed naming the field."""
    if not actor.is_authenticated or not actor.has_role(*OPENERS):
        raise PermissionDenied(_("无权受理纠纷案件"))
    moment = now or timezone.now()
    if demand is not None and not demand_is_visible(actor, demand):
        raise NotFound(_("工单不存在或无权查看"))
    if visit is not None and not (visit.cadre_id == actor.pk or actor.has_role(Role.SUPERVISOR, Role.ADMIN)):
        raise NotFound(_("走访记录不存在或无权查看"))
    title = _text(title, "title", _("请填写纠纷简题"), MAX_TITLE)
    summary = _text(summary, "summary", _("请填写纠纷事实"))
    type = _choice(type, DisputeType, "type")
    checked = _parties_checked(parties)
    if area is None and demand is not None:
        area = demand.area
    if area is None and visit is not None and visit.contact_point_id:
        area = visit.contact_point.area
    if area is None:
        raise _invalid("area", _("请选择纠纷发生地"), "required")
    level = _choice(level, Level, "level") if level else AREA_LEVEL.get(area.level, Level.VILLAGE)
    if not isinstance(prior_petitions, int) or not 0 <= prior_petitions <= 999:
        raise _invalid("prior_petitions", _("应为 0 至 999 的整数"))
    proposal = risk_propose(f"{title}\n{summary}", parties=len(checked), prior_petitions=prior_petitions)
    risk = _choice(risk, Risk, "risk") if risk else proposal.level
    users = _mediators_checked(mediators) if mediators else [actor]
    if demand is not None or visit is not None:
        same_source = {"demand": demand} if demand is not None else {"visit": visit}
        existing = (
            Case.objects.select_for_update().filter(**same_source).exclude(status=Status.WITHDRAWN).first()
        )
        if existing is not None:
            if case_is_visible(actor, existing):
                return existing  # a retry of the same request
            raise Conflict(_("该来源已受理纠纷案件 %(no)s") % {"no": existing.case_no}, code="already_opened")
    source = Source.DEMAND if demand is not None else Source.VISIT if visit is not None else Source.DIRECT
    case = Case.objects.create(
        title=title,
        summary=summary,
        type=type,
        risk=risk,
        risk_proposed=proposal.level,
        risk_reasons=proposal.reasons,
        prior_petitions=prior_petitions,
        area=area,
        start_level=level,
        level=level,
        source=source,
        demand=demand,
        visit=visit,
        opened_by=actor,
        opened_at=moment,
        due_on=timezone.localdate(moment) + timedelta(days=conf.mediation_days()),
    )
    case.case_no = f"TJ{timezone.localdate(moment):%Y}{case.pk:07d}"
    case.save(update_fields=["case_no"])
    Party.objects.bulk_create(
        [
            Party(
                case=case,
                kind=p.kind,
                role=p.role,
                name=p.name,
                id_number=p.id_number,
                phone=p.phone,
                address=p.address,
            )
            for p in checked
        ]
    )
    for party in case.parties.all():  # bulk_create skips save(): the blind index of each phone
        party.save(update_fields=["phone_hash"])
    _link_mediators(case, users)
    _record(
        case,
        actor,
        Action.OPEN,
        "",
        moment,
        source=source,
        risk=risk,
        risk_proposed=proposal.level,
        level=level,
        parties=len(checked),
    )
    return case


# --- the one door of the actions -----------------------------------------------------------------------


def refusal(action: str, case: Case) -> Conflict | None:
    """Why the case's own state refuses `action` beyond its status and the actor's relation, or None:
    the services raise it, the forms offered leave the action out."""
    if action == Action.ESCALATE and case.level == Level.COUNTY:
        return Conflict(_("已在县（区）级调处，不能再提级"), code="top_level")
    if action == Action.RED_CARD and case.overdue:
        return Conflict(_("已红牌"), code="already_red")
    if action == Action.CLOSE and case.status == Status.AGREED and case.performance != Performance.PERFORMED:
        return Conflict(_("协议尚未确认履行完毕，不能结案（请先履行回访）"), code="not_performed")
    return None


def allowed_actions(user: User | None, case: Case) -> list[str]:
    """The actions of the table `user` may take on `case` now (the forms a page offers)."""
    relations = actor_relations(user, case)
    return [
        a
        for a in API_ACTIONS
        if case.status in TABLE[a].sources and TABLE[a].roles & relations and refusal(a, case) is None
    ]


def _lock(case: Case, actor: User | None, action: str, *, version: int | None = None) -> tuple[Case, str]:
    t: Transition = TABLE[action]
    try:
        locked = Case.objects.select_for_update(of=("self",)).select_related("area").get(pk=case.pk)
    except Case.DoesNotExist:
        raise NotFound(_("案件不存在或无权查看")) from None
    if actor is None:
        if SYSTEM not in t.roles:
            raise PermissionDenied(_("该操作需要工作人员执行"))
    else:
        if not case_is_visible(actor, locked):
            raise NotFound(_("案件不存在或无权查看"))
        if not t.roles & actor_relations(actor, locked):
            raise PermissionDenied(_("无权执行“%(action)s”") % {"action": Action(action).label})
    if locked.status not in t.sources:
        raise Conflict(
            _("案件当前状态（%(status)s）不能执行“%(action)s”")
            % {"status": locked.get_status_display(), "action": Action(action).label},
            code="bad_state",
        )
    if version is not None and version != locked.version:
        raise Conflict(_("案件已被他人更新，请刷新后再试"), code="stale")
    refused = refusal(action, locked)
    if refused is not None:
        raise refused
    before = locked.status
    locked.status = t.target_for(locked.status)
    return locked, before


def case_act(*, case: Case, actor: User, action: str, version: int | None = None, **args: Any) -> Case:
    """The one door of the API and the pages: an action of the table with its arguments (those in the
    row's `required` must be given, ValidationFailed naming them)."""
    if action not in API_ACTIONS:
        raise _invalid("action", _("可选值：%(values)s") % {"values": ", ".join(API_ACTIONS)})
    t = TABLE[action]
    given = {k: v for k, v in args.items() if k in t.args and v not in (None, "", [])}
    missing = missing_arguments(action, given)
    if missing:
        raise ValidationFailed(
            _("缺少必填项：%(fields)s") % {"fields": ", ".join(missing)},
            code="required",
            fields={name: [_("必填")] for name in missing},
        )
    service = globals()[t.service]
    return service(case=case, actor=actor, version=version, **given)


# --- the actions ---------------------------------------------------------------------------------------


@transaction.atomic
def case_assign(
    *,
    case: Case,
    actor: User,
    mediators: list[Any],
    lead: int | None = None,
    note: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """指派调解员: the case's mediators become `mediators` (staff users; the first is the lead unless
    `lead` names another of them)."""
    users = _mediators_checked(mediators)
    note = _text(note, "note", "", 2000, required=False)
    c, before = _lock(case, actor, Action.ASSIGN, version=version)
    lead_user = next((u for u in users if u.pk == lead), None)
    _link_mediators(c, users, lead_user)
    _save(c)
    _record(c, actor, Action.ASSIGN, before, now or timezone.now(), note, mediators=[u.pk for u in users])
    return c


@transaction.atomic
def case_set_risk(
    *, case: Case, actor: User, risk: str, note: str, version: int | None = None, now: datetime | None = None
) -> Case:
    """调整风险等级, with the reason."""
    risk = _choice(risk, Risk, "risk")
    note = _text(note, "note", _("请说明调整理由"), 2000)
    c, before = _lock(case, actor, Action.SET_RISK, version=version)
    old = c.risk
    c.risk = risk
    _save(c)
    _record(c, actor, Action.SET_RISK, before, now or timezone.now(), note, risk=risk, previous=old)
    return c


@transaction.atomic
def case_session(
    *,
    case: Case,
    actor: User,
    record: str,
    held_at: datetime | None = None,
    place: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """调解: record a session (when, where, what was said); the case is then being mediated. A session
    cannot be dated in the future nor before the case was opened."""
    moment = now or timezone.now()
    record = _text(record, "record", _("请填写调解记录"))
    place = _text(place, "place", "", 120, required=False)
    held = held_at or moment
    if held > moment + timedelta(minutes=5):
        raise _invalid("held_at", _("调解时间不能晚于现在"))
    c, before = _lock(case, actor, Action.SESSION, version=version)
    if held < c.opened_at - timedelta(minutes=5):
        raise _invalid("held_at", _("调解时间不能早于受理时间"))
    session = Session.objects.create(case=c, held_at=held, place=place, record=record, mediator=actor)
    _save(c)
    _record(c, actor, Action.SESSION, before, moment, "", session=session.pk)
    return c


@transaction.atomic
def case_escalate(
    *,
    case: Case,
    actor: User,
    note: str,
    level: str = "",
    mediators: list[Any] | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """提级调处: hand the case to a higher level (the next one unless `level` names a higher one), with
    the reason and, optionally, that level's mediators. The case then no longer counts as solved at the
    level it started at (矛盾不上交)."""
    note = _text(note, "note", _("请说明提级理由"), 2000)
    if level:
        level = _choice(level, Level, "level")
    users = _mediators_checked(mediators) if mediators else None
    c, before = _lock(case, actor, Action.ESCALATE, version=version)
    target = level or LEVEL_ORDER[LEVEL_RANK[Level(c.level)] + 1]
    if LEVEL_RANK[Level(target)] <= LEVEL_RANK[Level(c.level)]:
        raise _invalid(
            "level", _("只能提级到比当前（%(level)s）更高的层级") % {"level": c.get_level_display()}
        )
    previous = c.level
    c.level = target
    c.escalation_count += 1
    if users:
        _link_mediators(c, users)
    _save(c)
    _record(c, actor, Action.ESCALATE, before, now or timezone.now(), note, level=target, previous=previous)
    return c


@transaction.atomic
def case_extend(
    *,
    case: Case,
    actor: User,
    due_on: date,
    note: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """延长调解期限: the parties agreed on a later deadline (人民调解法 allows it); a later day than the
    current one, with the agreement noted. A red card stays on the record once given."""
    _day_in_range(due_on, "due_on")
    note = _text(note, "note", _("请说明当事人约定延期的情况"), 2000)
    c, before = _lock(case, actor, Action.EXTEND, version=version)
    if due_on <= c.due_on:
        raise _invalid("due_on", _("新期限应晚于原期限 %(day)s") % {"day": c.due_on.isoformat()})
    previous = c.due_on
    c.due_on = due_on
    _save(c)
    _record(
        c,
        actor,
        Action.EXTEND,
        before,
        now or timezone.now(),
        note,
        due_on=due_on.isoformat(),
        previous=previous.isoformat(),
    )
    return c


@transaction.atomic
def case_draft(
    *, case: Case, actor: User, terms: str, version: int | None = None, now: datetime | None = None
) -> Case:
    """拟定协议: store the agreement's terms, from which the 调解协议书 is printed for signing."""
    terms = _text(terms, "terms", _("请填写协议内容"))
    c, before = _lock(case, actor, Action.DRAFT, version=version)
    c.agreement_terms = terms
    _save(c)
    _record(c, actor, Action.DRAFT, before, now or timezone.now())
    return c


@transaction.atomic
def case_agree(
    *,
    case: Case,
    actor: User,
    terms: str = "",
    signed_parties: list[int] | None = None,
    scan: Any = None,
    note: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """达成协议. The agreement needs its terms (given here or drafted before) and the signatures of all
    parties: either the signed agreement's scan (a PDF or an image, checked by `core.files`), or every
    party's signature recorded (`signed_parties` lists every party id of the case). Otherwise
    ValidationFailed "signatures_missing" naming `signed_parties`, and nothing is written."""
    moment = now or timezone.now()
    scan_type = ""
    if scan is not None:
        scan_type = upload_type_check(scan, allowed=SCAN_TYPES, max_bytes=conf.scan_max_bytes())
    note = _text(note, "note", "", 2000, required=False)
    c, before = _lock(case, actor, Action.AGREE, version=version)
    terms = _text(terms or c.agreement_terms, "terms", _("请填写协议内容"))
    party_ids = set(c.parties.values_list("pk", flat=True))
    signed = set(signed_parties or [])
    unknown = signed - party_ids
    if unknown:
        raise _invalid(
            "signed_parties", _("不是本案当事人：%(ids)s") % {"ids": ", ".join(map(str, sorted(unknown)))}
        )
    already = set(c.parties.filter(signed_at__isnull=False).values_list("pk", flat=True))
    if scan is None and signed | already != party_ids:
        missing = len(party_ids - signed - already)
        raise _invalid(
            "signed_parties",
            _("协议须由全体当事人签字：请上传签字协议扫描件，或确认全部当事人已签字（尚缺 %(n)d 方）")
            % {"n": missing},
            "signatures_missing",
        )
    c.parties.filter(pk__in=signed - already).update(signed_at=moment)
    c.agreement_terms = terms
    c.agreed_at = moment
    c.concluded_at = moment
    if scan is not None:
        scan.seek(0)
        c.agreement_scan.save(getattr(scan, "name", "scan") or "scan", ContentFile(scan.read()), save=False)
        c.agreement_scan_type = scan_type
    _save(c)
    _record(
        c,
        actor,
        Action.AGREE,
        before,
        moment,
        note,
        scan=bool(scan is not None),
        signed_parties=sorted(signed | already),
    )
    return c


@transaction.atomic
def case_refer(
    *,
    case: Case,
    actor: User,
    referral_to: str,
    note: str,
    referral_body: str = "",
    referral_ref: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """调解不成: refer the parties to arbitration, the court, 信访 or another body, with the reason and
    the receiving body and its reference recorded."""
    moment = now or timezone.now()
    referral_to = _choice(referral_to, ReferralTo, "referral_to")
    note = _text(note, "note", _("请说明调解不成的原因"), 2000)
    body = _text(referral_body, "referral_body", "", 120, required=False)
    ref = _text(referral_ref, "referral_ref", "", 60, required=False)
    c, before = _lock(case, actor, Action.REFER, version=version)
    c.referral_to, c.referral_body, c.referral_ref = referral_to, body, ref
    c.referred_at = c.concluded_at = moment
    _save(c)
    _record(c, actor, Action.REFER, before, moment, note, referral_to=referral_to, body=body, ref=ref)
    return c


@transaction.atomic
def case_withdraw(
    *, case: Case, actor: User, note: str, version: int | None = None, now: datetime | None = None
) -> Case:
    """撤回: the applicant withdrew (or the parties settled by themselves); with the reason."""
    moment = now or timezone.now()
    note = _text(note, "note", _("请说明撤回原因"), 2000)
    c, before = _lock(case, actor, Action.WITHDRAW, version=version)
    c.closed_at = moment
    _save(c)
    _record(c, actor, Action.WITHDRAW, before, moment, note)
    return c


@transaction.atomic
def case_follow_up(
    *,
    case: Case,
    actor: User,
    date: date,
    performance: str,
    note: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """履行回访: a visit on how the agreement is performed, dated neither before the agreement nor in the
    future; the case's `performance` is the latest finding."""
    moment = now or timezone.now()
    day = _day_in_range(date, "date")
    performance = _choice(performance, Performance, "performance")
    note = _text(note, "note", "", 2000, required=False)
    if day > timezone.localdate(moment):
        raise _invalid("date", _("回访日期不能晚于今天"))
    c, before = _lock(case, actor, Action.FOLLOW_UP, version=version)
    agreed_day = timezone.localdate(c.agreed_at) if c.agreed_at else None
    if agreed_day and day < agreed_day:
        raise _invalid(
            "date",
            _("回访日期不能早于协议达成日期 %(day)s") % {"day": agreed_day.isoformat()},
            "before_agreement",
        )
    follow_up = FollowUp.objects.create(case=c, date=day, performance=performance, note=note, actor=actor)
    latest = c.follow_ups.order_by("-date", "-pk").first()
    c.performance = latest.performance if latest else performance
    _save(c)
    _record(
        c,
        actor,
        Action.FOLLOW_UP,
        before,
        moment,
        note,
        follow_up=follow_up.pk,
        date=day.isoformat(),
        performance=performance,
    )
    return c


@transaction.atomic
def case_close(
    *, case: Case, actor: User, note: str = "", version: int | None = None, now: datetime | None = None
) -> Case:
    """结案: an agreed case once a follow-up found the agreement performed; a referred case at any time."""
    moment = now or timezone.now()
    note = _text(note, "note", "", 2000, required=False)
    c, before = _lock(case, actor, Action.CLOSE, version=version)
    c.closed_at = moment
    _save(c)
    _record(c, actor, Action.CLOSE, before, moment, note)
    return c


@transaction.atomic
def case_red_card(
    *, case: Case, actor: User | None = None, version: int | None = None, now: datetime | None = None
) -> Case:
    """超期红牌 (the sweep): an active case past its deadline."""
    moment = now or timezone.now()
    c, before = _lock(case, actor, Action.RED_CARD, version=version)
    c.overdue = True
    c.red_carded_at = moment
    _save(c)
    _record(c, None, Action.RED_CARD, before, moment, due_on=c.due_on.isoformat())
    return c


def case_red_card_sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Red-card every active case past its deadline (due before today) that has none yet; each batch
    is one transaction writing its cases and their events together. Returns how many it carded; a
    second run cards nothing more."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    carded = 0
    while True:
        with transaction.atomic():
            ids = list(
                Case.objects.select_for_update(skip_locked=True)
                .filter(status__in=[Status.OPEN, Status.MEDIATING], due_on__lt=today, overdue=False)
                .order_by("pk")
                .values_list("pk", "status", "due_on")[:batch]
            )
            if not ids:
                return carded
            Case.objects.filter(pk__in=[i[0] for i in ids]).update(
                overdue=True, red_carded_at=moment, version=F("version") + 1
            )
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(
                        case_id=pk,
                        actor=None,
                        action=Action.RED_CARD,
                        from_status=status,
                        to_status=status,
                        data={"due_on": due.isoformat()},
                        created_at=moment,
                    )
                    for pk, status, due in ids
                ]
            )
            carded += len(ids)
