"""A cadre's home page is their workbench (我的工作台, at evaluation:scorecards): contact points and
households due a visit, the problems raised on their visits and where each stands, their area's demands
that are overdue or supervised, their scorecard (every figure linked), and the reports to finish. Each
count equals the list it links to."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lianxin.contact.services import ProblemInput, visit_log
from lianxin.demands import services as ds
from lianxin.evaluation.models import Report, ReportStatus
from lianxin.evaluation.selectors import default_period
from tests.contact.factories import at, busy_world, demand_through, demand_waiting

pytestmark = pytest.mark.django_db
HOME = reverse("evaluation:scorecards")


@pytest.fixture
def bench(world):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    visit = visit_log(
        cadre=world.cadre,
        date=today,
        kind="field",
        summary="走访东风社区",
        contact_point=world.point,
        households=world.households[:1],
        problems=[ProblemInput(title="楼道灯坏了"), ProblemInput(title="下水道堵塞")],
        now=at(today, 8),
    )
    late = demand_waiting(world, this_month - timedelta(days=20))
    supervised = demand_waiting(world, this_month - timedelta(days=18), title="违建拆除")
    ds.demand_supervise(demand=supervised, actor=world.supervisor)
    demand_through(world, this_month - timedelta(days=25))
    Report.objects.create(cadre=world.cadre, period="2025-12", status=ReportStatus.DRAFT)
    Report.objects.create(cadre=world.cadre, period="2025-11", status=ReportStatus.FINAL)
    return world, visit, late, supervised


def test_a_cadre_is_taken_home_to_their_workbench(client, world):
    client.force_login(world.cadre)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response.url == HOME
    client.force_login(world.supervisor)
    assert client.get(reverse("core:home")).status_code == 200  # others keep the site's home


def test_the_workbench_shows_what_is_the_cadres(client, bench):
    world, visit, late, supervised = bench
    client.force_login(world.cadre)
    html = client.get(HOME).content.decode()
    assert "我的工作台" in html
    # Due a visit: the point not visited this month, the households not met this quarter.
    coverage = html[html.index('id="bench-coverage"') : html.index('id="bench-card"')]
    assert "东风小学" in coverage and "王1户" in coverage and "王0户" not in coverage
    assert "1 个联系点、2 户联系户本周期尚未走访" in coverage
    # Problems raised on visits, each with its demand and where it stands.
    problems = html[html.index('id="bench-problems"') : html.index('id="bench-demands"')]
    for problem in visit.problems.all():
        assert problem.title in problems and f'href="/demands/{problem.demand_id}/"' in problems
    assert problems.count("待受理") == 2
    count_url = re.search(r'href="([^"]+)" id="problem-count">2<', problems).group(1).replace("&amp;", "&")
    assert '<span id="record-count">2</span>' in client.get(count_url).content.decode()
    # The area's overdue and supervised demands, counted as the supervision page counts them.
    demands = html[html.index('id="bench-demands"') : html.index('id="bench-reports"')]
    assert late.ticket_no in demands and supervised.ticket_no in demands
    assert 'id="supervised-count">1<' in demands
    overdue = int(re.search(r'id="overdue-count">(\d+)<', demands).group(1))
    assert overdue >= 2  # the two never signed (and the visit problems, if their dispatch limit has passed)
    for queue, n in (("overdue", overdue), ("supervised", 1)):
        supervision = client.get(reverse("demands:supervision") + f"?queue={queue}").content.decode()
        assert f"共 {n} 件" in supervision, queue
    # The scorecard's figures, each linked to its records.
    card = html[html.index('id="bench-card"') : html.index('id="bench-problems"')]
    period = default_period()
    assert reverse("evaluation:cadre_card", args=[world.cadre.pk]) + f"?period={period}" in card
    for href, number in re.findall(r'href="(/evaluation/records/\?[^"]+)">(\d+)</a>', card):
        href = href.replace("&amp;", "&")
        count = re.search(r'<span id="record-count">(\d+)</span>', client.get(href).content.decode())
        assert int(count.group(1)) == int(number), href
    # Reports to finish: last month's (not begun) and the draft; the final one is done.
    reports = html[html.index('id="bench-reports"') :]
    assert reverse("evaluation:report", args=[world.cadre.username, str(period)]) in reports
    assert "2025-12 报告（草稿）" in reports and "2025-11" not in reports


def test_the_workbench_is_the_cadres_own(client, bench):
    world, *_ = bench
    client.force_login(world.other_cadre)
    html = client.get(HOME).content.decode()
    assert "李其他" in html and "东风小学" not in html and "楼道灯坏了" not in html


@pytest.fixture(autouse=True)
def _without_module_measures(monkeypatch):
    """The bounds are of evaluation's own queries; the duty modules' measures (core.contributions) add
    their own, counted by their apps' tests."""
    from lianxin.core import contributions

    monkeypatch.setattr(contributions, "_measures", {})
    monkeypatch.setattr(contributions, "_sections", {})


def test_workbench_queries_are_bounded(client, world, django_assert_max_num_queries):
    """A fixed number of queries (coverage 5, problems 2, the area's demands 3, the card 14, the rank 15,
    reports 1, the page 3), whatever the rows: more visits, problems and overdue demands add none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    busy_world(world, today - timedelta(days=3), cadres=3, visits=3, demands=4)
    for day in (5, 6, 7):
        demand_waiting(world, today.replace(day=1) - timedelta(days=day))
    client.force_login(world.cadre)
    with CaptureQueriesContext(connection) as first:
        assert client.get(HOME).status_code == 200
    for day in (8, 9, 10, 11):
        demand_waiting(world, today.replace(day=1) - timedelta(days=day))
    visit_log(
        cadre=world.cadre,
        date=today,
        kind="field",
        summary="再次走访",
        contact_point=world.point2,
        problems=[ProblemInput(title=f"问题{i}") for i in range(4)],
        now=at(today, 7),
    )
    with django_assert_max_num_queries(42):
        response = client.get(HOME)
    assert response.status_code == 200 and 7 <= response.content.decode().count('class="overdue-row"') <= 10
    with CaptureQueriesContext(connection) as second:
        client.get(HOME)
    assert len(second) <= len(first) + 2  # the lists' counts, asked only once a list is full
