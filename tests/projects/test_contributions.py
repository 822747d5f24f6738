"""The projects measures and the 办实事 report section, from projects built through the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lianxin.core.contributions import Subject, module_measure, report_sections
from lianxin.projects import contributions as c
from lianxin.projects import services as ps
from lianxin.projects.models import Milestone
from tests.projects.factories import make_project

TODAY = timezone.localdate


def _complete(w, p, *, late: bool = False):
    if late:
        Milestone.objects.filter(project=p, seq=1).update(due=TODAY() - timedelta(days=1))
        ps.milestones_overdue_mark()
    for m in p.milestones.all():
        ps.milestone_done(milestone=m, actor=w.cadre)
    ps.project_submit(project=p, actor=w.cadre)
    return ps.project_accept(project=p, actor=w.supervisor)


def test_registered_with_weight_zero(db):
    assert module_measure("projects_on_time").weight == 0
    assert module_measure("projects_overdue").kind == "count"
    assert "projects" in [s.key for s in report_sections()]


def test_on_time_and_overdue_counts(world):
    _complete(world, make_project(world, title="按期"))
    _complete(world, make_project(world, title="逾期"), late=True)
    make_project(world, title="进行中")
    cadre = Subject("cadre", world.cadre.pk)
    unit = Subject("unit", world.unit.pk)
    other = Subject("cadre", world.other_cadre.pk)
    lo, hi = TODAY() - timedelta(days=30), TODAY()
    assert c.on_time_counts([cadre, other], lo, hi) == {world.cadre.pk: (1, 2)}
    assert c.on_time_counts([unit], lo, hi) == {world.unit.pk: (1, 2)}
    assert c.overdue_counts([cadre, other], lo, hi) == {world.cadre.pk: (1, 1)}
    assert c.on_time_counts([cadre], lo - timedelta(days=60), lo - timedelta(days=31)) == {}


def test_report_section_lists_the_cadres_projects(world):
    _complete(world, make_project(world, title="按期"))
    make_project(world, title="进行中")
    make_project(world, title="草案", start=False)
    section = c.projects_section(world.cadre, TODAY() - timedelta(days=30), TODAY())
    assert section is not None and section.title == "办实事"
    assert [r[0] for r in section.table_rows] == ["按期", "进行中"]
    assert section.figures[1].value.startswith("100.0%")
    assert c.projects_section(world.other_cadre, TODAY() - timedelta(days=30), TODAY()) is None
