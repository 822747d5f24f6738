"""Reports by month (2026-11), quarter (2026-Q4) and year (2026): one parser for the pages and the CLI;
an unknown period, a cadre without an area and a period without data each get a clear message."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from lianxin.core.errors import ValidationFailed
from lianxin.evaluation.selectors import Period
from lianxin.evaluation.services import report_content
from tests.contact.factories import demand_through

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "shown", "label", "first", "last", "previous"),
    [
        ("2026-11", "2026-11", "2026年11月", date(2026, 11, 1), date(2026, 11, 30), "2026-10"),
        ("2026-Q4", "2026-Q4", "2026年第四季度", date(2026, 10, 1), date(2026, 12, 31), "2026-Q3"),
        ("2026-q1", "2026-Q1", "2026年第一季度", date(2026, 1, 1), date(2026, 3, 31), "2025-Q4"),
        ("2026", "2026", "2026年", date(2026, 1, 1), date(2026, 12, 31), "2025"),
    ],
)
def test_period_parses_month_quarter_and_year(text, shown, label, first, last, previous):
    period = Period.parse(text)
    assert (str(period), period.label, period.first_day, period.last_day) == (shown, label, first, last)
    assert str(period.previous()) == previous and Period.parse(str(period)) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "2026-Q0", "26", "2026-1", "abc", "", "2026-11-01"])
def test_unknown_period_is_refused_naming_it(text):
    with pytest.raises(ValidationFailed, match=re.escape(repr(text))) as info:
        Period.parse(text)
    assert "YYYY-Qn" in info.value.message


def test_quarter_and_year_reports_sum_their_months(world, tmp_path):
    for month in (1, 2, 3):
        demand_through(world, date(2026, month, 4))
    demand_through(world, date(2026, 4, 4))
    assert report_content(cadre=world.cadre, period=Period.parse("2026-Q1")).demands_total == 3
    assert report_content(cadre=world.cadre, period=Period.parse("2026")).demands_total == 4
    out = tmp_path / "q1.pdf"
    call_command(
        "report",
        "cadre",
        "--username",
        "cadre_t",
        "--period",
        "2026-Q1",
        "--format",
        "pdf",
        "--out",
        str(out),
    )
    text = "".join(p.extract_text() for p in PdfReader(str(out)).pages).replace("\n", "")
    assert "2026年第一季度" in text and "受理群众诉求 3 件" in text


def test_cli_refuses_an_unknown_period_by_name(world, tmp_path):
    with pytest.raises(CommandError, match="2026-Q5"):
        call_command(
            "report", "cadre", "--username", "cadre_t", "--period", "2026-Q5", "--format", "pdf",
            "--out", str(tmp_path / "x.pdf"),
        )  # fmt: skip


def test_pages_take_quarters_and_years(client, world):
    demand_through(world, date(2026, 2, 4))
    client.force_login(world.cadre)
    page = client.get(reverse("evaluation:report", args=["cadre_t", "2026-Q1"]))
    assert page.status_code == 200 and "2026年第一季度" in page.content.decode()
    home = client.get(reverse("evaluation:reports") + "?period=2026-Q1").content.decode()
    periods = re.findall(r'<tr data-period="([^"]+)">', home)
    assert periods == ["2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1", "2024-Q4"]
    # the picker switches between the month, the quarter and the year of the same time
    assert 'href="?period=2026&amp;cadre=' in home or f'href="?period=2026&cadre={world.cadre.pk}"' in home
    assert client.get(reverse("evaluation:reports") + "?kind=year").status_code == 200
    assert client.get(reverse("evaluation:report", args=["cadre_t", "2026-Q9"])).status_code == 400
    records = client.get(
        reverse("evaluation:records") + f"?subject=cadre&id={world.cadre.pk}&period=2026-Q1&measure=received"
    ).content.decode()
    assert '<span id="record-count">1</span>' in records


def test_a_cadre_without_an_area_is_told_how_the_report_counts(client, world):
    world.cadre.area_scope = None
    world.cadre.save(update_fields=["area_scope"])
    content = report_content(cadre=world.cadre, period=Period.parse("2026-03"))
    assert content.notes[0].startswith(
        "未设置联系区域：服务群众、化解矛盾纠纷按本单位（东风街道办事处）主办的诉求统计"
    )
    client.force_login(world.cadre)
    page = client.get(reverse("evaluation:report", args=["cadre_t", "2026-03"])).content.decode()
    assert "未设置联系区域" in page


def test_a_period_without_data_says_so_and_draws_no_chart(client, world):
    client.force_login(world.cadre)
    page = client.get(reverse("evaluation:report", args=["cadre_t", "2020-Q1"])).content.decode()
    assert "本报告期（2020年第一季度）无联系群众和诉求办理数据。" in page
    assert 'id="report-trend-empty"' in page and 'id="report-trend"' not in page
