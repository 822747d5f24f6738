"""On a phone (360 px wide) no page of the loop scrolls sideways: the citizen's tracking page of an answered
demand, the form, and the staff detail page a handler opens on their phone — with long unbroken text
(a URL, a long number) in the reply and the content."""

import pytest
from django.core.cache import cache

from lianxin.demands import services
from lianxin.demands.choices import Action, Outcome, Status
from tests.demands.factories import browser_login, build_world, make_demand

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demands-browser")]
PASSWORD = "lianxin-demo"
WIDTH = 360
LONG = "https://www.example.gov.cn/zwgk/tzgg/2026/12/03/abcdefghijklmnopqrstuvwxyz0123456789.html"
# The elements wider than the page, to name what overflows when the assertion fails.
WIDEST = """(w) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 1 || e.scrollWidth > w + 1)
  .slice(-5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + '/' + e.scrollWidth)"""


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH + 1, (page.url, width, page.evaluate(WIDEST, WIDTH))


@pytest.mark.django_db(transaction=True)
def test_no_sideways_scrolling_at_360_px(browser, live_server):
    cache.clear()
    world = build_world()
    world["handler"].set_password(PASSWORD)
    world["handler"].save()
    demand = make_demand(
        world,
        Status.IN_PROGRESS,
        content=f"我住在东风小区3栋，电梯坏了一个月没人修。参考 {LONG} 编号 123456789012345678901234567890",
    )
    demand = services.demand_transition(
        demand=demand,
        actor=world["handler"],
        action=Action.REPLY,
        text=f"已安排维保单位维修，电梯已恢复运行，更换了曳引机钢丝绳。详见 {LONG}",
        outcome=Outcome.RESOLVED,
    )
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/demands/submit/")
        _fits(page)
        page.goto(f"{live_server.url}/demands/track/?ticket_no={demand.ticket_no}&code={demand.query_code}")
        page.wait_for_selector("#track-status")
        _fits(page)
        browser_login(page, live_server.url, world["handler"].username)
        page.goto(f"{live_server.url}/demands/{demand.pk}/")
        page.wait_for_selector("#demand-status")
        _fits(page)
        page.goto(f"{live_server.url}/demands/unit/")
        _fits(page)
    finally:
        context.close()
