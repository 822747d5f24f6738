"""The duty modules' measures and report sections (core.contributions) as evaluation shows them: a rate
with a weight moves the composite score, a count is shown and never scored, every module figure links
to its records, a module section is numbered, editable and printed in both files, and a section that
replaces 化解矛盾纠纷 takes its text and figures."""

from __future__ import annotations

import io
import re
from datetime import date

import docx
import pytest
from django.urls import reverse

from lianxin.contact.periods import Period
from lianxin.core.contributions import (
    ModuleMeasure,
    ReportFigure,
    ReportSection,
    ReportSectionSource,
    measure_register,
    measure_unregister,
    report_section_register,
    report_section_unregister,
)
from lianxin.evaluation.models import ScoreWeight
from lianxin.evaluation.report.content import chinese_numeral
from lianxin.evaluation.selectors import cadre_card, cadre_league
from lianxin.evaluation.services import report_content, report_render, report_save

pytestmark = pytest.mark.django_db
MARCH = Period(2026, 3)
calls: list[tuple[int, ...]] = []


def _adoption(subjects, start, end):
    calls.append(tuple(s.key for s in subjects))
    assert (start, end) == (date(2026, 3, 1), date(2026, 3, 31))
    return {s.key: (3, 4) for s in subjects if s.area_path}  # cadres with an area: 3 of 4


def _events(subjects, start, end):
    return {s.key: (7, 7) for s in subjects}


@pytest.fixture
def modules():
    measure_register(
        ModuleMeasure(
            code="t_adoption",
            label="意见采纳反馈率",
            module="t",
            compute=_adoption,
            weight=0,
            records=lambda subject, start, end: f"/t/adoption/?cadre={subject.key}",
        )
    )
    measure_register(
        ModuleMeasure(code="t_events", label="组织活动次数", module="t", compute=_events, kind="count")
    )
    calls.clear()
    yield
    measure_unregister("t_adoption")
    measure_unregister("t_events")


def test_a_module_rate_weighs_in_the_score_only_with_a_weight(world, modules):
    before = cadre_card(cadre=world.cadre, period=MARCH)
    values = {m.code: m for m in before.modules}
    assert values["t_adoption"].rate.value == 0.75 and values["t_adoption"].text == "75.0%"
    assert values["t_events"].text == "7" and not values["t_events"].is_rate
    assert "t_events" not in before.score_values()  # a count is never scored
    ScoreWeight.objects.create(measure="t_adoption", weight=50)
    after = cadre_card(cadre=world.cadre, period=MARCH)
    assert after.score_values()["t_adoption"] == 0.75
    # The other measures with a value are the contact coverages (0 of their targets: weights 4, 3, 3 of
    # the defaults, the third has no denominator); the module rate now weighs 50 beside them.
    others = {k: v for k, v in before.score_values().items() if v is not None and k != "t_adoption"}
    weights = {"point_coverage": 4, "household_coverage": 3, "problems_solved": 3}
    expected = (
        100
        * (50 * 0.75 + sum(weights[k] * v for k, v in others.items()))
        / (50 + sum(weights[k] for k in others))
    )
    assert after.score == round(expected, 1) and after.score > (before.score or 0)


def test_the_league_asks_each_module_once_for_every_cadre(world, modules):
    rows = {r.key: r for r in cadre_league(period=MARCH)}
    assert len(calls) == 1 and set(calls[0]) == {world.cadre.pk, world.other_cadre.pk}
    assert {m.code: m.rate.value for m in rows[world.cadre.pk].modules}["t_adoption"] == 0.75


def test_the_card_links_each_module_figure_to_its_records(client, world, modules):
    client.force_login(world.supervisor)
    html = client.get(
        reverse("evaluation:cadre_card", args=[world.cadre.pk]) + "?period=2026-03"
    ).content.decode()
    row = re.search(r'data-code="t_adoption">(.*?)</tr>', html, re.S).group(1)
    assert f'href="/t/adoption/?cadre={world.cadre.pk}"' in row and "75.0%" in row and "(3/4)" in row


def _projects(cadre, start, end):
    return ReportSection(
        key="t_projects",
        title="办实事",
        paragraphs=["本期牵头民生实事项目 2 个，按期完成 1 个。"],
        figures=[ReportFigure("民生实事项目", "2", url="/t/projects/?cadre=1", definition="本人牵头的项目")],
        table_header=["项目", "进度"],
        table_rows=[["老旧小区加装电梯", "已完成"], ["背街小巷整治"]],
    )


def _cases(cadre, start, end):
    return ReportSection(
        key="t_cases",
        title="化解矛盾纠纷",
        paragraphs=["本期调处矛盾纠纷 5 件，调解成功 4 件。"],
        figures=[ReportFigure("调处案件", "5", url="/t/cases/")],
    )


@pytest.fixture
def sections():
    report_section_register(ReportSectionSource(key="t_projects", title="办实事", build=_projects))
    report_section_register(
        ReportSectionSource(key="t_cases", title="化解矛盾纠纷", build=_cases, replaces="disputes")
    )
    yield
    report_section_unregister("t_projects")
    report_section_unregister("t_cases")


def test_a_module_section_is_numbered_before_the_last_and_the_replacing_one_takes_disputes(world, sections):
    content = report_content(cadre=world.cadre, period=MARCH)
    parts = content.sections()
    headings = [(s["number"], s["heading"]) for s in parts]
    assert headings[-2:] == [("六", "办实事"), ("七", "存在问题与下一步打算")]
    disputes = next(s for s in parts if s["key"] == "disputes")
    assert disputes["lines"] == ["本期调处矛盾纠纷 5 件，调解成功 4 件。"]
    assert [f.label for f in disputes["figures"]] == ["调处案件"]  # complaint-demand figures replaced
    projects = next(s for s in parts if s["key"] == "m_t_projects")
    assert projects["table"] == [["项目", "进度"], ["老旧小区加装电梯", "已完成"], ["背街小巷整治", ""]]


def test_a_module_section_is_edited_like_the_others(world, sections):
    report_save(
        cadre=world.cadre,
        period=MARCH,
        actor=world.cadre,
        issues_text=None,
        narratives={"m_t_projects": "改写的办实事。"},
    )
    content = report_content(cadre=world.cadre, period=MARCH)
    assert content.texts()["m_t_projects"] == "改写的办实事。"
    assert content.drafted["m_t_projects"] == "本期牵头民生实事项目 2 个，按期完成 1 个。"


def test_both_files_print_the_module_section_and_its_table(world, sections):
    document = docx.Document(io.BytesIO(report_render(cadre=world.cadre, period=MARCH, fmt="docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "六、办实事" in text and "本期调处矛盾纠纷 5 件，调解成功 4 件。" in text
    assert "老旧小区加装电梯" in cells and "本人牵头的项目" in cells  # the table and the annex of 口径
    pdf = report_render(cadre=world.cadre, period=MARCH, fmt="pdf")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000


def test_the_preview_links_a_module_figure_to_its_records(client, world, sections):
    client.force_login(world.cadre)
    html = client.get(reverse("evaluation:report", args=[world.cadre.username, "2026-03"])).content.decode()
    assert 'href="/t/projects/?cadre=1"' in html and 'id="table-m_t_projects"' in html


def test_a_failing_module_section_is_a_note_not_a_broken_report(world):
    def broken(cadre, start, end):
        raise RuntimeError("module down")

    report_section_register(ReportSectionSource(key="t_broken", title="坏模块", build=broken))
    try:
        content = report_content(cadre=world.cadre, period=MARCH)
    finally:
        report_section_unregister("t_broken")
    assert any("坏模块" in note for note in content.notes)
    assert all(s["heading"] != "坏模块" for s in content.sections())


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (37, "三十七")])
def test_section_numbers(n, text):
    assert chinese_numeral(n) == text
