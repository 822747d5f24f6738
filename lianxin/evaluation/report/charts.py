"""Charts of the report as ReportLab drawings: drawn straight into the PDF, rendered to PNG for the DOCX.

Both use the report's embedded TrueType font (`fonts.py`), so the PNG carries the same Chinese labels as
the PDF. Every string of a drawing names that font: a chart left on ReportLab's default (Helvetica)
would put a font in the PDF that is not embedded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from reportlab.graphics import renderPM
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import STATE_DEFAULTS, Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors

from lianxin.evaluation.report.content import ReportContent
from lianxin.evaluation.report.fonts import CJK_FONT, register_cjk_font

PALETTE = [
    colors.HexColor("#c0392b"),
    colors.HexColor("#2471a3"),
    colors.HexColor("#229954"),
    colors.HexColor("#b7950b"),
    colors.HexColor("#7d3c98"),
]
TREND_TITLE = "三率走势（%）"


@dataclass
class Chart:
    caption: str
    drawing: Drawing
    # What is drawn, as data (tests read it instead of pixels): labels and one list of values per series.
    data: dict[str, Any] = field(default_factory=dict)


def _graphics_font() -> None:
    """Make the report font the one every drawing starts with. ReportLab's renderer sets its default
    (Times-Roman, never embedded) on the canvas at the start of each drawing, whatever the drawing's
    strings use; the report's drawings are the only ones Lianxin renders."""
    register_cjk_font()
    STATE_DEFAULTS["fontName"] = CJK_FONT


def _title(drawing: Drawing, x: float, y: float, text: str) -> None:
    drawing.add(String(x, y, text, fontName=CJK_FONT, fontSize=10, textAnchor="middle"))


def _bar(title: str, labels: list[str], values: list[int], width: int = 440) -> Chart:
    _graphics_font()
    drawing = Drawing(width, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 35, width - 60, 130
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = CJK_FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.valueAxis.valueMin = 0
    top = max(values or [0])
    chart.valueAxis.valueMax = max(top + 1, 5)
    chart.valueAxis.valueStep = max(1, (chart.valueAxis.valueMax + 4) // 5)
    chart.valueAxis.labels.fontName = CJK_FONT
    chart.valueAxis.labels.fontSize = 8
    chart.bars[0].fillColor = PALETTE[0]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = CJK_FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    _title(drawing, width / 2, 176, title)
    return Chart(
        title, drawing, {"labels": list(labels), "series": [{"label": title, "values": list(values)}]}
    )


def trend_chart(content: ReportContent, width: int = 440) -> Chart:
    """The four rates over the last periods, one line each, drawn point by point: a period without
    data has no point and breaks its line (ReportLab's line chart cannot draw a line of one point)."""
    _graphics_font()
    series = content.trend_series()
    periods = series["periods"]
    drawing = Drawing(width, 210)
    x0, y0, w, h = 40, 40, width - 160, 140
    step = w / max(1, len(periods))
    for tick in range(0, 101, 20):  # value axis: 0–100 %, a grid line every 20
        y = y0 + h * tick / 100
        drawing.add(Line(x0, y, x0 + w, y, strokeColor=colors.lightgrey, strokeWidth=0.4))
        drawing.add(String(x0 - 4, y - 3, str(tick), fontName=CJK_FONT, fontSize=7, textAnchor="end"))
    drawing.add(Line(x0, y0, x0, y0 + h, strokeColor=colors.black, strokeWidth=0.6))
    drawing.add(Line(x0, y0, x0 + w, y0, strokeColor=colors.black, strokeWidth=0.6))
    for i, label in enumerate(periods):
        drawing.add(
            String(x0 + step * (i + 0.5), y0 - 12, label, fontName=CJK_FONT, fontSize=7, textAnchor="middle")
        )
    for k, item in enumerate(series["series"]):
        color = PALETTE[k + 1]
        run: list[float] = []
        points = [
            None if v is None else (x0 + step * (i + 0.5), y0 + h * v) for i, v in enumerate(item["values"])
        ]
        for point in [*points, None]:
            if point is None:
                if len(run) >= 4:
                    drawing.add(PolyLine(run, strokeColor=color, strokeWidth=1.5))
                run = []
                continue
            run += list(point)
            drawing.add(Circle(point[0], point[1], 2.2, fillColor=color, strokeColor=color))
    legend = Legend()
    legend.x, legend.y = width - 105, 170
    legend.alignment = "right"  # swatch, then the name
    legend.columnMaximum = len(series["series"])
    legend.fontName = CJK_FONT
    legend.fontSize = 8
    legend.colorNamePairs = [(PALETTE[i + 1], s["label"]) for i, s in enumerate(series["series"])]
    drawing.add(legend)
    _title(drawing, x0 + w / 2, 196, TREND_TITLE)
    return Chart(TREND_TITLE, drawing, {"labels": periods, "series": series["series"]})


def report_charts(content: ReportContent) -> dict[str, Chart]:
    """The charts by key: visits by kind (联系群众), categories and the rate trend (服务群众).

    A chart is drawn only when it has something to show (an empty frame says nothing); the trend needs
    one rate in one of its periods."""
    charts = {}
    if content.visits_total:
        labels = [k for k, _ in content.visits_by_kind]
        charts["visits"] = _bar("走访方式分布（次）", labels, [n for _, n in content.visits_by_kind])
    if content.top_categories:
        labels = [name for name, _ in content.top_categories]
        charts["categories"] = _bar("诉求类别（件）", labels, [n for _, n in content.top_categories])
    if content.has_trend:
        charts["trend"] = trend_chart(content)
    return charts


CHART_SECTIONS = {"contact": ["visits"], "service": ["categories", "trend"]}


def chart_notes(content: ReportContent) -> dict[str, list[str]]:
    """What a section says instead of a chart it cannot draw."""
    if content.has_trend:
        return {}
    return {"service": [f"近{len(content.rate_trend) or 6}期无签收、办结、回访数据，未绘制三率走势图。"]}


def chart_png(chart: Chart, dpi: int = 144) -> bytes:
    buf = io.BytesIO()
    renderPM.drawToFile(chart.drawing, buf, fmt="PNG", dpi=dpi)
    return buf.getvalue()
