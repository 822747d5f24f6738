"""Caller history at intake (issue 16 part 8): the operator typing a caller's number on the phone-intake form
sees the caller's earlier demands (matched through the blind index), a repeat-call alert for the same
problem within LIANXIN_REPEAT_CALL_DAYS days, operators only, every lookup audited, the number masked."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lianxin.demands import callers
from lianxin.demands.callers import Problem, caller_history
from lianxin.demands.choices import Status
from lianxin.demands.models import Demand
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
URL = "demands:caller_history"


def _post(client, phone=PHONE, **fields):
    return client.post(reverse(URL), {"contact_phone": phone, **fields})


def test_the_lookup_finds_the_callers_earlier_demands_by_phone(world):
    mine = make_demand(world, Status.IN_PROGRESS, contact_phone=PHONE)
    also_mine = make_demand(world, by=None, title="路灯不亮", contact_phone="+86 139-1234-5678")
    make_demand(world, contact_phone="13800000000", title="别人的诉求")
    history = caller_history(user=world["operator"], phone="139 1234 5678")
    assert history is not None
    assert [r["demand"].pk for r in history.rows] == [also_mine.pk, mine.pk]  # newest first
    assert history.phone_masked == "139****5678" and not history.more
    assert caller_history(user=world["operator"], phone="12345") is None  # no number: nothing looked up


def test_a_repeat_call_on_the_same_problem_within_the_window_is_alerted(world, settings):
    settings.LIANXIN_REPEAT_CALL_DAYS = 30
    old = make_demand(world, contact_phone=PHONE, title="东风小区电梯长期故障")
    lamp = make_demand(world, contact_phone=PHONE, title="路灯不亮", category=world.category)
    way_back = make_demand(world, contact_phone=PHONE, title="东风小区电梯又坏了")
    Demand.objects.filter(pk=way_back.pk).update(created_at=timezone.now() - timedelta(days=90))
    # same title words
    history = caller_history(user=world["operator"], phone=PHONE, problem=Problem(title="东风小区电梯故障"))
    repeats = {r["demand"].pk for r in history.repeats}
    assert old.pk in repeats and way_back.pk not in repeats  # 90 days ago: outside the window
    assert history.recent == 2
    # same category (the subcategory's parent) and area
    history = caller_history(
        user=world["operator"],
        phone=PHONE,
        problem=Problem(title="噪音", category_id=world.subcategory.pk, area_id=world.street.pk),
    )
    assert {r["demand"].pk for r in history.repeats} == {old.pk, lamp.pk}
    assert "category_area" in history.repeats[0]["reasons"]
    # another area is another problem
    history = caller_history(
        user=world["operator"],
        phone=PHONE,
        problem=Problem(title="噪音", category_id=world.subcategory.pk, area_id=world.other_street.pk),
    )
    assert history.repeats == []
    # nothing typed yet: no alert, the calls in the window are counted
    history = caller_history(user=world["operator"], phone=PHONE)
    assert history.repeats == [] and history.recent == 2 and not history.judged


def test_the_endpoint_renders_the_history_and_the_alert_for_an_operator(world, client):
    d = make_demand(world, contact_phone=PHONE, title="东风小区电梯长期故障")
    client.force_login(world["operator"])
    r = _post(client, title="东风小区电梯长期故障了")
    page = r.content.decode()
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert 'id="repeat-call-alert"' in page and d.ticket_no in page and "疑似重复" in page
    assert "东风小区电梯长期故障" in page
    first = _post(client, phone="13700001111").content.decode()
    assert 'id="caller-first"' in first and 'id="repeat-call-alert"' not in first
    assert _post(client, phone="").content.decode().strip() == ""


def test_the_number_is_shown_masked_and_never_whole(world, client):
    make_demand(world, contact_phone=PHONE)
    client.force_login(world["operator"])
    page = _post(client).content.decode()
    assert "139****5678" in page and PHONE not in page


@pytest.mark.parametrize("who", ["citizen", "handler", "cadre", "supervisor", "admin", "editor"])
def test_only_operators_may_look_up_a_caller(world, client, who, caplog):
    make_demand(world, contact_phone=PHONE)
    client.force_login(world[who])
    with caplog.at_level(logging.INFO, logger="lianxin.audit"):
        assert _post(client).status_code == 403
    assert not [r for r in caplog.records if r.name == "lianxin.audit"]


def test_anonymous_callers_are_sent_to_log_in_and_get_is_refused(world, client):
    r = _post(client)
    assert r.status_code == 302 and "/login/" in r["Location"]
    client.force_login(world["operator"])
    assert client.get(reverse(URL), {"contact_phone": PHONE}).status_code == 405  # never in a URL


def test_every_lookup_is_audited_without_the_number(world, client, caplog):
    d = make_demand(world, contact_phone=PHONE)
    client.force_login(world["operator"])
    with caplog.at_level(logging.INFO, logger="lianxin.audit"):
        _post(client)
        _post(client, phone="13700001111")
    records = [r for r in caplog.records if r.name == "lianxin.audit"]
    assert len(records) == 2
    first, second = records
    assert first.actor_id == world["operator"].pk and first.demand_ids == [d.pk]
    assert second.demand_ids == []
    for record in records:
        assert "5678" not in record.getMessage() and "1111" not in record.getMessage()
        assert record.audit == "caller_history" and len(record.phone_key) == 12


def test_the_box_is_on_the_phone_intake_form_only(world, client):
    client.force_login(world["operator"])
    page = client.get(reverse("demands:submit")).content.decode()
    assert 'id="caller-history"' in page and reverse(URL) in page
    assert "from:#id_contact_phone" in page
    client.force_login(world["citizen"])
    assert 'id="caller-history"' not in client.get(reverse("demands:submit")).content.decode()
    client.logout()
    assert 'id="caller-history"' not in client.get(reverse("demands:submit")).content.decode()


def test_the_repeat_window_is_a_setting(world, settings):
    d = make_demand(world, contact_phone=PHONE, title="东风小区电梯长期故障")
    Demand.objects.filter(pk=d.pk).update(created_at=timezone.now() - timedelta(days=10))
    problem = Problem(title="东风小区电梯长期故障")
    settings.LIANXIN_REPEAT_CALL_DAYS = 7
    assert caller_history(user=world["operator"], phone=PHONE, problem=problem).repeats == []
    settings.LIANXIN_REPEAT_CALL_DAYS = 14
    assert len(caller_history(user=world["operator"], phone=PHONE, problem=problem).repeats) == 1
    assert callers.repeat_days() == 14
