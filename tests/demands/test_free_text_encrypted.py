"""Issue 21 item 2, the rest of the free text: the reply, the timeline's notes (reasons, follow-up notes,
citizens' reopen reasons), the appeals and the assisting units' opinions are stored encrypted — the raw
column never holds a phone or ID number typed into them — and every role still reads what it read before."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.core import crypto
from lianxin.demands import extensions, services
from lianxin.demands.choices import Action, AppealReason, Outcome, Satisfaction, Status
from lianxin.demands.models import AssistRequest, Demand, DemandAppeal, DemandEvent
from lianxin.demands.serializers import track_payload
from lianxin.demands.sweep import URGE_NOTE, deadline_sweep
from tests.demands.factories import make_demand
from tests.encryption import raw

pytestmark = pytest.mark.django_db

PHONE = "13987654321"
ID_NUMBER = "430102199003071234"
REPLY = f"已电话联系您（{PHONE}），核对身份证{ID_NUMBER}后，电梯已于今日修复。"


def assert_sealed(model, pk: int, *columns: str) -> None:
    for column in columns:
        stored = raw(model, pk, column)
        assert stored and PHONE not in stored and ID_NUMBER not in stored, column
        assert crypto.token_is_current(stored), column


def notes_of(d: Demand, action: str) -> list[DemandEvent]:
    return list(DemandEvent.objects.filter(demand=d, action=action).order_by("id"))


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def replied(world):
    d = make_demand(world, Status.IN_PROGRESS)
    return services.demand_reply(demand=d, actor=world["handler"], text=REPLY, outcome=Outcome.EXPLAINED)


def test_the_reply_and_its_event_are_stored_encrypted_and_read_back(replied):
    assert_sealed(Demand, replied.pk, "reply_text")
    (event,) = notes_of(replied, Action.REPLY)
    assert_sealed(DemandEvent, event.pk, "note")
    assert Demand.objects.get(pk=replied.pk).reply_text == REPLY
    assert DemandEvent.objects.get(pk=event.pk).note == REPLY
    # values() decrypts too (the reply assessment and the exchanges read it so)
    assert Demand.objects.filter(pk=replied.pk).values_list("reply_text", flat=True).get() == REPLY
    # an empty reply is no token and still compares as empty (analysis' `exclude(reply_text="")`)
    assert Demand.objects.filter(pk=replied.pk).exclude(reply_text="").exists()
    assert not Demand.objects.filter(pk=replied.pk, reply_text="").exists()


def test_each_role_reads_the_reply_as_before(world, replied):
    url = f"/api/v1/demands/{replied.pk}/"
    assert api(world["handler"]).get(url).json()["reply_text"] == REPLY  # the lead unit: whole
    assert api(world["operator"]).get(url).json()["reply_text"] == REPLY
    cadre_view = api(world["cadre"]).get(url).json()["reply_text"]  # sees the contact masked
    assert cadre_view.startswith("已电话联系您") and PHONE not in cadre_view and ID_NUMBER not in cadre_view
    public = track_payload(Demand.objects.get(pk=replied.pk))["reply_text"]  # official-masked
    assert "电梯已于今日修复" in public and PHONE not in public and ID_NUMBER not in public
    # staff read the timeline's notes whole; the citizen reads no notes
    timeline = api(world["handler"]).get(f"{url}timeline/").json()
    assert [e["note"] for e in timeline if e["action"] == Action.REPLY] == [REPLY]
    mine = api(world["citizen"]).get(f"{url}timeline/").json()
    assert all(e["note"] == "" for e in mine)


def test_staff_who_see_the_contact_masked_read_the_timeline_notes_masked(world, replied, client):
    """A cadre reads the reply masked on the demand; its copy on the timeline (the reply event's note) and
    on the detail page's 办理过程 are masked for them too, and whole for the lead unit."""
    url = f"/api/v1/demands/{replied.pk}/timeline/"
    (cadre_note,) = [e["note"] for e in api(world["cadre"]).get(url).json() if e["action"] == Action.REPLY]
    assert cadre_note.startswith("已电话联系您") and PHONE not in cadre_note and ID_NUMBER not in cadre_note
    (lead_note,) = [e["note"] for e in api(world["handler"]).get(url).json() if e["action"] == Action.REPLY]
    assert lead_note == REPLY
    client.force_login(world["cadre"])
    page = client.get(f"/demands/{replied.pk}/").content.decode()
    assert "电梯已于今日修复" in page and PHONE not in page and ID_NUMBER not in page


def test_reasons_on_the_timeline_are_stored_encrypted(world):
    reason = f"请联系{PHONE}核实"
    rejected = make_demand(world)
    rejected = services.demand_transition(
        demand=rejected, actor=world["operator"], action=Action.REJECT, reason=reason
    )
    returned = make_demand(world, Status.DISPATCHED)
    returned = services.demand_transition(
        demand=returned, actor=world["handler"], action=Action.RETURN, reason=f"不属本单位，{reason}"
    )
    reopened = make_demand(world, Status.REPLIED)
    reopened = services.demand_citizen_reopen(
        demand=reopened, actor=world["citizen"], reason=f"没修好，{reason}"
    )
    contacted = make_demand(world, Status.IN_PROGRESS)
    services.demand_first_contact(demand=contacted, actor=world["handler"], method="call", note=reason)
    for d, action in (
        (rejected, Action.REJECT),
        (returned, Action.RETURN),
        (reopened, Action.CITIZEN_REOPEN),
        (contacted, Action.FIRST_CONTACT),
    ):
        (event,) = notes_of(d, action)
        assert_sealed(DemandEvent, event.pk, "note")
        assert reason in DemandEvent.objects.get(pk=event.pk).note
    # the public page shows the reject reason masked, as before
    shown = track_payload(Demand.objects.get(pk=rejected.pk))["reject_reason"]
    assert shown.startswith("请联系") and PHONE not in shown


def test_a_returned_reply_is_kept_only_on_its_encrypted_event(world):
    from lianxin.demands.models import ReplyReviewRule

    ReplyReviewRule.objects.create(unit=world.unit)
    d = make_demand(world, Status.IN_PROGRESS)
    d = services.demand_reply(demand=d, actor=world["handler"], text=REPLY, outcome=Outcome.EXPLAINED)
    d = services.demand_return_reply(demand=d, actor=world["supervisor"], reason=f"请去掉{PHONE}")
    (returned,) = notes_of(d, Action.RETURN_REPLY)
    assert_sealed(DemandEvent, returned.pk, "note")
    stored_data = raw(DemandEvent, returned.pk, "data")
    assert PHONE not in str(stored_data) and "returned_text" not in str(stored_data)
    assert notes_of(d, Action.REPLY)[0].note == REPLY


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour))


def test_an_appeal_and_its_decision_are_stored_encrypted(world):
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit, now=at(2))
    d = services.demand_sign(demand=d, actor=world["handler"], now=at(9))
    d = services.demand_reply(
        demand=d, actor=world["handler"], text="已转告开发商。", outcome=Outcome.EXPLAINED, now=at(10)
    )
    d = services.demand_rate(
        demand=d, actor=world["operator"], satisfaction=Satisfaction.DISSATISFIED, resolved=False, now=at(11)
    )
    reason = f"诉求人{PHONE}反映的电梯属开发商维保"
    d = services.demand_appeal(
        demand=d, actor=world["handler"], reason_kind=AppealReason.OUTSIDE_REMIT, reason=reason, now=at(20)
    )
    decision = f"经核实（身份证{ID_NUMBER}）不成立"
    d = services.demand_decide_appeal(
        demand=d, actor=world["supervisor"], upheld=False, note=decision, now=at(21)
    )
    appeal = DemandAppeal.objects.get(demand=d)
    assert_sealed(DemandAppeal, appeal.pk, "reason", "decision_note")
    assert (appeal.reason, appeal.decision_note) == (reason, decision)
    for action in (Action.APPEAL, Action.DECIDE_APPEAL):
        assert_sealed(DemandEvent, notes_of(d, action)[0].pk, "note")


def test_an_assisting_units_opinion_is_stored_encrypted_and_shown_to_staff(world):
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(
        demand=d, actor=world["operator"], unit=world.unit, assisting_units=[world.other_unit]
    )
    opinion = f"已上门，住户电话{PHONE}，配合维修"
    services.demand_assist_opinion(demand=d, actor=world["other_handler"], text=opinion)
    request = AssistRequest.objects.get(demand=d)
    assert_sealed(AssistRequest, request.pk, "opinion")
    assert_sealed(DemandEvent, notes_of(d, Action.ASSIST_OPINION)[0].pk, "note")
    shown = api(world["handler"]).get(f"/api/v1/demands/{d.pk}/").json()["assist_opinions"]
    assert [o["opinion"] for o in shown] == [opinion]
    assert api(world["citizen"]).get(f"/api/v1/demands/{d.pk}/").json()["assist_opinions"] == []


def test_the_sweeps_urge_note_is_encrypted_and_its_events_are_heard(world):
    """The sweep writes its red cards' events with its own INSERT on PostgreSQL: the note is stored as
    the field stores it, and the listeners still hear exactly those events."""
    d = make_demand(world, Status.DISPATCHED)
    now = timezone.now()
    Demand.objects.filter(pk=d.pk).update(due_at=now - timedelta(hours=1), warn_at=now - timedelta(hours=2))
    heard: list[DemandEvent] = []
    extensions.event_listener_register("test-free-text", heard.extend)
    try:
        deadline_sweep(now=now)
    finally:
        extensions.event_listener_unregister("test-free-text")
    (urge,) = notes_of(d, Action.URGE)
    assert urge.note == URGE_NOTE
    stored = raw(DemandEvent, urge.pk, "note")
    assert stored != URGE_NOTE and crypto.decrypt(stored) == URGE_NOTE
    assert [e.pk for e in heard if e.demand_id == d.pk] == [urge.pk]


def test_the_migration_encrypts_rows_stored_in_clear_and_drops_the_returned_copy(world, replied):
    (event,) = notes_of(replied, Action.REPLY)
    request_demand = make_demand(world, Status.ACCEPTED)
    services.demand_dispatch(
        demand=request_demand, actor=world["operator"], unit=world.unit, assisting_units=[world.other_unit]
    )
    request = AssistRequest.objects.get(demand=request_demand)
    plain = f"明文 {PHONE}"
    with connection.cursor() as cursor:  # as the columns were before the migration
        cursor.execute("UPDATE demands_demand SET reply_text = %s WHERE id = %s", [plain, replied.pk])
        cursor.execute("UPDATE demands_demandevent SET note = %s WHERE id = %s", [plain, event.pk])
        cursor.execute("UPDATE demands_assistrequest SET opinion = %s WHERE id = %s", [plain, request.pk])
    returned = DemandEvent.objects.create(
        demand=replied,
        action=Action.RETURN_REPLY,
        data={"counts": True, "returned_text": plain},
        created_at=timezone.now(),
    )
    migration = importlib.import_module("lianxin.demands.migrations.0017_notes_encrypted")
    migration.encrypt_existing(apps, None)
    assert_sealed(Demand, replied.pk, "reply_text")
    assert_sealed(DemandEvent, event.pk, "note")
    assert_sealed(AssistRequest, request.pk, "opinion")
    assert Demand.objects.get(pk=replied.pk).reply_text == plain
    assert DemandEvent.objects.get(pk=event.pk).note == plain
    assert DemandEvent.objects.get(pk=returned.pk).data == {"counts": True}
    # idempotent: a second run finds nothing stored in clear
    before = raw(Demand, replied.pk, "reply_text")
    migration.encrypt_existing(apps, None)
    assert raw(Demand, replied.pk, "reply_text") == before
