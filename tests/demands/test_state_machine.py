"""No sequence of actions reaches an invalid state or loses an event (hypothesis over the table)."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from lianxin.core.errors import ApplicationError
from lianxin.demands import services
from lianxin.demands.choices import OPEN_STATUSES, TERMINAL_STATUSES, Closure, Stage, Status
from lianxin.demands.models import Demand, DemandEvent
from lianxin.demands.transitions import TABLE
from tests.demands.factories import build_world, make_demand

ACTORS = ["operator", "handler", "supervisor", "cadre", "citizen", "other_handler"]


@pytest.mark.django_db
def test_transition_table_state_machine():
    world = build_world()

    class DemandMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self.demand = make_demand(world)
            self.parent = make_demand(world)
            self.events = 1

        @rule(
            action=st.sampled_from(sorted(a for a in TABLE if a != "submit")),
            actor=st.sampled_from(ACTORS),
            resolved=st.booleans(),
        )
        def act(self, action, actor, resolved):
            before = Demand.objects.get(pk=self.demand.pk)
            args = {
                "reason": "理由",
                "note": "n",
                "unit": world.unit.pk,
                "days": 2,
                "text": "答复",
                "outcome": "resolved",
                "satisfaction": "satisfied" if resolved else "dissatisfied",
                "resolved": resolved,
                "parent": self.parent.pk,
                "article": None,
            }
            try:
                after = services.demand_transition(demand=before, actor=world[actor], action=action, **args)
            except ApplicationError:
                after = Demand.objects.get(pk=self.demand.pk)
                assert after.status == before.status and after.version == before.version
                return
            t = TABLE[action]
            assert before.status in t.sources
            assert after.status == t.target_for(before.status)
            self.events += 1  # merge writes its second event on the parent, not on this demand
            self.demand = after

        @invariant()
        def consistent(self):
            d = Demand.objects.get(pk=self.demand.pk)
            assert d.status in Status.values
            if d.status in TERMINAL_STATUSES:
                assert d.due_at is None and d.stage == Stage.NONE
            if d.status in OPEN_STATUSES and d.status != Status.ACCEPTED:
                assert d.due_at is not None
            if d.status == Status.CLOSED:
                assert d.closure in Closure.values
                assert d.closure != Closure.RESOLVED or d.resolved in (True, None)
            else:
                assert d.closure == ""
            if (
                d.status in (Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED)
                and not d.answered_at_intake
            ):
                assert d.lead_unit_id is not None  # only a 直接答复 is replied without a unit
            if d.status == Status.MERGED:
                assert d.merged_into_id == self.parent.pk
            assert d.extension_count <= 1
            # every successful action left exactly one event on this demand
            assert DemandEvent.objects.filter(demand=d).count() == self.events

    DemandMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
    )
    DemandMachine.TestCase().runTest()
