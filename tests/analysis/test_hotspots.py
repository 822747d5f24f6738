"""Hot issues: the job stores ranked issues with evidence; the page shows them masked, with a map;
the evaluation module reads them per area."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from lianxin.analysis import services
from lianxin.analysis.models import HotIssue, HotIssueRun, RunState
from lianxin.analysis.selectors import hot_issues_for_area
from lianxin.demands import services as demand_services
from lianxin.org.models import Area, AreaLevel
from tests.factories import UserFactory

NOISE = [
    ("魅力之城小区楼下烧烤店噪音扰民", "魅力之城小区楼下烧烤店每天营业到凌晨两点，噪音太大，电话13912345678"),
    ("魅力之城小区烧烤店油烟噪音", "魅力之城小区一楼烧烤店油烟和噪音严重影响居民休息"),
    ("投诉魅力之城小区烧烤店夜间噪音", "魅力之城小区楼下烧烤夜宵店噪音扰民，晚上无法睡觉"),
]


def _noise_demands(world, area):
    out = []
    for i, (title, content) in enumerate(NOISE):
        demand, _ = demand_services.demand_submit(
            actor=None,
            title=title,
            content=content,
            area=area,
            contact_phone=f"1390000000{i}",
            now=timezone.now() - timedelta(days=3 - i),
        )
        out.append(demand)
    demand_services.demand_submit(
        actor=None, title="西湖路路灯不亮", content="西湖路路灯坏了", area=world.other_street
    )
    return out


def test_job_stores_ranked_issues_with_their_evidence(world):
    community = Area.objects.create(
        code=f"{world.street.code}001",
        name="魅力社区",
        level=AreaLevel.COMMUNITY,
        parent=world.street,
        lat=28.2,
        lng=112.9,
    )
    evidence = _noise_demands(world, community)
    run = services.hotspots_refresh()
    assert run.state == RunState.DONE and run.n_messages == 4
    issue = HotIssue.objects.get(run=run, rank=1)
    assert set(issue.demands.values_list("pk", flat=True)) == {d.pk for d in evidence}
    assert issue.n_messages == 3 and issue.n_users == 3 and issue.heat > 0
    assert "魅力之城" in issue.place_or_group
    assert issue.area_id == community.pk
    assert abs(issue.lat - 28.2) < 1e-9 and abs(issue.lng - 112.9) < 1e-9
    assert issue.start and issue.end and issue.start <= issue.end


def test_praise_is_not_mined_as_a_problem(world):
    for i in range(3):
        demand_services.demand_submit(
            actor=None,
            type="praise",
            title="表扬魅力之城小区物业",
            content="魅力之城小区物业服务热情周到，及时维修电梯，特此表扬",
            area=world.street,
            contact_phone=f"1390000001{i}",
        )
    run = services.hotspots_refresh()
    assert run.state == RunState.DONE and run.n_messages == 0
    assert not HotIssue.objects.filter(run=run).exists()


def test_a_failing_run_is_recorded_and_the_last_good_run_stays(world, monkeypatch):
    _noise_demands(world, world.street)
    good = services.hotspots_refresh()

    def boom(*args, **kwargs):
        raise RuntimeError("mining failed")

    monkeypatch.setattr("lianxin.analysis.hotspots.hotspots_find", boom)
    bad = services.hotspots_refresh()
    assert bad.state == RunState.FAILED and "mining failed" in bad.message
    from lianxin.analysis.selectors import hotspot_run_latest

    assert hotspot_run_latest() == good


def test_page_lists_issues_with_masked_evidence_and_a_map(world, client, settings):
    settings.LIANXIN_MAP_TILES = ""
    _noise_demands(world, world.street)
    services.hotspots_refresh()
    client.force_login(world["supervisor"])
    with_map = client.get(reverse("analysis:hotspots"))
    body = with_map.content.decode()
    assert with_map.status_code == 200
    assert "hot-issues" in body and "烧烤" in body and "vendor/leaflet/leaflet.js" in body
    assert 'data-tiles=""' in body and "hot-map-data" in body
    assert "13912345678" not in body
    assert 'id="btn-refresh"' in body


def test_refresh_button_runs_the_job_for_operators_only(world, client, django_capture_on_commit_callbacks):
    _noise_demands(world, world.street)
    client.force_login(world["cadre"])
    assert client.post(reverse("analysis:hotspots_refresh")).status_code == 403
    client.force_login(world["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis:hotspots_refresh"))
    assert response.status_code == 302
    run = HotIssueRun.objects.get()
    assert run.state == RunState.DONE and run.started_by == world["operator"]


def test_cadre_sees_the_issues_of_their_area_only(world, client):
    _noise_demands(world, world.street)
    services.hotspots_refresh()
    client.force_login(world["far_cadre"])
    assert "烧烤" not in client.get(reverse("analysis:hotspots")).content.decode()
    client.force_login(world["cadre"])
    assert "烧烤" in client.get(reverse("analysis:hotspots")).content.decode()
    citizen = UserFactory(roles="citizen")
    client.force_login(citizen)
    assert client.get(reverse("analysis:hotspots")).status_code == 403


def test_a_cadre_opens_only_the_evidence_inside_their_area_and_sees_a_count_of_the_rest(world, client):
    inside = _noise_demands(world, world.street)
    outside, _ = demand_services.demand_submit(
        actor=None,
        title="魅力之城小区烧烤店噪音扰民",
        content="魅力之城小区楼下烧烤店噪音扰民，凌晨还在营业",
        area=world.other_street,
        contact_phone="13900000099",
    )
    services.hotspots_refresh()
    issue = HotIssue.objects.get(rank=1)
    assert outside in issue.demands.all()
    client.force_login(world["cadre"])
    html = client.get(reverse("analysis:hotspots")).content.decode()
    assert all(d.ticket_no in html for d in inside) and "另有 1 条在您的职责范围外" in html
    assert outside.ticket_no not in html
    # One of four messages from the other street does not make the issue that street's cadre's.
    client.force_login(world["far_cadre"])
    html = client.get(reverse("analysis:hotspots")).content.decode()
    assert outside.ticket_no not in html and "烧烤" not in html
    client.force_login(world["operator"])
    html = client.get(reverse("analysis:hotspots")).content.decode()
    assert all(d.ticket_no in html for d in [*inside, outside]) and "职责范围外" not in html


def test_an_issue_split_half_and_half_is_both_areas_and_the_report_lists_it_once(world):
    _noise_demands(world, world.street)
    for i in range(3):
        demand_services.demand_submit(
            actor=None,
            title=f"魅力之城小区烧烤店噪音扰民{i}",
            content="魅力之城小区楼下烧烤店噪音扰民，凌晨还在营业，油烟很大",
            area=world.other_street,
            contact_phone=f"1390000009{i}",
        )
    services.hotspots_refresh()
    now = timezone.now()
    window = {"start": now - timedelta(days=30), "end": now + timedelta(days=1)}
    here = hot_issues_for_area(area=world.street, **window)
    there = hot_issues_for_area(area=world.other_street, **window)
    assert [i.summary for i in here] == [i.summary for i in there] and len(here) == 1


def test_hot_issues_for_area_feeds_the_evaluation_module(world):
    _noise_demands(world, world.street)
    services.hotspots_refresh()
    now = timezone.now()
    items = hot_issues_for_area(
        area=world.street, start=now - timedelta(days=30), end=now + timedelta(days=1)
    )
    assert len(items) == 1 and "烧烤" in items[0].summary and items[0].heat > 0
    assert hot_issues_for_area(area=world.other_street, start=now - timedelta(days=30), end=now) == []
    assert (
        len(hot_issues_for_area(area=None, start=now - timedelta(days=30), end=now + timedelta(days=1))) == 1
    )
    long_ago = now - timedelta(days=400)
    assert hot_issues_for_area(area=None, start=long_ago, end=long_ago + timedelta(days=30)) == []
    from lianxin.contact.periods import Period
    from lianxin.evaluation.report.gather import hot_issues_for

    class Cadre:
        pk = 1
        area_scope = world.street

    lines, note = hot_issues_for(Cadre(), Period.of(timezone.localdate()))
    assert note == "" and len(lines) == 1 and "烧烤" in lines[0] and "热度" in lines[0]
