from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from lianxin.core.errors import Conflict, ValidationFailed
from lianxin.core.models import Notification
from lianxin.demands.models import Demand
from lianxin.participation import services
from lianxin.participation.models import Event, SignUp, TimelineEntry
from tests.factories import UserFactory
from tests.participation import factories

pytestmark = pytest.mark.django_db


def _citizens(n):
    return [UserFactory(roles="citizen") for _ in range(n)]


def test_capacity_waiting_list_and_promotion_on_cancel(cadre, area):
    event = factories.event(cadre, area, capacity=2)
    people = _citizens(4)
    signups = [services.event_sign_up(event=event, actor=p) for p in people]
    assert [s.status for s in signups] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert Event.objects.get(pk=event.pk).confirmed_count == 2
    services.event_cancel_signup(signup=signups[0], actor=people[0])
    assert SignUp.objects.get(pk=signups[2].pk).status == "confirmed"
    assert SignUp.objects.get(pk=signups[3].pk).status == "waiting"
    assert Event.objects.get(pk=event.pk).confirmed_count == 2
    assert Notification.objects.filter(recipient=people[2], kind="participation").exists()
    assert TimelineEntry.objects.filter(subject="signup", object_id=signups[2].pk, action="promote").exists()


def test_sign_up_over_capacity_never_exceeds_it_and_loses_nobody(cadre, area):
    event = factories.event(cadre, area, capacity=5)
    for p in _citizens(12):
        services.event_sign_up(event=event, actor=p)
    rows = SignUp.objects.filter(event=event)
    assert rows.filter(status="confirmed").count() == 5 and rows.filter(status="waiting").count() == 7
    assert Event.objects.get(pk=event.pk).confirmed_count == 5


def test_double_sign_up_and_sign_up_after_start_refused(cadre, citizen, area):
    event = factories.event(cadre, area)
    services.event_sign_up(event=event, actor=citizen)
    with pytest.raises(Conflict) as err:
        services.event_sign_up(event=event, actor=citizen)
    assert err.value.code == "already_signed_up"
    assert Event.objects.get(pk=event.pk).confirmed_count == 1  # the refused one took no place
    with pytest.raises(Conflict):
        services.event_sign_up(event=event, actor=UserFactory(), now=event.starts_at + timedelta(minutes=1))


def test_organiser_signs_someone_up_by_phone(cadre, area):
    event = factories.event(cadre, area)
    s = services.event_sign_up(event=event, actor=cadre, name="李大爷", phone="13611112222")
    assert s.by_organiser and s.status == "confirmed" and s.phone == "13611112222"
    with pytest.raises(ValidationFailed):
        services.event_sign_up(event=event, actor=cadre, name="无电话", phone="123")


def test_check_in_code_once_forged_refused_and_other_event_refused(cadre, citizen, area):
    event = factories.event(cadre, area)
    other = factories.event(cadre, area)
    s = services.event_sign_up(event=event, actor=citizen)
    code = services.checkin_code(s)
    with pytest.raises(ValidationFailed) as err:
        services.event_check_in(event=event, actor=cadre, code=code[:-2] + "xx")
    assert err.value.code == "bad_checkin_code"
    forged = signing.dumps({"s": s.pk, "e": event.pk}, salt="another-salt", compress=True)
    with pytest.raises(ValidationFailed):
        services.event_check_in(event=event, actor=cadre, code=forged)
    with pytest.raises(ValidationFailed) as err:
        services.event_check_in(event=other, actor=cadre, code=code)
    assert err.value.code == "wrong_event"
    services.event_check_in(event=event, actor=cadre, code=code)
    with pytest.raises(Conflict) as err:
        services.event_check_in(event=event, actor=cadre, code=code)
    assert err.value.code == "code_used"
    assert TimelineEntry.objects.filter(subject="signup", object_id=s.pk, action="check_in").count() == 1


def test_waiting_person_cannot_check_in(cadre, area):
    event = factories.event(cadre, area, capacity=1)
    a, b = _citizens(2)
    services.event_sign_up(event=event, actor=a)
    waiting = services.event_sign_up(event=event, actor=b)
    with pytest.raises(ValidationFailed) as err:
        services.event_check_in(event=event, actor=cadre, code=services.checkin_code(waiting))
    assert err.value.code == "not_confirmed"


def test_reminders_once_minutes_and_follow_up_becomes_a_demand(cadre, citizen, area):
    event = factories.event(cadre, area, hours=10)
    services.event_sign_up(event=event, actor=citizen)
    assert services.event_reminders_send() == 1
    assert services.event_reminders_send() == 0
    assert Notification.objects.filter(recipient=citizen).count() == 1
    later = event.starts_at + timedelta(hours=1)
    services.event_minutes_record(
        event=event, actor=cadre, minutes="讨论停车问题", decisions="增设停车位", now=later
    )
    item = services.event_follow_up_add(event=event, actor=cadre, text="协调物业增设停车位", as_demand=True)
    demand = Demand.objects.get(pk=item.demand_id)
    assert demand.area_id == area.pk and demand.status == "submitted"


def test_api_sign_up_and_check_in(client, cadre, citizen, area):
    event = factories.event(cadre, area)
    client.force_login(citizen)
    r = client.post(f"/api/v1/events/{event.pk}/signups/", {}, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "confirmed"
    code = r.json()["checkin_code"]
    client.force_login(cadre)
    url = f"/api/v1/events/{event.pk}/checkin/"
    assert client.post(url, {"code": code}, content_type="application/json").status_code == 200
    assert client.post(url, {"code": code}, content_type="application/json").status_code == 409
    assert client.post(url, {"code": "forged"}, content_type="application/json").status_code == 400
    assert timezone.now()


def test_the_attendee_sees_the_check_in_code_as_a_qr_drawn_locally(cadre, citizen, area, client):
    import segno
    from django.urls import reverse

    event = factories.event(cadre, area)
    s = services.event_sign_up(event=event, actor=citizen)
    client.force_login(citizen)
    html = client.get(reverse("participation:event", args=[event.pk])).content.decode()
    code = services.checkin_code(s)
    qr = html[html.index('id="checkin-qr"') :]
    assert "<svg" in qr[:300] and code in html
    # The SVG is the QR of exactly this code (the same drawing segno makes of it).
    expected = segno.make(code, error="m").svg_inline(scale=4, border=2, title="签到码")
    assert expected in html


def test_an_id_out_of_range_is_a_404_not_a_500(client, cadre):
    client.force_login(cadre)
    huge = 2**70
    r = client.post(f"/api/v1/events/{huge}/signups/{huge}/cancel/", {}, content_type="application/json")
    assert r.status_code == 404 and r.json()["error"]["code"]
