from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.models import Notification
from lianxin.demands import services
from lianxin.demands.choices import Closure, Outcome, Satisfaction, Stage, Status, WarningLevel
from lianxin.demands.models import DemandEvent, IdempotencyRecord, RoutingRule
from tests.demands.factories import make_demand


def events(d):
    return list(DemandEvent.objects.filter(demand=d).values_list("action", flat=True))


def test_submit_sets_ticket_code_and_dispatch_deadline(world):
    d, created = services.demand_submit(
        actor=None, title="路灯不亮", content="门口路灯坏了", contact_phone="139 1234 5678"
    )
    assert created and d.status == Status.SUBMITTED
    assert d.ticket_no.startswith(timezone.localtime(d.created_at).strftime("%Y%m%d"))
    assert len(d.query_code) == 8
    assert d.stage == Stage.DISPATCH and d.due_at == d.created_at + timedelta(hours=2)
    assert d.contact_phone_hash and d.requester is None
    assert events(d) == ["submit"]


def test_submit_critical_has_short_deadline_and_alerts(world):
    d, _ = services.demand_submit(
        actor=world["operator"], title="燃气泄漏", content="楼道闻到燃气味", urgency="critical"
    )
    assert d.due_at == d.created_at + timedelta(minutes=30)
    assert any("特急" in n.title for n in Notification.objects.filter(recipient=world["supervisor"]))


@pytest.mark.parametrize("who", ["citizen", None])
def test_only_an_operator_sets_urgency(world, who):
    # it moves deadlines and alerts everyone on duty; the text's danger signals are proposed by intel
    with pytest.raises(ValidationFailed) as exc:
        services.demand_submit(
            actor=world[who] if who else None, title="燃气泄漏", content="楼道闻到燃气味", urgency="critical"
        )
    assert set(exc.value.fields) == {"urgency"}
    d, _ = services.demand_submit(
        actor=world[who] if who else None, title="燃气泄漏", content="楼道闻到燃气味"
    )
    assert d.urgency == "normal"


def test_submit_names_invalid_fields(world):
    with pytest.raises(ValidationFailed) as exc:
        services.demand_submit(actor=None, title="", content="", type="nonsense", contact_phone="12")
    assert set(exc.value.fields) == {"title", "content", "type", "contact_phone"}


def test_submit_refused_for_handler_role(world):
    with pytest.raises(PermissionDenied):
        services.demand_submit(actor=world["handler"], title="a", content="b")


def test_idempotent_submit_returns_first_demand(world):
    a, created_a = services.demand_submit(actor=None, title="t", content="c", idempotency_key="k1")
    b, created_b = services.demand_submit(actor=None, title="t", content="c", idempotency_key="k1")
    assert created_a and not created_b and a.pk == b.pk
    assert IdempotencyRecord.objects.count() == 1
    with pytest.raises(Conflict):
        services.demand_submit(actor=None, title="other", content="c", idempotency_key="k1")


def test_accept_classifies(world):
    d = make_demand(world)
    d = services.demand_accept(
        demand=d, actor=world["operator"], type="complaint", urgency="urgent", category=world.category
    )
    assert d.status == Status.ACCEPTED and d.type == "complaint" and d.category == world.category
    assert events(d)[-1] == "accept"


def test_reject_needs_reason(world):
    d = make_demand(world)
    with pytest.raises(ValidationFailed):
        services.demand_reject(demand=d, actor=world["operator"], reason=" ")
    d = services.demand_reject(demand=d, actor=world["operator"], reason="重复")
    assert d.status == Status.REJECTED and d.due_at is None


def test_dispatch_uses_routing_and_fallback(world):
    RoutingRule.objects.create(category=world.category, unit=world.unit, priority=10)
    RoutingRule.objects.create(unit=world.other_unit, is_fallback=True)
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(demand=d, actor=world["operator"])
    assert d.lead_unit == world.unit and d.stage == Stage.SIGN and d.sign_due_at and d.reply_due_at
    other = make_demand(world, Status.ACCEPTED, category=None)
    other = services.demand_dispatch(demand=other, actor=world["operator"])
    assert other.lead_unit == world.other_unit
    assert DemandEvent.objects.filter(demand=other, action="dispatch").get().data["routed_by"] == "fallback"
    assert any("新派单" in n.title for n in Notification.objects.filter(recipient=world["handler"]))


def test_dispatch_refuses_non_receiving_unit(world):
    d = make_demand(world, Status.ACCEPTED)
    with pytest.raises(ValidationFailed):
        services.demand_dispatch(demand=d, actor=world["operator"], unit=world.centre)


def test_dispatch_with_assisting_units(world):
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(
        demand=d, actor=world["operator"], unit=world.unit, assisting_units=[world.other_unit.pk]
    )
    assert list(d.assisting_units.all()) == [world.other_unit]


def test_sign_only_by_lead_unit_handler(world):
    d = (
        make_demand(world, Status.DISPATCHED, assisting=None)
        if False
        else make_demand(world, Status.DISPATCHED)
    )
    with pytest.raises(NotFound):
        services.demand_sign(demand=d, actor=world["other_handler"])
    d = services.demand_sign(demand=d, actor=world["handler"])
    assert d.status == Status.IN_PROGRESS and d.stage == Stage.REPLY and d.due_at == d.reply_due_at


def test_assisting_handler_sees_but_may_not_sign(world):
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(
        demand=d, actor=world["operator"], unit=world.unit, assisting_units=[world.other_unit]
    )
    with pytest.raises(PermissionDenied):
        services.demand_sign(demand=d, actor=world["other_handler"])


def test_return_then_uphold_redispatch(world):
    d = make_demand(world, Status.RETURNED)
    assert d.return_count == 1 and d.stage == Stage.REVIEW
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.other_unit)
    assert d.status == Status.DISPATCHED and d.lead_unit == world.other_unit


def test_return_refused_goes_back_to_in_progress(world):
    d = make_demand(world, Status.RETURNED)
    with pytest.raises(ValidationFailed):
        services.demand_return(demand=d, actor=world["handler"], reason="")
    d = services.demand_refuse_return(demand=d, actor=world["operator"], reason="属于你单位职责")
    assert d.status == Status.IN_PROGRESS and d.lead_unit == world.unit


def test_extension_once_and_before_due(world):
    d = make_demand(world, Status.IN_PROGRESS)
    old_due = d.reply_due_at
    d = services.demand_request_extension(demand=d, actor=world["handler"], days=3, reason="需现场勘查")
    with pytest.raises(Conflict):
        services.demand_request_extension(demand=d, actor=world["handler"], days=3, reason="再延")
    d = services.demand_approve_extension(demand=d, actor=world["supervisor"])
    assert d.reply_due_at > old_due and d.extension_count == 1 and d.due_at == d.reply_due_at
    with pytest.raises(Conflict):
        services.demand_request_extension(demand=d, actor=world["handler"], days=3, reason="再延")


def test_extension_too_late_and_denied(world):
    d = make_demand(world, Status.IN_PROGRESS)
    with pytest.raises(Conflict):
        services.demand_request_extension(
            demand=d, actor=world["handler"], days=2, reason="x", now=d.reply_due_at + timedelta(minutes=1)
        )
    d = services.demand_request_extension(demand=d, actor=world["handler"], days=2, reason="x")
    d = services.demand_deny_extension(demand=d, actor=world["operator"], reason="不同意")
    assert d.extension_pending_until is None and d.extension_count == 0
    with pytest.raises(Conflict):
        services.demand_approve_extension(demand=d, actor=world["operator"])


def test_the_forms_offered_follow_the_extension_and_reopen_conditions(world):
    def offered(d, role, **kw):
        return set(services.demand_allowed_actions(demand=d, actor=world[role], **kw))

    d = make_demand(world, Status.IN_PROGRESS)
    assert "request_extension" in offered(d, "handler")
    assert not {"approve_extension", "deny_extension"} & offered(d, "supervisor")  # nothing to decide
    assert "request_extension" not in offered(d, "handler", now=d.reply_due_at + timedelta(minutes=1))
    d = services.demand_request_extension(demand=d, actor=world["handler"], days=2, reason="x")
    assert {"approve_extension", "deny_extension"} <= offered(d, "supervisor")
    assert "request_extension" not in offered(d, "handler")  # one at a time, once per demand
    d = services.demand_approve_extension(demand=d, actor=world["supervisor"])
    assert "request_extension" not in offered(d, "handler")

    closed = make_demand(world, Status.CLOSED)
    assert "reopen" in offered(closed, "operator")
    late = closed.closed_at + timedelta(days=services.REOPEN_WINDOW_DAYS + 1)
    assert "reopen" not in offered(closed, "operator", now=late)


def test_reply_requires_text_and_outcome(world):
    d = make_demand(world, Status.IN_PROGRESS)
    with pytest.raises(ValidationFailed):
        services.demand_reply(demand=d, actor=world["handler"], text="", outcome="resolved")
    with pytest.raises(ValidationFailed):
        services.demand_reply(demand=d, actor=world["handler"], text="ok", outcome="maybe")
    d = services.demand_reply(
        demand=d, actor=world["handler"], text="已处理", outcome=Outcome.PARTLY_RESOLVED
    )
    assert d.status == Status.REPLIED and d.stage == Stage.FOLLOWUP and d.handling_seconds is not None


def test_late_reply_marks_overdue(world):
    d = make_demand(world, Status.IN_PROGRESS)
    d = services.demand_reply(
        demand=d,
        actor=world["handler"],
        text="已更换路灯并恢复照明（晚了）",
        outcome="resolved",
        now=d.reply_due_at + timedelta(hours=1),
    )
    assert d.was_overdue


def test_rate_closes_resolved_and_not_resolved_distinctly(world):
    a = make_demand(world, Status.REPLIED)
    a = services.demand_rate(
        demand=a, actor=world["operator"], satisfaction=Satisfaction.SATISFIED, resolved=True
    )
    b = make_demand(world, Status.REPLIED)
    b = services.demand_rate(
        demand=b, actor=world["operator"], satisfaction=Satisfaction.DISSATISFIED, resolved=False
    )
    assert a.status == b.status == Status.CLOSED
    assert a.closure == Closure.RESOLVED and b.closure == Closure.NOT_RESOLVED
    assert a.status_display != b.status_display


def test_citizen_rates_own_demand_and_by_code(world):
    d = make_demand(world, Status.REPLIED)
    d = services.demand_rate(demand=d, actor=world["citizen"], satisfaction="satisfied", resolved=True)
    assert d.status == Status.CLOSED
    anon = make_demand(world, Status.REPLIED, by=None)
    with pytest.raises(NotFound):
        services.demand_rate(demand=anon, actor=None, satisfaction="satisfied", resolved=True)
    anon = services.demand_rate(
        demand=anon, actor=None, satisfaction="satisfied", resolved=True, code_verified=True
    )
    assert anon.status == Status.CLOSED


def test_other_citizen_cannot_rate(world):
    d = make_demand(world, Status.REPLIED)
    with pytest.raises(NotFound):
        services.demand_rate(demand=d, actor=world["other_citizen"], satisfaction="satisfied", resolved=True)


def test_close_without_rating_is_not_resolved_by_default(world):
    d = make_demand(world, Status.REPLIED)
    d = services.demand_close(demand=d, actor=world["operator"], note="无人接听")
    assert d.closure == Closure.NOT_RESOLVED and d.rated_at is None


def test_reopen_within_window_only(world):
    d = make_demand(world, Status.CLOSED)
    with pytest.raises(Conflict):
        services.demand_reopen(
            demand=d, actor=world["operator"], reason="x", now=d.closed_at + timedelta(days=31)
        )
    d = services.demand_reopen(demand=d, actor=world["operator"], reason="不满意")
    assert d.status == Status.IN_PROGRESS and d.reopen_count == 1 and d.closure == ""
    assert d.satisfaction  # the earlier rating stays until re-rated


def test_merge_into_open_parent(world):
    parent = make_demand(world)
    child = make_demand(world)
    with pytest.raises(ValidationFailed):
        services.demand_merge(demand=child, actor=world["operator"], parent=child)
    child = services.demand_merge(demand=child, actor=world["operator"], parent=parent)
    assert child.status == Status.MERGED and child.merged_into == parent and child.due_at is None
    assert DemandEvent.objects.filter(demand=parent, action="merge").exists()
    closed = make_demand(world, Status.CLOSED)
    with pytest.raises(Conflict):
        services.demand_merge(demand=make_demand(world), actor=world["operator"], parent=closed)


def test_supervise_and_urge_keep_state(world):
    d = make_demand(world, Status.IN_PROGRESS)
    d = services.demand_supervise(demand=d, actor=world["supervisor"], note="加快")
    d = services.demand_urge(demand=d, actor=world["supervisor"])
    assert d.status == Status.IN_PROGRESS and d.supervised and d.urge_count == 1
    assert Notification.objects.filter(recipient=world["handler"], kind="supervise").exists()


def test_urge_notification_is_shown_in_the_readers_language(world, client):
    d = make_demand(world, Status.IN_PROGRESS)
    services.demand_urge(demand=d, actor=world["supervisor"], note="请尽快")
    note = Notification.objects.get(recipient=world["handler"], kind="urge")
    assert note.title == f"催办 {d.ticket_no}：{d.title}"  # senders, admin and search keep the Chinese text
    client.force_login(world["handler"])
    page = client.get(reverse("accounts:inbox")).content.decode()
    assert f"催办 {d.ticket_no}：{d.title}" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("accounts:inbox")).content.decode()
    assert f"Urge {d.ticket_no}: {d.title}" in page and f"催办 {d.ticket_no}" not in page
    assert "请尽快" in page  # the body is the supervisor's own words, shown as written


def test_cadre_supervises_only_in_area(world):
    d = make_demand(world, Status.IN_PROGRESS)
    services.demand_supervise(demand=d, actor=world["cadre"])
    d.refresh_from_db()
    with pytest.raises(NotFound):
        services.demand_supervise(demand=d, actor=world["far_cadre"])


def test_invalid_transition_is_conflict_with_reason(world):
    d = make_demand(world)
    with pytest.raises(Conflict) as exc:
        services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit)
    assert "待受理" in exc.value.message and exc.value.code == "invalid_transition"


def test_stale_copy_is_conflict(world):
    d = make_demand(world)
    stale = type(d).objects.get(pk=d.pk)
    services.demand_accept(demand=d, actor=world["operator"])
    stale.status = Status.SUBMITTED
    with pytest.raises(Conflict):
        services.demand_reject(demand=stale, actor=world["operator"], reason="x")


def test_transition_door_unknown_action(world):
    d = make_demand(world)
    with pytest.raises(ValidationFailed):
        services.demand_transition(demand=d, actor=world["operator"], action="fly")


def test_warning_resets_on_new_stage(world):
    d = make_demand(world, Status.ACCEPTED)
    type(d).objects.filter(pk=d.pk).update(warning_level=WarningLevel.RED)
    d.refresh_from_db()
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit)
    assert d.warning_level == WarningLevel.NONE
