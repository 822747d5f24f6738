"""The report's one font, embedded in every PDF: WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0).

A filed PDF must read the same on any machine, so no font may be left to the reader (ReportLab's CID
fonts such as STSong-Light are never embedded). ReportLab embeds only TrueType (glyf) outlines; the
font comes from the `paperang-p2-fonts-cjk` package (a TrueType collection, face 0 = Micro Hei), and
ReportLab subsets it: only the characters used are written into each file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT = "WenQuanYiMicroHei"
FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"


def font_path() -> Path:
    try:
        path = Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "The report font package is missing: pip install paperang-p2-fonts-cjk (see pyproject.toml)"
        ) from exc
    return path


def register_cjk_font() -> str:
    """Register the font with ReportLab once per process; returns its name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(font_path()), subfontIndex=0))
    return CJK_FONT
