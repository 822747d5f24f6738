"""The 调解协议书 (mediation agreement) as DOCX (python-docx) and PDF (ReportLab, the CJK font embedded),
both from one text template, `mediation/agreement.txt` (a project may override it in its template
directories): a line starting with "# " is the title, "## " a heading, "> " a centred line, any other
line a paragraph. Before the agreement is signed the document is marked as a draft.

The document carries the parties' whole names and numbers: only those who see them whole (the case's
mediators, supervisors, admins) may have it (`api.AgreementView`, `views.agreement`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from lianxin.mediation.access import party_view
from lianxin.mediation.choices import Level, Status
from lianxin.mediation.fonts import register_cjk_font
from lianxin.mediation.models import Case

TEMPLATE = "mediation/agreement.txt"
FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Block:
    kind: str  # title | heading | centre | text
    text: str


def agreement_blocks(case: Case) -> list[Block]:
    parties = list(case.parties.all())
    draft = case.status not in (Status.AGREED, Status.CLOSED) or case.agreed_at is None
    when = case.agreed_at or timezone.now()
    mediators = [link.user for link in case.mediator_links.select_related("user")]
    context = {
        "case": case,
        "draft": draft,
        "parties": [{"role": p.get_role_display(), **party_view(p, whole=True)} for p in parties],
        "terms": case.agreement_terms or "（协议内容待拟定）",
        "copies": len(parties) + 1,
        "mediators": "、".join(str(u) for u in mediators),
        "level": Level(case.level).label,
        "day": f"{timezone.localdate(when):%Y年%m月%d日}",
    }
    text = render_to_string(TEMPLATE, context)
    blocks = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        for prefix, kind in (("# ", "title"), ("## ", "heading"), ("> ", "centre")):
            if line.startswith(prefix):
                blocks.append(Block(kind, line[len(prefix) :].strip()))
                break
        else:
            blocks.append(Block("text", line.strip()))
    return blocks


def agreement_docx(case: Case) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    for block in agreement_blocks(case):
        p = doc.add_paragraph()
        run = p.add_run(block.text)
        if block.kind == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size = Pt(22)
            run.bold = True
        elif block.kind == "heading":
            run.bold = True
            run.font.size = Pt(15)
        elif block.kind == "centre":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            p.paragraph_format.first_line_indent = Pt(28)
    out = io.BytesIO()
    doc.core_properties.title = f"人民调解协议书 {case.case_no}"
    doc.save(out)
    return out.getvalue()


def agreement_pdf(case: Case) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = register_cjk_font()
    styles = {
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=22, leading=34, alignment=TA_CENTER, spaceAfter=8
        ),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=15, leading=26, spaceBefore=6),
        "centre": ParagraphStyle("centre", fontName=font, fontSize=12, leading=20, alignment=TA_CENTER),
        "text": ParagraphStyle(
            "text", fontName=font, fontSize=13, leading=22, wordWrap="CJK", firstLineIndent=26
        ),
    }
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=30 * mm,
        bottomMargin=28 * mm,
        title=f"人民调解协议书 {case.case_no}",
        initialFontName=font,
        initialFontSize=10,
    )
    story: list = []
    for block in agreement_blocks(case):
        story.append(Paragraph(escape(block.text), styles[block.kind]))
        if block.kind == "title":
            story.append(Spacer(1, 2 * mm))
    doc.build(story)
    return out.getvalue()


def agreement_document(case: Case, kind: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the agreement as `kind` ("docx" or "pdf")."""
    content = agreement_docx(case) if kind == "docx" else agreement_pdf(case)
    return content, FORMATS[kind], f"调解协议书-{case.case_no}.{kind}"
