"""The article page in Chromium at phone and desktop width: breadcrumb, counter, body and tags visible."""

from __future__ import annotations

import pytest

from tests.portal.factories import PortalCategoryFactory, published_article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("portal-browser"),
]


@pytest.mark.parametrize(
    ("name", "width", "height", "mobile"), [("phone", 390, 844, True), ("desktop", 1366, 900, False)]
)
def test_article_page_at_phone_and_desktop_width(
    browser, live_server, artifacts, name, width, height, mobile
):
    section = PortalCategoryFactory(name="理论学习", slug="study")
    article = published_article(
        title="领导干部如何做好群众工作",
        category=section,
        body="\n".join(["领导干部要深入群众、深入基层，搞好调查研究，及时发现群众所思所想所盼。"] * 6),
        source="理论学习",
        author_unit="山西焦化集团有限公司",
        tags="领导干部 如何做好 群众 工作",
    )
    url = live_server.url + (article.get_mobile_url() if mobile else article.get_absolute_url())
    # Headless Chromium announces itself as "HeadlessChrome", which the counter rightly ignores as a bot;
    # present an ordinary browser so the read counts.
    agent = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
    )
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=mobile, user_agent=agent, locale="zh-CN"
    )
    page = context.new_page()
    try:
        page.goto(url)
        for selector in ["#breadcrumb", "#view-counter", "#article-body", "#article-tags"]:
            assert page.locator(selector).is_visible(), selector
        assert "当前位置" in page.locator("#breadcrumb").inner_text()
        assert "本文已影响 1 人" in page.locator("#view-counter").inner_text()
        assert page.locator("#article-tags a").count() == 4
        page.screenshot(path=str(artifacts / f"portal-article-{name}.png"), full_page=True)
        # No sideways scrolling at this width.
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    finally:
        context.close()
