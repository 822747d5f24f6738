"""The cadre's report by hand in Chromium: edit a section's text, save, follow a figure to its records;
then finalise, and a supervisor's 批示 shows on the cadre's page."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.contact.factories import demand_through, make_world
from tests.demands.factories import browser_login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_cadre_edits_follows_a_figure_finalises_and_reads_the_comment(
    browser, live_server, artifacts, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    world = make_world()
    for user in (world.cadre, world.supervisor):
        user.set_password("lianxin-demo")
        user.save()
    for day in (2, 3, 4):
        demand_through(world, date(2026, 3, day))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    browser_login(page, live_server.url, "cadre_t")
    page.goto(f"{live_server.url}/evaluation/reports/cadre_t/2026-03/")
    page.fill("#narrative-contact", "本月我到东风社区走访两次，听取群众对路灯维修的意见。")
    page.click("button[name=save]")
    page.wait_for_load_state()
    assert page.input_value("#narrative-contact").startswith("本月我到东风社区走访两次")
    page.screenshot(path=str(artifacts / "report-draft.png"), full_page=True)
    received = page.locator('tr[data-key="received"] a.figure-link')
    assert received.inner_text() == "3"
    received.click()
    page.wait_for_load_state()
    assert page.inner_text("#record-count") == "3"
    page.go_back()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[name=finalise]")
    page.wait_for_load_state()
    assert "已定稿" in page.inner_text("h1") and page.locator("#report-changes").count() == 1
    page.close()
    sup = browser.new_page()
    browser_login(sup, live_server.url, "sup_t")
    sup.goto(f"{live_server.url}/evaluation/reports/cadre_t/2026-03/")
    sup.fill("#comment", "走访记录翔实，请继续跟进路灯维修。")
    sup.click("#report-comment-form button")
    sup.wait_for_load_state()
    sup.close()
    cadre = browser.new_page()
    browser_login(cadre, live_server.url, "cadre_t")
    cadre.goto(f"{live_server.url}/evaluation/reports/cadre_t/2026-03/")
    assert "走访记录翔实" in cadre.inner_text("#report-comments")
    cadre.screenshot(path=str(artifacts / "report-final.png"), full_page=True)
    assert re.search(r"[0-9a-f]{64}", cadre.inner_text("#report-archive"))
    cadre.close()
