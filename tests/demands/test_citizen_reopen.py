"""群众申请重办: the citizen who is not satisfied with the reply asks for 重办 themselves — their account,
or the ticket number and query code on the tracking page — within the window after the reply; it reopens
as the operator's 重办 does and shows on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.demands import services
from lianxin.demands.audit import measures_audit
from lianxin.demands.choices import Action, Satisfaction, Stage, Status
from lianxin.demands.measures import measures_compute
from lianxin.demands.models import Demand, DemandEvent, Judgement, JudgementKind
from lianxin.demands.serializers import track_payload
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db


def _track(client, d, **post):
    url = f"/demands/track/?ticket_no={d.ticket_no}&code={d.query_code}"
    return client.post(url, post) if post else client.get(url)


def test_an_anonymous_caller_asks_for_reopen_on_the_tracking_page(world, client):
    d = make_demand(world, Status.REPLIED, by=None)
    page = _track(client, d).content.decode()
    assert 'id="reopen-form"' in page
    assert track_payload(d)["can_reopen"] is True
    r = _track(client, d, step="reopen", reason="电梯还是坏的")
    assert r.status_code == 302
    d = Demand.objects.get(pk=d.pk)
    assert d.status == Status.IN_PROGRESS and d.reopen_count == 1
    assert d.stage == Stage.REPLY and d.reply_due_at is not None and d.due_at == d.reply_due_at
    event = DemandEvent.objects.get(demand=d, action=Action.CITIZEN_REOPEN)
    assert event.actor is None and event.note == "电梯还是坏的" and event.data["by_code"] is True
    timeline = [s["action"] for s in track_payload(d)["timeline"]]
    assert timeline[-1] == Action.CITIZEN_REOPEN
    assert "群众申请重办" in _track(client, d).content.decode()
    assert track_payload(d)["can_reopen"] is False  # in progress again


def test_a_reason_is_required_and_nothing_is_written_without_it(world, client):
    d = make_demand(world, Status.REPLIED, by=None)
    _track(client, d, step="reopen", reason="")
    d.refresh_from_db()
    assert d.status == Status.REPLIED
    with pytest.raises(ValidationFailed):
        services.demand_citizen_reopen(demand=d, actor=None, reason=" ", code_verified=True)
    assert not DemandEvent.objects.filter(demand=d, action=Action.CITIZEN_REOPEN).exists()


def test_the_requester_asks_through_the_api_and_nobody_else_may(world):
    d = make_demand(world, Status.REPLIED)
    other = APIClient()
    other.force_authenticate(world["other_citizen"])
    url = f"/api/v1/demands/{d.pk}/transitions/"
    assert other.post(url, {"action": "citizen_reopen", "reason": "没修好"}, format="json").status_code == 404
    operator = APIClient()
    operator.force_authenticate(world["operator"])
    assert operator.post(url, {"action": "citizen_reopen", "reason": "x"}, format="json").status_code == 403
    mine = APIClient()
    mine.force_authenticate(world["citizen"])
    r = mine.post(url, {"action": "citizen_reopen", "reason": "没修好"}, format="json")
    assert r.status_code == 200, r.content
    assert Demand.objects.get(pk=d.pk).status == Status.IN_PROGRESS
    # without the query code, an anonymous caller cannot
    d2 = make_demand(world, Status.REPLIED, by=None)
    with pytest.raises(NotFound):
        services.demand_transition(demand=d2, actor=None, action=Action.CITIZEN_REOPEN, reason="x")


def test_only_within_the_window_after_the_reply(world, settings):
    settings.LIANXIN_CITIZEN_REOPEN_DAYS = 3
    d = make_demand(world, Status.REPLIED, by=None)
    late = d.replied_at + timedelta(days=4)
    with pytest.raises(Conflict) as err:
        services.demand_citizen_reopen(demand=d, actor=None, reason="晚了", code_verified=True, now=late)
    assert err.value.code == "citizen_reopen_window_passed"
    d.refresh_from_db()
    assert d.status == Status.REPLIED
    soon = d.replied_at + timedelta(days=2)
    d = services.demand_citizen_reopen(demand=d, actor=None, reason="及时", code_verified=True, now=soon)
    assert d.status == Status.IN_PROGRESS


def test_not_once_they_said_they_were_satisfied_but_after_a_dissatisfied_rating(world):
    happy = make_demand(world, Status.CLOSED)  # rated 满意
    with pytest.raises(Conflict) as err:
        services.demand_citizen_reopen(demand=happy, actor=world["citizen"], reason="再看看")
    assert err.value.code == "rated_satisfied"
    assert track_payload(happy)["can_reopen"] is False
    d = make_demand(world, Status.REPLIED)
    d = services.demand_rate(
        demand=d, actor=world["citizen"], satisfaction=Satisfaction.DISSATISFIED, resolved=False
    )
    assert d.status == Status.CLOSED
    assert Action.CITIZEN_REOPEN in services.demand_allowed_actions(demand=d, actor=world["citizen"])
    d = services.demand_citizen_reopen(demand=d, actor=world["citizen"], reason="没解决")
    assert d.status == Status.IN_PROGRESS and d.closure == "" and d.closed_at is None


def test_a_direct_answer_without_a_unit_is_not_reopened_by_the_citizen(world):
    d = make_demand(world, by=None)
    d = services.demand_answer(demand=d, actor=world["operator"], text="办理地点在市民中心")
    with pytest.raises(Conflict):
        services.demand_citizen_reopen(demand=d, actor=None, reason="x", code_verified=True)


def test_it_counts_as_a_reopen_in_the_measures_and_the_audit_agrees(world):
    d = make_demand(world, Status.REPLIED, by=None)
    services.demand_citizen_reopen(demand=d, actor=None, reason="没修好", code_verified=True)
    reply = Judgement.objects.get(demand=d, kind=JudgementKind.REPLY)
    assert reply.reopened is True
    today = timezone.localdate()
    m = measures_compute(start=today, end=today + timedelta(days=1))
    assert (m["reopen_rate"].numerator, m["reopen_rate"].denominator) == (1, 1)
    assert measures_audit(start=today, end=today + timedelta(days=1)).differences == []


def test_the_operator_reopen_is_unchanged(world):
    d = make_demand(world, Status.REPLIED)
    with pytest.raises(PermissionDenied):
        services.demand_reopen(demand=d, actor=world["citizen"], reason="x")
    d = services.demand_reopen(demand=d, actor=world["operator"], reason="回访不满意")
    assert d.status == Status.IN_PROGRESS and d.reopen_count == 1
