"""Demand test data: built through the services, so every demand has a real timeline."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from lianxin.accounts.models import Role, User
from lianxin.demands import services
from lianxin.demands.choices import Action, Outcome, Satisfaction, Status
from lianxin.demands.models import Demand
from lianxin.demands.transitions import LEAD_HANDLER, TABLE
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
    for action in path_to(status):
        args: dict[str, Any] = {
            Action.REJECT: {"reason": "不属于受理范围"},
            Action.DISPATCH: {"unit": world.unit},
            Action.RETURN: {"reason": "不属于本单位职责"},
            Action.REPLY: {"text": "已安排维保单位维修，电梯已恢复运行。", "outcome": Outcome.RESOLVED},
            Action.RATE: {"satisfaction": Satisfaction.SATISFIED, "resolved": True},
        }.get(action, {})
        if action == Action.MERGE:
            args["parent"], _ = services.demand_submit(actor=None, title="同一电梯", content="同一问题")
        d = services.demand_transition(demand=d, actor=world[_doer(action)], action=action, **args)
    return d


def _doer(action: str) -> str:
    """Who in the world takes `action`: the operator where the table lets them, else the lead handler."""
    roles = TABLE[action].roles
    return "operator" if Role.OPERATOR in roles else "handler" if LEAD_HANDLER in roles else sorted(roles)[0]


# Actions that reach a state without a unit (直接答复 replies at intake): the helpers' demands go through
# a unit, as most do; those actions have their own tests.
SHORTCUTS = frozenset({Action.ANSWER})


@cache
def path_to(status: str) -> tuple[str, ...]:
    """The shortest sequence of actions of the table from 待受理 to `status` (the table's order breaks
    ties: rate before close), so a new state or action needs no change here."""
    paths: dict[str, tuple[str, ...]] = {Status.SUBMITTED: ()}
    frontier = [Status.SUBMITTED.value]
    while frontier:
        following = []
        for state in frontier:
            if state == Status.MERGED:  # a merged demand follows its parent: no path leads on from it
                continue
            for action, t in TABLE.items():
                if action in SHORTCUTS:
                    continue
                target = t.target_for(state)
                if state in t.sources and target not in paths and _doer(action) in ("operator", "handler"):
                    paths[target] = (*paths[state], action)
                    following.append(target)
        frontier = following
    return paths[status]


def browser_login(page, base: str, username: str, password: str = "lianxin-demo") -> None:
    """Log in through the login page in a Playwright page."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
