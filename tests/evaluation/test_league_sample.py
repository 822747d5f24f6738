"""League tables a superior can read: a unit or cadre with a handful of demands at 100.0 is not ranked
above one judged on many (a minimum sample, `LIANXIN_RANK_MIN_SAMPLE`), and every rate carries its 95 %
Wilson interval, so 3 of 3 reads as "100.0%（43.9–100.0）" and not as a perfect record."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from lianxin.contact.periods import Period
from lianxin.evaluation.figures import RateCell
from lianxin.evaluation.report.content import RateRow
from lianxin.evaluation.scoring import rank, wilson_interval
from lianxin.evaluation.selectors import cadre_league, unit_league
from lianxin.org.models import AreaLevel, UnitKind
from tests.contact.factories import demand_through
from tests.factories import AreaFactory, UnitFactory, UserFactory

MARCH = Period(2026, 3)


# --- the interval -------------------------------------------------------------------------------


@given(
    st.integers(min_value=1, max_value=100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
)
def test_wilson_interval_contains_the_rate_and_stays_within_0_and_1(case):
    k, n = case
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert low < high  # never a zero-width "certainty", not even at 0 % or 100 %


@given(st.integers(1, 500), st.integers(0, 500), st.integers(2, 20))
def test_wilson_interval_narrows_as_the_sample_grows(n, k, factor):
    k = min(k, n)
    low, high = wilson_interval(k, n)
    low_more, high_more = wilson_interval(k * factor, n * factor)  # the same rate on more demands
    assert high_more - low_more < high - low


@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n))))
def test_wilson_interval_moves_up_with_each_success(case):
    k, n = case
    assert wilson_interval(k + 1, n) > wilson_interval(k, n)


def test_wilson_interval_known_values_and_no_data():
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(3, 3)
    assert round(low, 3) == 0.439 and high == 1.0
    low, high = wilson_interval(92, 100)
    assert (round(low * 100, 1), round(high * 100, 1)) == (85.0, 95.9)
    with pytest.raises(ValueError):
        wilson_interval(4, 3)


def test_rate_cell_prints_the_rate_with_its_interval():
    assert RateCell(RateRow("response_rate", "及时签收率", 0.92, 92, 100)).text == "92.0%（85.0–95.9）"
    assert RateCell(RateRow("response_rate", "及时签收率", None, 0, 0)).text == "—"


def test_rank_places_only_rows_with_the_minimum_sample():
    class R:
        def __init__(self, name, score, sample):
            self.name, self.score, self.sample = name, score, sample

    rows = rank(
        [R("few", 100.0, 2), R("many", 80.0, 40), R("more", 90.0, 12), R("none", None, 0)], min_sample=10
    )
    assert [(r.name, r.rank) for r in rows] == [("more", 1), ("many", 2), ("few", None), ("none", None)]


# --- league tables ------------------------------------------------------------------------------


@pytest.fixture
def two_units(world):
    """东风 (the world's unit and street): 12 demands, two of them signed late; 北风: 2 perfect demands."""
    for i in range(12):
        demand_through(world, date(2026, 3, 2) + timedelta(days=i), sign_hours=40 if i < 2 else 2)
    street = AreaFactory(level=AreaLevel.STREET, parent=world.district, name="北风街道", lat=28.3, lng=112.8)
    community = AreaFactory(level=AreaLevel.COMMUNITY, parent=street, name="北风社区")
    unit = UnitFactory(kind=UnitKind.STREET, area=street, name="北风街道办事处")
    handler = UserFactory(roles="handler", unit=unit)
    cadre = UserFactory(
        username="cadre_n", display_name="赵北风", roles="cadre", unit=unit, area_scope=street
    )
    small = replace(world, unit=unit, handler=handler, community=community)
    for i in range(2):
        demand_through(small, date(2026, 3, 2) + timedelta(days=i))
    return world, unit, cadre


pytestmark = pytest.mark.django_db


def test_a_unit_with_two_perfect_demands_is_listed_but_not_ranked_first(two_units):
    world, small_unit, _ = two_units
    rows = {r.key: r for r in unit_league(period=MARCH)}
    big, small = rows[world.unit.pk], rows[small_unit.pk]
    assert small.score == 100.0 and big.score < 100.0
    assert big.rank == 1 and big.sample == 12
    assert small.rank is None and small.sample == 2 and small.under_sample
    order = [r.key for r in unit_league(period=MARCH)]
    assert order.index(world.unit.pk) < order.index(small_unit.pk)


def test_the_minimum_sample_is_a_setting(two_units, settings):
    world, small_unit, _ = two_units
    settings.LIANXIN_RANK_MIN_SAMPLE = 2
    rows = {r.key: r for r in unit_league(period=MARCH)}
    assert rows[small_unit.pk].rank == 1 and rows[world.unit.pk].rank == 2
    settings.LIANXIN_RANK_MIN_SAMPLE = 20
    assert all(r.rank is None for r in unit_league(period=MARCH))


def test_cadres_below_the_sample_are_not_ranked(two_units):
    world, _, small_cadre = two_units
    rows = {r.key: r for r in cadre_league(period=MARCH)}
    assert rows[world.cadre.pk].rank == 1
    assert rows[small_cadre.pk].rank is None and rows[small_cadre.pk].sample == 2


def test_league_page_says_too_few_and_shows_intervals_and_the_rule(client, two_units):
    world, small_unit, small_cadre = two_units
    client.force_login(world.supervisor)
    html = client.get(reverse("evaluation:scorecards") + "?period=2026-03").content.decode()
    assert "参与排名须至少 10 件样本" in html
    units = html[html.index('id="unit-league"') :]
    small_row = re.search(rf'<tr class="unranked" data-key="{small_unit.pk}">(.*?)</tr>', units, re.S).group(
        1
    )
    rank_cell = re.search(r'<td class="rank">(.*?)</td>', small_row, re.S).group(1)
    assert "样本不足（2 件）" in rank_cell and not re.search(r">\s*\d+\s*<", rank_cell.replace("2 件", ""))
    # the 2 links to the demands the sample counts
    href = re.search(r'href="([^"]+)"', rank_cell).group(1).replace("&amp;", "&")
    assert "part=denominator" in href
    assert '<span id="record-count">2</span>' in client.get(href).content.decode()
    big_row = re.search(rf'<tr data-key="{world.unit.pk}">(.*?)</tr>', units, re.S).group(1)
    assert re.search(r'<td class="rank">1</td>', big_row)
    # 10 of 12 signed in time: 83.3% with its interval, and 100.0% of 2 with a wide one
    assert '83.3%</a><span class="ci small text-muted">（55.2–95.3）</span>' in big_row
    assert '100.0%</a><span class="ci small text-muted">（34.2–100.0）</span>' in small_row
    cadres = html[html.index('id="cadre-league"') : html.index('id="unit-league"')]
    assert re.search(rf'<tr class="unranked" data-key="{small_cadre.pk}">.*?样本不足（2 件）', cadres, re.S)


def test_card_shows_intervals_and_why_it_has_no_rank(client, two_units):
    world, _, small_cadre = two_units
    client.force_login(world.supervisor)
    html = client.get(
        reverse("evaluation:cadre_card", args=[small_cadre.pk]) + "?period=2026-03"
    ).content.decode()
    assert "样本不足（2 件）" in html and "满 10 件参与排名" in html and "第 " not in html
    assert "（34.2–100.0）" in html
    big = client.get(
        reverse("evaluation:cadre_card", args=[world.cadre.pk]) + "?period=2026-03"
    ).content.decode()
    assert "第 1 名 / 共 1 人" in big and "（55.2–95.3）" in big
