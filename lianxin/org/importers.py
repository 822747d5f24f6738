"""Import of the three-level category tree from a file shaped like 附件1.xlsx (一级/二级/三级分类).

The whole file is validated before anything is written; a bad row is refused with its row number
and column name, and the import happens in one transaction, so nothing is ever half-imported.
Re-importing the same file is a no-op (existing categories are matched by parent and name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailed
from lianxin.core.tables import table_rows
from lianxin.org.models import Category

COLUMNS = ("一级分类", "二级分类", "三级分类")
MAX_NAME = 100


@dataclass
class CategoryImportResult:
    rows: int
    created: int
    existing: int


def _read_rows(path: Path) -> list[list[str]]:
    return [["" if c is None else str(c).strip() for c in row] for row in table_rows(path)]


def _parse(rows: list[list[str]], filename: str) -> list[tuple[str, ...]]:
    if not rows:
        raise ValidationFailed(_("%(file)s：文件为空") % {"file": filename})
    header = rows[0]
    positions = {}
    for column in COLUMNS:
        if column not in header:
            raise ValidationFailed(
                _("%(file)s：表头行缺少「%(column)s」列") % {"file": filename, "column": column},
                code="missing_column",
            )
        positions[column] = header.index(column)
    paths: list[tuple[str, ...]] = []
    for number, row in enumerate(rows[1:], start=2):
        values = [row[positions[c]] if positions[c] < len(row) else "" for c in COLUMNS]
        if not any(values):
            continue  # blank line
        for column, value in zip(COLUMNS, values, strict=True):
            if len(value) > MAX_NAME:
                raise ValidationFailed(
                    _("%(file)s：第 %(row)d 行「%(column)s」列：名称超过 %(max)d 个字符")
                    % {"file": filename, "row": number, "column": column, "max": MAX_NAME},
                    fields={column: [_("第 %(row)d 行") % {"row": number}]},
                )
        # No gaps: a level needs every level above it.
        for level in range(1, 3):
            if values[level] and not values[level - 1]:
                raise ValidationFailed(
                    _("%(file)s：第 %(row)d 行「%(column)s」列为空，但「%(next)s」列已填写")
                    % {"file": filename, "row": number, "column": COLUMNS[level - 1], "next": COLUMNS[level]},
                    fields={COLUMNS[level - 1]: [_("第 %(row)d 行") % {"row": number}]},
                )
        paths.append(tuple(v for v in values if v))
    if not paths:
        raise ValidationFailed(_("%(file)s：表头下没有分类数据行") % {"file": filename})
    return paths


def categories_import(path: Path | str) -> CategoryImportResult:
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(_("%(file)s：文件不存在") % {"file": path})
    paths = _parse(_read_rows(path), path.name)
    created = existing = 0
    with transaction.atomic():
        cache: dict[tuple[str, ...], Category] = {}
        for cat in Category.objects.select_related("parent"):
            key: list[str] = []
            node: Category | None = cat
            while node is not None:
                key.insert(0, node.name)
                node = node.parent
            cache[tuple(key)] = cat
        counters: dict[int | None, int] = {}
        for full in paths:
            for depth in range(1, len(full) + 1):
                key_t = full[:depth]
                if key_t in cache:
                    if depth == len(full):
                        existing += 1
                    continue
                parent = cache[key_t[:-1]] if depth > 1 else None
                parent_id = parent.pk if parent else None
                if parent_id not in counters:
                    counters[parent_id] = Category.objects.filter(parent=parent).count()
                counters[parent_id] += 1
                width = 2 if depth == 1 else 3
                suffix = str(counters[parent_id]).zfill(width)
                code = f"{parent.code}.{suffix}" if parent else f"C{suffix}"
                cat = Category(name=key_t[-1], parent=parent, code=code)
                cat.save()
                cache[key_t] = cat
                created += 1
    return CategoryImportResult(rows=len(paths), created=created, existing=existing)


def categories_import_command(command: BaseCommand, options: dict[str, Any]) -> None:
    result = categories_import(options["file"])
    if options.get("json"):
        command.stdout.write(json.dumps(result.__dict__))
    else:
        command.stdout.write(
            f"{result.rows} rows read: {result.created} categories created, {result.existing} already present."
        )
