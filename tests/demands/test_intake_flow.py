"""The operator's phone intake: the workbench entry, landing on the work order, suspected 特急 first in
the queue, the hint when smart suggestions are off, the public "already reported" hint, and accepting
with a proposal that must not coarsen the category."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from lianxin.demands import intel_port, selectors, services
from lianxin.demands.choices import Channel, Status, Urgency
from lianxin.demands.models import Demand
from lianxin.demands.services import demand_intel_urgency_set
from tests.demands.factories import make_demand

DANGER = "邻居说要跳楼，情况紧急"


def login(world, role):
    c = Client()
    c.force_login(world[role])
    return c


def _submit(client, **fields):
    data = {"type": "help", "title": "井盖缺失", "content": "路口井盖丢了", "idempotency_key": "k1", **fields}
    return client.post(reverse("demands:submit"), data)


# --- 1. the workbench entry ----------------------------------------------------------------------------


def test_workbench_offers_operators_the_phone_intake_form(world):
    page = login(world, "operator").get(reverse("demands:workbench")).content.decode()
    button = re.search(r'<a [^>]*id="btn-phone-intake"[^>]*>([^<]*)</a>', page)
    assert button and f'href="{reverse("demands:submit")}"' in button.group(0)
    assert button.group(1) == "电话受理（新建工单）"
    form = login(world, "operator").get(reverse("demands:submit")).content.decode()
    assert "电话受理（新建工单）" in form and 'name="urgency"' in form


def test_roles_that_do_not_take_calls_get_no_intake_button(world):
    for role in ("supervisor", "admin"):  # admin alone may not submit (transitions.TABLE)
        assert (
            'id="btn-phone-intake"'
            not in login(world, role).get(reverse("demands:workbench")).content.decode()
        )
    citizen_form = Client().get(reverse("demands:submit")).content.decode()
    assert "电话受理" not in citizen_form and "我要反映" in citizen_form


# --- 2. after submitting ---------------------------------------------------------------------------


def test_operator_lands_on_the_work_order_with_the_query_code_once(world):
    c = login(world, "operator")
    response = _submit(c, urgency="normal", contact_phone="13912345678")
    demand = Demand.objects.get(title="井盖缺失")
    assert response.status_code == 302 and response["Location"] == reverse("demands:detail", args=[demand.pk])
    assert demand.channel == Channel.PHONE
    page = c.get(response["Location"]).content.decode()
    assert f"工单编号 {demand.ticket_no}，查询码 {demand.query_code}（请告知来电群众）" in page
    assert 'id="form-accept"' in page  # the work order, ready to accept
    assert demand.query_code not in c.get(response["Location"]).content.decode()  # shown once


def test_cadre_submitting_in_their_area_lands_on_the_work_order(world):
    response = _submit(login(world, "cadre"), area=world.street.pk)
    demand = Demand.objects.get(title="井盖缺失")
    assert response["Location"] == reverse("demands:detail", args=[demand.pk])


@pytest.mark.parametrize("role", [None, "citizen"])
def test_citizens_and_anonymous_callers_keep_the_confirmation_page(world, role):
    c = login(world, role) if role else Client()
    response = _submit(c)
    demand = Demand.objects.get(title="井盖缺失")
    assert response["Location"] == reverse("demands:submitted", args=[demand.ticket_no])
    page = c.get(response["Location"]).content.decode()
    assert demand.query_code in page and reverse("demands:detail", args=[demand.pk]) not in page


# --- 3. suspected 特急 in the queue ---------------------------------------------------------------------


def _citizen_demand_checked_by_intel(world, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        demand, _ = services.demand_submit(actor=world["citizen"], **fields)
    demand.refresh_from_db()
    return demand


def test_intake_check_proposal_is_kept_on_the_demand_and_not_set_as_its_urgency(
    world, django_capture_on_commit_callbacks
):
    danger = _citizen_demand_checked_by_intel(
        world, django_capture_on_commit_callbacks, title="紧急求助", content=DANGER
    )
    assert danger.urgency == Urgency.NORMAL and danger.intel_urgency == Urgency.CRITICAL
    assert danger.suspected_urgency == Urgency.CRITICAL
    plain = _citizen_demand_checked_by_intel(
        world, django_capture_on_commit_callbacks, title="路灯不亮", content="小区门口路灯坏了"
    )
    assert plain.intel_urgency == "" and plain.suspected_urgency == ""


def test_suspected_critical_demand_is_badged_and_first_in_the_queue_awaiting_acceptance(
    world, django_capture_on_commit_callbacks
):
    danger = _citizen_demand_checked_by_intel(
        world, django_capture_on_commit_callbacks, title="紧急求助", content=DANGER
    )
    newer = [make_demand(world, title=f"路灯不亮{i}") for i in range(3)]
    response = login(world, "operator").get(reverse("demands:workbench"))
    rows = response.context["demands"]
    assert [d.pk for d in rows] == [danger.pk, *[d.pk for d in reversed(newer)]]
    table = response.content.decode().split('id="demand-table"')[1]
    first_row = table.split("<tr>")[2]
    assert danger.ticket_no in first_row and "疑似特急" in first_row
    assert table.count("suspected-urgency") == 1
    # other lists show the badge in place (newest first)
    listed = login(world, "supervisor").get(reverse("demands:list")).content.decode()
    assert listed.count("疑似特急") == 1


def test_the_badge_goes_once_the_operator_judged_the_urgency(world, django_capture_on_commit_callbacks):
    danger = _citizen_demand_checked_by_intel(
        world, django_capture_on_commit_callbacks, title="紧急求助", content=DANGER
    )
    services.demand_accept(demand=danger, actor=world["operator"])  # accepted at 一般: judged
    danger.refresh_from_db()
    assert danger.suspected_urgency == ""
    page = login(world, "operator").get(reverse("demands:workbench") + "?queue=").content.decode()
    assert "疑似特急" not in page
    # an operator's own 特急 entry is no suspicion either
    with django_capture_on_commit_callbacks(execute=True):
        marked, _ = services.demand_submit(
            actor=world["operator"], title="紧急", content=DANGER, urgency=Urgency.CRITICAL
        )
    marked.refresh_from_db()
    assert marked.intel_urgency == Urgency.CRITICAL and marked.suspected_urgency == ""
    assert not Demand.objects.filter(selectors.urgency_suspected_q()).exists()


def test_suspected_urgent_under_a_normal_demand_is_flagged_as_urgent(world):
    d = make_demand(world)
    demand_intel_urgency_set(demand_id=d.pk, level=Urgency.URGENT)
    d.refresh_from_db()
    assert d.suspected_urgency == Urgency.URGENT
    assert list(Demand.objects.filter(selectors.urgency_suspected_q())) == [d]
    page = login(world, "operator").get(reverse("demands:workbench")).content.decode()
    assert "疑似紧急" in page
    # a later re-check that finds nothing clears it
    demand_intel_urgency_set(demand_id=d.pk, level=Urgency.NORMAL)
    d.refresh_from_db()
    assert d.intel_urgency == "" and d.suspected_urgency == ""


@pytest.mark.parametrize(("start", "stop"), [(0, 3), (0, 21), (2, 5), (3, 6), (4, 7), (6, 9), (9, 12)])
def test_rows_first_pages_through_the_suspected_then_the_others(world, start, stop):
    demands = [make_demand(world, title=f"诉求{i}") for i in range(10)]
    for d in (demands[1], demands[4], demands[7]):  # older ones among newer
        demand_intel_urgency_set(demand_id=d.pk, level=Urgency.CRITICAL)
    qs = selectors.demand_list(user=world["operator"], filters=selectors.DemandFilters(queue="to_accept"))
    suspected = [demands[7], demands[4], demands[1]]
    order = suspected + [d for d in reversed(demands) if d not in suspected]
    got = selectors.rows_first(qs, selectors.urgency_suspected_q(), start=start, stop=stop)
    assert [d.pk for d in got] == [d.pk for d in order[start:stop]]


def test_queue_page_reads_no_row_twice_however_many_are_suspected(world, django_assert_max_num_queries):
    for i in range(6):
        d = make_demand(world, title=f"诉求{i}")
        if i % 2:
            demand_intel_urgency_set(demand_id=d.pk, level=Urgency.CRITICAL)
    c = login(world, "operator")
    with django_assert_max_num_queries(20):  # three tiers of the queue; one count per tab (9 tabs)
        response = c.get(reverse("demands:workbench"))
    assert response.content.decode().count("疑似特急") == 3


# --- 5. smart suggestions off ---------------------------------------------------------------------------


def test_operator_is_told_when_there_are_no_category_suggestions(world):
    d = make_demand(world)  # no classifier model in the test database
    page = login(world, "operator").get(reverse("demands:detail", args=[d.pk])).content.decode()
    assert 'id="intel-unavailable"' in page
    assert "智能分类推荐暂不可用（未启用模型或模型无法加载），请人工选择分类。" in page
    assert 'id="form-accept"' in page  # the manual path stays


def test_no_unavailable_line_when_suggestions_are_shown_or_nothing_is_to_accept(world, monkeypatch):
    d = make_demand(world)
    stored = {"categories": [{"category": world.category.name, "score": 0.9, "id": world.category.pk}]}
    monkeypatch.setattr(intel_port, "stored_suggestions", lambda demand: stored)
    page = login(world, "operator").get(reverse("demands:detail", args=[d.pk])).content.decode()
    assert 'id="intel-suggestions"' in page and 'id="intel-unavailable"' not in page
    monkeypatch.undo()
    accepted = make_demand(world, Status.ACCEPTED)
    page = login(world, "operator").get(reverse("demands:detail", args=[accepted.pk])).content.decode()
    assert 'id="intel-unavailable"' not in page


# --- 6. the public "already reported" hint ----------------------------------------------------------------

LIFT = dict(title="东风小区3栋电梯坏了", content="东风小区3栋电梯坏了一个月没人修，老人上下楼困难")


def _hint(client, world):
    return client.post(
        reverse("demands:already_reported"),
        {
            "title": "东风小区3栋电梯坏了",
            "content": "东风小区3栋电梯坏了没人修，老人上下楼困难",
            "area": world.street.pk,
        },
    ).content.decode()


def test_public_hint_shows_only_demands_staff_accepted(world, fresh_similar_index):
    waiting, _ = services.demand_submit(actor=None, area=world.street, **LIFT)
    for client in (Client(), login(world, "citizen")):
        assert "电梯坏了" not in _hint(client, world)
    assert "电梯坏了" in _hint(login(world, "operator"), world)  # staff see every open one
    services.demand_accept(demand=waiting, actor=world["operator"])
    body = _hint(Client(), world)
    assert 'id="already-reported"' in body and "电梯坏了" in body and "已受理" in body
    assert "/demands/" not in body.replace(reverse("demands:already_reported"), "")


def test_hint_leaves_out_merged_rejected_and_closed(world):
    accepted = make_demand(world, Status.ACCEPTED, **LIFT)
    others = [make_demand(world, s, **LIFT) for s in (Status.REJECTED, Status.MERGED, Status.CLOSED)]
    waiting = make_demand(world, Status.SUBMITTED, **LIFT)
    ids = [d.pk for d in (*others, waiting, accepted)]
    assert [i["status"] for i in selectors.demand_hint_list(user=None, ids=ids)] == ["已受理"]
    staff = selectors.demand_hint_list(user=world["operator"], ids=ids)
    assert [i["status"] for i in staff] == ["待受理", "已受理"]


def test_the_hint_is_a_post_door_with_a_rate_limit_for_the_public(world, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "public_similar": "2/min"}
    )
    url = reverse("demands:already_reported")
    public = Client()
    assert public.get(url, {"title": LIFT["title"]}).status_code == 405  # no text in query strings
    codes = [public.post(url, {"title": LIFT["title"]}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    operator = login(world, "operator")  # taking calls all day: not limited
    assert [operator.post(url, {"title": LIFT["title"]}).status_code for _ in range(3)] == [200] * 3


def test_the_public_hint_leaves_out_reports_and_other_staff_see_what_the_public_sees(world):
    from lianxin.demands.choices import DemandType

    report = make_demand(world, Status.ACCEPTED, type=DemandType.REPORT, **LIFT)
    waiting = make_demand(world, Status.SUBMITTED, **LIFT)
    ids = [report.pk, waiting.pk]
    assert selectors.demand_hint_list(user=None, ids=ids) == []
    assert selectors.demand_hint_list(user=world["handler"], ids=ids) == []  # staff, but not intake
    assert len(selectors.demand_hint_list(user=world["operator"], ids=ids)) == 2


# --- 7. accepting with a proposal ------------------------------------------------------------------------


def test_adopting_the_root_of_the_current_category_keeps_the_deeper_one(world):
    from lianxin.analysis.services import demand_accept_confirmed

    d = make_demand(world)  # filed under 物业管理, below world.category
    assert d.category == world.subcategory
    d = demand_accept_confirmed(demand=d, actor=world["operator"], category=world.category)
    assert d.status == Status.ACCEPTED and d.category == world.subcategory
    assert "category" not in d.events.get(action="accept").data


def test_adopting_another_branch_replaces_the_category(world):
    from lianxin.analysis.services import demand_accept_confirmed
    from lianxin.org.models import Category

    other = Category.objects.create(code="OTHER1", name="交通运输")
    d = demand_accept_confirmed(demand=make_demand(world), actor=world["operator"], category=other)
    assert d.category == other and d.events.get(action="accept").data["category"] == "交通运输"


def test_an_operator_choosing_the_parent_category_by_hand_gets_it(world):
    d = services.demand_accept(demand=make_demand(world), actor=world["operator"], category=world.category)
    assert d.category == world.category  # a correction to the parent is the operator's to make


def test_adopting_a_first_level_proposal_keeps_the_deeper_category(world):
    d = make_demand(world)
    response = login(world, "operator").post(
        reverse("analysis:accept", args=[d.pk]), {"category": world.category.pk, "version": d.version}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.ACCEPTED and d.category == world.subcategory


def test_the_migration_fills_the_flag_of_stored_checks_still_awaiting_acceptance(world):
    import importlib

    from django.apps import apps

    from lianxin.analysis.models import DemandIntel

    fill = importlib.import_module("lianxin.analysis.migrations.0002_fill_demand_intel_urgency").fill
    waiting = make_demand(world, title="等待受理")
    accepted = make_demand(world, Status.ACCEPTED, title="已受理")
    for d in (waiting, accepted):
        DemandIntel.objects.create(demand=d, urgency=Urgency.CRITICAL)
    fill(apps, None)
    waiting.refresh_from_db()
    accepted.refresh_from_db()
    assert waiting.intel_urgency == Urgency.CRITICAL and waiting.suspected_urgency == Urgency.CRITICAL
    assert accepted.intel_urgency == ""
