"""The site shell in real Chromium: phone-width layout, login, role navigation."""

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_operator_logs_in_at_phone_width_and_sees_role_navigation(browser, live_server, artifacts):
    UserFactory(username="op", roles="operator", display_name="王受理")
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "op")
    page.fill("#id_password", "lianxin-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    # At phone width the navigation collapses behind the toggler.
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    page.wait_for_selector("#mainnav.show")
    assert page.locator("#current-user").inner_text() == "王受理"
    nav_text = page.locator("#mainnav").inner_text()
    assert "受理工作台" in nav_text or "我要反映" in nav_text
    assert "管理后台" not in nav_text  # admin only
    page.screenshot(path=str(artifacts / "shell-phone.png"), full_page=True)
    page.close()
