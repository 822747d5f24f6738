from __future__ import annotations

import re
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from lianxin.contact.periods import Period
from lianxin.evaluation.models import ScoreWeight
from lianxin.evaluation.scoring import composite_score, rank
from lianxin.evaluation.selectors import cadre_card, cadre_league, unit_card, unit_league
from tests.contact.factories import demand_through

pytestmark = pytest.mark.django_db
MARCH = Period(2026, 3)


@pytest.fixture
def data(world):
    demand_through(world, date(2026, 3, 2))
    demand_through(world, date(2026, 3, 3), sign_hours=40)
    demand_through(world, date(2026, 3, 4), satisfaction="dissatisfied", resolved=False)
    return world


def test_composite_score_and_ranking():
    weights = {"response": 1, "return": 1}
    assert composite_score({"response": 1.0, "return": 0.0}, weights) == 100.0
    assert composite_score({"response": 0.5, "return": None}, weights) == 50.0
    assert composite_score({}, weights) is None

    class R:
        def __init__(self, name, score):
            self.name, self.score = name, score

    rows = rank([R("a", 50), R("b", 90), R("c", 50), R("d", None)])
    assert [(r.name, r.rank) for r in rows] == [("b", 1), ("a", 2), ("c", 2), ("d", None)]


def test_league_rows_equal_single_cards(data, settings):
    settings.LIANXIN_RANK_MIN_SAMPLE = (
        1  # three demands: ranked here (tests/evaluation/test_league_sample.py)
    )
    league = {r.key: r for r in cadre_league(period=MARCH)}
    card = cadre_card(cadre=data.cadre, period=MARCH)
    row = league[data.cadre.pk]
    for code, rate in card.rates.items():
        assert (row.rates[code].numerator, row.rates[code].denominator) == (
            rate.numerator,
            rate.denominator,
        ), code
    assert row.score == card.score and row.rank == 1
    assert row.sample == card.sample
    units = {r.key: r for r in unit_league(period=MARCH)}
    ucard = unit_card(unit=data.unit, period=MARCH)
    assert units[data.unit.pk].rates["response_rate"].text == ucard.rates["response_rate"].text == "66.7%"


def test_weights_are_configurable(data):
    before = cadre_card(cadre=data.cadre, period=MARCH).score
    for measure in (
        "on_time",
        "resolution",
        "satisfaction",
        "return",
        "reopen",
        "point_coverage",
        "household_coverage",
        "problems_solved",
    ):
        ScoreWeight.objects.create(measure=measure, weight=0)
    ScoreWeight.objects.create(measure="response", weight=1)
    after = cadre_card(cadre=data.cadre, period=MARCH).score
    assert after == 66.7 and after != before


def test_every_number_links_to_its_records(client, data):
    client.force_login(data.supervisor)
    page = client.get(reverse("evaluation:scorecards") + "?period=2026-03")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cadre-league" in html and "unit-league" in html and "张建国" in html
    url = (
        reverse("evaluation:records")
        + f"?subject=cadre&id={data.cadre.pk}&period=2026-03&measure=response_rate&part=numerator"
    )
    assert url in html
    records = client.get(url).content.decode()
    assert '<span id="record-count">2</span>' in records
    denominator = client.get(url.replace("numerator", "denominator")).content.decode()
    assert '<span id="record-count">3</span>' in denominator
    assert (
        client.get(
            reverse("evaluation:records") + f"?subject=cadre&id={data.cadre.pk}&period=2026-03&measure=visits"
        ).status_code
        == 200
    )


def test_cadre_gets_own_workbench_and_cannot_see_others(client, data):
    client.force_login(data.cadre)
    response = client.get(reverse("evaluation:scorecards") + "?period=2026-03")
    own_card = reverse("evaluation:cadre_card", args=[data.cadre.pk]) + "?period=2026-03"
    assert response.status_code == 200 and "我的工作台" in response.content.decode()
    assert own_card in response.content.decode()  # the workbench's scorecard summary links the card
    assert client.get(own_card).status_code == 200
    assert client.get(reverse("evaluation:cadre_card", args=[data.other_cadre.pk])).status_code == 404
    assert client.get(reverse("evaluation:unit_card", args=[data.unit.pk])).status_code == 403
    other = (
        reverse("evaluation:records")
        + f"?subject=cadre&id={data.other_cadre.pk}&period=2026-03&measure=received"
    )
    assert client.get(other).status_code == 404


def test_dashboard_and_its_data(client, data, settings):
    settings.LIANXIN_MAP_TILES = ""
    client.force_login(data.supervisor)
    page = client.get(reverse("evaluation:dashboard") + "?period=2026-03").content.decode()
    assert (
        "vendor/echarts/echarts.min.js" in page
        and "vendor/leaflet/leaflet.js" in page
        and 'data-tiles=""' in page
    )
    payload = client.get(reverse("evaluation:dashboard_data") + "?period=2026-03").json()
    assert payload["received"] == 3
    assert sum(d["n"] for d in payload["by_day"]) == 3 and len(payload["by_day"]) == 31
    assert payload["rates"]["response_rate"]["text"] == "66.7%"
    # up to twelve months, from the first with data (all of it here is in March): no empty months first
    assert [m["period"] for m in payload["trend"]] == ["2026-01", "2026-02", "2026-03"]
    assert payload["trend"][-1]["response_rate"] is not None
    assert any(a["name"] == "东风街道" and a["n"] == 3 for a in payload["map"]["areas"])
    assert payload["map"]["contact_points"]
    # No hot-issue analysis has run: no issues, and the note says so.
    assert payload["hot_issues"] == [] and payload["hot_issues_note"] == "本期联系区域内未发现热点问题。"
    client.force_login(data.other_cadre)  # a cadre's dashboard is their own area
    assert client.get(reverse("evaluation:dashboard_data") + "?period=2026-03").json()["received"] == 0
    refused = client.get(reverse("evaluation:dashboard_data") + "?period=2026-13")
    assert (
        refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_period"
    )  # JSON, not a page


def test_card_and_dashboard_speak_english_after_switching_language(client, data):
    import json

    client.force_login(data.supervisor)
    client.cookies["django_language"] = "en"
    card_url = reverse("evaluation:cadre_card", args=[data.cadre.pk]) + "?period=2026-03"
    html = client.get(card_url).content.decode()
    assert "Response rate" in html and "March 2026" in html
    assert "及时签收率" not in html and "2026年3月" not in html
    card_js = next(js for js in re.findall(r"<script>(.*?)</script>", html, re.S) if "echarts.init" in js)
    assert not re.search(r"[\u4e00-\u9fff]", card_js)  # series names come from the page's translation
    labels = json.loads(re.search(r'id="trend-labels"[^>]*>(.*?)</script>', html).group(1))
    assert labels == {
        "score": "Overall score",
        "response_rate": "Response rate",
        "ontime_rate": "On-time rate",
        "resolution_rate": "Resolution rate",
        "satisfaction_rate": "Satisfaction rate",
    }
    page = client.get(reverse("evaluation:dashboard") + "?period=2026-03").content.decode()
    assert 'data-received-label="Received"' in page and 'data-empty="No hot issues"' in page
    from django.contrib.staticfiles import finders

    assert "evaluation/dashboard.js" in page
    with open(finders.find("evaluation/dashboard.js"), encoding="utf-8") as script:
        charts = script.read()
    assert "echarts.init" in charts
    assert not re.search(r"[\u4e00-\u9fff]", charts)  # no Chinese strings in the chart code
    payload = client.get(reverse("evaluation:dashboard_data") + "?period=2026-03").json()
    assert payload["rates"]["response_rate"]["label"] == "Response rate"


def test_records_heading_names_the_measure_in_the_chosen_language(client, data):
    client.force_login(data.supervisor)
    url = reverse("evaluation:records") + f"?subject=cadre&id={data.cadre.pk}&period=2026-03&part=numerator"

    def heading(measure: str) -> str:
        html = client.get(url + f"&measure={measure}").content.decode()
        return re.search(r'<h1 class="h5">(.*?)</h1>', html, re.S).group(1)

    assert "及时签收率" in heading("response_rate") and "response_rate" not in heading("response_rate")
    assert "走访次数" in heading("visits")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Response rate" in heading("response_rate") and "及时签收率" not in heading("response_rate")
    assert "Visits" in heading("visits")


def test_dashboard_hot_issues_are_the_citys_for_staff_and_the_area_for_a_cadre(client, data):
    from lianxin.analysis.models import HotIssue, HotIssueRun, RunState
    from tests.contact.factories import at

    run = HotIssueRun.objects.create(
        window_start=at(date(2026, 2, 1)), window_end=at(date(2026, 4, 1)), state=RunState.DONE
    )
    run.finished_at = at(date(2026, 4, 1))
    run.save()
    issue = HotIssue.objects.create(run=run, rank=1, heat=12.5, summary="路灯不亮", area=data.community)
    issue.demands.set(data.community.demands.all()[:1])
    url = reverse("evaluation:dashboard_data") + "?period=2026-03"
    for user in (data.supervisor, data.cadre):
        client.force_login(user)
        payload = client.get(url).json()
        assert payload["hot_issues_note"] == ""
        assert [(h["rank"], h["summary"], h["heat"], h["n"]) for h in payload["hot_issues"]] == [
            (1, "路灯不亮", 12.5, 1)
        ]
    client.force_login(data.other_cadre)  # the issue's demands are not in their street
    payload = client.get(url).json()
    assert (payload["hot_issues"], payload["hot_issues_note"]) == ([], "本期联系区域内未发现热点问题。")


def test_every_measure_is_anchored_on_the_date_of_its_event():
    from lianxin.demands.measures import ANCHORS, measure_definitions

    assert set(ANCHORS) == set(measure_definitions(date(2026, 3, 1), date(2026, 4, 1)))
