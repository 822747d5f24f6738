"""The CJK font embedded in the 调解协议书 PDF: WenQuanYi Micro Hei from the `paperang-p2-fonts-cjk`
package, the font the cadre's report embeds. The layers forbid mediation to import
`lianxin.evaluation.report.fonts`, so the dozen lines that register it with ReportLab are repeated here
(a shared helper in `lianxin.core` would remove the copy; see docs/mediation.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT = "WenQuanYiMicroHei"
FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"


def font_path() -> Path:
    return Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))


def register_cjk_font() -> str:
    """Register the font with ReportLab once per process (the same name as the report's: registering
    it twice is a no-op); returns its name."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(font_path()), subfontIndex=0))
    return CJK_FONT
