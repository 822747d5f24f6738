"""考核申诉 (issue 16, part 9): an upheld appeal takes the unit's judged steps of the demand out of its
rates (and the city's), listed with the reason; a rejected one changes nothing; the month's window
closes; the timeline and the audit agree."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.demands import services
from lianxin.demands.audit import measures_audit
from lianxin.demands.choices import Action, AppealReason, AppealStatus, Outcome, Satisfaction, Status
from lianxin.demands.measures import measures_compute
from lianxin.demands.models import DemandAppeal, DemandEvent, Judgement
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour))


def _pair(values, code):
    return values[code].numerator, values[code].denominator


@pytest.fixture
def judged(world):
    """March 2026: dispatched on the 2nd, signed late on the 9th, replied, rated 不满意."""
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit, now=at(2))
    d = services.demand_sign(demand=d, actor=world["handler"], now=at(9))
    d = services.demand_reply(
        demand=d,
        actor=world["handler"],
        text="经核实，该电梯属开发商维保范围，已转告开发商。",
        outcome=Outcome.EXPLAINED,
        now=at(10),
    )
    return services.demand_rate(
        demand=d, actor=world["operator"], satisfaction=Satisfaction.DISSATISFIED, resolved=False, now=at(11)
    )


def _appeal(world, d, when=None):
    return services.demand_appeal(
        demand=d,
        actor=world["handler"],
        reason_kind=AppealReason.OUTSIDE_REMIT,
        reason="电梯属开发商质保期内维保，不属于本单位职责",
        now=when or at(20),
    )


def test_an_upheld_appeal_takes_the_units_steps_out_of_its_rates_and_lists_them(world, judged):
    unit = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.unit)
    assert _pair(unit, "response_rate") == (0, 1) and _pair(unit, "satisfaction_rate") == (0, 1)
    d = _appeal(world, judged)
    assert d.status == Status.CLOSED  # an appeal moves no state
    pending = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.unit)
    assert _pair(pending, "response_rate") == (0, 1)  # pending: nothing moves yet
    services.demand_decide_appeal(demand=d, actor=world["supervisor"], upheld=True, note="属实", now=at(25))
    after = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.unit)
    city = measures_compute(start=MARCH[0], end=MARCH[1])
    for code in ("response_rate", "ontime_rate", "satisfaction_rate", "resolution_rate"):
        assert _pair(after, code) == (0, 0) and _pair(city, code) == (0, 0)
    assert set(Judgement.objects.filter(demand=d).values_list("excluded", flat=True)) == {True}
    listed = list(services.appeal_exclusions(start=MARCH[0], end=MARCH[1], unit_id=world.unit.pk))
    assert [(a.demand_id, a.reason_kind, a.status) for a in listed] == [
        (d.pk, AppealReason.OUTSIDE_REMIT, AppealStatus.UPHELD)
    ]
    appeal_events = DemandEvent.objects.filter(demand=d, action__in=[Action.APPEAL, Action.DECIDE_APPEAL])
    assert [(e.action, e.data.get("unit"), e.data.get("upheld")) for e in appeal_events.order_by("id")] == [
        (Action.APPEAL, world.unit.pk, None),
        (Action.DECIDE_APPEAL, world.unit.pk, True),
    ]
    # The figures are still the replay of the timeline: the audit finds no difference.
    assert measures_audit(start=MARCH[0], end=MARCH[1]).differences == []


def test_a_rejected_appeal_needs_a_reason_and_changes_nothing(world, judged):
    d = _appeal(world, judged)
    with pytest.raises(ValidationFailed) as refused:
        services.demand_decide_appeal(demand=d, actor=world["supervisor"], upheld=False, now=at(25))
    assert "note" in refused.value.fields
    services.demand_decide_appeal(
        demand=d, actor=world["supervisor"], upheld=False, note="群众诉求属本单位监管职责", now=at(25)
    )
    after = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.unit)
    assert _pair(after, "response_rate") == (0, 1) and _pair(after, "satisfaction_rate") == (0, 1)
    assert DemandAppeal.objects.get().status == AppealStatus.REJECTED


def test_refusals_say_why(world, judged):
    d = _appeal(world, judged)
    with pytest.raises(Conflict) as twice:
        _appeal(world, d)
    assert twice.value.code == "appeal_pending"
    with pytest.raises(PermissionDenied):
        services.demand_decide_appeal(demand=d, actor=world["cadre"], upheld=True, now=at(25))
    with pytest.raises((PermissionDenied, NotFound)):
        services.demand_appeal(
            demand=d,
            actor=world["other_handler"],
            reason_kind=AppealReason.VEXATIOUS,
            reason="重复",
            now=at(21),
        )
    with pytest.raises(ValidationFailed) as kind:
        services.demand_appeal(demand=d, actor=world["handler"], reason_kind="bored", reason="x", now=at(21))
    assert "reason_kind" in kind.value.fields
    # March's window closes 10 days after the month: a decision on 11 April is refused, nothing written.
    with pytest.raises(Conflict) as closed:
        services.demand_decide_appeal(demand=d, actor=world["supervisor"], upheld=True, now=at(11, month=4))
    assert closed.value.code == "appeal_period_closed"
    assert DemandAppeal.objects.get().status == AppealStatus.PENDING
    assert not DemandEvent.objects.filter(demand=d, action=Action.DECIDE_APPEAL).exists()


def test_an_appeal_on_a_closed_month_is_refused(world, judged):
    with pytest.raises(Conflict) as closed:
        _appeal(world, judged, when=at(11, month=4))
    assert closed.value.code == "appeal_period_closed" and "2026-03" in closed.value.message
    assert not DemandAppeal.objects.exists()


def test_the_api_names_a_missing_argument_and_runs_both_steps(world, judged):
    client = APIClient()
    url = f"/api/v1/demands/{judged.pk}/transitions/"
    client.force_authenticate(world["handler"])
    missing = client.post(url, {"action": "appeal", "reason": "不属于本单位"}, format="json")
    assert missing.status_code == 400 and "reason_kind" in str(missing.json())
    d = make_demand(world, Status.IN_PROGRESS)
    url = f"/api/v1/demands/{d.pk}/transitions/"
    ok = client.post(
        url, {"action": "appeal", "reason_kind": "outside_remit", "reason": "不属于本单位"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    client.force_authenticate(world["supervisor"])
    decided = client.post(url, {"action": "decide_appeal", "upheld": True, "note": "属实"}, format="json")
    assert decided.status_code == 200, decided.content
    assert set(Judgement.objects.filter(demand=d).values_list("excluded", flat=True)) == {True}


def test_the_unit_card_lists_the_exclusion_with_its_reason(world, judged, client):
    from django.urls import reverse

    d = _appeal(world, judged)
    services.demand_decide_appeal(demand=d, actor=world["supervisor"], upheld=True, note="属实", now=at(25))
    client.force_login(world["supervisor"])
    card = client.get(
        reverse("evaluation:unit_card", args=[world.unit.pk]) + "?period=2026-03"
    ).content.decode()
    row = card[card.index('id="card-excluded"') :]
    link = row[row.index('href="') + 6 : row.index('">', row.index('href="'))].replace("&amp;", "&")
    records = client.get(link).content.decode()
    # Four steps of the demand were judged (sign, reply, rating… each once): all are listed, with the reason.
    n = Judgement.objects.filter(demand=d, excluded=True, first=True).count()
    assert f'<span id="record-count">{n}</span>' in records and n >= 3
    assert "电梯属开发商质保期内维保" in records and "不属于本单位职责" in records
    assert f">{n}</a>" in row[:400]


def test_the_supervisors_queue_lists_the_appeals_waiting_and_drops_them_once_decided(world, judged, client):
    client.force_login(world["supervisor"])
    assert client.get("/demands/supervision/?queue=appeals").context["count"] == 0
    d = _appeal(world, judged)
    page = client.get("/demands/supervision/?queue=appeals")
    assert page.context["count"] == 1 and d.ticket_no in page.content.decode()
    services.demand_decide_appeal(
        demand=d, actor=world["supervisor"], upheld=False, note="职责明确", now=at(22)
    )
    assert client.get("/demands/supervision/?queue=appeals").context["count"] == 0
