"""Fixtures of the import tests: staff users and small synthetic files (csv and xlsx)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.factories import UserFactory

HEADER = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"]


def write_csv(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    wb.save(path)
    return path


@pytest.fixture
def operator(db):
    return UserFactory(username="op1", roles="operator")


@pytest.fixture
def citizen(db):
    return UserFactory(username="cit1", roles="citizen")


@pytest.fixture
def handler_user(db):
    return UserFactory(username="hdl1", roles="handler")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="adm1", roles="admin")
