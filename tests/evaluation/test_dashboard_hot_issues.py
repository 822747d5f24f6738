"""The hot issues a cadre's dashboard shows are their area's: an issue whose evidence lies mostly in
another district is not theirs because one message came from their street. Issues with the same summary
show once, places run 1, 2, 3 without gaps, and each shows how many of its demands are in the area,
linked to them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from lianxin.analysis.models import HotIssue, HotIssueRun, RunState
from lianxin.org.models import AreaLevel
from tests.contact.factories import at, demand_through
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db
URL = reverse("evaluation:dashboard_data") + "?period=2026-03"


@pytest.fixture
def issues(world):
    ours = [demand_through(world, date(2026, 3, d), title=f"路灯不亮{d}") for d in (2, 3, 4, 5)]
    far_district = AreaFactory(level=AreaLevel.DISTRICT, name="远方区")
    far_street = AreaFactory(level=AreaLevel.STREET, parent=far_district, name="远方街道")
    theirs = []
    for d in (6, 7, 8):
        demand = demand_through(world, date(2026, 3, d), title=f"噪音扰民{d}")
        demand.__class__.objects.filter(pk=demand.pk).update(area=far_street)
        theirs.append(demand)
    run = HotIssueRun.objects.create(
        window_start=at(date(2026, 2, 1)), window_end=at(date(2026, 4, 1)), state=RunState.DONE
    )
    HotIssueRun.objects.filter(pk=run.pk).update(finished_at=at(date(2026, 4, 1)))

    def issue(rank, heat, summary, evidence):
        row = HotIssue.objects.create(run=run, rank=rank, heat=heat, summary=summary)
        row.demands.set(evidence)
        return row

    # Another district's issue with one of our demands among its evidence (1 of 4): not ours.
    issue(1, 30.0, "夜间施工噪音扰民", [*theirs, ours[3]])
    issue(2, 20.0, "路灯不亮", ours[:2])
    issue(3, 18.0, "路灯 不亮！", ours[2:3])  # the same issue again, spelled differently
    issue(4, 9.0, "井盖缺失", ours[3:4])
    return world


def test_a_cadre_sees_their_areas_issues_once_each_numbered_without_gaps(client, issues):
    client.force_login(issues.cadre)
    payload = client.get(URL).json()
    shown = [(h["rank"], h["summary"], h["heat"], h["n"]) for h in payload["hot_issues"]]
    assert shown == [(1, "路灯不亮", 20.0, 3), (2, "井盖缺失", 9.0, 1)]
    for h in payload["hot_issues"]:
        html = client.get(h["url"]).content.decode()
        assert int(re.search(r'<span id="record-count">(\d+)</span>', html).group(1)) == h["n"]
    merged = client.get(payload["hot_issues"][0]["url"]).content.decode()
    assert "路灯不亮2" in merged and "路灯不亮4" in merged and "噪音" not in merged


def test_the_city_sees_every_issue_deduplicated(client, issues):
    client.force_login(issues.supervisor)
    payload = client.get(URL).json()
    shown = [(h["rank"], h["summary"], h["n"]) for h in payload["hot_issues"]]
    assert shown == [(1, "夜间施工噪音扰民", 4), (2, "路灯不亮", 3), (3, "井盖缺失", 1)]


def test_another_streets_cadre_sees_none_of_them(client, issues):
    client.force_login(issues.other_cadre)
    payload = client.get(URL).json()
    assert payload["hot_issues"] == [] and payload["hot_issues_note"] == "本期联系区域内未发现热点问题。"
