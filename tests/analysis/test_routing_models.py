"""Unit routing in the web: examples from handled demands (a re-dispatch teaches the second unit), router
versions trained and activated, the top units with reasons through the intel port, unit successions,
broken or missing models, the `route train` command and the admin."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from lianxin.analysis import routing
from lianxin.analysis.models import ModelState, RouterVersion, UnitSuccession
from lianxin.analysis.port import AnalysisIntel
from lianxin.demands import services
from lianxin.demands.choices import Action, Status
from lianxin.demands.models import Demand
from lianxin.org.models import Unit, UnitKind
from tests.demands.factories import make_demand

TOPICS = {
    "edu": [
        "学校乱收费",
        "老师课后有偿补课",
        "小学招生划片不合理",
        "幼儿园收费太高",
        "学生午餐质量差",
        "校车超载",
    ],
    "street": [
        "小区垃圾没人清运",
        "楼道堆物堵塞",
        "小区绿化被毁",
        "菜场占道经营",
        "路灯坏了没人修",
        "居民楼违章搭建",
    ],
    "housing": [
        "物业维修基金使用不透明",
        "房屋漏水物业不管",
        "公租房配租不公示",
        "房产证迟迟办不下来",
        "拆迁安置房质量差",
        "物业费上涨",
    ],
}


@pytest.fixture(autouse=True)
def _fresh_router():
    from django.core.cache import cache

    routing.router_forget()
    cache.delete(routing.ACTIVE_KEY)
    yield
    routing.router_forget()
    cache.delete(routing.ACTIVE_KEY)


@pytest.fixture
def units(world) -> dict[str, Unit]:
    edu = Unit.objects.create(code="R-EDU", name="一区教育局", kind=UnitKind.DEPARTMENT, area=world.district)
    west = Unit.objects.create(
        code="R-WEST", name="西湖街道办事处", kind=UnitKind.STREET, area=world.other_street
    )
    return {"edu": edu, "east": world.other_unit, "west": west, "housing": world.unit}


def handled(world, unit: Unit, title: str, area, *, days_ago: int = 1, status: str = Status.CLOSED) -> Demand:
    """A demand signed by `unit` (rows as the services leave them; the timeline is not needed here)."""
    moment = timezone.now() - timedelta(days=days_ago)
    return Demand.objects.create(
        query_code="x",
        title=title,
        content=f"{title}，请尽快处理。",
        area=area,
        status=status,
        lead_unit=unit,
        created_at=moment,
        dispatched_at=moment,
        signed_at=moment,
    )


@pytest.fixture
def history(world, units) -> None:
    for k in range(6):
        handled(world, units["edu"], TOPICS["edu"][k], world.district, days_ago=k + 1)
        handled(world, units["housing"], TOPICS["housing"][k], world.city, days_ago=k + 1)
        handled(world, units["east"], f"东风街道{TOPICS['street'][k]}", world.street, days_ago=k + 1)
        handled(world, units["west"], f"西湖街道{TOPICS['street'][k]}", world.other_street, days_ago=k + 1)


def test_examples_are_signed_demands_and_a_redispatch_teaches_the_second_unit(world, units):
    d = make_demand(world, Status.RETURNED)  # dispatched to 住建局, which returned it
    d = services.demand_transition(
        demand=d, actor=world["operator"], action=Action.DISPATCH, unit=world.other_unit
    )
    d = services.demand_transition(demand=d, actor=world["other_handler"], action=Action.SIGN)
    make_demand(world, Status.DISPATCHED)  # not signed yet: teaches nothing
    make_demand(world, Status.RETURNED)  # returned: teaches nothing
    handled(world, units["edu"], "学校乱收费", world.district, status=Status.REPLIED)
    data = routing.routing_examples()
    assert sorted(e.unit for e in data.examples) == sorted([str(world.other_unit.pk), str(units["edu"].pk)])
    assert data.corrections == 1
    redispatched = next(e for e in data.examples if e.unit == str(world.other_unit.pk))
    assert redispatched.area == "东风街道" and "电梯" in redispatched.text


def test_places_and_units_come_from_the_area_tree(world, units):
    places = {p.name: p for p in routing.routing_places()}
    assert places["一区"].level == "district"
    assert places["西湖街道"].level == "town" and places["西湖街道"].parent == "一区"
    infos = {u.unit: u for u in routing.routing_units()}
    assert (infos[str(units["west"].pk)].district, infos[str(units["west"].pk)].town) == ("一区", "西湖街道")
    assert (infos[str(units["housing"].pk)].district, infos[str(units["housing"].pk)].town) == ("", "")


def test_training_stores_an_active_version_that_suggests_three_units_with_reasons(world, units, history):
    version = routing.router_train_now()
    assert version.state == ModelState.READY and version.is_active and version.data
    assert version.n_train == 24 and version.n_units == 4 and version.cv["accuracy_at_1"] is not None
    rows = routing.suggest_units(text="西湖街道小区垃圾没人清运", area=world.other_street)
    assert [r["unit_id"] for r in rows][:1] == [units["west"].pk]
    assert len(rows) == 3 and rows[0]["score"] >= rows[1]["score"] >= rows[2]["score"]
    assert set(rows[0]) == {"unit_id", "name", "score", "reasons", "confident"}
    assert rows[0]["name"] == "西湖街道办事处"
    assert rows[0]["reasons"] and all(isinstance(r, str) and r for r in rows[0]["reasons"])
    school = routing.suggest_units(text="小学招生划片不合理", area=world.district, limit=1)
    assert [r["unit_id"] for r in school] == [units["edu"].pk]


def test_the_intel_port_suggests_units(world, units, history):
    routing.router_train_now()
    rows = AnalysisIntel().suggest_units(text="东风街道楼道堆物堵塞", area=world.street, limit=2)
    assert len(rows) == 2 and rows[0]["unit_id"] == units["east"].pk


def test_a_merged_unit_s_demands_count_for_its_successor(world, units, history):
    successor = Unit.objects.create(
        code="R-WEST2", name="西湖街道社区服务中心", kind=UnitKind.STREET, area=world.other_street
    )
    UnitSuccession.objects.create(old_unit=units["west"], new_unit=successor, since=timezone.localdate())
    Unit.objects.filter(pk=units["west"].pk).update(is_active=False)
    routing.router_train_now()
    rows = routing.suggest_units(text="西湖街道小区垃圾没人清运", area=world.other_street)
    assert rows[0]["unit_id"] == successor.pk
    assert units["west"].pk not in [r["unit_id"] for r in rows]


def test_units_that_take_no_dispatch_are_not_suggested(world, units, history):
    routing.router_train_now()
    Unit.objects.filter(pk=units["edu"].pk).update(accepts_dispatch=False)
    rows = routing.suggest_units(text="小学招生划片不合理", area=world.district)
    assert units["edu"].pk not in [r["unit_id"] for r in rows] and len(rows) == 3


def test_no_router_or_a_broken_one_means_no_suggestions(world):
    assert routing.suggest_units(text="学校乱收费", area=None) == []
    RouterVersion.objects.create(name="broken", state=ModelState.READY, is_active=True, data=b"not a model")
    assert routing.suggest_units(text="学校乱收费", area=None) == []


def test_retraining_without_enough_handled_demands_fails_on_its_row(world):
    version = routing.router_train_now()
    assert version.state == ModelState.FAILED and "训练失败" in version.message and not version.is_active
    with pytest.raises(CommandError, match="训练失败"):
        call_command("route", "train", stdout=StringIO())


def test_the_background_job_trains_and_the_command_reports(
    world, units, history, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = routing.router_retrain_start()
    queued.refresh_from_db()
    assert queued.state == ModelState.READY and queued.is_active
    out = StringIO()
    call_command("route", "train", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["state"] == "ready" and report["n_train"] == 24
    out = StringIO()
    call_command("route", "suggest", "--text", "学校乱收费", "--area", "一区", "--json", stdout=out)
    assert json.loads(out.getvalue())[0]["unit_id"] == units["edu"].pk


def test_activation_refuses_an_unfinished_version(world):
    version = RouterVersion.objects.create(name="queued")
    from lianxin.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        routing.router_version_activate(version=version)


def test_the_admin_lists_router_versions_and_unit_successions(world, units, site_admin, client):
    RouterVersion.objects.create(name="v1", state=ModelState.READY)
    client.force_login(site_admin)
    assert client.get(reverse("admin:analysis_routerversion_changelist")).status_code == 200
    assert client.get(reverse("admin:analysis_unitsuccession_changelist")).status_code == 200
    assert client.get(reverse("admin:analysis_unitsuccession_add")).status_code == 200
