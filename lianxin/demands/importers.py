"""`lianxin import demands FILE`: historical messages (public Chinese message data) as closed demands.

Columns (contract.md): 留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 一级分类, 点赞数, 反对数, 答复意见, 答复时间 —
or one `text` column instead of 主题/详情 — or the English aliases. A file without 主题/详情 or text is
refused naming the missing column. Each row becomes a demand in state closed (channel import), its
reply columns become the reply; the closure stays unjudged (no rating exists), so imported rows never
move the rates. Rows are refused one by one with a reason (empty text, unreadable time, already
imported 留言编号); a re-import of the same file takes nothing twice.
"""

from __future__ import annotations

import functools
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from lianxin.core.errors import ValidationFailed
from lianxin.core.tables import table_rows
from lianxin.demands.choices import Action, Channel, DemandType, Outcome, Stage, Status
from lianxin.demands.models import Demand, DemandEvent
from lianxin.demands.services import query_code_new, ticket_no_for
from lianxin.org.models import Category

ALIASES = {
    "留言编号": "id",
    "留言用户": "user",
    "留言主题": "title",
    "留言时间": "time",
    "留言详情": "content",
    "一级分类": "label",
    "点赞数": "likes",
    "反对数": "dislikes",
    "答复意见": "reply",
    "答复时间": "reply_time",
    "text": "text",
}
ENGLISH = set(ALIASES.values())
TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y-%m-%d",
)
BATCH = 500


@dataclass
class ImportSummary:
    rows: int = 0
    taken: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    unknown_categories: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        reasons = Counter(r["reason"] for r in self.refused)
        return {
            "rows": self.rows,
            "taken": self.taken,
            "refused": len(self.refused),
            "refused_by_reason": dict(reasons),
            "refused_rows": self.refused[:200],
            "unknown_categories": dict(self.unknown_categories.most_common(20)),
        }


@dataclass
class _Row:
    """A demand built from one row of the file, with the moments of its timeline."""

    number: int
    demand: Demand
    extra: dict[str, Any]
    closed_at: datetime
    replied_at: datetime | None  # None: the row has no reply


def _normalise_header(header: list[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = str(name or "").strip().lstrip("\ufeff")
        code = ALIASES.get(key) or (key.lower() if key.lower() in ENGLISH else None)
        if code and code not in positions:
            positions[code] = index
    return positions


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return " ".join(text.split()) if "\n" in text or "\t" in text else text


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        text = _clean(value)
        if not text:
            return None
        for fmt in TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(text)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _int(value: Any) -> int:
    try:
        return int(float(_clean(value) or 0))
    except ValueError:
        return 0


def _check_columns(pos: dict[str, int], path: Path) -> None:
    if "text" in pos:
        return
    for needed, chinese in (("title", "留言主题"), ("content", "留言详情")):
        if needed not in pos:
            raise ValidationFailed(
                _("%(file)s：缺少「%(column)s」列（%(name)s），或改为提供单独的「text」列")
                % {"file": path.name, "column": chinese, "name": needed},
                code="missing_column",
            )


def _row_of(
    number: int,
    get: Callable[[str], Any],
    categories: dict[str, Category],
    seen: set[str],
    summary: ImportSummary,
) -> _Row | None:
    """One file row as an unsaved demand, or None when it is refused (the reason goes to `summary`)."""
    external = _clean(get("id"))[:64]
    title, content = _clean(get("title")), _clean(get("content"))
    text = _clean(get("text"))
    if not content:
        content = text
    if not title:
        title = (text or content)[:40]
    if not content and title:
        content = title
    if not title or not content:
        summary.refused.append({"row": number, "reason": "empty_text"})
        return None
    try:
        created = _parse_time(get("time")) or timezone.now()
        reply_time = _parse_time(get("reply_time"))
    except ValueError:
        summary.refused.append({"row": number, "reason": "bad_time"})
        return None
    if external:
        if external in seen:
            summary.refused.append({"row": number, "reason": "duplicate_id"})
            return None
        seen.add(external)
    label = _clean(get("label"))
    category = categories.get(label) if label else None
    if label and category is None:
        summary.unknown_categories[label] += 1
    reply = _clean(get("reply"))
    replied_at = (reply_time or created) if reply else None
    closed_at = reply_time or created
    demand = Demand(
        query_code=query_code_new(),
        type=DemandType.HELP,
        title=title[:200],
        content=content[:20000],
        category=category,
        channel=Channel.IMPORT,
        contact_name=_clean(get("user"))[:60],
        external_id=external,
        status=Status.CLOSED,
        stage=Stage.NONE,
        created_at=created,
        closed_at=closed_at,
    )
    if replied_at is not None:
        demand.reply_text = reply[:20000]
        demand.outcome = Outcome.EXPLAINED
        demand.replied_at = replied_at
        demand.handling_seconds = max(0, int((replied_at - created).total_seconds()))
    extra = {
        "likes": _int(get("likes")),
        "dislikes": _int(get("dislikes")),
        "external_id": external,
    }
    return _Row(number, demand, extra, closed_at=closed_at, replied_at=replied_at)


def demands_import(path: Path | str, *, limit: int | None = None, progress: bool = True) -> ImportSummary:
    """Import a message file; returns the summary (nothing half-written: each batch is one transaction)."""
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(_("%(file)s：文件不存在") % {"file": path})
    rows = table_rows(path)
    try:
        header = next(rows)
    except StopIteration:
        raise ValidationFailed(_("%(file)s：文件为空") % {"file": path.name}) from None
    pos = _normalise_header(header)
    _check_columns(pos, path)
    categories: dict[str, Category] = {}
    for cat in Category.objects.order_by("level", "pk"):
        categories.setdefault(cat.name, cat)
    summary = ImportSummary()
    batch: list[_Row] = []
    seen: set[str] = set()

    bar = tqdm(desc=f"import {path.name}", unit="row", file=sys.stderr, disable=not progress)

    def get(row: list[Any], name: str) -> Any:
        index = pos.get(name)
        return row[index] if index is not None and index < len(row) else None

    for number, row in enumerate(rows, start=2):
        if limit is not None and summary.rows >= limit:
            break
        if not any(_clean(v) for v in row):
            continue
        summary.rows += 1
        bar.update(1)
        found = _row_of(number, functools.partial(get, row), categories, seen, summary)
        if found is None:
            continue
        batch.append(found)
        if len(batch) >= BATCH:
            _flush(batch, summary)
            batch = []
    if batch:
        _flush(batch, summary)
    bar.close()
    return summary


def _flush(batch: list[_Row], summary: ImportSummary) -> None:
    ids = [r.demand.external_id for r in batch if r.demand.external_id]
    existing = set(
        Demand.objects.filter(channel=Channel.IMPORT, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    fresh: list[_Row] = []
    for r in batch:
        if r.demand.external_id and r.demand.external_id in existing:
            summary.refused.append({"row": r.number, "reason": "already_imported"})
            continue
        fresh.append(r)
    if not fresh:
        return
    with transaction.atomic():
        created = Demand.objects.bulk_create([r.demand for r in fresh])
        for demand in created:
            demand.ticket_no = ticket_no_for(demand.pk, demand.created_at)
        Demand.objects.bulk_update(created, ["ticket_no"], batch_size=BATCH)
        events = []
        for demand, r in zip(created, fresh, strict=True):
            events.append(
                DemandEvent(
                    demand=demand,
                    action=Action.SUBMIT,
                    to_status=Status.SUBMITTED,
                    data={"channel": Channel.IMPORT, **r.extra},
                    created_at=demand.created_at,
                )
            )
            if r.replied_at is not None:
                events.append(
                    DemandEvent(
                        demand=demand,
                        action=Action.REPLY,
                        from_status=Status.SUBMITTED,
                        to_status=Status.REPLIED,
                        note=demand.reply_text[:2000],
                        data={"imported": True},
                        created_at=r.replied_at,
                    )
                )
            events.append(
                DemandEvent(
                    demand=demand,
                    action=Action.CLOSE,
                    from_status=Status.REPLIED if demand.reply_text else Status.SUBMITTED,
                    to_status=Status.CLOSED,
                    note="历史数据导入",
                    data={"imported": True},
                    created_at=r.closed_at,
                )
            )
        DemandEvent.objects.bulk_create(events, batch_size=1000)
    summary.taken += len(created)


def demands_import_command(command: BaseCommand, options: dict[str, Any]) -> None:
    """The `lianxin import demands FILE [--json] [--limit N]` door (wired in core's import command)."""
    summary = demands_import(options["file"], limit=options.get("limit"), progress=True)
    data = summary.as_dict()
    if options.get("json"):
        command.stdout.write(json.dumps(data, ensure_ascii=False))
        return
    command.stdout.write(f"rows read: {data['rows']}, taken: {data['taken']}, refused: {data['refused']}")
    for reason, count in data["refused_by_reason"].items():
        command.stdout.write(f"  refused ({reason}): {count}")
    for row in data["refused_rows"][:20]:
        command.stdout.write(f"    row {row['row']}: {row['reason']}")
    if data["unknown_categories"]:
        names = ", ".join(f"{k}×{v}" for k, v in data["unknown_categories"].items())
        command.stdout.write(f"  imported without category (unknown 一级分类): {names}")
