"""紧急转办: the operator hands a demand to an emergency line (admin-managed targets, the four standard
ones seeded), recording to whom and the reference number; the demand leaves the normal deadlines (no
card from the sweep, never overdue in the measures), a follow-up confirms the outcome, the timeline
shows it and the transfer measure counts it. A transfer without a target is refused, nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from lianxin.demands import services
from lianxin.demands.audit import measures_audit
from lianxin.demands.choices import Action, Stage, Status, TransferKind, WarningLevel
from lianxin.demands.measures import measures_compute
from lianxin.demands.models import Demand, DemandEvent, TransferTarget
from lianxin.demands.serializers import track_payload
from lianxin.demands.services.transfer import transfer_targets_ensure
from lianxin.demands.sweep import deadline_sweep
from lianxin.demands.transitions import PUBLIC_ACTIONS, TABLE
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lines():
    # A transactional test run before this one on the worker flushed the migration's rows.
    transfer_targets_ensure()


def _fire() -> TransferTarget:
    return TransferTarget.objects.get(kind=TransferKind.FIRE)


def _api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_the_four_standard_lines_are_seeded():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("lianxin.demands.migrations.0013_private_transfer_review")
    TransferTarget.objects.all().delete()
    migration.seed_transfer_targets(apps, None)
    migration.seed_transfer_targets(apps, None)  # idempotent
    assert TransferTarget.objects.count() == 4
    kinds = set(TransferTarget.objects.filter(is_active=True).values_list("kind", flat=True))
    assert {"110", "119", "120", "122"} <= kinds
    assert TransferTarget.objects.get(kind="120").phone == "120"


def test_an_operator_transfers_with_a_reference_and_the_demand_leaves_the_deadlines(world):
    d = make_demand(world, Status.ACCEPTED)
    r = _api(world["operator"]).post(
        f"/api/v1/demands/{d.pk}/transitions/",
        {"action": "transfer", "target": _fire().pk, "reference": "HZ119-0042", "note": "楼道起火"},
        format="json",
    )
    assert r.status_code == 200, r.content
    d.refresh_from_db()
    assert d.status == Status.TRANSFERRED and d.transferred_at is not None
    assert d.due_at is None and d.stage == Stage.NONE and d.warn_at is None
    event = DemandEvent.objects.get(demand=d, action=Action.TRANSFER)
    assert event.data["target_name"] == "消防救援" and event.data["reference"] == "HZ119-0042"
    assert event.data["phone"] == "119" and event.note == "楼道起火"
    # on the citizen's timeline and the staff's
    assert Action.TRANSFER in PUBLIC_ACTIONS
    assert [s["action"] for s in track_payload(d)["timeline"]][-1] == Action.TRANSFER
    c = APIClient()
    c.force_login(world["operator"])
    page = c.get(f"/demands/{d.pk}/").content.decode()
    assert "消防救援" in page and "HZ119-0042" in page and 'id="form-confirm_transfer"' in page


def test_a_transfer_without_a_target_is_refused_and_nothing_is_written(world):
    d = make_demand(world)
    before = (d.version, DemandEvent.objects.filter(demand=d).count())
    c = _api(world["operator"])
    r = c.post(f"/api/v1/demands/{d.pk}/transitions/", {"action": "transfer"}, format="json")
    assert r.status_code == 400 and "target" in r.content.decode()
    r = c.post(
        f"/api/v1/demands/{d.pk}/transitions/", {"action": "transfer", "target": 999999}, format="json"
    )
    assert r.status_code == 400 and "target" in r.content.decode()
    stopped = _fire()
    stopped.is_active = False
    stopped.save()
    r = c.post(
        f"/api/v1/demands/{d.pk}/transitions/", {"action": "transfer", "target": stopped.pk}, format="json"
    )
    assert r.status_code == 400
    with pytest.raises(ValidationFailed) as err:
        services.demand_transfer(demand=d, actor=world["operator"], target=None)
    assert "target" in err.value.fields
    d.refresh_from_db()
    assert d.status == Status.SUBMITTED and d.due_at is not None
    assert (d.version, DemandEvent.objects.filter(demand=d).count()) == before


def test_only_an_operator_transfers_and_only_before_dispatch(world):
    d = make_demand(world, Status.ACCEPTED)
    with pytest.raises(PermissionDenied):
        services.demand_transfer(demand=d, actor=world["supervisor"], target=_fire().pk)
    busy = make_demand(world, Status.IN_PROGRESS)
    with pytest.raises(Conflict):
        services.demand_transfer(demand=busy, actor=world["operator"], target=_fire().pk)
    assert TABLE[Action.TRANSFER].required == ("target",)


def test_the_sweep_never_cards_a_transferred_demand_and_the_measures_never_count_it_overdue(world):
    transferred = services.demand_transfer(demand=make_demand(world), actor=world["operator"], target=_fire())
    waiting = make_demand(world)  # the same age, left waiting for dispatch
    later = timezone.now() + timedelta(days=30)
    result = deadline_sweep(now=later)
    assert result.red == 1
    transferred.refresh_from_db()
    waiting.refresh_from_db()
    assert transferred.warning_level == WarningLevel.NONE and not transferred.was_overdue
    assert waiting.warning_level == WarningLevel.RED
    assert not DemandEvent.objects.filter(demand=transferred, action=Action.URGE).exists()
    today = timezone.localdate()
    m = measures_compute(start=today, end=today + timedelta(days=1), now=later)
    assert m["overdue"].demand_ids() == [waiting.pk]
    assert m["transfer_count"].value == 1 and m["transfer_count"].denominator == 2
    assert m["transfer_count"].demand_ids() == [transferred.pk]
    assert str(m["transfer_count"].label) == "紧急转办"
    audit = measures_audit(start=today, end=today + timedelta(days=1), now=later)
    assert audit.differences == []


def test_a_follow_up_confirms_the_outcome_once(world):
    d = services.demand_transfer(
        demand=make_demand(world), actor=world["operator"], target=_fire(), reference="A1"
    )
    with pytest.raises(PermissionDenied):
        services.demand_confirm_transfer(demand=d, actor=world["supervisor"], resolved=True)
    with pytest.raises(ValidationFailed):
        services.demand_confirm_transfer(demand=d, actor=world["operator"], resolved=None)  # type: ignore[arg-type]
    c = _api(world["operator"])
    r = c.post(f"/api/v1/demands/{d.pk}/transitions/", {"action": "confirm_transfer"}, format="json")
    assert r.status_code == 400 and "resolved" in r.content.decode()
    r = c.post(
        f"/api/v1/demands/{d.pk}/transitions/",
        {"action": "confirm_transfer", "resolved": True, "note": "消防已扑灭"},
        format="json",
    )
    assert r.status_code == 200, r.content
    d = Demand.objects.get(pk=d.pk)
    assert d.status == Status.TRANSFERRED and d.resolved is True and d.closed_at is not None
    assert Action.CONFIRM_TRANSFER not in services.demand_allowed_actions(demand=d, actor=world["operator"])
    r = c.post(
        f"/api/v1/demands/{d.pk}/transitions/",
        {"action": "confirm_transfer", "resolved": False},
        format="json",
    )
    assert r.status_code == 409 and "转办结果已确认" in r.content.decode()
    assert [s["action"] for s in track_payload(d)["timeline"]][-2:] == [
        Action.TRANSFER,
        Action.CONFIRM_TRANSFER,
    ]


def test_the_transferred_queue_lists_those_awaiting_confirmation(world):
    from lianxin.demands.selectors import _queue_q

    d = services.demand_transfer(demand=make_demand(world), actor=world["operator"], target=_fire())
    q = _queue_q("transferred", timezone.now())
    assert list(Demand.objects.filter(q).values_list("pk", flat=True)) == [d.pk]
    services.demand_confirm_transfer(demand=d, actor=world["operator"], resolved=False)
    assert not Demand.objects.filter(q).exists()


def test_the_detail_page_offers_the_transfer_form_with_the_targets(world, client):
    d = make_demand(world)
    client.force_login(world["operator"])
    page = client.get(f"/demands/{d.pk}/").content.decode()
    assert 'id="form-transfer"' in page and "医疗急救" in page
    r = client.post(
        f"/demands/{d.pk}/act/",
        {"action": "transfer", "version": d.version, "target": str(_fire().pk), "reference": "R-7"},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.TRANSFERRED
    assert DemandEvent.objects.get(demand=d, action=Action.TRANSFER).data["reference"] == "R-7"
