"""The whole loop by hand in Chromium: citizen (phone width) → operator → handler → citizen rates → closed."""

import re

import pytest
from django.core.cache import cache

from lianxin.demands.models import Demand
from tests.demands.factories import browser_login, build_world

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demands-browser")]
PASSWORD = "lianxin-demo"


@pytest.mark.django_db(transaction=True)
def test_closed_loop_in_browser(browser, live_server, artifacts):
    cache.clear()
    world = build_world()
    for role in ("operator", "handler"):
        world[role].set_password(PASSWORD)
        world[role].save()
    base = live_server.url

    citizen = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = citizen.new_page()
    page.goto(f"{base}/demands/submit/")
    page.select_option("#id_type", "complaint")
    page.fill("#id_title", "楼道灯坏了")
    page.fill("#id_content", "三单元楼道灯坏了两周，晚上很黑。")
    page.fill("#id_contact_phone", "13912345678")
    page.click("#submit-btn")
    page.wait_for_selector("#ticket-no")
    ticket = page.inner_text("#ticket-no").strip()
    code = page.inner_text("#query-code").strip()
    page.screenshot(path=str(artifacts / "demands-submitted-mobile.png"))
    demand = Demand.objects.get(ticket_no=ticket)

    staff = browser.new_context(locale="zh-CN")
    op = staff.new_page()
    browser_login(op, base, world["operator"].username)
    op.goto(f"{base}/demands/workbench/")
    op.click(f"text={ticket}")
    op.click("#btn-accept")
    op.wait_for_selector("#form-dispatch")
    op.select_option("#form-dispatch select[name=unit]", str(world.unit.pk))
    op.click("#btn-dispatch")
    op.wait_for_selector("#demand-status:has-text('已派单')")
    assert "已派单" in op.inner_text("#demand-status")
    staff.close()

    handler_ctx = browser.new_context(locale="zh-CN")
    h = handler_ctx.new_page()
    browser_login(h, base, world["handler"].username)
    h.goto(f"{base}/demands/unit/")
    h.click(f"text={ticket}")
    h.click("#btn-sign")
    h.wait_for_selector("#form-reply")
    h.fill("#form-reply textarea[name=text]", "已更换楼道灯，恢复照明。")
    h.select_option("#form-reply select[name=outcome]", "resolved")
    h.click("#btn-reply")
    h.wait_for_selector("#demand-status:has-text('已答复')")
    assert "已答复" in h.inner_text("#demand-status")
    handler_ctx.close()

    page.goto(f"{base}/demands/track/?ticket_no={ticket}&code={code}")
    page.check("#sat-satisfied")
    page.check("#resolved-1")
    page.click("#rate-btn")
    page.wait_for_selector("#track-status")
    assert re.search("办结", page.inner_text("#track-status"))
    timeline = page.inner_text("#timeline")
    for label in ("提交", "受理", "派单", "签收", "答复", "回访评价"):
        assert label in timeline
    page.screenshot(path=str(artifacts / "demands-closed-mobile.png"), full_page=True)
    citizen.close()
    demand.refresh_from_db()
    assert demand.status == "closed" and demand.closure == "resolved"
