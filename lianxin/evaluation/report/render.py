"""Render a ReportContent to PDF (ReportLab, for filing) and DOCX (python-docx, in 公文 layout).

Both carry the same sections: the (editable) narrative, the section's figures as a table, its charts,
and at the end 附件 — the definition (口径) of every figure.

- PDF: every font embedded (the TrueType font of `fonts.py`, subset; no standard-14 font anywhere),
  「第 N 页 共 M 页」 on every page, headings kept with what follows them.
- DOCX (GB/T 9704 conventions): A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title
  方正小标宋简体 二号 centred; headings 黑体 三号 (一、) and 楷体_GB2312 三号 (（一）); body 仿宋_GB2312 三号,
  lines at a fixed 28 pt; page numbers 「— N —」 in the footer. Heading styles are black with their fonts
  named (no theme font or colour of Word's default blue headings); each font has its substitutes
  declared in the font table (w:altName) for machines without the 公文 fonts.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lianxin.evaluation.report.charts import CHART_SECTIONS, Chart, chart_notes, chart_png, report_charts
from lianxin.evaluation.report.content import REPORT_LANGUAGE, TITLE, Figure, ReportContent
from lianxin.evaluation.report.fonts import register_cjk_font

# 公文 page (GB/T 9704): A4 and its margins, in millimetres.
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
FOOTER_FONT = "宋体"
# Substitutes Word may use where a 公文 font is not installed (w:altName in the font table).
FONT_FALLBACKS = {
    TITLE_FONT: "小标宋",
    HEADING_FONT: "SimHei",
    SUBHEADING_FONT: "楷体",
    BODY_FONT: "仿宋",
    FOOTER_FONT: "SimSun",
    "楷体": "KaiTi",
    "仿宋": "FangSong",
    "小标宋": "宋体",
}
SIZE_ER_HAO = 22  # 二号
SIZE_SAN_HAO = 16  # 三号
SIZE_SI_HAO = 14  # 四号
SIZE_XIAO_SI = 12  # 小四
LINE_PT = 28


def _headline(content: ReportContent) -> str:
    return f"{content.cadre_name}（{content.unit or '—'}）  报告期：{content.period_label}"


def _figure_rows(figures: list[Figure]) -> list[list[str]]:
    return [[f.label, f.text] for f in figures]


# --- PDF ---------------------------------------------------------------------------------------------


class _NumberedCanvas(Canvas):
    """Writes 「第 N 页 共 M 页」 once the page count is known (pages are kept until the end)."""

    footer_text = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        font = register_cjk_font()
        self.saveState()
        self.setFont(font, 10)
        self.drawCentredString(A4[0] / 2, 15 * mm, f"第 {self._pageNumber} 页 共 {total} 页")
        if self.footer_text:
            self.setFont(font, 8)
            self.setFillColor(colors.grey)
            self.drawCentredString(A4[0] / 2, 9 * mm, self.footer_text)
        self.restoreState()


def _pdf_styles(font: str) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=font, fontSize=14, leading=24, wordWrap="CJK", firstLineIndent=28)
    return {
        "body": body,
        "plain": ParagraphStyle("plain", parent=body, firstLineIndent=0),
        "note": ParagraphStyle("note", parent=body, firstLineIndent=0, textColor=colors.HexColor("#8a6d3b")),
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=SIZE_ER_HAO, leading=34, alignment=TA_CENTER, spaceAfter=6
        ),
        "sub": ParagraphStyle(
            "sub", parent=body, firstLineIndent=0, alignment=TA_CENTER, textColor=colors.grey
        ),
        "h1": ParagraphStyle(
            "h1",
            fontName=font,
            fontSize=SIZE_SAN_HAO,
            leading=28,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2", fontName=font, fontSize=15, leading=26, spaceBefore=4, spaceAfter=2, keepWithNext=1
        ),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=14, wordWrap="CJK"),
    }


def _pdf_table(rows: list[list[str]], widths: list[float], style: ParagraphStyle, font: str) -> Table:
    data = [[Paragraph(escape(cell), style) for cell in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 10.5),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def render_pdf(content: ReportContent) -> bytes:
    font = register_cjk_font()
    st = _pdf_styles(font)
    charts = report_charts(content)
    notes = chart_notes(content)
    width = A4[0] - (MARGINS_MM["left"] + MARGINS_MM["right"]) * mm
    story: list[Any] = [
        Paragraph(TITLE, st["title"]),
        Paragraph(escape(_headline(content)), st["sub"]),
        Spacer(1, 4 * mm),
    ]
    for note in content.notes:
        story.append(Paragraph(escape(note), st["note"]))
    for section in content.sections():
        heading = Paragraph(f"{section['number']}、{escape(section['heading'])}", st["h1"])
        story.append(heading)
        for line in section["lines"]:
            story.append(Paragraph(escape(line), st["body"]))
        for title, _key, lines in section["parts"]:
            story.append(Paragraph(escape(title), st["h2"]))
            for line in lines:
                story.append(Paragraph(escape(line), st["body"]))
        if section["figures"]:
            rows = [["指标", "数值"], *_figure_rows(section["figures"])]
            story += [Spacer(1, 2 * mm), _pdf_table(rows, [width * 0.6, width * 0.4], st["cell"], font)]
        if section.get("table"):
            table = section["table"]
            columns = max(len(r) for r in table) or 1
            story += [
                Spacer(1, 2 * mm),
                _pdf_table(table, [width / columns] * columns, st["cell"], font),
            ]
        for key in CHART_SECTIONS.get(section["key"], []):
            if key in charts:
                story += [Spacer(1, 2 * mm), KeepTogether([charts[key].drawing])]
        for line in notes.get(section["key"], []):
            story.append(Paragraph(escape(line), st["note"]))
    story += [
        Spacer(1, 8 * mm),
        Paragraph(escape(f"报告人：{content.cadre_name}    生成时间：{content.generated_at}"), st["plain"]),
        Paragraph("附件：指标口径", st["h1"]),
    ]
    rows = [["指标", "口径（统计范围与计算方法）"]]
    rows += [[f.label.removeprefix("其中："), f.definition] for f in content.figures]
    story.append(_pdf_table(rows, [width * 0.25, width * 0.75], st["cell"], font))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGINS_MM["left"] * mm,
        rightMargin=MARGINS_MM["right"] * mm,
        topMargin=MARGINS_MM["top"] * mm,
        bottomMargin=MARGINS_MM["bottom"] * mm,
        title=f"{TITLE} {content.cadre_name} {content.period}",
        author=content.cadre_name,
        subject=TITLE,
        creator="Lianxin",
        initialFontName=font,  # no page may start on Helvetica, which is never embedded
        initialFontSize=10,
    )
    footer = f"{content.cadre_name}  {content.period_label}"

    def canvasmaker(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        canvas = _NumberedCanvas(*args, **kwargs)
        canvas.footer_text = footer
        return canvas

    doc.build(story, canvasmaker=canvasmaker)
    return buf.getvalue()


# --- DOCX --------------------------------------------------------------------------------------------


def _rfonts(rpr: Any, name: str) -> None:
    """Name `name` for every script of a run or style (no theme font left to override it)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme") or attr.endswith("theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _style_font(style: Any, name: str, size: float, *, bold: bool = False) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    _rfonts(rpr, name)
    color = rpr.find(qn("w:color"))
    if color is not None:  # drop the theme colour that Word would prefer to the black value
        for attr in list(color.attrib):
            if "theme" in attr.lower():
                del color.attrib[attr]


def _run_font(run: Any, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(0, 0, 0)
    _rfonts(run._element.get_or_add_rPr(), name)


def _font_table_fallbacks(document: Any) -> None:
    """Declare each 公文 font's substitute (w:altName) in word/fontTable.xml."""
    part = next(p for p in document.part.package.parts if str(p.partname) == "/word/fontTable.xml")
    from lxml import etree

    root = etree.fromstring(part.blob)
    have = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, alt in FONT_FALLBACKS.items():
        if name in have:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt_el = etree.SubElement(font, qn("w:altName"))
        alt_el.set(qn("w:val"), alt)
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "modern" if name in (HEADING_FONT, "SimHei") else "roman")
        pitch = etree.SubElement(font, qn("w:pitch"))
        pitch.set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number_footer(section: Any) -> None:
    """「— N —」 centred in the footer, N a PAGE field."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run_font(paragraph.add_run("— "), FOOTER_FONT, SIZE_SI_HAO)
    run = paragraph.add_run()
    _run_font(run, FOOTER_FONT, SIZE_SI_HAO)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._element.append(el)
    _run_font(paragraph.add_run(" —"), FOOTER_FONT, SIZE_SI_HAO)


def _docx_setup(document: Any) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(25)
    styles = document.styles
    normal = styles["Normal"]
    _style_font(normal, BODY_FONT, SIZE_SAN_HAO)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    for name, font in (("Title", TITLE_FONT), ("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        style = styles[name]
        _style_font(style, font, SIZE_ER_HAO if name == "Title" else SIZE_SAN_HAO)
        ppr = style.element.get_or_add_pPr()
        border = ppr.find(qn("w:pBdr"))
        if border is not None:  # the default Title's blue rule
            ppr.remove(border)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(36 if name == "Title" else LINE_PT)
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.keep_with_next = True
        for char in styles:  # the linked character style (Heading1Char…) carries the blue too
            if char.style_id == f"{style.style_id}Char":
                _style_font(char, font, SIZE_ER_HAO if name == "Title" else SIZE_SAN_HAO)
    _font_table_fallbacks(document)
    _page_number_footer(section)


def _body(document: Any, text: str, *, indent: bool = True) -> Any:
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(SIZE_SAN_HAO * 2)
    _run_font(paragraph.add_run(text), BODY_FONT, SIZE_SAN_HAO)
    return paragraph


def _heading(document: Any, text: str, level: int) -> Any:
    paragraph = document.add_heading(level=level)
    font = TITLE_FONT if level == 0 else HEADING_FONT if level == 1 else SUBHEADING_FONT
    size = SIZE_ER_HAO if level == 0 else SIZE_SAN_HAO
    if level:
        paragraph.paragraph_format.first_line_indent = Pt(SIZE_SAN_HAO * 2)
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run_font(paragraph.add_run(text), font, size)
    return paragraph


def _docx_table(document: Any, rows: list[list[str]], widths_mm: list[float]) -> None:
    table = document.add_table(rows=0, cols=len(rows[0]))
    table.style = "Table Grid"
    for i, row in enumerate(rows):
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, row)):
            cell.width = Mm(widths_mm[j])
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            paragraph.paragraph_format.first_line_indent = Pt(0)
            if i == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run_font(paragraph.add_run(text), HEADING_FONT if i == 0 else BODY_FONT, SIZE_XIAO_SI)
    # the header row repeats on each page
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _docx_chart(document: Any, chart: Chart) -> None:
    document.add_picture(io.BytesIO(chart_png(chart)), width=Mm(150))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.paragraphs[-1].paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    caption = _body(document, f"图：{chart.caption}", indent=False)
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def render_docx(content: ReportContent) -> bytes:
    document = Document()
    _docx_setup(document)
    _heading(document, TITLE, 0)
    sub = _body(document, _headline(content), indent=False)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for note in content.notes:
        _body(document, note)
    charts = report_charts(content)
    notes = chart_notes(content)
    for section in content.sections():
        _heading(document, f"{section['number']}、{section['heading']}", 1)
        for line in section["lines"]:
            _body(document, line)
        for title, _key, lines in section["parts"]:
            _heading(document, title, 2)
            for line in lines:
                _body(document, line)
        if section["figures"]:
            _docx_table(document, [["指标", "数值"], *_figure_rows(section["figures"])], [96, 60])
        if section.get("table"):
            table = section["table"]
            columns = max(len(r) for r in table) or 1
            _docx_table(document, table, [156 / columns] * columns)
        for key in CHART_SECTIONS.get(section["key"], []):
            if key in charts:
                _docx_chart(document, charts[key])
        for line in notes.get(section["key"], []):
            _body(document, line)
    _body(document, f"报告人：{content.cadre_name}    生成时间：{content.generated_at}", indent=False)
    _heading(document, "附件：指标口径", 1)
    rows = [["指标", "口径（统计范围与计算方法）"]]
    rows += [[f.label.removeprefix("其中："), f.definition] for f in content.figures]
    _docx_table(document, rows, [40, 116])
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
