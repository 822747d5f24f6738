"""Demand test data: built through the services, so every demand has a real timeline."""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.accounts.models import User
from lianxin.demands import services
from lianxin.demands.choices import Outcome, Satisfaction, Status
from lianxin.demands.models import Demand
from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind
from tests.factories import UserFactory


@dataclass
class World:
    city: Area
    district: Area
    street: Area
    other_street: Area
    category: Category
    subcategory: Category
    centre: Unit
    unit: Unit
    other_unit: Unit
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


_counter = [0]


def build_world() -> World:
    _counter[0] += 1
    n = _counter[0]
    city = Area.objects.create(code=f"W{n}", name="测试市", level=AreaLevel.CITY)
    district = Area.objects.create(code=f"W{n}01", name="一区", level=AreaLevel.DISTRICT, parent=city)
    street = Area.objects.create(code=f"W{n}01001", name="东风街道", level=AreaLevel.STREET, parent=district)
    other_street = Area.objects.create(
        code=f"W{n}01002", name="西湖街道", level=AreaLevel.STREET, parent=district
    )
    category = Category.objects.create(code=f"WC{n}", name=f"城乡建设{n}")
    subcategory = Category.objects.create(code=f"WC{n}.01", name="物业管理", parent=category)
    centre = Unit.objects.create(
        code=f"WU{n}0", name="热线中心", kind=UnitKind.CENTER, area=city, accepts_dispatch=False
    )
    unit = Unit.objects.create(code=f"WU{n}1", name="住建局", kind=UnitKind.DEPARTMENT, area=city)
    other_unit = Unit.objects.create(code=f"WU{n}2", name="街道办", kind=UnitKind.STREET, area=street)
    users = {
        "citizen": UserFactory(roles="citizen"),
        "other_citizen": UserFactory(roles="citizen"),
        "operator": UserFactory(roles="operator", unit=centre),
        "handler": UserFactory(roles="handler", unit=unit),
        "other_handler": UserFactory(roles="handler", unit=other_unit),
        "cadre": UserFactory(roles="cadre", unit=other_unit, area_scope=street),
        "far_cadre": UserFactory(roles="cadre", unit=other_unit, area_scope=other_street),
        "supervisor": UserFactory(roles="supervisor", unit=centre),
        "admin": UserFactory(roles="admin", unit=centre),
        "editor": UserFactory(roles="editor", unit=centre),
    }
    return World(city, district, street, other_street, category, subcategory, centre, unit, other_unit, users)


def make_demand(
    world: World, status: str = Status.SUBMITTED, *, by: str | None = "citizen", **kwargs
) -> Demand:
    """A demand driven through the services up to `status`."""
    fields = {
        "title": "小区电梯长期故障",
        "content": "我住在东风小区3栋，电梯坏了一个月没人修。",
        "category": world.subcategory,
        "area": world.street,
        "contact_name": "张三",
        "contact_phone": "13912345678",
        **kwargs,
    }
    actor = world[by] if by else None
    d, _ = services.demand_submit(actor=actor, **fields)
    op, h = world["operator"], world["handler"]
    path = {
        Status.SUBMITTED: [],
        Status.ACCEPTED: ["accept"],
        Status.REJECTED: ["reject"],
        Status.DISPATCHED: ["accept", "dispatch"],
        Status.IN_PROGRESS: ["accept", "dispatch", "sign"],
        Status.RETURNED: ["accept", "dispatch", "return"],
        Status.REPLIED: ["accept", "dispatch", "sign", "reply"],
        Status.CLOSED: ["accept", "dispatch", "sign", "reply", "rate"],
        Status.MERGED: ["merge"],
    }[status]
    for step in path:
        if step == "accept":
            d = services.demand_accept(demand=d, actor=op)
        elif step == "reject":
            d = services.demand_reject(demand=d, actor=op, reason="不属于受理范围")
        elif step == "dispatch":
            d = services.demand_dispatch(demand=d, actor=op, unit=world.unit)
        elif step == "sign":
            d = services.demand_sign(demand=d, actor=h)
        elif step == "return":
            d = services.demand_return(demand=d, actor=h, reason="不属于本单位职责")
        elif step == "reply":
            d = services.demand_reply(
                demand=d, actor=h, text="已安排维保单位维修，电梯已恢复运行。", outcome=Outcome.RESOLVED
            )
        elif step == "rate":
            d = services.demand_rate(demand=d, actor=op, satisfaction=Satisfaction.SATISFIED, resolved=True)
        elif step == "merge":
            parent, _ = services.demand_submit(actor=None, title="同一电梯", content="同一问题")
            d = services.demand_merge(demand=d, actor=op, parent=parent)
    return d


def browser_login(page, base: str, username: str, password: str = "lianxin-demo") -> None:
    """Log in through the login page in a Playwright page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
