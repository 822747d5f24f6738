"""Data for the projects tests: a district with two streets, their units, cadres, a supervisor, an admin and
a citizen, and helpers that build projects through the services."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from lianxin.org.models import AreaLevel, UnitKind
from lianxin.projects import services as ps
from lianxin.projects.models import Project, Source
from tests.factories import AreaFactory, UnitFactory, UserFactory


@dataclass
class World:
    district: object
    street: object
    other_street: object
    unit: object
    other_unit: object
    cadre: object
    unit_handler: object
    other_cadre: object
    supervisor: object
    admin: object
    operator: object
    citizen: object


def make_world() -> World:
    district = AreaFactory(level=AreaLevel.DISTRICT, name="项目区")
    street = AreaFactory(level=AreaLevel.STREET, parent=district, name="南湖街道")
    other_street = AreaFactory(level=AreaLevel.STREET, parent=district, name="北湖街道")
    unit = UnitFactory(kind=UnitKind.STREET, area=street, name="南湖街道办事处")
    other_unit = UnitFactory(kind=UnitKind.STREET, area=other_street, name="北湖街道办事处")
    return World(
        district=district,
        street=street,
        other_street=other_street,
        unit=unit,
        other_unit=other_unit,
        cadre=UserFactory(roles="cadre", unit=unit, area_scope=street, display_name="李责任"),
        unit_handler=UserFactory(roles="handler", unit=unit),
        other_cadre=UserFactory(roles="cadre", unit=other_unit, area_scope=other_street),
        supervisor=UserFactory(roles="supervisor", area_scope=district),
        admin=UserFactory(roles="admin"),
        operator=UserFactory(roles="operator"),
        citizen=UserFactory(roles="citizen", phone="13800138000"),
    )


def make_project(
    w: World, *, ref: str = "", title: str = "老旧小区加装电梯", milestones: int = 2, start: bool = True
) -> Project:
    project = ps.project_create(
        actor=w.cadre,
        title=title,
        goal="为3个老旧小区加装电梯12部",
        area=w.street,
        source=Source.UNIT,
        source_ref=ref,
        unit=w.unit,
        cadre=w.cadre,
        budget="360.5",
    )
    today = timezone.localdate()
    for i in range(milestones):
        ps.milestone_add(
            project=project, actor=w.cadre, title=f"节点{i + 1}", due=today + timedelta(days=10 * (i + 1))
        )
    if start:
        project = ps.project_start(project=project, actor=w.cadre)
    return project


def png_upload(name: str = "p.png", size: tuple[int, int] = (8, 6)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)
