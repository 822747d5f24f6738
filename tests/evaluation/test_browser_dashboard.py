"""The dashboard in real Chromium: ECharts draws every chart and Leaflet shows areas and points
without any tile server (government networks are often offline)."""

import pytest

from lianxin.core.demo import demo_load

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
    page.screenshot(path=str(artifacts / "dashboard-desktop.png"), full_page=True)
    assert external == []  # nothing fetched from outside the site
    page.close()
