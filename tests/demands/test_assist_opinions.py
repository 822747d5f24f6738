"""协办意见 (issue 16, part 6): each assisting unit of a dispatch signs for its part and gives its opinion to
the lead unit by a deadline; the lead's page shows them (and which are missing), the citizen never; a late
or missing opinion counts against the assisting unit (协办按时率), and the audit agrees."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.demands import services
from lianxin.demands.audit import measures_audit
from lianxin.demands.choices import Action, Outcome, Status
from lianxin.demands.measures import measures_compute, measures_grouped
from lianxin.demands.models import AssistRequest, DemandEvent, Judgement, JudgementKind
from lianxin.demands.serializers import track_payload
from lianxin.demands.workdays import add_working_days
from lianxin.org.models import Unit, UnitKind
from tests.demands.factories import make_demand
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MARCH = (date(2026, 3, 1), date(2026, 4, 1))
OPINION = "经核查，该路段井盖属我局管养，已安排三日内更换。"
REPLY = "已会同区城管局更换井盖并恢复路面，隐患已消除。"


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour))


def _pair(values, code):
    return values[code].numerator, values[code].denominator


@pytest.fixture
def third(world):
    """A second assisting unit and its handler, and a unit that never assists."""
    unit = Unit.objects.create(
        code=f"{world.unit.code}X", name="城管局", kind=UnitKind.DEPARTMENT, area=world.city
    )
    outsider = Unit.objects.create(
        code=f"{world.unit.code}Y", name="水务局", kind=UnitKind.DEPARTMENT, area=world.city
    )
    return {
        "unit": unit,
        "handler": UserFactory(roles="handler", unit=unit),
        "outsider": UserFactory(roles="handler", unit=outsider),
    }


def _dispatched(world, third, when=None, *, assisting=None):
    d = make_demand(world, Status.ACCEPTED)
    units = [world.other_unit, third["unit"]] if assisting is None else assisting
    return services.demand_dispatch(
        demand=d, actor=world["operator"], unit=world.unit, assisting_units=units, now=when
    )


def test_the_dispatch_asks_each_assisting_unit_by_the_working_day_deadline(world, third):
    d = make_demand(world, Status.ACCEPTED)
    with override_settings(LIANXIN_ASSIST_OPINION_WORKDAYS=2):
        d = services.demand_dispatch(
            demand=d,
            actor=world["operator"],
            unit=world.unit,
            # the lead unit is never its own assisting unit; a unit named twice is asked once
            assisting_units=[world.other_unit, third["unit"].pk, world.unit, world.other_unit],
            now=at(6, 9),  # a Friday: two working days later is the Tuesday
        )
    rows = list(AssistRequest.objects.filter(demand=d).order_by("unit_id"))
    assert [r.unit_id for r in rows] == sorted([world.other_unit.pk, third["unit"].pk])
    due = add_working_days(timezone.localtime(at(6, 9)), 2)
    assert due.date() == date(2026, 3, 10)
    assert all(r.due_at == due and r.created_at == at(6, 9) and r.voided_at is None for r in rows)
    assert DemandEvent.objects.get(demand=d, action=Action.DISPATCH).data["assist_due"] == due.isoformat()
    steps = Judgement.objects.filter(demand=d, kind=JudgementKind.ASSIST)
    assert {s.unit_id for s in steps} == {world.other_unit.pk, third["unit"].pk}


def test_the_assisting_units_handler_signs_and_gives_the_opinion(world, third):
    d = _dispatched(world, third)
    version = d.version
    helper = world["other_handler"]
    assert set(services.demand_allowed_actions(demand=d, actor=helper)) == {
        Action.ASSIST_SIGN,
        Action.ASSIST_OPINION,
    }
    d = services.demand_transition(demand=d, actor=helper, action=Action.ASSIST_SIGN, note="已收到")
    request = AssistRequest.objects.get(demand=d, unit=world.other_unit)
    assert request.signed_by == helper and request.signed_at and request.submitted_at is None
    d = services.demand_transition(demand=d, actor=helper, action=Action.ASSIST_OPINION, text=OPINION)
    request.refresh_from_db()
    assert request.opinion == OPINION and request.submitted_by == helper and request.submitted_at
    # the status stays, and so does the version: the lead's open forms are not made stale
    assert d.status == Status.DISPATCHED and d.version == version
    assert services.demand_allowed_actions(demand=d, actor=helper) == []
    event = DemandEvent.objects.get(demand=d, action=Action.ASSIST_OPINION)
    assert event.note == OPINION and event.data["unit"] == world.other_unit.pk
    # the lead can still sign and the other assisting unit still owes its opinion
    assert Action.SIGN in services.demand_allowed_actions(demand=d, actor=world["handler"])
    assert AssistRequest.objects.get(demand=d, unit=third["unit"]).submitted_at is None


def test_the_opinion_alone_signs_for_it_too(world, third):
    d = _dispatched(world, third)
    services.demand_assist_opinion(demand=d, actor=third["handler"], text=OPINION)
    request = AssistRequest.objects.get(demand=d, unit=third["unit"])
    assert request.signed_at == request.submitted_at and request.signed_by == third["handler"]


def test_refusals_leave_nothing_written(world, third):
    d = _dispatched(world, third)
    events = DemandEvent.objects.filter(demand=d).count()
    with pytest.raises(PermissionDenied):  # the lead unit sees the demand but is not assisting
        services.demand_assist_opinion(demand=d, actor=world["handler"], text=OPINION)
    with pytest.raises(NotFound):  # a unit with no part in it does not see it at all
        services.demand_assist_sign(demand=d, actor=third["outsider"])
    with pytest.raises(ValidationFailed) as empty:
        services.demand_assist_opinion(demand=d, actor=world["other_handler"], text="  ")
    assert "text" in empty.value.fields
    services.demand_assist_opinion(demand=d, actor=world["other_handler"], text=OPINION)
    with pytest.raises(Conflict) as twice:
        services.demand_assist_opinion(demand=d, actor=world["other_handler"], text="再说一次")
    assert twice.value.code == "assist_submitted"
    with pytest.raises(Conflict) as sign_after:
        services.demand_assist_sign(demand=d, actor=world["other_handler"])
    assert sign_after.value.code == "assist_submitted"
    services.demand_assist_sign(demand=d, actor=third["handler"])
    with pytest.raises(Conflict) as signed_twice:
        services.demand_assist_sign(demand=d, actor=third["handler"])
    assert signed_twice.value.code == "assist_signed"
    assert AssistRequest.objects.get(demand=d, unit=world.other_unit).opinion == OPINION
    assert DemandEvent.objects.filter(demand=d).count() == events + 2


def test_after_the_reply_the_opinion_is_refused(world, third):
    d = _dispatched(world, third)
    d = services.demand_sign(demand=d, actor=world["handler"])
    d = services.demand_reply(demand=d, actor=world["handler"], text=REPLY, outcome=Outcome.RESOLVED)
    with pytest.raises(Conflict) as late:
        services.demand_assist_opinion(demand=d, actor=world["other_handler"], text=OPINION)
    assert late.value.code == "invalid_transition"
    assert AssistRequest.objects.get(demand=d, unit=world.other_unit).submitted_at is None


def test_the_api_refuses_a_second_opinion_with_409_and_a_reason(world, third):
    d = _dispatched(world, third)
    api = APIClient()
    api.force_authenticate(world["other_handler"])
    url = f"/api/v1/demands/{d.pk}/transitions/"
    assert api.post(url, {"action": "assist_opinion"}, format="json").status_code == 400  # text required
    assert api.post(url, {"action": "assist_opinion", "text": OPINION}, format="json").status_code == 200
    again = api.post(url, {"action": "assist_opinion", "text": OPINION}, format="json")
    assert again.status_code == 409
    assert "已提交协办意见" in again.content.decode()
    api.force_authenticate(world["handler"])
    assert api.post(url, {"action": "assist_sign"}, format="json").status_code == 403


def test_a_withdrawal_and_a_redispatch_void_the_dropped_units_requests(world, third, client):
    d = _dispatched(world, third)
    services.demand_assist_opinion(demand=d, actor=world["other_handler"], text=OPINION)
    d = services.demand_withdraw(demand=d, actor=world["operator"], reason="派错单位")
    assert AssistRequest.objects.filter(demand=d).count() == 2  # kept as history
    assert not AssistRequest.objects.filter(demand=d, voided_at__isnull=True).exists()
    d = services.demand_dispatch(
        demand=d, actor=world["operator"], unit=world.unit, assisting_units=[third["unit"]]
    )
    assert list(
        AssistRequest.objects.filter(demand=d, voided_at__isnull=True).values_list("unit_id", flat=True)
    ) == [third["unit"].pk]
    # the assisting unit dropped no longer sees the demand nor acts on it
    with pytest.raises(NotFound):
        services.demand_assist_sign(demand=d, actor=world["other_handler"])
    client.force_login(world["other_handler"])  # its old link explains instead of a bare 404
    assert client.get(f"/demands/{d.pk}/").status_code == 410
    # a return and a re-dispatch keep the request of a unit kept, and void the others
    d = services.demand_return(demand=d, actor=world["handler"], reason="不属于本单位职责")
    kept = AssistRequest.objects.get(demand=d, unit=third["unit"], voided_at__isnull=True)
    d = services.demand_dispatch(
        demand=d, actor=world["operator"], unit=world.unit, assisting_units=[third["unit"], world.other_unit]
    )
    active = AssistRequest.objects.filter(demand=d, voided_at__isnull=True)
    assert kept.pk in set(active.values_list("pk", flat=True)) and active.count() == 2
    d = services.demand_dispatch(
        demand=services.demand_return(demand=d, actor=world["handler"], reason="不属于本单位职责"),
        actor=world["operator"],
        unit=world.unit,
        assisting_units=[],
    )
    assert not AssistRequest.objects.filter(demand=d, voided_at__isnull=True).exists()


def test_the_leads_page_shows_the_opinions_and_the_missing_ones_the_citizen_never(world, third, client):
    d = _dispatched(world, third)
    services.demand_assist_opinion(demand=d, actor=world["other_handler"], text=OPINION)
    client.force_login(world["handler"])
    page = client.get(f"/demands/{d.pk}/").content.decode()
    assert 'id="assist-opinions"' in page and OPINION in page
    assert f'id="assist-{third["unit"].pk}"' in page and "未提交" in page
    # the citizen's tracking page and timeline: the final reply only, no opinion and no 协办 step
    d = services.demand_sign(demand=d, actor=world["handler"])
    d = services.demand_reply(demand=d, actor=world["handler"], text=REPLY, outcome=Outcome.RESOLVED)
    payload = track_payload(d)
    actions = [step["action"] for step in payload["timeline"]]
    assert Action.ASSIST_OPINION not in actions and Action.ASSIST_SIGN not in actions
    assert OPINION not in str(payload)
    client.force_login(world["citizen"])
    track = client.get("/demands/track/", {"ticket_no": d.ticket_no, "code": d.query_code})
    assert REPLY in track.content.decode() and OPINION not in track.content.decode()
    api = APIClient()
    api.force_authenticate(world["citizen"])
    events = api.get(f"/api/v1/demands/{d.pk}/events/").json()
    assert OPINION not in str(events)
    assert api.get(f"/api/v1/demands/{d.pk}/").json()["assist_opinions"] == []
    api.force_authenticate(world["handler"])  # the lead unit reads them through the API too
    parts = {p["unit"]["id"]: p for p in api.get(f"/api/v1/demands/{d.pk}/").json()["assist_opinions"]}
    assert (
        parts[world.other_unit.pk]["opinion"] == OPINION and parts[third["unit"].pk]["submitted_at"] is None
    )


def test_the_assisting_units_queue_lists_what_it_owes(world, third, client):
    d = _dispatched(world, third)
    other = make_demand(world, Status.DISPATCHED)  # no part for the assisting unit
    client.force_login(world["other_handler"])
    page = client.get("/demands/unit/", {"queue": "to_assist"}).content.decode()
    assert "待协办" in page and d.ticket_no in page and other.ticket_no not in page
    services.demand_assist_opinion(demand=d, actor=world["other_handler"], text=OPINION)
    page = client.get("/demands/unit/", {"queue": "to_assist"}).content.decode()
    assert d.ticket_no not in page
    client.force_login(world["handler"])  # the lead unit owes no opinion
    assert d.ticket_no not in client.get("/demands/unit/", {"queue": "to_assist"}).content.decode()


@override_settings(LIANXIN_ASSIST_OPINION_WORKDAYS=3)
def test_on_time_late_and_missing_opinions_count_against_the_assisting_unit(world, third):
    a = _dispatched(world, third, at(2))  # Monday 2 March: due Thursday 5 March 10:00
    services.demand_assist_opinion(demand=a, actor=world["other_handler"], text=OPINION, now=at(4))
    services.demand_assist_opinion(demand=a, actor=third["handler"], text=OPINION, now=at(6))  # late
    b = _dispatched(world, third, at(9), assisting=[world.other_unit])  # never given: missed once due
    steps = {s.unit_id: s for s in Judgement.objects.filter(demand=a, kind=JudgementKind.ASSIST)}
    assert steps[world.other_unit.pk].met is True and steps[third["unit"].pk].met is False
    m = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.other_unit)
    assert _pair(m, "assist_ontime_rate") == (1, 2)
    assert {j.demand_id for j in m["assist_ontime_rate"].records("denominator")} == {a.pk, b.pk}
    assert _pair(
        measures_compute(start=MARCH[0], end=MARCH[1], unit=third["unit"]), "assist_ontime_rate"
    ) == (
        0,
        1,
    )
    # the lead unit answers for its own steps, not for its assisting units' opinions
    lead = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.unit)
    assert _pair(lead, "assist_ontime_rate") == (0, 0)
    # before its due time an opinion not yet given is not judged
    early = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.other_unit, now=at(10))
    assert _pair(early, "assist_ontime_rate") == (1, 1)
    grouped = measures_grouped(start=MARCH[0], end=MARCH[1], by="unit", codes=["assist_ontime_rate"])
    assert grouped[world.other_unit.pk]["assist_ontime_rate"] == (1, 2)
    assert grouped[third["unit"].pk]["assist_ontime_rate"] == (0, 1)
    assert measures_audit(start=MARCH[0], end=MARCH[1]).differences == []
    assert measures_audit(start=MARCH[0], end=MARCH[1], now=at(10)).differences == []


@override_settings(LIANXIN_ASSIST_OPINION_WORKDAYS=3)
def test_a_unit_dropped_or_not_waited_for_in_time_is_not_judged_after_its_due_time_it_is(world, third):
    # withdrawn within the due time: void; withdrawn after it: missed
    quick = _dispatched(world, third, at(2), assisting=[world.other_unit])
    services.demand_withdraw(demand=quick, actor=world["operator"], reason="派错单位", now=at(2, 12))
    slow = _dispatched(world, third, at(9), assisting=[world.other_unit])
    services.demand_withdraw(demand=slow, actor=world["operator"], reason="派错单位", now=at(13))
    # the lead replied before the assisting unit's due time: it could no longer give it, not judged
    replied = _dispatched(world, third, at(16), assisting=[world.other_unit])
    replied = services.demand_sign(demand=replied, actor=world["handler"], now=at(16, 11))
    services.demand_reply(
        demand=replied, actor=world["handler"], text=REPLY, outcome=Outcome.RESOLVED, now=at(17)
    )
    m = measures_compute(start=MARCH[0], end=MARCH[1], unit=world.other_unit)
    assert _pair(m, "assist_ontime_rate") == (0, 1)
    assert m["assist_ontime_rate"].records("denominator").get().demand_id == slow.pk
    assert measures_audit(start=MARCH[0], end=MARCH[1]).differences == []


def test_a_late_opinion_is_recorded_late_and_never_makes_the_demand_overdue(world, third):
    """The assisting unit's lateness is its own: the lead's demand is not overdue for it."""
    d = _dispatched(world, third, timezone.now() - timedelta(days=10))
    d = services.demand_sign(demand=d, actor=world["handler"])  # late too: that one is the lead's
    was_overdue = d.was_overdue
    services.demand_assist_opinion(demand=d, actor=world["other_handler"], text=OPINION)
    assert DemandEvent.objects.get(demand=d, action=Action.ASSIST_OPINION).data["late"] is True
    d.refresh_from_db()
    assert d.was_overdue == was_overdue


def test_the_admin_lists_assist_requests_read_only(admin_client):
    assert admin_client.get("/admin/demands/assistrequest/").status_code == 200
    assert admin_client.get("/admin/demands/assistrequest/add/").status_code == 403
