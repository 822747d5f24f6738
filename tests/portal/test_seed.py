"""The seed page as a test: its article goes in through the batch import and comes out with every element."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import SHARED

pytestmark = [pytest.mark.django_db, pytest.mark.shared]
SEED = SHARED / "seed" / "000_c52a5075e293eaf7.txt"
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"


def parse_seed(text: str) -> dict[str, object]:
    """The article of the seed page: title, time, source, category, body paragraphs, author unit, tags."""
    lines = [line.strip() for line in text.splitlines()]
    crumb = next(line for line in lines if line.startswith("• 当前位置:"))
    site, category = [p.strip() for p in crumb.split(":", 1)[1].split(">")][:2]
    meta_index = next(i for i, line in enumerate(lines) if line.startswith("时间:"))
    title = next(line for line in reversed(lines[:meta_index]) if line)
    meta = lines[meta_index]
    time = re.search(r"时间:(\S+ \S+)", meta).group(1)
    source = re.search(r"来源:(\S+)", meta).group(1)
    tags_index = next(i for i, line in enumerate(lines) if line.startswith("推荐访问:"))
    body_lines = [line for line in lines[meta_index + 1 : tags_index] if line]
    author_line = next(line for line in body_lines if line.startswith("(作者单位:"))
    body_lines.remove(author_line)
    return {
        "site": site,
        "title": title,
        "time": time,
        "source": source,
        "category": category,
        "body": "\n".join(body_lines),
        "author_unit": author_line[len("(作者单位:") : -1],
        "tags": lines[tags_index].split(":", 1)[1].split(),
    }


@pytest.fixture
def seed() -> dict[str, object]:
    if not SEED.exists():
        pytest.skip("../shared/seed is absent")
    return parse_seed(SEED.read_text(encoding="utf-8"))


def test_seed_article_round_trips_through_import(seed, tmp_path, capsys):
    assert seed["title"] == "领导干部如何做好群众工作:领导干部个人联系群众工作报告"
    assert seed["time"] == "2019-04-11 03:19:47" and seed["source"] == "雅意学习网"
    assert seed["category"] == "初中学习" and seed["author_unit"] == "山西焦化集团有限公司"
    assert seed["tags"] == ["领导干部", "如何做好", "群众", "工作"]
    from lianxin.portal import services

    services.site_settings_update(name=seed["site"])
    path = tmp_path / "seed.json"
    row = {k: seed[k] for k in ("title", "category", "time", "source", "body", "author_unit")}
    path.write_text(
        json.dumps([{**row, "tags": " ".join(seed["tags"])}], ensure_ascii=False), encoding="utf-8"
    )
    call_command("portal", "import", str(path), "--create-categories", "--json")
    report = json.loads(capsys.readouterr().out)
    url = report[0]["url"]

    reader = Client(REMOTE_ADDR="10.9.0.1")
    page = reader.get(url, HTTP_USER_AGENT=UA)
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        f'当前位置: <a href="/portal/">雅意学习网</a> &gt; <a href="{url.rsplit("/", 1)[0]}/">初中学习</a> &gt; 正文'
        in html
    )
    assert f'id="article-title">{seed["title"]}</h1>' in html
    assert "时间:2019-04-11 03:19:47" in html and "来源:雅意学习网" in html
    assert '本文已影响 <strong class="view-count">1</strong> 人' in html
    assert "雅意学习网手机站" in html and 'id="top-nav"' in html and 'id="footer-nav"' in html
    first_paragraph = str(seed["body"]).splitlines()[0]
    assert f"<p>{first_paragraph}</p>" in html
    assert html.count("<p>") >= len(str(seed["body"]).splitlines())
    assert "(作者单位:山西焦化集团有限公司)" in html
    assert f"<title>{seed['title']} - 雅意学习网" in html
    assert '<meta name="keywords" content="' in html and "领导干部" in html.split('name="keywords"')[1][:80]

    # The phone site works.
    mobile_url = re.search(r'id="mobile-link" href="([^"]+)"', html).group(1)
    mobile = reader.get(mobile_url, HTTP_USER_AGENT=UA)
    assert mobile.status_code == 200 and seed["title"] in mobile.content.decode()

    # Reload by the same reader: no new count; a second reader: one more.
    again = reader.get(url, HTTP_USER_AGENT=UA).content.decode()
    assert '本文已影响 <strong class="view-count">1</strong> 人' in again
    second = Client(REMOTE_ADDR="10.9.0.2").get(url, HTTP_USER_AGENT=UA).content.decode()
    assert '本文已影响 <strong class="view-count">2</strong> 人' in second

    # Every tag links to its tag page, which lists the article.
    for tag in seed["tags"]:
        link = re.search(rf'<a href="([^"]+)" rel="tag">{tag}</a>', html).group(1)
        tag_page = reader.get(link)
        assert tag_page.status_code == 200 and seed["title"] in tag_page.content.decode()

    # Search finds it by a word of its body.
    found = reader.get("/portal/search/", {"q": "马克思主义"}).content.decode()
    assert url in found and "<mark>马克思主义</mark>" in found
    found = reader.get("/portal/search/", {"q": "棚户区改造"}).content.decode()
    assert url in found
