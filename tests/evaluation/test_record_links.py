"""Every number on a cadre's card links to the records it counts, including the coverage figures and the
denominators of 退单率 and 重办率; the list behind each link has exactly that many rows."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from lianxin.contact.services import visit_log
from tests.contact.factories import at, demand_through
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def links(html: str) -> dict[tuple[str, str], tuple[str, int]]:
    """(measure, part) → (records URL, the number shown) for every records link of the card."""
    out = {}
    for href, text in re.findall(r'<a [^>]*href="(/evaluation/records/\?[^"]+)"[^>]*>([^<]+)</a>', html):
        href = href.replace("&amp;", "&")
        measure = re.search(r"measure=(\w+)", href).group(1)
        part = m.group(1) if (m := re.search(r"part=(\w+)", href)) else "numerator"
        if text.strip().isdigit():
            out[(measure, part)] = (href, int(text))
    return out


def record_count(client, url: str) -> int:
    html = client.get(url).content.decode()
    return int(re.search(r'<span id="record-count">(\d+)</span>', html).group(1))


@pytest.fixture
def data(world):
    demand_through(world, date(2026, 3, 2))
    demand_through(world, date(2026, 3, 3), satisfaction="dissatisfied", resolved=False)
    visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 6),
        kind="field",
        summary="走访东风社区",
        contact_point=world.point,
        households=world.households[:2],
        now=at(date(2026, 3, 6)),
    )
    visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 9),
        kind="field",
        summary="走访东风社区",
        contact_point=world.point,
        households=world.households[1:2],
        now=at(date(2026, 3, 9)),
    )
    return world


def test_coverage_and_rate_denominators_link_to_lists_of_that_size(client, data):
    client.force_login(data.cadre)
    html = client.get(
        reverse("evaluation:cadre_card", args=[data.cadre.pk]) + "?period=2026-03"
    ).content.decode()
    found = links(html)
    expected = {
        ("point_coverage", "numerator"): 1,  # 东风社区 visited, 东风小学 not
        ("point_coverage", "denominator"): 2,
        ("household_coverage", "numerator"): 2,
        ("household_coverage", "denominator"): 3,
    }
    for key, number in expected.items():
        assert key in found and found[key][1] == number, key
    for code in ("return_rate", "reopen_rate"):
        assert (code, "numerator") in found and (code, "denominator") in found, code
    for (measure, part), (url, number) in found.items():
        assert record_count(client, url) == number, (measure, part)
    page = client.get(found[("point_coverage", "denominator")][0]).content.decode()
    assert "东风社区" in page and "东风小学" in page and "2026-03-09" in page  # the last visit in the month
    numerator = client.get(found[("household_coverage", "numerator")][0]).content.decode()
    assert "王0户" in numerator and "王1户" in numerator and "王2户" not in numerator


def test_an_inactive_point_is_neither_assigned_nor_covered(client, data):
    visit_log(
        cadre=data.cadre,
        date=date(2026, 3, 10),
        kind="field",
        summary="走访东风小学",
        contact_point=data.point2,
        now=at(date(2026, 3, 10)),
    )
    data.point.is_active = False
    data.point.save()
    client.force_login(data.cadre)
    html = client.get(
        reverse("evaluation:cadre_card", args=[data.cadre.pk]) + "?period=2026-03"
    ).content.decode()
    found = links(html)
    assert found[("point_coverage", "numerator")][1] == found[("point_coverage", "denominator")][1] == 1
    assert record_count(client, found[("point_coverage", "numerator")][0]) == 1


def test_coverage_records_follow_the_card_access_rule(client, data):
    url = (
        reverse("evaluation:records")
        + f"?subject=cadre&id={data.cadre.pk}&period=2026-03&measure=point_coverage&part=denominator"
    )
    client.force_login(data.other_cadre)
    assert client.get(url).status_code == 404
    client.force_login(data.supervisor)
    assert record_count(client, url) == 2


def test_the_overdue_drill_down_lists_only_open_overdue_demands_with_their_due_time(client, data):
    from tests.contact.factories import demand_waiting

    late = demand_waiting(data, date(2026, 3, 11))  # never signed: still open, long past its due time
    late_signed = demand_waiting(data, date(2026, 3, 12), sign=True, title="路面塌陷")
    closed_late = demand_through(data, date(2026, 3, 13), sign_hours=40, title="迟签已办结")
    assert closed_late.status == "closed"
    client.force_login(data.cadre)
    html = client.get(
        reverse("evaluation:cadre_card", args=[data.cadre.pk]) + "?period=2026-03"
    ).content.decode()
    url, number = links(html)[("overdue_open", "numerator")]
    assert number == 2
    page = client.get(url).content.decode()
    assert record_count(client, url) == 2
    assert late.ticket_no in page and late_signed.ticket_no in page and closed_late.ticket_no not in page
    for demand in (late, late_signed):
        demand.refresh_from_db()
        due = timezone.localtime(demand.due_at).strftime("%Y-%m-%d %H:%M")
        assert re.search(rf'data-id="{demand.pk}">.*?<td class="due text-danger">{due}</td>', page, re.S)


def test_record_rows_link_to_the_demand_only_for_who_may_open_it(client, data):
    url = reverse("evaluation:records") + f"?subject=cadre&id={data.cadre.pk}&period=2026-03&measure=received"
    client.force_login(data.cadre)  # their area: every demand opens
    page = client.get(url).content.decode()
    ids = re.findall(r'<tr data-id="(\d+)">', page)
    assert len(ids) == 2 and all(f'href="/demands/{pk}/"' in page for pk in ids)
    # A cadre without an area is judged on their unit's demands, which they may not open: plain text.
    unit_cadre = UserFactory(username="cadre_unit", roles="cadre", unit=data.unit)
    client.force_login(unit_cadre)
    page = client.get(url.replace(f"id={data.cadre.pk}", f"id={unit_cadre.pk}")).content.decode()
    ids = re.findall(r'<tr data-id="(\d+)">', page)
    assert len(ids) == 2 and "/demands/" not in page.split('id="records"')[1].split("</table>")[0]


def test_visit_problem_records_link_their_demands(client, data):
    from lianxin.contact.services import ProblemInput

    visit = visit_log(
        cadre=data.cadre,
        date=date(2026, 3, 16),
        kind="field",
        summary="走访",
        households=data.households[:1],
        problems=[ProblemInput(title="屋顶漏水")],
        now=at(date(2026, 3, 16)),
    )
    demand = visit.problems.get().demand
    client.force_login(data.cadre)
    url = reverse("evaluation:records") + f"?subject=cadre&id={data.cadre.pk}&period=2026-03&measure=problems"
    assert f'<a href="/demands/{demand.pk}/">{demand.ticket_no}</a>' in client.get(url).content.decode()
