"""The transition table is the only registry of actions: every row names a service that exists and takes
exactly the row's arguments, and what the API, the one door and the citizen's timeline do is read from it."""

import inspect

import pytest

from lianxin.core.errors import ValidationFailed
from lianxin.demands import extensions, intel_port, services
from lianxin.demands.choices import Action, Status
from lianxin.demands.models import DemandEvent
from lianxin.demands.serializers import TransitionSerializer, track_payload
from lianxin.demands.transitions import API_ACTIONS, PUBLIC_ACTIONS, TABLE, missing_arguments
from tests.demands.factories import make_demand, path_to

# Parameters every service takes beside its row's arguments: the demand, who acts, the clock, and the
# sweep's flag (urge).
CONTEXT = {"demand", "actor", "now", "system"}


@pytest.mark.parametrize("action", [a for a in TABLE if a != Action.SUBMIT])
def test_each_row_names_a_service_taking_exactly_its_arguments(action):
    t = TABLE[action]
    service = t.run()
    params = inspect.signature(service).parameters
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values()), "services are keyword-only"
    assert set(params) - CONTEXT == set(t.args)
    assert set(t.required) <= set(t.args)
    assert service.__module__.startswith("lianxin.demands.services.")


def test_every_action_code_but_the_recorded_only_ones_has_a_row():
    # attach and warn are events the services and the sweep record, never actions a person chooses
    assert set(Action.values) - set(TABLE) == {Action.ATTACH, Action.WARN}


def test_api_required_fields_are_the_rows_required_arguments():
    for action in API_ACTIONS:
        serializer = TransitionSerializer(data={"action": action})
        valid = serializer.is_valid()
        assert valid == (not TABLE[action].required), action
        if not valid:
            assert set(serializer.errors) == set(TABLE[action].required)
    assert missing_arguments(Action.REPLY, {"text": "好", "outcome": ""}) == ["outcome"]


@pytest.mark.django_db
def test_the_one_door_refuses_a_missing_required_argument_by_name(world):
    d = make_demand(world, Status.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as err:
        services.demand_transition(demand=d, actor=world["handler"], action=Action.REPLY, text="已修复")
    assert "outcome" in err.value.fields


@pytest.mark.django_db
def test_the_one_door_refuses_submit_and_unknown_actions(world):
    d = make_demand(world)
    for action in (Action.SUBMIT, "explode"):
        with pytest.raises(ValidationFailed) as err:
            services.demand_transition(demand=d, actor=world["operator"], action=action)
        assert "action" in err.value.fields


@pytest.mark.django_db
def test_a_reason_may_be_given_as_the_note(world):
    d = make_demand(world)
    rejected = services.demand_transition(
        demand=d, actor=world["operator"], action=Action.REJECT, note="重复"
    )
    assert rejected.status == Status.REJECTED
    assert DemandEvent.objects.get(demand=d, action=Action.REJECT).note == "重复"


@pytest.mark.django_db
def test_the_citizens_timeline_shows_the_public_rows_only(world):
    d = make_demand(world, Status.CLOSED)
    shown = [step["action"] for step in track_payload(d)["timeline"]]
    assert shown == [a for a in (Action.SUBMIT, *path_to(Status.CLOSED)) if a in PUBLIC_ACTIONS]
    assert not {Action.URGE, Action.SUPERVISE, Action.RETURN, Action.REQUEST_EXTENSION} & PUBLIC_ACTIONS


def test_the_test_helpers_path_is_derived_from_the_table():
    assert path_to(Status.CLOSED) == (Action.ACCEPT, Action.DISPATCH, Action.SIGN, Action.REPLY, Action.RATE)
    assert path_to(Status.RETURNED) == (Action.ACCEPT, Action.DISPATCH, Action.RETURN)
    assert path_to(Status.MERGED) == (Action.MERGE,)


@pytest.mark.django_db
def test_demands_work_without_an_intel_adapter(world, client, monkeypatch):
    """With no port and no panels registered (the analysis app absent), intake, masking and the pages
    still work."""
    monkeypatch.setattr(extensions, "_panels", {})
    registered = intel_port.port()
    intel_port.unregister()
    try:
        assert isinstance(intel_port.port(), intel_port.NoIntel)
        d = make_demand(world, content="请联系我 13912345678，谢谢")
        assert intel_port.mask_pii("电话13912345678") == "电话***********"
        assert services.demand_intel_suggestions(demand=d) == {}
        client.force_login(world["operator"])
        page = client.get(f"/demands/{d.pk}/").content.decode()
        assert 'id="form-accept"' in page and 'id="intel-unavailable"' in page  # says so, manual path stays
        assert 'id="intel-intake"' not in page  # the adapter's panel is simply absent
    finally:
        intel_port.register(registered)


@pytest.mark.django_db
def test_a_failing_adapter_gives_empty_answers_and_never_blocks_intake(world, monkeypatch):
    class Broken(intel_port.NoIntel):
        def suggest_category(self, text):
            raise RuntimeError("model file damaged")

        def demand_changed(self, demand, *, created):
            raise RuntimeError("change log down")

        def mask_pii(self, text, *, official=False):
            raise RuntimeError("masker down")

    registered = intel_port.port()
    intel_port.register(Broken())
    try:
        d = make_demand(world)
        assert d.status == Status.SUBMITTED
        assert intel_port.suggest_category("电梯坏了") == []
        assert intel_port.mask_pii("身份证430102199001011234") == "身份证******************"
    finally:
        intel_port.register(registered)
