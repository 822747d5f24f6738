"""Reading article import files (CSV in UTF-8, or JSON) into plain dicts with the English field names.

Columns may be English (title, category, time, source, body, author_unit, tags, summary, kind) or the
Chinese headings an office spreadsheet would use (标题, 分类/栏目, 时间/发布时间, 来源, 正文/内容, 作者单位,
标签/关键词, 摘要). A file without a title, category or body column is refused, naming the column.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailed

ALIASES = {
    "title": ("title", "标题"),
    "category": ("category", "分类", "栏目"),
    "time": ("time", "published_at", "时间", "发布时间"),
    "source": ("source", "来源"),
    "body": ("body", "content", "正文", "内容"),
    "author_unit": ("author_unit", "作者单位"),
    "tags": ("tags", "标签", "关键词", "推荐访问"),
    "summary": ("summary", "摘要"),
    "kind": ("kind", "类型"),
}
REQUIRED = ("title", "category", "body")
MAX_FILE_BYTES = 50 * 1024 * 1024


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    lowered = {str(k).strip().lstrip("\ufeff").lower(): v for k, v in row.items() if k is not None}
    out: dict[str, Any] = {}
    for field, names in ALIASES.items():
        for name in names:
            if name in lowered:
                value = lowered[name]
                out[field] = (
                    " ".join(map(str, value)) if isinstance(value, list) and field == "tags" else value
                )
                break
    return out


def _check_columns(columns: set[str]) -> None:
    present = {str(c).strip().lstrip("\ufeff").lower() for c in columns}
    for field in REQUIRED:
        if not any(name in present for name in ALIASES[field]):
            raise ValidationFailed(
                _("导入文件缺少“%(field)s”列（可用列名：%(names)s）")
                % {"field": field, "names": "、".join(ALIASES[field])},
                code="missing_column",
            )


def parse_rows(content: bytes, *, filename: str) -> list[dict[str, Any]]:
    if len(content) > MAX_FILE_BYTES:
        raise ValidationFailed(
            _("导入文件过大（上限 %(n)d MB）") % {"n": MAX_FILE_BYTES // 1024 // 1024}, code="file_too_large"
        )
    text = content.decode("utf-8-sig")
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                _("JSON 格式错误：%(error)s（第 %(line)d 行）") % {"error": exc.msg, "line": exc.lineno},
                code="bad_file",
            ) from exc
        if isinstance(data, dict):
            data = data.get("articles", data.get("items", [data]))
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ValidationFailed(_("JSON 应为文章对象的列表"), code="bad_file")
        if data:
            _check_columns(set().union(*(r.keys() for r in data)))
        return [_normalise(r) for r in data]
    reader = csv.DictReader(io.StringIO(text))
    _check_columns(set(reader.fieldnames or []))
    return [_normalise(r) for r in reader]


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(_("文件不存在：%(path)s") % {"path": path}, code="not_found")
    return parse_rows(path.read_bytes(), filename=path.name)
