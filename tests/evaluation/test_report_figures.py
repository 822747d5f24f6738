"""The report's figures survive a superior's reading: they add up, count what their definition says, and
each opens the list of exactly the records it counts."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lianxin.analysis.models import HotIssue, HotIssueRun, RunState
from lianxin.demands import services as ds
from lianxin.evaluation.report.content import SECTION_KEYS
from lianxin.evaluation.selectors import Period
from lianxin.evaluation.services import report_content
from tests.contact.factories import at, demand_through
from tests.factories import AreaFactory, UserFactory
from tests.portal.factories import published_article

pytestmark = pytest.mark.django_db
MARCH = Period.parse("2026-03")


def submitted(w, day: date, *, title: str = "路灯不亮", type: str = "help", area=None, **kw):
    demand, _ = ds.demand_submit(
        actor=w.operator,
        title=title,
        content=title + "，请处理。",
        type=type,
        area=area or w.community,
        category=w.category,
        now=at(day, 9),
        **kw,
    )
    return demand


def accepted(w, day: date, **kw):
    return ds.demand_accept(demand=submitted(w, day, **kw), actor=w.operator, now=at(day, 10))


def dispatched(w, day: date, **kw):
    return ds.demand_dispatch(demand=accepted(w, day, **kw), actor=w.operator, unit=w.unit, now=at(day, 11))


def signed(w, day: date, **kw):
    return ds.demand_sign(demand=dispatched(w, day, **kw), actor=w.handler, now=at(day, 12))


def a_demand_in_every_state(w) -> dict[str, int]:
    """March 2026, the cadre's street: one demand in each state (two closed); the expected split."""
    submitted(w, date(2026, 3, 2))
    accepted(w, date(2026, 3, 3))
    ds.demand_reject(demand=submitted(w, date(2026, 3, 4)), actor=w.operator, reason="不属于受理范围")
    dispatched(w, date(2026, 3, 5))
    signed(w, date(2026, 3, 6))
    ds.demand_return(
        demand=dispatched(w, date(2026, 3, 7)),
        actor=w.handler,
        reason="非本单位职责",
        now=at(date(2026, 3, 7), 14),
    )
    ds.demand_reply(
        demand=signed(w, date(2026, 3, 9)),
        actor=w.handler,
        text="已处理完毕，已告知群众。",
        outcome="resolved",
        now=at(date(2026, 3, 9), 15),
    )
    demand_through(w, date(2026, 3, 10))
    demand_through(w, date(2026, 3, 11), satisfaction="dissatisfied", resolved=False)
    parent = accepted(w, date(2026, 3, 12), title="噪音扰民")
    ds.demand_merge(demand=accepted(w, date(2026, 3, 12), title="噪音扰民"), actor=w.operator, parent=parent)
    # accepted ×2 (one the merge's parent), dispatched, in progress, returned, replied = 在办 6
    return {"closed": 2, "open": 6, "submitted": 1, "rejected": 1, "merged": 1}


def record_count(client, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    return int(re.search(r'<span id="record-count">(\d+)</span>', page.content.decode()).group(1))


def preview_links(client, w, period: str = "2026-03") -> dict[str, tuple[str, str, str | None]]:
    """figure key → (shown text, records url, denominator url) from the report page."""
    page = client.get(reverse("evaluation:report", args=[w.cadre.username, period])).content.decode()
    out = {}
    for row in re.findall(r'<tr class="report-figure" data-key="(\w+)">(.*?)</tr>', page, re.S):
        key, cells = row
        link = re.search(r'<a class="figure-link" href="([^"]+)">([^<]+)</a>', cells)
        den = re.search(r'<a class="small figure-denominator" href="([^"]+)"', cells)
        if link:
            out[key] = (link.group(2), html.unescape(link.group(1)), den and html.unescape(den.group(1)))
        else:
            out[key] = (re.search(r'<td class="figure-value">([^<]+)</td>', cells).group(1), "", None)
    return out


def test_received_splits_into_states_that_add_up(world):
    expected = a_demand_in_every_state(world)
    content = report_content(cadre=world.cadre, period=MARCH)
    states = {s["key"]: s["n"] for s in content.demand_states}
    assert states == expected
    assert sum(states.values()) == content.demands_total == 11
    assert (content.demands_closed, content.demands_open) == (2, 6)
    # every state named as its own line of the text, and the line adds up
    service = content.narratives["service"]
    assert (
        "受理群众诉求 11 件，其中已办结 2 件、在办 6 件、待受理 1 件、不予受理 1 件、已并单 1 件" in service
    )


def test_every_counted_figure_links_to_a_list_of_that_size(client, world):
    a_demand_in_every_state(world)
    client.force_login(world.cadre)
    links = preview_links(client, world)
    content = report_content(cadre=world.cadre, period=MARCH)
    counted = [f for f in content.figures if f.measure]
    assert {f.key for f in counted} <= set(links) and len(counted) >= 20
    for figure in counted:
        text, url, den_url = links[figure.key]
        numbers = [int(n) for n in re.findall(r"\d+", text.split("（")[-1])]
        if "%" in text or "/" in text:  # a rate "66.7%（2/3）" or a coverage "1/2"
            numerator, denominator = numbers[-2], numbers[-1]
            assert record_count(client, url) == numerator, figure.key
            assert record_count(client, den_url) == denominator, figure.key
        else:
            assert record_count(client, url) == int(text), figure.key
    # the states, listed one by one, are the received demands
    states = [links[f"state_{k}"][1] for k in ("closed", "open", "submitted", "rejected", "merged")]
    assert sum(record_count(client, u) for u in states) == record_count(client, links["received"][1]) == 11
    # the definition of every figure is on the page, and in both files (the appendix)
    page = client.get(reverse("evaluation:report", args=["cadre_t", "2026-03"])).content.decode()
    assert all(html.escape(f.definition, quote=False) in page for f in content.figures)
    assert {f.section for f in content.figures} == set(SECTION_KEYS[:5])


def test_overdue_counts_only_open_demands(world):
    demand_through(world, date(2026, 3, 2), sign_hours=40)  # signed late, closed since: not 超期 now
    dispatched(world, date(2026, 3, 3))  # never signed: open and late
    content = report_content(cadre=world.cadre, period=MARCH)
    assert content.overdue == 1
    assert "超期未办结 1 件" in content.narratives["service"]


def test_a_dispute_is_listed_once(world):
    first = accepted(world, date(2026, 3, 2), title="噪音扰民", type="complaint")
    again = accepted(world, date(2026, 3, 3), title="噪音扰民", type="complaint")
    ds.demand_merge(demand=again, actor=world.operator, parent=first)  # the same case reported twice
    accepted(world, date(2026, 3, 4), title="噪音扰民", type="complaint")  # another case, same words
    accepted(world, date(2026, 3, 5), title="燃气泄漏", type="report", urgency="critical")
    content = report_content(cadre=world.cadre, period=MARCH)
    assert (content.disputes_total, content.disputes_critical) == (3, 1)
    assert content.disputes_examples == ["燃气泄漏", "噪音扰民"]
    assert content.narratives["disputes"].count("噪音扰民") == 1


def test_articles_are_found_by_the_authors_unit_not_by_a_name(world):
    colleague = UserFactory(roles="editor", unit=world.unit)
    outsider = UserFactory(roles="editor", unit=world.other_cadre.unit)
    published = timezone.make_aware(datetime(2026, 3, 10, 9))
    ours = published_article(title="本单位的文章", author_unit="宣传部", published_at=published)
    ours.author = colleague
    ours.save(update_fields=["author"])
    theirs = published_article(
        title="名称相同的外单位文章", author_unit="东风街道办事处", published_at=published
    )
    theirs.author = outsider
    theirs.save(update_fields=["author"])
    content = report_content(cadre=world.cadre, period=MARCH)
    assert [a["title"] for a in content.articles] == ["本单位的文章"]


def _issue(run, summary: str, demands, *, heat: float = 5.0, rank: int = 1) -> HotIssue:
    issue = HotIssue.objects.create(
        run=run,
        rank=rank,
        heat=heat,
        summary=summary,
        start=at(date(2026, 3, 1)),
        end=at(date(2026, 3, 20)),
        n_messages=len(demands),
    )
    issue.demands.set(demands)
    return issue


def test_hot_issues_are_the_cadres_area_and_period(world):
    other_district = AreaFactory(level="district", name="别的区")
    elsewhere = AreaFactory(level="street", parent=other_district, name="别的街道")
    run = HotIssueRun.objects.create(
        window_start=at(date(2026, 3, 1)),
        window_end=at(date(2026, 3, 31)),
        state=RunState.DONE,
        finished_at=at(date(2026, 4, 1)),
    )
    _issue(run, "东风街道路灯集中不亮", [submitted(world, date(2026, 3, 2))], heat=3.0)
    _issue(run, "别的区噪音", [submitted(world, date(2026, 3, 2), area=elsewhere)], heat=9.0, rank=2)
    content = report_content(cadre=world.cadre, period=MARCH)
    assert len(content.hot_issues) == 1 and "东风街道路灯集中不亮" in content.hot_issues[0]
    assert "别的区噪音" not in content.issues_text
    # A period outside the issues' time has none of them.
    assert report_content(cadre=world.cadre, period=Period.parse("2026-06")).hot_issues == []
    # A cadre without an area has no area of theirs: not the city's issues, but a note saying so.
    world.cadre.area_scope = None
    world.cadre.save(update_fields=["area_scope"])
    content = report_content(cadre=world.cadre, period=MARCH)
    assert content.hot_issues == [] and content.hot_issues_note == "未设置联系区域，不列热点问题。"
    assert any("未设置联系区域" in n for n in content.notes)


def test_state_filters_are_refused_by_name_when_unknown(client, world):
    client.force_login(world.cadre)
    url = (
        reverse("evaluation:records")
        + f"?subject=cadre&id={world.cadre.pk}&period=2026-03&measure=received&filter=nope"
    )
    response = client.get(url)
    assert response.status_code == 400 and "nope" in response.content.decode()


def test_report_counts_no_future_timeline(world):
    """A period's figures do not move when later work is done on other periods' demands."""
    demand_through(world, date(2026, 3, 2))
    before = report_content(cadre=world.cadre, period=MARCH).figures
    demand_through(world, date(2026, 4, 2) + timedelta(days=1))
    after = report_content(cadre=world.cadre, period=MARCH).figures
    assert [(f.key, f.text) for f in before] == [(f.key, f.text) for f in after]
