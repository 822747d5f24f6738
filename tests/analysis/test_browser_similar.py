"""The citizen's "already reported" hint in Chromium: typed text goes by POST with the form's token."""

import pytest

from lianxin.demands import services as demand_services
from tests.demands.factories import build_world

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("analysis-browser")]


@pytest.mark.django_db(transaction=True)
def test_typing_a_long_demand_shows_the_open_ones_like_it(browser, live_server):
    world = build_world()
    demand, _ = demand_services.demand_submit(
        actor=None,
        area=world.street,
        title="东风小区3栋电梯坏了",
        content="东风小区3栋电梯坏了一个月没人修，老人上下楼困难",
    )
    # the public hint shows only demands staff accepted (a 待受理 text is nobody's to read yet)
    demand_services.demand_accept(demand=demand, actor=world["operator"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    posts = []
    page.on("request", lambda r: posts.append(r.method) if "/demands/similar/" in r.url else None)
    page.goto(f"{live_server.url}/demands/submit/")
    page.fill("#id_title", "东风小区3栋电梯坏了")
    # 600 characters: as a GET this would pass the 4,094-byte request line gunicorn takes
    page.fill(
        "#id_content",
        "东风小区3栋电梯坏了很久没人修，老人上楼困难。" + "电梯一直停运，住户反复反映没有结果。" * 33,
    )
    # the hint refreshes a second after the text stops changing
    page.wait_for_selector("#already-box #already-reported", timeout=10_000)
    assert "电梯坏了" in page.inner_text("#already-box")
    assert posts and set(posts) == {"POST"}
    context.close()
