"""Query counts of the main services and the demand page pinned, so an N+1 or a forgotten lookup in a hot
path fails a test. Each service locks one row and writes the demand, its event, its judged steps and its
notifications; the bounds are the counts measured (SQLite), with room for PostgreSQL's id draw. Since
the outbox (issue 21) each action that owes background work writes its outbox row (a savepoint and an
insert), and the interconnect listener reads its cached subscriber and platform lists (two queries on a
cold cache: the first action here); the demand page has the mediation and similar-index panels."""

import pytest

from lianxin.demands import services
from lianxin.demands.choices import Outcome, Satisfaction, Status

pytestmark = pytest.mark.django_db

# reply: + the review-rule lookup (答复审核) and the callers merged into the demand (their SMS, notices app)
BOUNDS = {"submit": 12, "accept": 9, "dispatch": 20, "sign": 13, "reply": 24, "rate": 13, "detail_page": 18}


def test_main_services_make_a_bounded_number_of_queries(world, django_assert_max_num_queries, client):
    with django_assert_max_num_queries(BOUNDS["submit"]):
        d, _ = services.demand_submit(
            actor=world["citizen"], title="路灯坏了", content="东风小区3栋路灯坏了", area=world.street
        )
    steps = [
        ("accept", lambda d: services.demand_accept(demand=d, actor=world["operator"])),
        ("dispatch", lambda d: services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit)),
        ("sign", lambda d: services.demand_sign(demand=d, actor=world["handler"])),
        (
            "reply",
            lambda d: services.demand_reply(
                demand=d, actor=world["handler"], text="已安排维修人员更换路灯。", outcome=Outcome.RESOLVED
            ),
        ),
        (
            "rate",
            lambda d: services.demand_rate(
                demand=d, actor=world["operator"], satisfaction=Satisfaction.SATISFIED, resolved=True
            ),
        ),
    ]
    for name, run in steps:
        with django_assert_max_num_queries(BOUNDS[name], info=name):
            d = run(d)
    assert d.status == Status.CLOSED
    client.force_login(world["operator"])
    with django_assert_max_num_queries(BOUNDS["detail_page"]):
        assert client.get(f"/demands/{d.pk}/").status_code == 200
