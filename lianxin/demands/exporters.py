"""Export of any filtered demand list to CSV or XLSX, personal data masked unless the role may see it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from lianxin.demands.selectors import demand_contact

COLUMNS = [
    ("ticket_no", "工单编号"),
    ("created_at", "提交时间"),
    ("type", "诉求类型"),
    ("urgency", "紧急程度"),
    ("title", "标题"),
    ("content", "内容"),
    ("category", "分类"),
    ("area", "区域"),
    ("address", "地址"),
    ("contact_name", "联系人"),
    ("contact_phone", "联系电话"),
    ("status", "状态"),
    ("lead_unit", "主办单位"),
    ("due_at", "当前时限"),
    ("replied_at", "答复时间"),
    ("outcome", "答复结果"),
    ("satisfaction", "满意度"),
    ("resolved", "是否解决"),
]
MAX_ROWS = 100_000


def _fmt(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def demand_rows(qs, user) -> Iterator[list[Any]]:
    from lianxin.core.masking import mask_address
    from lianxin.demands.intel_hooks import mask_pii

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
            "" if d.resolved is None else ("是" if d.resolved else "否"),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def demands_export_response(*, qs, user, fmt: str) -> HttpResponse | StreamingHttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    header = [label for _key, label in COLUMNS]
    if fmt == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("诉求工单")
        sheet.append(header)
        for row in demand_rows(qs, user):
            sheet.append(row)
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
        for row in demand_rows(qs, user):
            yield writer.writerow(row)

    response_s = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response_s["Content-Disposition"] = f'attachment; filename="demands-{stamp}.csv"'
    return response_s
