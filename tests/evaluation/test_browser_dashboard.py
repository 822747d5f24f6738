"""The dashboard in real Chromium: ECharts draws every chart and Leaflet shows areas and points
without any tile server (government networks are often offline)."""

from datetime import date

import pytest

from lianxin.contact.models import ContactPoint
from lianxin.core.demo import demo_load
from lianxin.org.models import Area, Category
from tests.contact.factories import demand_through, make_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_supervisor_dashboard_draws_charts_and_map_offline(browser, live_server, artifacts, settings):
    settings.LIANXIN_MAP_TILES = ""
    demo_load()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/accounts/login/?next=/evaluation/dashboard/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", "lianxin-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/evaluation/dashboard/")
    for chart in ("chart-day", "chart-category", "chart-trend", "chart-area", "chart-overdue"):
        page.wait_for_selector(f"#{chart} canvas", timeout=15000)
    page.wait_for_selector("#map .leaflet-interactive", timeout=15000)
    assert page.locator("#kpis .card").count() >= 5
    assert page.locator("#map .leaflet-interactive").count() > 10  # areas, demands and contact points
    assert page.locator("#map .leaflet-tile").count() == 0  # no tile layer configured
    page.wait_for_selector("#dashboard[data-ready='1']", timeout=15000)
    assert page.locator("#map-legend").count() == 1 and page.locator("#map .area-label").count() >= 3
    # Every KPI is a link to its records; the pie's slices add up to the total received.
    assert (
        page.locator("#kpis a.card[href^='/evaluation/records/']").count()
        == page.locator("#kpis .card").count()
    )
    total, slices = page.evaluate(
        """() => [Number(document.querySelector('#kpis .card .fs-4').textContent),
                  echarts.getInstanceByDom(document.getElementById('chart-category')).getOption().series[0].data
                    .reduce((sum, x) => sum + x.value, 0)]"""
    )
    assert total == slices > 0
    page.screenshot(path=str(artifacts / "dashboard-desktop.png"), full_page=True)
    assert external == []  # nothing fetched from outside the site
    page.close()


def test_dashboard_shows_names_from_the_database_as_text_not_html(browser, live_server, settings):
    """Area, contact point and category names are typed by admins; the map's tooltips and the charts'
    tooltips must show them as text, never parse them as HTML (one name would run script for every
    cadre who opens the dashboard)."""
    settings.LIANXIN_MAP_TILES = ""
    w = make_world()
    payloads = {
        "area": "<img src=x onerror=\"alert('area')\">",
        "point": "<img src=x onerror=\"alert('point')\">",
        "category": "<img src=x onerror=\"alert('category')\">",
    }
    # The community: a bar of the street cadre's area chart and a circle of the map.
    Area.objects.filter(pk=w.community.pk).update(name=payloads["area"])
    ContactPoint.objects.filter(pk=w.point.pk).update(name=payloads["point"])
    Category.objects.filter(pk=w.category.pk).update(name=payloads["category"])
    demand_through(w, date(2026, 1, 12))

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/accounts/login/?next=/evaluation/dashboard/%3Fperiod%3D2026-01")
    page.fill("#id_username", w.cadre.username)
    page.fill("#id_password", settings.LIANXIN_DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/evaluation/dashboard/?period=2026-01")
    page.wait_for_selector("#map .leaflet-interactive", timeout=15000)
    page.wait_for_selector("#chart-area canvas", timeout=15000)
    page.wait_for_selector("#chart-category canvas", timeout=15000)

    # Open every tooltip on the map: Leaflet builds a tooltip's content when it opens.
    shapes = page.locator("#map path.leaflet-interactive")
    for i in range(shapes.count()):
        shapes.nth(i).dispatch_event("mouseover")
    tooltips = page.inner_text("#map .leaflet-tooltip-pane")
    assert payloads["area"] + "：1" in tooltips
    assert payloads["point"] in tooltips

    # ECharts' own tooltips escape names; a custom formatter returning HTML would not.
    for chart in ("chart-area", "chart-category"):
        page.evaluate(
            "id => echarts.getInstanceByDom(document.getElementById(id))"
            ".dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0})",
            chart,
        )
    page.wait_for_function(
        "names => names.every(([id, name]) => document.getElementById(id).innerText.includes(name))",
        arg=[["chart-area", payloads["area"]], ["chart-category", payloads["category"]]],
        timeout=5000,
    )

    page.wait_for_timeout(300)  # a broken image's onerror fires asynchronously
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []
    page.close()


def test_clicking_a_bar_opens_the_demands_it_counts(browser, live_server, settings):
    """A click on a chart element (here the area chart's bar, then a map circle) opens the records behind
    it; the list has as many rows as the bar is tall."""
    settings.LIANXIN_MAP_TILES = ""
    w = make_world()
    for day in (2, 3, 4):
        demand_through(w, date(2026, 1, day))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/?next=/evaluation/dashboard/%3Fperiod%3D2026-01")
    page.fill("#id_username", w.cadre.username)
    page.fill("#id_password", settings.LIANXIN_DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#dashboard[data-ready='1']", timeout=15000)
    page.wait_for_selector("#chart-area canvas")
    assert page.locator("#map-legend").count() == 1  # the map says what its circles and dots are
    # The middle of the first bar, in the viewport's coordinates.
    page.locator("#chart-area").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # the bars grow for a second
    x, y = page.evaluate(
        """() => {
          const el = document.getElementById('chart-area');
          const c = echarts.getInstanceByDom(el);
          const value = c.getOption().series[0].data[0];
          const [px, py] = c.convertToPixel({seriesIndex: 0}, [0, value / 2]);
          const box = el.getBoundingClientRect();
          return [box.left + px, box.top + py];
        }"""
    )
    page.mouse.click(x, y)
    page.wait_for_url("**/evaluation/records/**", timeout=10000)
    assert "area=" in page.url and "measure=received" in page.url
    assert page.inner_text("#record-count") == "3"
    assert page.locator("#records a[href^='/demands/']").count() == 3  # each row opens its demand
    page.go_back()
    page.wait_for_selector("#dashboard[data-ready='1']", timeout=15000)
    page.locator("#map .area-count").first.click()  # the count in the community's circle
    page.wait_for_url("**/evaluation/records/**", timeout=10000)
    assert page.inner_text("#record-count") == "3"
    page.close()
