"""Mediation test data on top of the demands' test world, built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lianxin.accounts.models import User
from lianxin.mediation import services
from lianxin.mediation.models import Case
from lianxin.mediation.services import PartyInput
from lianxin.org.models import Area, AreaLevel
from tests.demands.factories import World, build_world
from tests.factories import UserFactory


@dataclass
class MWorld:
    base: World
    community: Area
    grid: Area
    far_grid: Area
    users: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.users[name]


def build() -> MWorld:
    base = build_world()
    community = Area.objects.create(
        code=f"{base.street.code}01", name="东风社区", level=AreaLevel.COMMUNITY, parent=base.street
    )
    grid = Area.objects.create(
        code=f"{community.code}01", name="第一网格", level=AreaLevel.GRID, parent=community
    )
    far_grid = Area.objects.create(
        code=f"{base.other_street.code}0101", name="西湖网格", level=AreaLevel.GRID, parent=base.other_street
    )
    users = dict(base.users)
    users["mediator"] = UserFactory(roles="handler", unit=base.other_unit, display_name="调解员甲")
    users["other_mediator"] = UserFactory(roles="handler", unit=base.other_unit, display_name="调解员乙")
    return MWorld(base, community, grid, far_grid, users)


PARTIES = [
    PartyInput(
        name="王秀英",
        role="applicant",
        phone="13700001111",
        id_number="110101195001011234",
        address="东风小区3栋101",
    ),
    PartyInput(name="李德明", role="respondent", phone="13700002222"),
]


def open_case(w: MWorld, *, by: str = "mediator", mediators: list[str] | None = None, **kwargs: Any) -> Case:
    fields: dict[str, Any] = {
        "title": "楼上装修噪音",
        "summary": "楼上住户夜间装修，楼下老人无法休息。",
        "type": "neighbour",
        "parties": PARTIES,
        "area": w.grid,
        **kwargs,
    }
    names = mediators if mediators is not None else ["mediator"]
    return services.case_open(actor=w[by], mediators=[w[n].pk for n in names], **fields)


def agreed_case(w: MWorld, **kwargs: Any) -> Case:
    case = open_case(w, **kwargs)
    case = services.case_session(case=case, actor=w["mediator"], record="双方到场协商")
    case = services.case_draft(case=case, actor=w["mediator"], terms="一、李德明夜间不再装修。")
    ids = list(case.parties.values_list("pk", flat=True))
    return services.case_agree(case=case, actor=w["mediator"], signed_parties=ids)
