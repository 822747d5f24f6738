"""Writes of contact work: contact points, households, assignments, visits and their problems.

A problem raised on a visit becomes a demand (channel "visit") in the same transaction as the visit,
through the demands service, so the diary and the demand loop never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from datetime import date as date_t
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, UnidentifiedImageError

from lianxin.accounts.models import Role, User, role_q
from lianxin.contact.models import (
    Assignment,
    ContactPoint,
    Household,
    HouseholdTag,
    Visit,
    VisitKind,
    VisitPhoto,
    VisitProblem,
)
from lianxin.contact.selectors import CoverageGroup, assignment_active_q, coverage_get, coverage_rules
from lianxin.core.errors import PermissionDenied, ValidationFailed
from lianxin.core.notify import Message, month_day, notify
from lianxin.demands.choices import Channel
from lianxin.demands.models import Demand
from lianxin.demands.services import demand_submit, phone_is_plausible
from lianxin.org.models import Area, Category

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
PHOTOS_PER_VISIT = 9


@dataclass(frozen=True)
class ProblemInput:
    title: str
    content: str = ""
    household_id: int | None = None
    category_id: int | None = None


def contact_point_create(
    *,
    name: str,
    kind: str,
    area: Area,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    note: str = "",
) -> ContactPoint:
    if not name.strip():
        raise ValidationFailed(_("请填写联系点名称"), fields={"name": [_("必填")]})
    return ContactPoint.objects.create(
        name=name.strip(), kind=kind, area=area, address=address, lat=lat, lng=lng, note=note
    )


def household_create(
    *,
    head_name: str,
    area: Area,
    size: int = 1,
    phone: str = "",
    address: str = "",
    contact_point: ContactPoint | None = None,
    tags: Iterable[str] = (),
) -> Household:
    """Create a contact household; tags must be HouseholdTag codes."""
    tag_list = [t for t in tags if t]
    unknown = [t for t in tag_list if t not in HouseholdTag.values]
    if unknown:
        raise ValidationFailed(
            _("未知的联系户标签：%(tags)s") % {"tags": ", ".join(unknown)}, fields={"tags": unknown}
        )
    if size < 1:
        raise ValidationFailed(_("家庭人口至少为 1"), fields={"size": ["≥1"]})
    return Household.objects.create(
        head_name=head_name.strip(),
        area=area,
        size=size,
        phone=phone,
        address=address,
        contact_point=contact_point,
        tags=",".join(tag_list),
    )


def assignment_create(
    *,
    cadre: User,
    start: date,
    end: date | None = None,
    contact_point: ContactPoint | None = None,
    household: Household | None = None,
) -> Assignment:
    """Assign one point or one household to a cadre for [start, end]."""
    if (contact_point is None) == (household is None):
        raise ValidationFailed(_("须指定一个联系点或一个联系户，二者只能选其一"))
    if end is not None and end < start:
        raise ValidationFailed(_("联系分工的结束日期早于开始日期"), fields={"end": [_("早于开始日期")]})
    if not cadre.has_role(Role.CADRE):
        raise ValidationFailed(
            _("%(user)s 不是领导干部") % {"user": cadre}, fields={"cadre": [_("不是领导干部")]}
        )
    return Assignment.objects.create(
        cadre=cadre, contact_point=contact_point, household=household, start=start, end=end
    )


def photo_check(upload: UploadedFile) -> tuple[int, int]:
    """Accept only real images of the allowed formats and sizes (content checked, not the file name)."""
    if upload.size and upload.size > PHOTO_MAX_BYTES:
        raise ValidationFailed(
            _("%(name)s：图片超过 8 MB") % {"name": upload.name}, fields={"photos": [_("图片不能超过8MB")]}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt = img.format
            width, height = img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(
            _("%(name)s：不是有效的图片") % {"name": upload.name}, fields={"photos": [_("不是有效的图片")]}
        ) from exc
    finally:
        upload.seek(0)
    if fmt not in PHOTO_FORMATS:
        raise ValidationFailed(
            _("%(name)s：不允许 %(format)s 格式的图片") % {"name": upload.name, "format": fmt},
            fields={"photos": [_("仅支持JPEG/PNG/WEBP/GIF")]},
        )
    if width * height > PHOTO_MAX_PIXELS:
        raise ValidationFailed(
            _("%(name)s：图片像素过大") % {"name": upload.name}, fields={"photos": [_("图片像素过大")]}
        )
    return width, height


def _submit_demand(
    *,
    visit: Visit,
    problem: ProblemInput,
    household: Household | None,
    actor: User,
    now: datetime | None = None,
) -> Demand:
    """Turn one visit problem into a demand through the demands service (channel "visit")."""
    point = visit.contact_point
    area = (household.area if household else None) or (point.area if point else None) or actor.area_scope
    kwargs: dict[str, Any] = {
        "title": problem.title.strip()[:200],
        "content": (problem.content or problem.title).strip(),
        "channel": Channel.VISIT,
        "actor": actor,
        "area": area,
        "now": now,
    }
    if problem.category_id:
        kwargs["category"] = Category.objects.filter(pk=problem.category_id).first()
    if household is not None:
        # The household's contact goes into the demand (encrypted there as on the household), so the
        # handling unit can call back; a phone the demand would refuse is left out rather than losing
        # the problem.
        phone = (household.phone or "").strip()
        kwargs["contact_name"] = household.head_name[:60]
        kwargs["contact_phone"] = phone if phone_is_plausible(phone) else ""
        kwargs["address"] = (household.address or "")[:300]
    elif point is not None:
        kwargs["address"] = point.address or point.name
    try:
        demand, _created = demand_submit(**kwargs)
    except PermissionDenied:
        # The demand workflow may not (yet) list cadres among submitters; the visit channel still
        # records the problem, and the VisitProblem row keeps who raised it.
        kwargs["actor"] = None
        demand, _created = demand_submit(**kwargs)
    return demand


def visit_problem_raise(
    *, visit: Visit, problem: ProblemInput, actor: User, now: datetime | None = None
) -> VisitProblem:
    """Record a problem on a visit and turn it into a demand, linked both ways (problem.demand / demand.visit_problem)."""
    if not problem.title.strip():
        raise ValidationFailed(_("请填写问题标题"), fields={"problems": [_("问题标题必填")]})
    if visit.cadre_id != actor.pk and not actor.sees_all:
        raise PermissionDenied(_("只有本次走访的领导干部可以为其登记问题"))
    household = None
    if problem.household_id:
        household = Household.objects.filter(pk=problem.household_id).first()
        if household is None:
            raise ValidationFailed(_("联系户不存在"), fields={"household": [str(problem.household_id)]})
    with transaction.atomic():
        demand = _submit_demand(visit=visit, problem=problem, household=household, actor=actor, now=now)
        return VisitProblem.objects.create(
            visit=visit,
            title=problem.title.strip()[:200],
            content=problem.content,
            household=household,
            demand=demand,
        )


def _visit_contacts_check(
    *, cadre: User, date: date, contact_point: ContactPoint | None, households: Sequence[Household]
) -> None:
    """Refuse a point or households that are not the cadre's on `date` (ValidationFailed naming them)."""
    assigned = Assignment.objects.filter(assignment_active_q(date, date), cadre=cadre)
    if contact_point is not None and not assigned.filter(contact_point=contact_point).exists():
        raise ValidationFailed(
            _("「%(point)s」在 %(date)s 不是您的联系点") % {"point": contact_point, "date": date},
            fields={"contact_point": [_("不是您的联系点")]},
        )
    household_ids = {h.pk for h in households}
    if not household_ids:
        return
    mine = set(assigned.filter(household_id__in=household_ids).values_list("household_id", flat=True))
    # Households of the visited point count as met even when another cadre holds them.
    if contact_point is not None:
        mine |= set(
            Household.objects.filter(pk__in=household_ids, contact_point=contact_point).values_list(
                "pk", flat=True
            )
        )
    if household_ids - mine:
        raise ValidationFailed(
            _("部分联系户不是您的联系户"),
            fields={"households": sorted(map(str, household_ids - mine))},
        )


def visit_log(
    *,
    cadre: User,
    date: date,
    kind: str,
    summary: str,
    contact_point: ContactPoint | None = None,
    households: Sequence[Household] = (),
    photos: Sequence[UploadedFile] = (),
    problems: Sequence[ProblemInput] = (),
    now: datetime | None = None,
) -> Visit:
    """Log a visit in the cadre's diary with its photos and problems (each problem → one demand).

    Refuses a future date, an unknown kind, an empty summary, non-image photos, and points or
    households that are not assigned to the cadre on that date. All or nothing.
    """
    errors: dict[str, list[str]] = {}
    if not cadre.has_role(Role.CADRE):
        raise PermissionDenied(_("只有领导干部可以记民情日记"))
    if kind not in VisitKind.values:
        errors["kind"] = [_("未知方式 %(kind)s") % {"kind": kind}]
    if date > timezone.localdate(now or timezone.now()):
        errors["date"] = [_("日期不能晚于今天")]
    if not (summary or "").strip():
        errors["summary"] = [_("请填写民情记录")]
    if len(photos) > PHOTOS_PER_VISIT:
        errors["photos"] = [_("最多%(n)d张照片") % {"n": PHOTOS_PER_VISIT}]
    if errors:
        raise ValidationFailed(_("走访记录不完整：%(fields)s") % {"fields": ", ".join(errors)}, fields=errors)
    _visit_contacts_check(cadre=cadre, date=date, contact_point=contact_point, households=households)
    household_ids = {h.pk for h in households}
    sizes = [photo_check(p) for p in photos]
    with transaction.atomic():
        visit = Visit.objects.create(
            cadre=cadre, date=date, kind=kind, summary=summary.strip(), contact_point=contact_point
        )
        if households:
            visit.households.set(households)
        for upload, (width, height) in zip(photos, sizes):
            VisitPhoto.objects.create(visit=visit, image=upload, width=width, height=height)
        only = households[0].pk if len(household_ids) == 1 else None
        for problem in problems:
            if problem.title.strip():
                if problem.household_id is None and only is not None:
                    # A visit to one household: a problem raised there is that household's.
                    problem = replace(problem, household_id=only)
                visit_problem_raise(visit=visit, problem=problem, actor=cadre, now=now)
    return visit


def _gap_line(msgid: str, group: CoverageGroup) -> Message:
    """A reminder line: by when, how many, and the first 20 names (data, shown as written)."""
    names = [str(item.obj) for item in group.gaps[:20]]
    return Message(msgid, {"end": month_day(group.window[1]), "count": len(group.gaps), "names": names})


def coverage_remind(*, as_of: date_t | None = None) -> int:
    """Notify every cadre with coverage gaps in the current cycles; returns how many were notified.

    One message per cadre listing the gaps, through `notify` (inbox + configured senders after commit).
    """
    as_of = as_of or timezone.localdate()
    rules = coverage_rules()
    cadre_ids = (
        Assignment.objects.filter(assignment_active_q(as_of, as_of))
        .values_list("cadre_id", flat=True)
        .distinct()
    )
    notified = 0
    link = reverse("contact:coverage")
    for cadre in User.objects.filter(role_q(Role.CADRE), pk__in=cadre_ids, is_active=True).order_by("pk"):
        coverage = coverage_get(cadre=cadre, as_of=as_of, rules=rules)
        if not coverage.gap_count:
            continue
        lines = [
            _gap_line(msgid, group)
            for msgid, group in (
                (gettext_noop("%(end)s前需走访的联系点（%(count)s个）：%(names)s"), coverage.points),
                (gettext_noop("%(end)s前需走访的联系户（%(count)s户）：%(names)s"), coverage.households),
            )
            if group.gaps
        ]
        with transaction.atomic():
            notify(
                [cadre],
                title=Message(
                    gettext_noop("走访提醒：%(points)s个联系点、%(households)s户联系户本周期尚未走访"),
                    {"points": len(coverage.points.gaps), "households": len(coverage.households.gaps)},
                ),
                body=lines,
                link=link,
                kind="coverage",
            )
        notified += 1
    return notified
