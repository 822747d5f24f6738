"""Data for contact and evaluation tests: a small street with a cadre, a unit that handles demands,
a contact point and households, and helpers that walk demands through the real workflow services."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from lianxin.contact.selectors import contact_point_list, household_list
from lianxin.contact.services import (
    ProblemInput,
    assignment_create,
    contact_point_create,
    household_create,
    visit_log,
)
from lianxin.demands import services as ds
from lianxin.org.models import AreaLevel, UnitKind
from tests.factories import AreaFactory, CategoryFactory, UnitFactory, UserFactory


@dataclass
class World:
    district: object
    street: object
    community: object
    unit: object
    cadre: object
    other_cadre: object
    supervisor: object
    operator: object
    handler: object
    point: object
    point2: object
    households: list
    category: object


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def make_world(start: date = date(2026, 1, 1)) -> World:
    district = AreaFactory(level=AreaLevel.DISTRICT, name="测试区", lat=28.2, lng=112.9)
    street = AreaFactory(level=AreaLevel.STREET, parent=district, name="东风街道", lat=28.21, lng=112.91)
    community = AreaFactory(level=AreaLevel.COMMUNITY, parent=street, name="东风社区", lat=28.22, lng=112.92)
    other_street = AreaFactory(level=AreaLevel.STREET, parent=district, name="西风街道")
    unit = UnitFactory(kind=UnitKind.STREET, area=street, name="东风街道办事处")
    other_unit = UnitFactory(kind=UnitKind.STREET, area=other_street, name="西风街道办事处")
    cadre = UserFactory(
        username="cadre_t",
        display_name="张建国",
        roles="cadre",
        unit=unit,
        area_scope=street,
        post="书记",
        title="正处级",
    )
    other = UserFactory(
        username="cadre_o", display_name="李其他", roles="cadre", unit=other_unit, area_scope=other_street
    )
    supervisor = UserFactory(username="sup_t", roles="supervisor")
    operator = UserFactory(username="op_t", roles="operator")
    handler = UserFactory(username="hd_t", roles="handler", unit=unit)
    point = contact_point_create(name="东风社区", kind="community", area=community, lat=28.22, lng=112.92)
    point2 = contact_point_create(name="东风小学", kind="school", area=community)
    households = [
        household_create(
            head_name=f"王{i}",
            area=community,
            phone=f"1390000000{i}",
            address=f"东风路{i}号",
            contact_point=point,
            tags=["dibao"] if i == 0 else ["elderly_alone"],
        )
        for i in range(3)
    ]
    for p in (point, point2):
        assignment_create(cadre=cadre, contact_point=p, start=start)
    for h in households:
        assignment_create(cadre=cadre, household=h, start=start)
    category = CategoryFactory(name="城乡建设")
    return World(
        district,
        street,
        community,
        unit,
        cadre,
        other,
        supervisor,
        operator,
        handler,
        point,
        point2,
        households,
        category,
    )


def demand_through(
    w: World,
    day: date,
    *,
    sign_hours: int = 2,
    reply_days: int = 2,
    satisfaction: str | None = "satisfied",
    resolved: bool = True,
    type: str = "help",
    title: str = "路灯不亮",
) -> object:
    """Submit → accept → dispatch → sign → reply → (rate) with the workflow services, at fixed times."""
    t0 = at(day, 9)
    demand, _ = ds.demand_submit(
        actor=w.operator,
        title=title,
        content=title + "，请处理。",
        type=type,
        area=w.community,
        category=w.category,
        now=t0,
    )
    demand = ds.demand_accept(demand=demand, actor=w.operator, now=t0 + timedelta(minutes=10))
    demand = ds.demand_dispatch(demand=demand, actor=w.operator, unit=w.unit, now=t0 + timedelta(minutes=30))
    demand = ds.demand_sign(demand=demand, actor=w.handler, now=t0 + timedelta(hours=sign_hours))
    demand = ds.demand_reply(
        demand=demand,
        actor=w.handler,
        text="已处理完毕，已告知群众。",
        outcome="resolved",
        now=t0 + timedelta(days=reply_days, hours=1),
    )
    if satisfaction:
        demand = ds.demand_rate(
            demand=demand,
            actor=w.operator,
            satisfaction=satisfaction,
            resolved=resolved,
            now=t0 + timedelta(days=reply_days + 1, hours=2),
        )
    return demand


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def busy_world(w: World, day: date, *, cadres: int = 3, visits: int = 3, demands: int = 4) -> list:
    """Rows enough that a query per row shows in a page's query count: `cadres` more cadres (each with a
    street, a contact point and two households) and, for each cadre, `visits` visits from `day` on
    (households met, a photo, a problem raised as a demand); `demands` demands taken through the whole
    loop in the first cadre's street. Returns every cadre, the world's first."""
    all_cadres = [w.cadre]
    for i in range(cadres):
        street = AreaFactory(level=AreaLevel.STREET, parent=w.district, name=f"新村{i}街道")
        cadre = UserFactory(roles="cadre", unit=w.unit, area_scope=street, display_name=f"干部{i}")
        point = contact_point_create(name=f"新村{i}社区", kind="community", area=street)
        assignment_create(cadre=cadre, contact_point=point, start=date(day.year - 1, 1, 1))
        for j in range(2):
            household = household_create(
                head_name=f"赵{i}{j}", area=street, phone=f"1380000{i:02d}{j:02d}", contact_point=point
            )
            assignment_create(cadre=cadre, household=household, start=date(day.year - 1, 1, 1))
        all_cadres.append(cadre)
    for cadre in all_cadres:
        points = list(contact_point_list(cadre=cadre, start=day, end=day))
        households = list(household_list(cadre=cadre, start=day, end=day))
        for k in range(visits):
            visit_day = day + timedelta(days=k)
            visit_log(
                cadre=cadre,
                date=visit_day,
                kind="field",
                summary=f"第{k + 1}次走访",
                contact_point=points[k % len(points)],
                households=households[:2],
                photos=[png_upload()],
                problems=[ProblemInput(title=f"问题{k + 1}", household_id=households[0].pk)],
                now=at(visit_day, 18),
            )
    for k in range(demands):
        demand_through(w, day + timedelta(days=k), sign_hours=2 + 20 * (k % 2), resolved=k != 1)
    return all_cadres


def demand_waiting(w: World, day: date, *, sign: bool = False, title: str = "井盖缺失") -> object:
    """Submit → accept → dispatch (→ sign) on `day`, and no further: still open, and once its due time
    has passed (any day before this week), 超期未办结."""
    t0 = at(day, 9)
    demand, _ = ds.demand_submit(
        actor=w.operator,
        title=title,
        content=title + "，请尽快处理。",
        area=w.community,
        category=w.category,
        now=t0,
    )
    demand = ds.demand_accept(demand=demand, actor=w.operator, now=t0 + timedelta(minutes=10))
    demand = ds.demand_dispatch(demand=demand, actor=w.operator, unit=w.unit, now=t0 + timedelta(minutes=30))
    if sign:
        demand = ds.demand_sign(demand=demand, actor=w.handler, now=t0 + timedelta(hours=1))
    return demand


def field_visit(world, day: date):
    """The cadre's field visit at the world's contact point on `day`, meeting two households, with one
    problem raised (楼道灯坏了)."""
    return visit_log(
        cadre=world.cadre,
        date=day,
        kind="field",
        summary="走访东风社区，听取意见。",
        contact_point=world.point,
        households=world.households[:2],
        problems=[ProblemInput(title="楼道灯坏了")],
        now=at(day),
    )
