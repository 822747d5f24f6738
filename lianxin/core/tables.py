"""Rows of a spreadsheet or CSV file that people upload or import (.xlsx: its first sheet; .csv: UTF-8,
with or without a byte-order mark). An unreadable file is refused with a message naming it and why."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailed


def table_rows(path: Path) -> Iterator[list[Any]]:
    """The rows of `path`, one list of cell values each (None for an empty .xlsx cell), read lazily."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # any unreadable workbook gets one clear message
            raise ValidationFailed(
                _("%(file)s：不是可读取的 .xlsx 文件（%(error)s）")
                % {"file": path.name, "error": type(exc).__name__}
            ) from exc
        try:
            yield from (list(r) for r in workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    elif suffix == ".csv":
        csv.field_size_limit(sys.maxsize)
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                yield from csv.reader(fh)
        except UnicodeDecodeError as exc:
            raise ValidationFailed(_("%(file)s：不是 UTF-8 编码的文本") % {"file": path.name}) from exc
    else:
        raise ValidationFailed(
            _("%(file)s：不支持的文件类型 %(suffix)s，请使用 .xlsx 或 .csv")
            % {"file": path.name, "suffix": suffix or _("（无扩展名）")}
        )
