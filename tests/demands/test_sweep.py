from datetime import timedelta

from django.urls import reverse
from django.utils import timezone, translation

from lianxin.core.models import Notification
from lianxin.demands.choices import Status, WarningLevel
from lianxin.demands.models import DemandEvent
from lianxin.demands.sweep import deadline_sweep
from tests.demands.factories import make_demand


def test_yellow_then_red_once_each(world):
    d = make_demand(world, Status.DISPATCHED)
    before_warn = d.warn_at + timedelta(seconds=1)
    r1 = deadline_sweep(now=before_warn)
    d.refresh_from_db()
    assert r1.yellow == 1 and r1.red == 0 and d.warning_level == WarningLevel.YELLOW
    assert deadline_sweep(now=before_warn).yellow == 0  # idempotent
    late = d.due_at + timedelta(minutes=1)
    r2 = deadline_sweep(now=late)
    d.refresh_from_db()
    assert r2.red == 1 and d.warning_level == WarningLevel.RED and d.was_overdue and d.urge_count == 1
    assert deadline_sweep(now=late).red == 0
    assert DemandEvent.objects.filter(demand=d, action="urge").count() == 1
    assert Notification.objects.filter(recipient=world["handler"], kind="urge").count() == 1
    assert Notification.objects.filter(recipient=world["supervisor"], kind="escalation").exists()


def test_sweep_titles_are_translatable(world):
    d = make_demand(world, Status.DISPATCHED)
    deadline_sweep(now=d.warn_at + timedelta(seconds=1))
    note = Notification.objects.get(recipient=world["handler"], kind="warning")
    assert note.title == note.display_title == "黄牌预警：1 件工单即将到期"
    with translation.override("en"):
        assert note.display_title == "Yellow card warning: 1 work order(s) due soon"


def test_unrouted_overdue_goes_to_operators(world):
    d = make_demand(world)
    deadline_sweep(now=d.due_at + timedelta(minutes=1))
    assert Notification.objects.filter(recipient=world["operator"], kind="urge").exists()


def test_terminal_demands_are_never_marked(world):
    d = make_demand(world, Status.CLOSED)
    assert deadline_sweep(now=timezone.now() + timedelta(days=400)).red == 0
    d.refresh_from_db()
    assert d.warning_level == WarningLevel.NONE


def test_new_stage_gets_a_fresh_card(world):
    d = make_demand(world, Status.ACCEPTED)
    deadline_sweep(now=d.due_at + timedelta(minutes=1))
    d.refresh_from_db()
    assert d.warning_level == WarningLevel.RED
    from lianxin.demands import services

    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit)
    assert d.warning_level == WarningLevel.NONE
    assert deadline_sweep(now=d.due_at + timedelta(minutes=1)).red == 1


def test_supervisor_escalation_body_is_shown_in_the_readers_language(world, client):
    dispatched = [make_demand(world, Status.DISPATCHED) for _ in range(2)]
    unrouted = make_demand(world)
    deadline_sweep(now=max(d.due_at for d in [*dispatched, unrouted]) + timedelta(minutes=1))
    note = Notification.objects.get(recipient=world["supervisor"], kind="escalation")
    assert note.body == note.display_body == "住建局：2 件\n未派单：1 件"  # senders keep the Chinese
    with translation.override("en"):
        assert note.display_body == "住建局: 2\nNot dispatched: 1"
    client.force_login(world["supervisor"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:inbox")).content.decode()
    assert "住建局: 2" in page and "Not dispatched: 1" in page and "未派单" not in page


def test_escalation_body_whose_message_no_longer_fits_shows_the_stored_text(world):
    d = make_demand(world, Status.DISPATCHED)
    deadline_sweep(now=d.due_at + timedelta(minutes=1))
    note = Notification.objects.get(recipient=world["supervisor"], kind="escalation")
    note.body_msgs = [["%(unit)s：%(count)s 件", {"count": 1}]]  # written before `unit` was a parameter
    note.save()
    with translation.override("en"):
        assert note.display_body == "住建局：1 件"


def test_the_red_cards_reach_the_event_listeners_on_every_database(world):
    """Webhooks and the upper-platform exchange hear the sweep's red cards like any other event (the
    PostgreSQL sweep writes them in SQL: they are read back and passed on in the same transaction)."""
    from lianxin.demands import extensions

    d = make_demand(world, Status.DISPATCHED)
    heard: list[tuple[int, str]] = []
    extensions.event_listener_register(
        "test", lambda events: heard.extend((e.demand_id, e.action) for e in events)
    )
    try:
        deadline_sweep(now=d.due_at + timedelta(minutes=1))
    finally:
        extensions.event_listener_unregister("test")
    assert heard == [(d.pk, "urge")]
