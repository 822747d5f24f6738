"""Data for the assistance tests: two streets of one district, a household in difficulty in each, the
cadre paired with the first, and one user of every role in and out of its scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from lianxin.assistance import services
from lianxin.assistance.models import Plan
from lianxin.contact.services import assignment_create, household_create
from lianxin.org.models import AreaLevel, UnitKind
from tests.factories import AreaFactory, UnitFactory, UserFactory


@dataclass
class World:
    district: object
    street: object
    community: object
    other_street: object
    household: object
    other_household: object
    plain_household: object
    cadre: object
    other_cadre: object
    supervisor: object  # scope: the street of the household
    district_supervisor: object  # scope: the whole district
    outside_supervisor: object  # scope: the other street
    unscoped_supervisor: object
    admin: object
    operator: object
    handler: object
    editor: object
    citizen: object


def make_world() -> World:
    district = AreaFactory(level=AreaLevel.DISTRICT, name="帮扶区")
    street = AreaFactory(level=AreaLevel.STREET, parent=district, name="青山街道")
    community = AreaFactory(level=AreaLevel.COMMUNITY, parent=street, name="青山社区")
    other_street = AreaFactory(level=AreaLevel.STREET, parent=district, name="绿水街道")
    unit = UnitFactory(kind=UnitKind.STREET, area=street)
    w = World(
        district=district,
        street=street,
        community=community,
        other_street=other_street,
        household=household_create(
            head_name="王秀英",
            area=community,
            size=3,
            phone="13912340001",
            address="青山路12号3单元",
            tags=["zero_employment"],
        ),
        other_household=household_create(
            head_name="赵大山", area=other_street, phone="13912340002", tags=["dibao"]
        ),
        plain_household=household_create(head_name="钱多多", area=community, tags=["veteran"]),
        cadre=UserFactory(roles="cadre", unit=unit, area_scope=street, display_name="张结对"),
        other_cadre=UserFactory(roles="cadre", unit=unit, area_scope=street),
        supervisor=UserFactory(roles="supervisor", area_scope=street),
        district_supervisor=UserFactory(roles="supervisor", area_scope=district),
        outside_supervisor=UserFactory(roles="supervisor", area_scope=other_street),
        unscoped_supervisor=UserFactory(roles="supervisor"),
        admin=UserFactory(roles="admin"),
        operator=UserFactory(roles="operator"),
        handler=UserFactory(roles="handler", unit=unit),
        editor=UserFactory(roles="editor"),
        citizen=UserFactory(roles="citizen"),
    )
    return w


def make_plan(
    w: World, *, start: date | None = None, every_days: int = 30, household=None, cadre=None
) -> Plan:
    return services.plan_create(
        actor=w.admin,
        household=household or w.household,
        cadre=cadre or w.cadre,
        needs="夫妻二人均失业，孩子上初中",
        start=start or timezone.localdate() - timedelta(days=40),
        every_days=every_days,
    )


def assign(w: World, cadre, household) -> None:
    assignment_create(cadre=cadre, household=household, start=timezone.localdate() - timedelta(days=100))
