"""Two handlers act on one demand at the same moment: one wins, the other gets Conflict (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from lianxin.core.errors import Conflict
from lianxin.demands import services
from lianxin.demands.choices import Status
from lianxin.demands.models import Demand, DemandEvent
from tests.demands.factories import UserFactory, build_world, make_demand

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("demands-pg-concurrency")]


@pytest.mark.django_db(transaction=True)
def test_two_threads_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrency test needs PostgreSQL (DATABASE_URL=postgres://…); SQLite serialises writers"
        )
    world = build_world()
    second = UserFactory(roles="handler", unit=world.unit)
    demand = make_demand(world, Status.DISPATCHED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(actor, action):
        from django.db import connection as conn

        try:
            copy = Demand.objects.get(pk=demand.pk)
            barrier.wait()
            if action == "sign":
                services.demand_sign(demand=copy, actor=actor)
            else:
                services.demand_return(demand=copy, actor=actor, reason="不属于本单位")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            conn.close()

    threads = [
        threading.Thread(target=act, args=(world["handler"], "sign")),
        threading.Thread(target=act, args=(second, "return")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    final = Demand.objects.get(pk=demand.pk)
    assert final.status in (Status.IN_PROGRESS, Status.RETURNED)
    assert DemandEvent.objects.filter(demand=final, action__in=["sign", "return"]).count() == 1
