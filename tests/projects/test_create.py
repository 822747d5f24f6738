"""project_create, the door other apps (participation's polls, analysis' hot issues) use."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lianxin.core.errors import PermissionDenied, ValidationFailed
from lianxin.projects.models import Project, ProjectEvent, Source, Status
from lianxin.projects.services import project_create


def _create(w, **kw):
    args = dict(
        actor=w.supervisor,
        title="修缮社区活动中心",
        goal="三个月内完成",
        area=w.street,
        source="poll",
        source_ref="poll:7",
    )
    args.update(kw)
    return project_create(**args)


def test_project_create_makes_a_draft_with_its_event(world):
    p = _create(world, unit=world.unit, cadre=world.cadre, budget=Decimal("12.5"))
    assert p.status == Status.DRAFT
    assert (p.source, p.source_ref, p.unit, p.cadre, p.budget) == (
        "poll",
        "poll:7",
        world.unit,
        world.cadre,
        Decimal("12.50"),
    )
    assert list(ProjectEvent.objects.filter(project=p).values_list("action", "actor")) == [
        ("create", world.supervisor.pk)
    ]


def test_project_create_is_idempotent_on_source_and_ref(world):
    first = _create(world)
    again = _create(world, title="另一个名称")
    assert again.pk == first.pk and again.title == "修缮社区活动中心"
    assert Project.objects.count() == 1 and ProjectEvent.objects.count() == 1
    other_source = _create(world, source=Source.HOT_ISSUE)
    assert other_source.pk != first.pk


def test_unit_projects_without_a_ref_are_separate(world):
    a = _create(world, source="unit", source_ref="")
    b = _create(world, source="unit", source_ref="")
    assert a.pk != b.pk


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": " "}, "title"),
        ({"goal": ""}, "goal"),
        ({"source": "tweet"}, "source"),
        ({"budget": "-1"}, "budget"),
        ({"budget": "lots"}, "budget"),
        ({"title": "长" * 201}, "title"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_written(world, kw, field):
    with pytest.raises(ValidationFailed) as err:
        _create(world, **kw)
    assert field in err.value.fields
    assert Project.objects.count() == 0 and ProjectEvent.objects.count() == 0


def test_a_responsible_cadre_must_be_a_cadre(world):
    with pytest.raises(ValidationFailed) as err:
        _create(world, cadre=world.citizen)
    assert "cadre" in err.value.fields


def test_a_citizen_may_not_create_a_project(world):
    with pytest.raises(PermissionDenied):
        _create(world, actor=world.citizen)
    assert Project.objects.count() == 0
