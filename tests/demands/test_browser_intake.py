"""Intake by hand in Chromium: a caller's text pasted into the form brings up the "already reported" hint
without htmx errors; the operator's phone intake goes from the workbench to the work order."""

import re

import pytest
from django.core.cache import cache

from lianxin.demands import services
from lianxin.demands.models import Demand
from tests.demands.factories import browser_login, build_world

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("demands-browser")]
PASSWORD = "lianxin-demo"
# Record every htmx error event before htmx loads: a bad hx-trigger is reported as htmx:syntax:error.
HTMX_ERRORS = """
window.__htmxErrors = [];
for (const name of ["htmx:syntax:error", "htmx:error", "htmx:responseError", "htmx:sendError"]) {
  document.addEventListener(name, (e) => window.__htmxErrors.push(name));
}
"""


def _watch(page):
    errors: list[str] = []
    page.add_init_script(HTMX_ERRORS)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.mark.django_db(transaction=True)
def test_pasting_a_demand_with_the_mouse_shows_the_hint_and_no_htmx_error(
    browser, live_server, fresh_similar_index
):
    cache.clear()
    world = build_world()
    accepted, _ = services.demand_submit(
        actor=None, area=world.street, title="东风小区3栋电梯坏了", content="东风小区3栋电梯坏了一个月没人修"
    )
    services.demand_accept(demand=accepted, actor=world["operator"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    errors = _watch(page)
    page.goto(f"{live_server.url}/demands/submit/")
    page.wait_for_selector("#related-box")
    # a paste from the context menu: text inserted, an `input` event, and no key pressed at all
    page.focus("#id_content")
    page.evaluate("document.execCommand('insertText', false, '东风小区3栋电梯坏了很久没人修，老人上楼困难')")
    page.wait_for_selector("#already-box #already-reported", timeout=10_000)
    assert "电梯坏了" in page.inner_text("#already-box")
    assert page.evaluate("window.__htmxErrors") == []
    assert errors == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_operator_takes_a_call_from_the_workbench_to_the_work_order(browser, live_server, artifacts):
    cache.clear()
    world = build_world()
    world["operator"].set_password(PASSWORD)
    world["operator"].save()
    base = live_server.url
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors = _watch(page)
    browser_login(page, base, world["operator"].username)
    page.goto(f"{base}/demands/workbench/")
    page.click("#btn-phone-intake")
    page.wait_for_selector("#submit-heading:has-text('电话受理（新建工单）')")
    page.fill("#id_title", "邻居说要跳楼")
    page.fill("#id_content", "邻居说要跳楼，情况紧急，在东风小区3栋楼顶")
    page.fill("#id_contact_phone", "13912345678")
    page.click("#submit-btn")
    page.wait_for_selector("#demand-panel")
    demand = Demand.objects.get(title="邻居说要跳楼")
    assert page.url.endswith(f"/demands/{demand.pk}/")
    notice = page.inner_text(".alert-success")
    assert demand.ticket_no in notice and demand.query_code in notice and "请告知来电群众" in notice
    assert page.is_visible("#form-accept") and page.is_visible("#intel-intake")
    page.screenshot(path=str(artifacts / "demands-phone-intake-order.png"), full_page=True)
    # the intake check ran after commit: intel proposes 特急, the queue shows it first with a badge
    page.goto(f"{base}/demands/workbench/")
    first = page.locator("#demand-table tbody tr").first
    assert demand.ticket_no in first.inner_text() and "疑似特急" in first.inner_text()
    assert page.evaluate("window.__htmxErrors") == []
    assert [e for e in errors if not re.search(r"favicon", e)] == []
    context.close()
