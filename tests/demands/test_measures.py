from datetime import timedelta

from django.utils import timezone

from lianxin.demands import services
from lianxin.demands.choices import Status
from lianxin.demands.measures import THREE_RATES, measures_compute
from tests.demands.factories import make_demand


def period():
    today = timezone.localdate()
    return today - timedelta(days=2), today + timedelta(days=2)


def test_rates_and_traceability(world, django_assert_max_num_queries):
    a = make_demand(world, Status.CLOSED)  # satisfied + resolved
    b = make_demand(world, Status.REPLIED)
    b = services.demand_rate(demand=b, actor=world["operator"], satisfaction="dissatisfied", resolved=False)
    c = make_demand(world, Status.REPLIED)
    services.demand_close(demand=c, actor=world["operator"])  # unrated: not in the rated denominators
    make_demand(world, Status.SUBMITTED)
    start, end = period()
    with django_assert_max_num_queries(2):  # demands, judged steps
        m = measures_compute(start=start, end=end)
    assert m["received"].value == 4
    assert (m["satisfaction_rate"].numerator, m["satisfaction_rate"].denominator) == (1, 2)
    assert (m["resolution_rate"].numerator, m["resolution_rate"].denominator) == (1, 2)
    assert m["resolution_rate"].rate == 0.5
    assert set(m["resolution_rate"].demand_ids()) == {a.pk}
    assert set(m["resolution_rate"].demand_ids("denominator")) == {a.pk, b.pk}
    assert m["response_rate"].denominator == 3 and m["response_rate"].numerator == 3
    assert m["ontime_rate"].rate == 1.0
    assert m["closed_resolved"].numerator == 1 and m["closed_not_resolved"].numerator == 2
    assert abs(m["satisfaction_score"].value - 0.5) < 1e-9
    assert all(code in m for code in THREE_RATES)
    assert "measure=resolution_rate" in m["resolution_rate"].list_query()


def test_scope_by_unit_area_category_and_queryset(world):
    make_demand(world, Status.CLOSED)
    make_demand(world, Status.CLOSED, area=world.other_street, category=None)
    start, end = period()
    assert measures_compute(start=start, end=end, area=world.street)["received"].value == 1
    assert measures_compute(start=start, end=end, category=world.category)["received"].value == 1
    assert measures_compute(start=start, end=end, unit=world.unit)["satisfaction_rate"].denominator == 2
    assert measures_compute(start=start, end=end, unit=world.other_unit)["satisfaction_rate"].denominator == 0
    assert measures_compute(start=start, end=end, unit=world.other_unit)["satisfaction_rate"].rate is None
    from lianxin.demands.models import Demand

    one = Demand.objects.filter(area=world.street)
    assert measures_compute(start=start, end=end, demands=one)["received"].value == 1


def test_reopen_and_return_rates(world):
    d = make_demand(world, Status.CLOSED)
    services.demand_reopen(demand=d, actor=world["operator"], reason="不满意")
    make_demand(world, Status.RETURNED)
    start, end = period()
    m = measures_compute(start=start, end=end)
    assert m["reopen_rate"].numerator == 1
    assert m["return_rate"].numerator == 1 and m["return_rate"].denominator == 2


def test_late_sign_lowers_response_rate(world):
    d = make_demand(world, Status.DISPATCHED)
    services.demand_sign(demand=d, actor=world["handler"], now=d.sign_due_at + timedelta(hours=1))
    start, end = period()
    m = measures_compute(start=start, end=end)
    assert m["response_rate"].rate == 0.0
    assert m["overdue"].numerator == 1


def test_labels_follow_the_active_language_and_serialise_as_json(world):
    import json

    from django.utils import translation

    start, end = period()
    with translation.override("zh-hans"):
        assert measures_compute(start=start, end=end)["satisfaction_rate"].label == "群众满意率"
    with translation.override("en"):
        m = measures_compute(start=start, end=end)
    assert m["satisfaction_rate"].label == "Satisfaction rate"
    assert m["avg_handling_hours"].label == "Average handling time (hours)"
    assert json.loads(json.dumps({c: v.label for c, v in m.items()}))["received"] == "Received"
