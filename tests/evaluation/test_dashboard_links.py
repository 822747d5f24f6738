"""Every number on the dashboard links to its records, and the list behind each link has exactly that
many rows: the KPIs, each day's bar, each category slice (其他 included, the slices adding up to the
total), each area's bar and map circle, each unit's 超期未办结 bar, each point of the rate trend."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from lianxin.evaluation import selectors
from tests.contact.factories import demand_through, demand_waiting
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db
URL = reverse("evaluation:dashboard_data") + "?period=2026-03"


def record_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(re.search(r'<span id="record-count">(\d+)</span>', response.content.decode()).group(1))


@pytest.fixture
def data(world):
    """Ten demands in eight top-level categories (one uncategorised), two of them still open and overdue."""
    categories = [world.category] + [CategoryFactory(name=f"类别{i}") for i in range(7)]
    for i in range(8):
        demand = demand_through(world, date(2026, 3, 2) + timedelta(days=i), title=f"诉求{i}")
        demand.category = categories[i]
        demand.save(update_fields=["category"])
    demand_through(world, date(2026, 3, 12), title="未分类诉求").__class__.objects.filter(
        title="未分类诉求"
    ).update(category=None)
    demand_waiting(world, date(2026, 3, 13))
    demand_waiting(world, date(2026, 3, 14), sign=True)
    return world


def elements(payload: dict) -> list[tuple[str, int, str]]:
    """(what, the number shown, its records URL) for every number of the dashboard."""
    out = [("received", payload["received"], payload["received_url"])]
    out.append(("overdue_open", payload["overdue_open"], payload["overdue_open_url"]))
    for code, rate in payload["rates"].items():
        out.append((f"{code} numerator", rate["numerator"], rate["numerator_url"]))
        out.append((f"{code} denominator", rate["denominator"], rate["denominator_url"]))
    for key in ("by_day", "by_category", "by_area", "overdue_by_unit", "hot_issues"):
        out += [
            (f"{key} {x.get('name') or x.get('day') or x.get('unit') or x.get('summary')}", x["n"], x["url"])
            for x in payload[key]
        ]
    out += [(f"map {a['name']}", a["n"], a["url"]) for a in payload["map"]["areas"]]
    return out


@pytest.mark.parametrize("who", ["supervisor", "cadre", "operator"])
def test_every_number_of_the_dashboard_opens_a_list_of_that_many(client, data, who):
    client.force_login(getattr(data, who))
    payload = client.get(URL).json()
    assert payload["received"] == 11 and payload["overdue_open"] == 2
    found = elements(payload)
    assert len(found) > 40
    for what, number, url in found:
        assert url.startswith(reverse("evaluation:records")), what
        assert record_count(client, url) == number, what


def test_trend_points_open_the_rate_of_their_month(client, data):
    client.force_login(data.supervisor)
    payload = client.get(URL).json()
    march = payload["trend"][-1]
    assert march["period"] == "2026-03"
    for code, url in march["urls"].items():
        assert "period=2026-03" in url and f"measure={code}" in url
        assert record_count(client, url) == payload["rates"][code]["numerator"]
    january = payload["trend"][0]
    assert "period=2026-01" in january["urls"]["response_rate"]


def test_the_category_pie_keeps_the_rest_as_other_and_adds_up_to_the_total(client, data):
    client.force_login(data.supervisor)
    payload = client.get(URL).json()
    slices = payload["by_category"]
    assert len(slices) == selectors.PIE_SLICES + 1 and slices[-1]["name"] == "其他"
    assert sum(s["n"] for s in slices) == payload["received"]
    assert slices[0] == {**slices[0], "name": "城乡建设", "n": 3}  # two open demands and one closed
    assert "未分类" in [s["name"] for s in slices] or slices[-1]["n"] >= 1


def test_every_bar_of_the_charts_is_labelled(client, data):
    """ECharts draws the labels; the page asks for them on every bar series (label show)."""
    from django.contrib.staticfiles import finders

    with open(finders.find("evaluation/dashboard.js"), encoding="utf-8") as f:
        script = f.read()
    bars = re.findall(r"type: 'bar'[^\n]*", script)
    assert len(bars) == 3 and all("label: {show: true" in b for b in bars)
    assert "overflow: 'none'" in script  # the pie's labels are whole names


def test_overdue_means_still_open_and_past_due(client, data):
    client.force_login(data.supervisor)
    payload = client.get(URL).json()
    (bar,) = payload["overdue_by_unit"]
    assert (bar["unit"], bar["n"]) == ("东风街道办事处", 2)
    html = client.get(bar["url"]).content.decode()
    assert "井盖缺失" in html and "诉求0" not in html  # closed demands are not 超期未办结
    assert html.count('class="due text-danger"') == 2  # each row shows its (passed) due time


def test_a_cadres_map_and_bars_are_their_own_area(client, data):
    client.force_login(data.cadre)
    payload = client.get(URL).json()
    names = {a["name"] for a in payload["map"]["areas"]}
    assert names == {"东风街道", "东风社区"}  # not the district, not another street
    assert [(b["name"], b["n"]) for b in payload["by_area"]] == [("东风社区", 11)]
    client.force_login(data.other_cadre)
    other = client.get(URL).json()
    assert other["received"] == 0 and all(a["n"] == 0 for a in other["map"]["areas"])


def test_many_demands_are_drawn_as_counts_by_area(client, data, monkeypatch):
    from lianxin.demands.models import Demand

    Demand.objects.update(lat=28.22, lng=112.92)
    client.force_login(data.supervisor)
    few = client.get(URL).json()["map"]
    assert not few["clustered"] and len(few["demands"]) == 11
    assert all(p["url"].startswith("/demands/") for p in few["demands"])
    monkeypatch.setattr(selectors, "MAP_POINTS_MAX", 5)
    many = client.get(URL).json()["map"]
    assert many["clustered"] and many["demands"] == []
    assert {a["name"]: a["n"] for a in many["areas"]}["东风社区"] == 11


def test_a_malformed_narrowing_is_refused_by_name(client, data):
    client.force_login(data.supervisor)
    url = (
        reverse("evaluation:records") + "?subject=city&period=2026-03&measure=received&area=x1&day=2026-02-30"
    )
    response = client.get(url)
    assert response.status_code == 400 and "area" in response.content.decode()
