"""SMS to callers: the notices on intake and reply, the 短信回访 answered by SMS, opt-out, the daily
limit, delivery receipts and the operators' queue (memory sender, outbox run as each test commits)."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lianxin.core.models import SmsMessage
from lianxin.demands import services as demand_services
from lianxin.demands.choices import Action, Closure, Satisfaction, Status
from lianxin.demands.measures import measures_compute
from lianxin.demands.models import DemandEvent
from lianxin.notices.models import (
    DeliveryReceipt,
    InboundSms,
    InboundState,
    Notice,
    NoticeStatus,
    OptOut,
    Purpose,
)
from lianxin.notices.services import notice_send
from tests.demands.factories import make_demand
from tests.notices.factories import inbound, receipt, sent_to

PHONE = "13912345678"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the after-commit work (the outbox) of what the test does inside it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def replied(world, run, **kwargs):
    with run():
        return make_demand(world, Status.REPLIED, **kwargs)


def test_intake_sends_ticket_and_query_code_once(world, run):
    with run():
        d = make_demand(world)
    messages = sent_to(PHONE)
    assert len(messages) == 1
    assert d.ticket_no in messages[0]["text"] and d.query_code in messages[0]["text"]
    assert messages[0]["purpose"] == "notice:intake"
    with run():
        assert (
            notice_send(demand=d, purpose=Purpose.INTAKE).status == NoticeStatus.QUEUED
        )  # again: nothing new
    assert len(sent_to(PHONE)) == 1
    assert Notice.objects.filter(demand=d).count() == 1


def test_no_notice_without_a_mobile_number(world, run):
    with run():
        make_demand(world, contact_phone="")
        make_demand(world, contact_phone="0731-88886666")  # a landline: the operator calls it
    assert sent_to(PHONE) == [] and Notice.objects.count() == 0


def test_reply_sends_the_notice_with_the_link_then_the_followup(world, run):
    d = replied(world, run)
    purposes = [m["purpose"] for m in sent_to(PHONE)]
    assert purposes == ["notice:intake", "notice:reply", "notice:followup"]
    reply, followup = sent_to(PHONE)[1:]
    assert (
        f"https://12345.example.cn/demands/track/?ticket_no={d.ticket_no}&code={d.query_code}"
        in reply["text"]
    )
    assert "1满意" in followup["text"] and "3不满意" in followup["text"]


def test_a_reply_held_for_review_is_texted_only_once_approved(world, run):
    from lianxin.demands.models import ReplyReviewRule

    ReplyReviewRule.objects.create(category=world.category)
    with run():
        d = make_demand(world, Status.IN_PROGRESS)
        demand_services.demand_reply(
            demand=d,
            actor=world["handler"],
            text="已安排维保单位更换电梯控制板，电梯已恢复运行。",
            outcome="resolved",
        )
    assert [m["purpose"] for m in sent_to(PHONE)] == ["notice:intake"]  # held: the caller is told nothing
    d.refresh_from_db()
    assert d.reply_held
    with run():
        demand_services.demand_approve_reply(demand=d, actor=world["operator"])
    assert [m["purpose"] for m in sent_to(PHONE)] == ["notice:intake", "notice:reply", "notice:followup"]


def test_notices_are_written_with_the_event(world, run):
    """A demand rolled back takes its notices with it (they are rows of the same transaction)."""
    from django.db import transaction

    with pytest.raises(RuntimeError), run(), transaction.atomic():
        make_demand(world)
        assert SmsMessage.objects.count() == 1
        raise RuntimeError("roll back")
    assert SmsMessage.objects.count() == 0 and Notice.objects.count() == 0 and sent_to(PHONE) == []


def test_an_sms_answer_is_recorded_as_the_callers_rating(world, run, client):
    d = replied(world, run)
    with run():
        response = inbound(client, "１")
    assert response.status_code == 200 and response.json()["state"] == "recorded"
    d.refresh_from_db()
    assert d.status == Status.CLOSED and d.satisfaction == Satisfaction.SATISFIED
    assert d.resolved is False and d.closure == Closure.NOT_RESOLVED  # "1" alone does not say it is solved
    event = DemandEvent.objects.get(demand=d, action=Action.RATE)
    assert event.actor is None and event.note == "短信回访" and event.data["by_code"] is True
    assert InboundSms.objects.get().event == event
    today = timezone.localdate()
    m = measures_compute(start=today - timedelta(days=1), end=today + timedelta(days=1))
    assert (m["satisfaction_rate"].numerator, m["satisfaction_rate"].denominator) == (1, 1)
    assert (m["resolution_rate"].numerator, m["resolution_rate"].denominator) == (0, 1)


def test_a_dissatisfied_solved_answer(world, run, client):
    d = replied(world, run)
    inbound(client, "不满意，已解决")
    d.refresh_from_db()
    assert d.satisfaction == Satisfaction.DISSATISFIED and d.resolved is True
    today = timezone.localdate()
    m = measures_compute(start=today - timedelta(days=1), end=today + timedelta(days=1))
    assert (m["satisfaction_rate"].numerator, m["satisfaction_rate"].denominator) == (0, 1)


def test_inbound_is_idempotent_on_the_gateway_id(world, run, client):
    d = replied(world, run)
    first = inbound(client, "2", gateway_id="abc")
    again = inbound(client, "3", gateway_id="abc")  # the gateway retried (whatever the text)
    assert first.json() == {"id": "abc", "state": "recorded", "duplicate": False}
    assert again.json() == {"id": "abc", "state": "recorded", "duplicate": True}
    d.refresh_from_db()
    assert d.satisfaction == Satisfaction.BASICALLY_SATISFIED
    assert InboundSms.objects.count() == 1 and DemandEvent.objects.filter(action=Action.RATE).count() == 1


def test_unknown_number_and_gibberish_wait_for_the_operator(world, run, client):
    d = replied(world, run)
    assert inbound(client, "1", phone="13800000000").json()["state"] == "unknown"
    gibberish_id = inbound(client, "你们什么时候来修？").json()["id"]
    assert InboundSms.objects.get(gateway_id=gibberish_id).state == InboundState.UNPARSED
    assert inbound(client, "1 3").json()["state"] == "unparsed"
    d.refresh_from_db()
    assert d.status == Status.REPLIED and d.satisfaction == ""  # never mis-recorded
    gibberish = InboundSms.objects.get(gateway_id=gibberish_id)
    assert gibberish.demand == d
    # the operators' queue lists them, the phone masked
    client.force_login(world["operator"])
    page = client.get("/notices/sms/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "你们什么时候来修" in html and "138****0000" in html and "13800000000" not in html
    assert client.post(f"/notices/sms/queue/{gibberish.pk}/done/").status_code == 302
    gibberish.refresh_from_db()
    assert gibberish.state == InboundState.HANDLED and gibberish.handled_by == world["operator"]
    assert "你们什么时候来修" not in client.get("/notices/sms/queue/").content.decode()
    # the operator's call remains the fallback
    demand_services.demand_rate(demand=d, actor=world["operator"], satisfaction="satisfied", resolved=True)


def test_the_queue_is_for_operators_only(world, client):
    client.force_login(world["handler"])
    assert client.get("/notices/sms/queue/").status_code == 403
    client.logout()
    assert client.get("/notices/sms/queue/").status_code == 302  # to the login page


def test_two_demands_awaiting_from_one_number_are_not_guessed(world, run, client):
    a = replied(world, run)
    b = replied(world, run)
    assert inbound(client, "1").json()["state"] == "ambiguous"
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == b.status == Status.REPLIED


def test_an_answer_after_the_operators_call_is_left_for_them(world, run, client):
    d = replied(world, run)
    demand_services.demand_rate(
        demand=d, actor=world["operator"], satisfaction="dissatisfied", resolved=False
    )
    assert inbound(client, "1").json()["state"] == "unknown"
    d.refresh_from_db()
    assert d.satisfaction == Satisfaction.DISSATISFIED


def test_opt_out_stops_every_further_notice(world, run, client):
    with run():
        make_demand(world)
    assert inbound(client, "退订").json()["state"] == "opted_out"
    assert inbound(client, "TD").json()["state"] == "opted_out"
    assert OptOut.objects.count() == 1
    with run():
        later = make_demand(world, Status.REPLIED)
    assert len(sent_to(PHONE)) == 1  # only the first intake notice
    assert set(Notice.objects.filter(demand=later).values_list("status", flat=True)) == {
        NoticeStatus.OPTED_OUT
    }


def test_daily_limit_per_number(world, run, settings):
    settings.LIANXIN_SMS_DAILY_LIMIT = 2
    with run():
        for _ in range(3):
            make_demand(world)
        make_demand(world, contact_phone="13700000000")  # another number has its own count
    assert len(sent_to(PHONE)) == 2 and len(sent_to("13700000000")) == 1
    assert Notice.objects.filter(status=NoticeStatus.LIMITED).count() == 1


def test_reopened_demand_gets_a_new_round(world, run, client):
    d = replied(world, run)
    inbound(client, "3")
    d.refresh_from_db()
    with run():
        d = demand_services.demand_reopen(demand=d, actor=world["operator"], reason="群众不满意")
        demand_services.demand_reply(
            demand=d,
            actor=world["handler"],
            text="已安排维保单位再次维修，电梯恢复运行。",
            outcome="resolved",
        )
    assert [m["purpose"] for m in sent_to(PHONE)][-2:] == ["notice:reply", "notice:followup"]
    assert Notice.objects.filter(demand=d, purpose=Purpose.FOLLOWUP).count() == 2


def test_a_merged_caller_is_texted_the_answer_and_rates_by_sms_on_their_own(world, run, client):
    other = "13800001111"
    with run():
        parent = make_demand(world, Status.IN_PROGRESS)
        child = make_demand(world, contact_phone=other)
        demand_services.demand_merge(demand=child, actor=world["operator"], parent=parent)
        demand_services.demand_reply(
            demand=parent,
            actor=world["handler"],
            text="已安排维保单位更换电梯控制板，电梯已恢复运行。",
            outcome="resolved",
        )
    texts = sent_to(other)
    assert [m["purpose"] for m in texts] == ["notice:intake", "notice:reply", "notice:followup"]
    assert child.ticket_no in texts[1]["text"] and child.query_code in texts[1]["text"]  # their own ticket
    inbound(client, "2", phone=other)
    child.refresh_from_db()
    parent.refresh_from_db()
    assert child.satisfaction == Satisfaction.BASICALLY_SATISFIED and child.rated_at is not None
    assert parent.rated_at is None  # the parent's caller has not answered: theirs is still owed


def test_receipts(world, run, client):
    with run():
        make_demand(world)
    sms = SmsMessage.objects.get()
    assert sms.gateway_ref.startswith("memory-")
    answer = receipt(client, sms.gateway_ref, "delivered")
    assert answer.status_code == 200 and answer.json()["matched"] is True
    assert DeliveryReceipt.objects.get().sms == sms
    receipt(client, sms.gateway_ref, "failed", error="UNDELIV")
    row = DeliveryReceipt.objects.get()
    assert row.status == "failed" and row.detail == "UNDELIV"
    assert receipt(client, "nobody-knows", "delivered").json()["matched"] is False
    bad = receipt(client, sms.gateway_ref, "maybe")
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_the_doors_need_the_token(world, client, settings):
    assert inbound(client, "1", token="wrong").status_code == 403
    assert receipt(client, "x", "delivered", token="").status_code == 403
    settings.LIANXIN_SMS_INBOUND_TOKEN = ""  # not configured: closed
    assert inbound(client, "1", token="").status_code == 403
    assert InboundSms.objects.count() == 0 and DeliveryReceipt.objects.count() == 0
    assert client.get("/notices/sms/inbound/").status_code == 405


def test_bad_callbacks_are_refused(world, client, settings):
    from tests.notices.conftest import TOKEN

    headers = {"Authorization": f"Bearer {TOKEN}"}
    post = lambda body: client.post(  # noqa: E731
        "/notices/sms/inbound/", data=body, content_type="application/json", headers=headers
    )
    assert post("not json").status_code == 400
    assert post("[1]").status_code == 400
    answer = post('{"from": "12", "text": "1"}')
    assert answer.status_code == 400 and set(answer.json()["error"]["fields"]) == {"id", "from"}
    assert post('{"from": "13912345678", "text": 5, "id": "z"}').status_code == 400
    assert InboundSms.objects.count() == 0


def test_phone_numbers_are_never_logged_nor_stored_in_clear(world, run, client, caplog):
    caplog.set_level(logging.DEBUG)
    settings_phone = PHONE
    replied(world, run)
    inbound(client, "随便说说")
    inbound(client, "TD")
    with run():
        make_demand(world)  # opted out: logged as not sent
    assert settings_phone not in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, text FROM notices_inboundsms")
        rows = cursor.fetchall()
        cursor.execute("SELECT phone FROM notices_optout")
        rows += cursor.fetchall()
    assert rows and all(PHONE not in str(value) for row in rows for value in row)


def test_a_refused_rating_is_left_for_the_operator(world, run, client, monkeypatch):
    from lianxin.core.errors import Conflict
    from lianxin.notices import services

    d = replied(world, run)

    def refuse(**kwargs):
        raise Conflict("工单已被他人处理，请刷新后重试", code="stale")

    monkeypatch.setattr(services, "demand_rate", refuse)
    assert inbound(client, "1").json()["state"] == "refused"
    row = InboundSms.objects.get()
    assert row.demand == d and "他人处理" in row.reason and row.event is None
    d.refresh_from_db()
    assert d.status == Status.REPLIED


def test_admin_shows_receipts_and_messages_with_the_phone_masked(world, run, client, admin_client):
    replied(world, run)
    inbound(client, "随便")
    sms = SmsMessage.objects.filter(purpose="notice:intake").get()
    receipt(client, sms.gateway_ref, "delivered")
    for path in ("deliveryreceipt", "inboundsms", "notice", "optout"):
        page = admin_client.get(f"/admin/notices/{path}/")
        assert page.status_code == 200, path
        assert PHONE not in page.content.decode()
    row = InboundSms.objects.get()
    detail = admin_client.get(f"/admin/notices/inboundsms/{row.pk}/change/").content.decode()
    assert "139****5678" in detail and PHONE not in detail


def test_admin_notice_list_reads_the_messages_in_one_query(world, run, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    replied(world, run)
    assert Notice.objects.count() >= 3
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get("/admin/notices/notice/")
    assert page.status_code == 200 and "已发送" in page.content.decode()
    # the messages' states come in the list's own query (a subquery), none per row
    assert len([q for q in few.captured_queries if '"core_smsmessage"' in q["sql"]]) == 1


def test_after_a_reopen_the_second_answer_by_sms_is_recorded(world, run, client):
    d = replied(world, run)
    inbound(client, "3")
    d.refresh_from_db()
    with run():
        d = demand_services.demand_reopen(demand=d, actor=world["operator"], reason="群众不满意")
        demand_services.demand_reply(
            demand=d,
            actor=world["handler"],
            text="已安排维保单位再次维修，电梯恢复运行。",
            outcome="resolved",
        )
    inbound(client, "1已解决")
    d.refresh_from_db()
    assert d.satisfaction == Satisfaction.SATISFIED and d.status == Status.CLOSED
