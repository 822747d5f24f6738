"""The trend chart is drawn from the figures: the four rates for the last six periods, Chinese labels.
Tests read the chart's data, not its pixels."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.evaluation.report.charts import chart_notes, report_charts
from lianxin.evaluation.report.content import TREND_RATES
from lianxin.evaluation.selectors import Period
from lianxin.evaluation.services import report_content
from tests.contact.factories import demand_through

pytestmark = pytest.mark.django_db
MONTHS = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
LABELS = ["及时签收率", "按时办结率", "问题解决率", "群众满意率"]


@pytest.fixture
def history(world):
    """Two demands a month from October 2025 to March 2026; month 3 has a late sign, month 5 a
    dissatisfied, unresolved rating, month 2 an unrated one (its rates come from one rating)."""
    for i, month in enumerate(MONTHS):
        year, m = map(int, month.split("-"))
        demand_through(world, date(year, m, 5))
        demand_through(
            world,
            date(year, m, 6),
            sign_hours=40 if i == 3 else 2,
            satisfaction="dissatisfied" if i == 5 else (None if i == 2 else "satisfied"),
            resolved=i != 5,
        )
    return world


def test_trend_has_six_points_per_rate_with_the_periods_values(history):
    content = report_content(cadre=history.cadre, period=Period.parse("2026-03"))
    chart = report_charts(content)["trend"]
    assert chart.data["labels"] == ["25-10", "25-11", "25-12", "26-01", "26-02", "26-03"]
    series = {s["code"]: s for s in chart.data["series"]}
    assert list(series) == TREND_RATES and [s["label"] for s in chart.data["series"]] == LABELS
    assert all(len(s["values"]) == 6 for s in series.values())
    assert series["response_rate"]["values"] == [1.0, 1.0, 1.0, 0.5, 1.0, 1.0]
    assert series["ontime_rate"]["values"] == [1.0] * 6
    assert series["resolution_rate"]["values"] == [1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
    assert series["satisfaction_rate"]["values"] == [1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
    # the last point is the period's own rate, as the report's rates table says
    assert content.rate("response_rate").value == series["response_rate"]["values"][-1]


def test_quarter_trend_has_six_quarters(history):
    content = report_content(cadre=history.cadre, period=Period.parse("2026-Q1"))
    chart = report_charts(content)["trend"]
    assert chart.data["labels"] == ["24-Q4", "25-Q1", "25-Q2", "25-Q3", "25-Q4", "26-Q1"]
    response = chart.data["series"][0]["values"]
    assert response[:4] == [None] * 4
    assert response[4] == 1.0 and response[5] == pytest.approx(5 / 6)


def test_no_data_in_six_periods_draws_no_empty_chart(world):
    content = report_content(cadre=world.cadre, period=Period.parse("2020-05"))
    assert not content.has_trend and "trend" not in report_charts(content)
    assert chart_notes(content)["service"] == ["近6期无签收、办结、回访数据，未绘制三率走势图。"]
