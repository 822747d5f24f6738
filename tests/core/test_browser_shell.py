"""The site shell in real Chromium: phone-width layout, login, role navigation."""

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# The navigation bar of an operator (受理员), in order: the public doors, then the operator's pages.
OPERATOR_NAV = [
    "我要反映",
    "进度查询",
    "受理工作台",
    "热点问题",
    "数据看板",
    "数据导入",
    "统计",
    "答复质量",
    "民生实事",
    "群众参与",
    "参与工作台",
    "矛盾调处",
    "短信回复",
    "宣传",
]
# Pages of other roles that an operator must not be offered.
NOT_FOR_OPERATOR = ["我的诉求", "本单位工单", "督办", "民情日记", "考核排名", "编辑部", "管理后台"]


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
    links = [text.strip() for text in page.locator("#mainnav ul.me-auto a.nav-link").all_inner_texts()]
    assert links == OPERATOR_NAV
    assert not set(NOT_FOR_OPERATOR) & set(links)
    assert all(page.locator("#mainnav ul.me-auto a.nav-link").nth(i).is_visible() for i in range(len(links)))
    page.screenshot(path=str(artifacts / "shell-phone.png"), full_page=True)
    page.close()
