"""先行联系 and 响应率 (issue 16, part 7): the handler records the first contact with the caller; the
dispatch is judged against its contact due time, beside 及时签收率; a return before that time voids it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from lianxin.core.errors import Conflict, ValidationFailed
from lianxin.demands import services
from lianxin.demands.audit import measures_audit
from lianxin.demands.choices import ContactMethod, Status
from lianxin.demands.measures import measures_compute
from lianxin.demands.models import DemandEvent
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour))


def _pair(values, code):
    return values[code].numerator, values[code].denominator


def _dispatched(world, when):
    d = make_demand(world, Status.ACCEPTED)
    return services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit, now=when)


@override_settings(LIANXIN_FIRST_CONTACT_HOURS=24)
def test_a_contact_within_the_hours_counts_and_a_late_one_does_not(world):
    early = _dispatched(world, at(2))
    early = services.demand_sign(demand=early, actor=world["handler"], now=at(2, 11))
    services.demand_first_contact(
        demand=early, actor=world["handler"], method=ContactMethod.CALL, now=at(2, 15)
    )
    late = _dispatched(world, at(3))
    services.demand_first_contact(demand=late, actor=world["handler"], method=ContactMethod.VISIT, now=at(5))
    m = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.unit)
    assert _pair(m, "contact_rate") == (1, 2)
    assert m["contact_rate"].records("numerator").get().demand_id == early.pk
    # 及时签收率 stays beside it: one signed in time, one never signed (and its limit passed).
    assert _pair(m, "response_rate") == (1, 2)
    assert measures_audit(start=MARCH[0], end=MARCH[1]).differences == []


@override_settings(LIANXIN_FIRST_CONTACT_HOURS=24)
def test_a_return_before_the_contact_due_time_voids_the_step_after_it_stays_missed(world):
    quick = _dispatched(world, at(9))
    services.demand_return(demand=quick, actor=world["handler"], reason="不属于本单位职责", now=at(9, 12))
    slow = _dispatched(world, at(10))
    services.demand_return(demand=slow, actor=world["handler"], reason="不属于本单位职责", now=at(12))
    m = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.unit)
    assert _pair(m, "contact_rate") == (0, 1)
    assert m["contact_rate"].records("denominator").get().demand_id == slow.pk


def test_once_per_dispatch_and_a_method_is_required(world):
    d = _dispatched(world, timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationFailed) as bad:
        services.demand_first_contact(demand=d, actor=world["handler"], method="telepathy")
    assert "method" in bad.value.fields
    services.demand_first_contact(
        demand=d, actor=world["handler"], method=ContactMethod.MESSAGE, note="已短信告知"
    )
    with pytest.raises(Conflict) as twice:
        services.demand_first_contact(demand=d, actor=world["handler"], method=ContactMethod.CALL)
    assert twice.value.code == "first_contact_recorded"
    event = DemandEvent.objects.get(demand=d, action="first_contact")
    assert event.data == {"method": "message"} and event.note == "已短信告知"


def test_the_handler_records_it_from_the_demand_page(world, client):
    d = _dispatched(world, timezone.now() - timedelta(hours=1))
    client.force_login(world["handler"])
    page = client.get(f"/demands/{d.pk}/").content.decode()
    assert 'id="btn-first_contact"' in page and 'name="method"' in page
    client.post(
        f"/demands/{d.pk}/act/",
        {"action": "first_contact", "method": "call", "version": d.version},
        HTTP_HX_REQUEST="true",
    )
    assert DemandEvent.objects.filter(demand=d, action="first_contact").exists()
