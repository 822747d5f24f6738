"""Render a ReportContent to PDF (ReportLab, built-in CID font STSong-Light) and DOCX (python-docx)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lianxin.evaluation.report.charts import chart_png, register_cjk_font, report_charts
from lianxin.evaluation.report.content import REPORT_LANGUAGE, SECTIONS, TITLE, ReportContent


def _sections(content: ReportContent) -> list[tuple[str, list[str], list[str]]]:
    """(heading, paragraphs, chart keys) for each section of domain.md, in order."""
    issues = [line for line in (content.issues_text or "").splitlines() if line.strip()]
    plans = [line for line in (content.plans_text or "").splitlines() if line.strip()]
    last = ["（一）存在问题", *issues, "（二）下一步打算", *plans]
    if content.hot_issues_note and not content.hot_issues:
        last.insert(1, content.hot_issues_note)
    return [
        (
            SECTIONS[0],
            content.basic_lines() + [f"{p['name']}（{p['kind']}，{p['area']}）" for p in content.points],
            [],
        ),
        (SECTIONS[1], content.contact_lines(), ["visits"]),
        (SECTIONS[2], content.service_lines(), ["categories", "trend"]),
        (SECTIONS[3], content.dispute_lines(), []),
        (SECTIONS[4], content.publicity_lines(), []),
        (SECTIONS[5], last, []),
    ]


def _headline(content: ReportContent) -> str:
    return f"{content.cadre_name}（{content.unit or '—'}）  报告期：{content.period_label}"


def render_pdf(content: ReportContent) -> bytes:
    font = register_cjk_font()
    body = ParagraphStyle(
        "body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK", firstLineIndent=21
    )
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=20, spaceBefore=10, spaceAfter=4)
    sub = ParagraphStyle("sub", parent=plain, alignment=TA_CENTER, textColor=colors.grey)
    charts = report_charts(content, cjk=True)
    story: list = [Paragraph(TITLE, h1), Paragraph(escape(_headline(content)), sub), Spacer(1, 4 * mm)]
    if not content.has_data:
        story.append(Paragraph(f"本报告期（{content.period_label}）无联系群众和诉求办理数据。", plain))
    for index, (heading, lines, chart_keys) in enumerate(_sections(content), start=1):
        story.append(Paragraph(f"{'一二三四五六'[index - 1]}、{heading}", h2))
        for line in lines:
            story.append(Paragraph(escape(line), body))
        if heading == SECTIONS[2] and content.rates:
            table = Table(
                [["指标", "数值", "分子/分母"]]
                + [[r.label, r.text, f"{r.numerator}/{r.denominator}"] for r in content.rates],
                colWidths=[50 * mm, 30 * mm, 40 * mm],
            )
            table.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, -1), font, 9.5),
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2dede")),
                    ]
                )
            )
            story += [Spacer(1, 2 * mm), table]
        if heading == SECTIONS[1] and content.notable_visits:
            story.append(Paragraph("典型走访：", plain))
            for v in content.notable_visits:
                story.append(Paragraph(escape(f"{v['date']} {v['kind']} {v['place']}：{v['summary']}"), body))
        for key in chart_keys:
            if key in charts:
                story += [Spacer(1, 2 * mm), charts[key].drawing]
    story += [
        Spacer(1, 8 * mm),
        Paragraph(escape(f"报告人：{content.cadre_name}    生成时间：{content.generated_at}"), plain),
    ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLE} {content.cadre_name} {content.period}",
        author=content.cadre_name,
    )

    def footer(canvas, doc_) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(
            A4[0] / 2, 10 * mm, f"{content.cadre_name}  {content.period_label}  第 {doc_.page} 页"
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def render_docx(content: ReportContent) -> bytes:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    heading = document.add_heading(TITLE, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = document.add_paragraph(_headline(content))
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if not content.has_data:
        document.add_paragraph(f"本报告期（{content.period_label}）无联系群众和诉求办理数据。")
    charts = report_charts(content, cjk=False)
    for index, (title, lines, chart_keys) in enumerate(_sections(content), start=1):
        document.add_heading(f"{'一二三四五六'[index - 1]}、{title}", level=1)
        for line in lines:
            document.add_paragraph(line)
        if title == SECTIONS[2] and content.rates:
            table = document.add_table(rows=1, cols=3)
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, ["指标", "数值", "分子/分母"]):
                cell.text = text
            for r in content.rates:
                cells = table.add_row().cells
                cells[0].text, cells[1].text, cells[2].text = (
                    r.label,
                    r.text,
                    f"{r.numerator}/{r.denominator}",
                )
        if title == SECTIONS[1] and content.notable_visits:
            document.add_paragraph("典型走访：")
            for v in content.notable_visits:
                document.add_paragraph(
                    f"{v['date']} {v['kind']} {v['place']}：{v['summary']}", style="List Bullet"
                )
        for key in chart_keys:
            if key in charts:
                chart = charts[key]
                document.add_picture(io.BytesIO(chart_png(chart)), width=Cm(14))
                caption = document.add_paragraph(f"图：{chart.caption}")
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for line in chart.legend:
                    document.add_paragraph(line).paragraph_format.space_after = Pt(0)
    document.add_paragraph(f"报告人：{content.cadre_name}    生成时间：{content.generated_at}")
    document.core_properties.title = f"{TITLE} {content.cadre_name} {content.period}"
    document.core_properties.author = content.cadre_name
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def render(content: ReportContent, fmt: str) -> bytes:
    """The report file, in Chinese whatever language the request, command or worker is in."""
    if fmt not in ("pdf", "docx"):
        raise ValueError(f"Unknown report format {fmt!r}: use pdf or docx")
    with translation.override(REPORT_LANGUAGE):
        return render_pdf(content) if fmt == "pdf" else render_docx(content)
