"""The assistance measures and report section, computed from plans and follow-ups built by the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lianxin.assistance import contributions as c
from lianxin.assistance import services
from lianxin.core.contributions import Subject, module_measure, report_sections
from tests.assistance.factories import make_plan


def test_measures_are_registered_with_weight_zero(db):
    for code in ("assistance_households", "assistance_lifted", "assistance_follow_up_on_time"):
        m = module_measure(code)
        assert m is not None and m.module == "assistance" and m.weight == 0
    assert "assistance" in [s.key for s in report_sections()]


def test_counts_per_cadre_and_unit(world):
    today = timezone.localdate()
    start = today - timedelta(days=60)
    first = make_plan(world, start=start, every_days=30)  # due today-30
    services.follow_up_log(
        plan=first, actor=world.cadre, day=today - timedelta(days=31), note="按时"
    )  # on time; next due today-1
    services.plan_assess(plan=first, actor=world.cadre, outcome="lifted", reason="就业")
    second = make_plan(
        world, household=world.other_household, start=start, every_days=20
    )  # due today-40, missed
    assert second.pk
    cadre = Subject("cadre", world.cadre.pk, unit_id=world.cadre.unit_id)
    unit = Subject("unit", world.cadre.unit_id)
    other = Subject("cadre", world.other_cadre.pk)
    lo, hi = today - timedelta(days=59), today
    assert c.households_counts([cadre, other], lo, hi) == {world.cadre.pk: (2, 2)}
    assert c.lifted_counts([cadre], lo, hi) == {world.cadre.pk: (1, 2)}
    assert c.lifted_counts([unit], lo, hi) == {world.cadre.unit_id: (1, 2)}
    # due in the period: first's follow-up (on time) and second's missed one
    assert c.follow_up_counts([cadre], lo, hi) == {world.cadre.pk: (1, 2)}


def test_report_section_masks_names_and_counts(world):
    today = timezone.localdate()
    plan = make_plan(world, start=today - timedelta(days=20))
    services.measure_add(
        plan=plan, actor=world.cadre, kind="employment", detail="推荐", status="planned", day=today
    )
    section = c.assistance_section(world.cadre, today - timedelta(days=30), today)
    assert section is not None and section.key == "assistance"
    assert section.table_rows[0][0].startswith("王") and "王秀英" not in section.table_rows[0][0]
    assert section.table_rows[0][2] == "1"
    assert c.assistance_section(world.other_cadre, today - timedelta(days=30), today) is None
