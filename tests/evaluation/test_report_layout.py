"""The files: a PDF for filing (every font embedded, 第 N 页 共 M 页, no heading left at a page's foot) and a
Word document in 公文 layout (GB/T 9704: A4, margins, fonts, black headings, — N — page numbers)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader

from lianxin.evaluation.selectors import Period
from lianxin.evaluation.services import report_render
from tests.contact.factories import demand_through, field_visit

pytestmark = pytest.mark.django_db
MARCH = Period.parse("2026-03")


@pytest.fixture
def data(world):
    for day in range(2, 12):
        demand_through(world, date(2026, 3, day), sign_hours=40 if day % 3 == 0 else 2)
    field_visit(world, date(2026, 3, 6))
    return world


def _fonts(reader: PdfReader) -> list[dict]:
    """Every font dictionary the pages and their form XObjects use (descendants of Type0 fonts too)."""
    seen, out = set(), []

    def walk(resources):
        if not resources:
            return
        resources = resources.get_object()
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            if id(font) in seen:
                continue
            seen.add(id(font))
            out.append(font)
            for child in font.get("/DescendantFonts") or []:
                out.append(child.get_object())
        for xobj in (resources.get("/XObject") or {}).values():
            walk(xobj.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return out


def test_pdf_embeds_every_font(data, artifacts):
    blob = report_render(cadre=data.cadre, period=MARCH, fmt="pdf")
    (artifacts / "report-fonts.pdf").write_bytes(blob)
    fonts = _fonts(PdfReader(io.BytesIO(blob)))
    assert fonts
    for font in fonts:
        if font.get("/Subtype") == "/Type0":
            continue  # its descendant carries the file
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, font.get("/BaseFont")  # TrueType outlines in the file
        assert re.match(r"^/[A-Z]{6}\+", font["/BaseFont"]), font["/BaseFont"]  # a subset
    assert b"STSong-Light" not in blob and b"/Helvetica" not in blob and b"/Times-Roman" not in blob
    if shutil.which("pdffonts"):
        listing = subprocess.run(
            ["pdffonts", str(artifacts / "report-fonts.pdf")], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert listing and all(line.split()[-5] == "yes" for line in listing), listing  # column emb


def test_pdf_numbers_pages_and_keeps_headings_with_their_text(data):
    reader = PdfReader(io.BytesIO(report_render(cadre=data.cadre, period=MARCH, fmt="pdf")))
    total = len(reader.pages)
    assert total >= 2
    for number, page in enumerate(reader.pages, start=1):
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        assert f"第 {number} 页 共 {total} 页" in lines
        body = [line for line in lines if not line.startswith("第 ") and "2026年3月" not in line[-8:]]
        assert not re.match(r"^[一二三四五六]、|^（[一二]）|^附件", body[-1]), (number, body[-1])


def _docx(data) -> docx.document.Document:
    return docx.Document(io.BytesIO(report_render(cadre=data.cadre, period=MARCH, fmt="docx")))


def test_docx_is_a4_with_official_margins(data):
    section = _docx(data).sections[0]
    mm = {
        name: round(getattr(section, name).mm, 1)  # stored in twips: 210 mm reads back as 210.01
        for name in (
            "page_width",
            "page_height",
            "top_margin",
            "bottom_margin",
            "left_margin",
            "right_margin",
        )
    }
    assert mm == {
        "page_width": 210,
        "page_height": 297,
        "top_margin": 37,
        "bottom_margin": 35,
        "left_margin": 28,
        "right_margin": 26,
    }


def test_docx_fonts_and_sizes_follow_the_official_layout(data):
    document = _docx(data)
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)  # 三号
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.paragraph_format.line_spacing == Pt(28)
    title = document.paragraphs[0]
    assert title.text == "领导干部个人联系群众工作报告" and title.alignment == 1  # centred
    run = title.runs[0]
    assert run.font.size == Pt(22)  # 二号
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    headings = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [p.text for p in headings][:6] == [
        "一、基本情况",
        "二、联系群众",
        "三、服务群众",
        "四、化解矛盾纠纷",
        "五、宣传群众",
        "六、存在问题与下一步打算",
    ]
    subheadings = [p for p in document.paragraphs if p.style.name == "Heading 2"]
    assert [p.text for p in subheadings] == ["（一）存在问题", "（二）下一步打算"]
    for paragraph, font in [(p, "黑体") for p in headings] + [(p, "楷体_GB2312") for p in subheadings]:
        for r in paragraph.runs:
            assert r._element.rPr.rFonts.get(qn("w:eastAsia")) == font
            assert r.font.size == Pt(16)
    body = next(p for p in document.paragraphs if p.text.startswith("姓名："))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    # the substitutes declared for machines without the official fonts
    font_table = next(p for p in document.part.package.parts if str(p.partname) == "/word/fontTable.xml")
    for name, alt in (("仿宋_GB2312", "仿宋"), ("方正小标宋简体", "小标宋"), ("黑体", "SimHei")):
        assert f'w:name="{name}"'.encode() in font_table.blob and f'w:val="{alt}"'.encode() in font_table.blob


def test_docx_headings_are_black_not_words_blue(data):
    document = _docx(data)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 1 Char", "Heading 2 Char"):
        style = document.styles[name]
        assert str(style.font.color.rgb) == "000000", name
        color = style.element.rPr.find(qn("w:color"))
        assert color.get(qn("w:themeColor")) is None, name
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:eastAsiaTheme")) is None, name
    for paragraph in document.paragraphs:
        if paragraph.style.name.startswith(("Heading", "Title")):
            for run in paragraph.runs:
                assert run.font.color.rgb is None or str(run.font.color.rgb) == "000000"
                assert run.font.color.theme_color is None


def test_docx_footer_numbers_pages_and_tables_have_chinese_headers(data):
    document = _docx(data)
    footer = document.sections[0].footer.paragraphs[0]
    xml = footer._element.xml
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert headers and all(h in (["指标", "数值"], ["指标", "口径（统计范围与计算方法）"]) for h in headers)
    assert headers[-1] == ["指标", "口径（统计范围与计算方法）"]
    assert len(document.inline_shapes) >= 2  # the charts, as pictures with Chinese labels
