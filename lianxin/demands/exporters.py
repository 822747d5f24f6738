"""Export of any filtered demand list to CSV or XLSX, personal data masked unless the role may see it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.accounts.models import Viewer
from lianxin.core.masking import mask_address
from lianxin.demands.intel_port import mask_pii
from lianxin.demands.models import Demand
from lianxin.demands.selectors import demand_contact

COLUMNS = [
    ("ticket_no", gettext_lazy("工单编号")),
    ("created_at", gettext_lazy("提交时间")),
    ("type", gettext_lazy("诉求类型")),
    ("urgency", gettext_lazy("紧急程度")),
    ("title", gettext_lazy("标题")),
    ("content", gettext_lazy("内容")),
    ("category", gettext_lazy("分类")),
    ("area", gettext_lazy("区域")),
    ("address", gettext_lazy("地址")),
    ("contact_name", gettext_lazy("联系人")),
    ("contact_phone", gettext_lazy("联系电话")),
    ("status", gettext_lazy("状态")),
    ("lead_unit", gettext_lazy("主办单位")),
    ("due_at", gettext_lazy("当前时限")),
    ("replied_at", gettext_lazy("答复时间")),
    ("outcome", gettext_lazy("答复结果")),
    ("satisfaction", gettext_lazy("满意度")),
    ("resolved", gettext_lazy("是否解决")),
]
MAX_ROWS = 100_000


def _fmt(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def demand_rows(qs: QuerySet[Demand], user: Viewer) -> Iterator[list[Any]]:
    """The export rows, labels in the active language."""
    for d in qs.select_related("category", "area", "lead_unit")[:MAX_ROWS].iterator(chunk_size=2000):
        contact = demand_contact(user, d)
        full = contact["masked"] == "no"
        yield [
            d.ticket_no,
            _fmt(d.created_at),
            d.get_type_display(),
            d.get_urgency_display(),
            d.title if full else mask_pii(d.title),
            d.content if full else mask_pii(d.content),
            d.category.name if d.category else "",
            d.area.name if d.area else "",
            d.address if full else mask_address(d.address),
            contact["name"],
            contact["phone"],
            d.status_display,
            d.lead_unit.name if d.lead_unit else "",
            _fmt(d.due_at),
            _fmt(d.replied_at),
            d.get_outcome_display() if d.outcome else "",
            d.get_satisfaction_display() if d.satisfaction else "",
            "" if d.resolved is None else (_("是") if d.resolved else _("否")),
        ]


# Citizens write the titles, contents and names: a cell that starts like a formula must stay text, or
# opening the export would run it (CSV/formula injection, OWASP). XLSX cells are typed as strings;
# CSV cells get the usual leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _xlsx_cells(sheet: Any, row: list[Any]) -> list[Any]:
    # openpyxl loads only for an xlsx export, not with every web process
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cells = []
    for value in row:
        if not isinstance(value, str):
            cells.append(value)
            continue
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
        cells.append(cell)
    return cells


class _Echo:
    def write(self, value: str) -> str:
        return value


def demands_export_response(
    *, qs: QuerySet[Demand], user: Viewer, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    header = [str(label) for _key, label in COLUMNS]
    language = translation.get_language()
    if fmt == "xlsx":
        import openpyxl  # loaded only for an xlsx export, as in _xlsx_cells

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet(_("诉求工单"))
        sheet.append(header)
        for row in demand_rows(qs, user):
            sheet.append(_xlsx_cells(sheet, row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="demands-{stamp}.xlsx"'
        return response
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        with translation.override(language):  # rows are streamed after the view has returned
            for row in demand_rows(qs, user):
                yield writer.writerow([_csv_cell(value) for value in row])

    response_s = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response_s["Content-Disposition"] = f'attachment; filename="demands-{stamp}.csv"'
    return response_s
