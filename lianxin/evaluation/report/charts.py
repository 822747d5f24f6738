"""Charts of the report as ReportLab drawings: drawn straight into the PDF, rendered to PNG for the DOCX.

renderPM cannot draw the CID font (STSong-Light has no glyph outlines in ReportLab), so the PNG
variant labels bars with numbers/ASCII and the DOCX prints the legend in Chinese under the chart.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.graphics import renderPM
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from lianxin.evaluation.report.content import ReportContent

CJK_FONT = "STSong-Light"
PALETTE = [
    colors.HexColor("#c0392b"),
    colors.HexColor("#2471a3"),
    colors.HexColor("#229954"),
    colors.HexColor("#b7950b"),
]


def register_cjk_font() -> str:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


@dataclass
class Chart:
    caption: str
    drawing: Drawing
    legend: list[str]  # Chinese key for the PNG variant ("1 = 走访 …")


def _bar(title: str, labels: list[str], values: list[int], *, cjk: bool, width: int = 440) -> Chart:
    font = register_cjk_font() if cjk else "Helvetica"
    drawing = Drawing(width, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 35, width - 60, 130
    chart.data = [values or [0]]
    shown = labels if cjk else [str(i + 1) for i in range(len(labels))]
    chart.categoryAxis.categoryNames = shown or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.valueAxis.valueMin = 0
    top = max(values or [0])
    chart.valueAxis.valueMax = max(top + 1, 5)
    chart.valueAxis.valueStep = max(1, (chart.valueAxis.valueMax + 4) // 5)
    chart.valueAxis.labels.fontSize = 8
    chart.bars[0].fillColor = PALETTE[0]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    if cjk:
        drawing.add(String(width / 2, 176, title, fontName=font, fontSize=10, textAnchor="middle"))
    legend = [f"{i + 1} = {label}（{v}）" for i, (label, v) in enumerate(zip(labels, values))]
    return Chart(title, drawing, legend)


def _trend(content: ReportContent, *, cjk: bool, width: int = 440) -> Chart:
    font = register_cjk_font() if cjk else "Helvetica"
    names = [("response", "及时签收率"), ("on_time", "按时办结率"), ("satisfaction", "群众满意率")]
    drawing = Drawing(width, 200)
    # Grouped bars rather than lines: a month without data (None) simply has no bar.
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 150, 130
    rows = content.rate_trend
    chart.data = [
        [None if row.get(code) is None else row[code] * 100 for row in rows] or [0] for code, _ in names
    ]
    chart.categoryAxis.categoryNames = [row["period"][2:] for row in rows] or [""]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontSize = 7
    for i in range(len(names)):
        chart.bars[i].fillColor = PALETTE[i + 1]
        chart.bars[i].strokeWidth = 0
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 100, 150
    legend.fontName = font
    legend.fontSize = 8
    legend.colorNamePairs = [
        (PALETTE[i + 1], label if cjk else code) for i, (code, label) in enumerate(names)
    ]
    drawing.add(legend)
    if cjk:
        drawing.add(
            String(width / 2 - 50, 186, "三率走势（%）", fontName=font, fontSize=10, textAnchor="middle")
        )
    key = [f"{code} = {label}" for code, label in names]
    key += [
        f"{row['period']}：" + "，".join(f"{label} {_p(row.get(code))}" for code, label in names)
        for row in rows
    ]
    return Chart("三率走势（%）", drawing, key)


def _p(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def report_charts(content: ReportContent, *, cjk: bool = True) -> dict[str, Chart]:
    """The charts by section: visits by kind (联系群众), categories and the rate trend (服务群众)."""
    charts = {}
    if content.visits_total:
        labels = [k for k, _ in content.visits_by_kind]
        charts["visits"] = _bar("走访方式分布（次）", labels, [n for _, n in content.visits_by_kind], cjk=cjk)
    if content.top_categories:
        labels = [name for name, _ in content.top_categories]
        charts["categories"] = _bar("诉求类别（件）", labels, [n for _, n in content.top_categories], cjk=cjk)
    if content.rate_trend and content.demands_total:
        charts["trend"] = _trend(content, cjk=cjk)
    return charts


def chart_png(chart: Chart, dpi: int = 144) -> bytes:
    buf = io.BytesIO()
    renderPM.drawToFile(chart.drawing, buf, fmt="PNG", dpi=dpi)
    return buf.getvalue()
