"""`lianxin import demands FILE`: historical messages (public Chinese message data) as closed demands.

Columns (contract.md): 留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 一级分类, 点赞数, 反对数, 答复意见, 答复时间 —
or one `text` column instead of 主题/详情 — or the English aliases. A file without 主题/详情 or text is
refused naming the missing column. Each row becomes a demand in state closed (channel import), its
reply columns become the reply; the closure stays unjudged (no rating exists), so imported rows never
move the rates. Rows are refused one by one with a reason (empty text, a missing or unreadable time,
already imported 留言编号); a re-import of the same file takes nothing twice.

Imports never guess silently (issue 16.11):
- A file with a time column: a row whose time is empty (`missing_time`) or unreadable (`bad_time`) is
  refused. A file with no time column at all (a `text`/`label` training file) is refused naming the
  column, unless the operator asks for its rows dated at the import moment (`--undated-now`); then the
  summary says so (`undated` and a note).
- Columns of the file that no field reads are named in the summary (`ignored_columns`).
- Without an id column, each row's idempotency key is a content fingerprint, stored in `external_id`
  as `fp:` + sha256 of the normalised title, content, time and a hash of the contact: re-importing the
  same file (or the same rows in another file) adds nothing.
- `mapping` (field code → column index) replaces the header guess: the operator's import page maps
  the columns; `guess_mapping` is the guess it starts from.
- After an import, listeners registered with `import_listener_add` (the imports app: analysis of the
  imported letters, issue 17.7) receive the summary with the ids of the demands created.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
import unicodedata
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
from django.utils.translation import gettext_noop
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
FINGERPRINT_PREFIX = "fp:"
# The fields a column can feed, in the order the mapping form shows them (labels: the file's headers).
TARGETS = {
    "id": "留言编号",
    "user": "留言用户",
    "title": "留言主题",
    "time": "留言时间",
    "content": "留言详情",
    "text": "text",
    "label": "一级分类",
    "likes": "点赞数",
    "dislikes": "反对数",
    "reply": "答复意见",
    "reply_time": "答复时间",
}
# Refusal reasons that mean "this row is already in" (counted as duplicates, not as errors).
DUPLICATE_REASONS = frozenset({"already_imported", "duplicate_id", "duplicate_row"})
REASON_LABELS = {
    "empty_text": gettext_noop("没有主题和详情"),
    "missing_time": gettext_noop("缺少留言时间"),
    "bad_time": gettext_noop("时间无法识别"),
    "duplicate_id": gettext_noop("文件内留言编号重复"),
    "duplicate_row": gettext_noop("文件内内容重复"),
    "already_imported": gettext_noop("已导入过"),
}


def reason_label(code: str) -> str:
    """A refusal reason in the reader's language."""
    return _(REASON_LABELS[code]) if code in REASON_LABELS else code


@dataclass
class ImportSummary:
    rows: int = 0
    taken: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    unknown_categories: Counter[str] = field(default_factory=Counter)
    ignored_columns: list[str] = field(default_factory=list)
    fingerprinted: bool = False  # no id column: rows keyed by their content fingerprint
    undated: int = 0  # rows taken dated at the import moment (the file has no time column)
    created_ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    analysis_job: int | None = None  # set by the imports app's listener

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.refused if r["reason"] in DUPLICATE_REASONS)

    @property
    def errors(self) -> int:
        """Rows refused for what they contain (not for being already in)."""
        return len(self.refused) - self.duplicates

    def as_dict(self) -> dict[str, Any]:
        reasons = Counter(r["reason"] for r in self.refused)
        data = {
            "rows": self.rows,
            "taken": self.taken,
            "refused": len(self.refused),
            "refused_by_reason": dict(reasons),
            "refused_rows": self.refused[:200],
            "unknown_categories": dict(self.unknown_categories.most_common(20)),
            "duplicates": self.duplicates,
            "ignored_columns": list(self.ignored_columns),
            "fingerprinted": self.fingerprinted,
            "undated": self.undated,
            "notes": list(self.notes),
        }
        if self.analysis_job is not None:
            data["analysis_job"] = self.analysis_job
        return data


ImportListener = Callable[[ImportSummary, Path], None]
_LISTENERS: list[ImportListener] = []


def import_listener_add(listener: ImportListener) -> None:
    """Call `listener(summary, path)` after every `demands_import_command` run (once per listener)."""

    def name(f: ImportListener) -> tuple[str, str]:
        return (f.__module__, f.__qualname__)  # the same function imported twice, not another of its name

    if all(name(existing) != name(listener) for existing in _LISTENERS):
        _LISTENERS.append(listener)


@dataclass
class _Row:
    """A demand built from one row of the file, with the moments of its timeline."""

    number: int
    demand: Demand
    extra: dict[str, Any]
    closed_at: datetime
    replied_at: datetime | None  # None: the row has no reply


def _header_name(name: Any) -> str:
    return str(name if name is not None else "").strip().lstrip("\ufeff")


def _normalise_header(header: list[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _header_name(name)
        code = ALIASES.get(key) or (key.lower() if key.lower() in ENGLISH else None)
        if code and code not in positions:
            positions[code] = index
    return positions


def guess_mapping(header: list[Any]) -> dict[str, int]:
    """The column index each field reads, guessed from the headers (contract names, English aliases)."""
    return _normalise_header(header)


def ignored_columns(header: list[Any], mapping: dict[str, int]) -> list[str]:
    """The headers of the columns no field reads (a column without a header is named by its place)."""
    used = set(mapping.values())
    return [
        _header_name(name) or _("第%(n)s列") % {"n": index + 1}
        for index, name in enumerate(header)
        if index not in used
    ]


def file_preview(path: Path | str, *, rows: int = 5) -> tuple[list[str], list[list[str]]]:
    """The header and the first `rows` rows of a file, as text (the import page's preview)."""
    reader = table_rows(Path(path))
    try:
        header = [_header_name(h) for h in next(reader)]
    except StopIteration:
        raise ValidationFailed(_("%(file)s：文件为空") % {"file": Path(path).name}) from None
    first: list[list[str]] = []
    for row in reader:
        if len(first) >= rows:
            break
        if any(_clean(v) for v in row):
            first.append([_clean(v)[:200] for v in row])
    if hasattr(reader, "close"):
        reader.close()
    return header, first


def _normal_text(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def fingerprint(*, title: str, content: str, created: datetime | None, contact: str) -> str:
    """`fp:` + sha256 of the normalised title, content, time (to the second) and a hash of the contact."""
    contact_hash = hashlib.sha256(_normal_text(contact).encode("utf-8")).hexdigest()
    moment = created.replace(microsecond=0).isoformat() if created is not None else ""
    parts = "\x1f".join((_normal_text(title), _normal_text(content), moment, contact_hash))
    digest = hashlib.sha256(parts.encode("utf-8")).hexdigest()
    return (FINGERPRINT_PREFIX + digest)[:64]


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


def _check_columns(pos: dict[str, int], path: Path, *, undated_now: bool = True) -> None:
    if "text" not in pos:
        for needed, chinese in (("title", "留言主题"), ("content", "留言详情")):
            if needed not in pos:
                raise ValidationFailed(
                    _("%(file)s：缺少「%(column)s」列（%(name)s），或改为提供单独的「text」列")
                    % {"file": path.name, "column": chinese, "name": needed},
                    code="missing_column",
                )
    if "time" not in pos and not undated_now:
        # never a guess the operator did not ask for: every row would be dated at the import moment
        raise ValidationFailed(
            _("%(file)s：缺少留言时间列（如确需以导入时间为留言时间，请加 --undated-now）")
            % {"file": path.name},
            fields={"time": [_("缺少留言时间列")]},
            code="missing_column",
        )


def _row_of(
    number: int,
    get: Callable[[str], Any],
    categories: dict[str, Category],
    seen: set[str],
    summary: ImportSummary,
    *,
    has_time: bool = True,
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
    shown: dict[str, Any] = {"id": external, "title": title[:60]}
    if not title or not content:
        summary.refused.append({"row": number, "reason": "empty_text", **shown})
        return None
    try:
        created = _parse_time(get("time"))
    except ValueError:
        summary.refused.append(
            {"row": number, "reason": "bad_time", "value": _clean(get("time"))[:40], **shown}
        )
        return None
    try:
        reply_time = _parse_time(get("reply_time"))
    except ValueError:
        summary.refused.append(
            {"row": number, "reason": "bad_time", "value": _clean(get("reply_time"))[:40], **shown}
        )
        return None
    if created is None and has_time:
        summary.refused.append({"row": number, "reason": "missing_time", **shown})
        return None
    if not external:  # no id column, or an empty id: the content fingerprint is the key
        external = fingerprint(title=title, content=content, created=created, contact=_clean(get("user")))
    if created is None:
        created = timezone.now()
        summary.undated += 1
    if external:
        if external in seen:
            reason = "duplicate_row" if external.startswith(FINGERPRINT_PREFIX) else "duplicate_id"
            summary.refused.append({"row": number, "reason": reason, **shown})
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


def demands_import(
    path: Path | str,
    *,
    limit: int | None = None,
    progress: bool = True,
    mapping: dict[str, int] | None = None,
    on_batch: Callable[[ImportSummary], None] | None = None,
    undated_now: bool = False,
) -> ImportSummary:
    """Import a message file; returns the summary (nothing half-written: each batch is one transaction).

    `mapping` (field code → column index) replaces the guess from the headers; `on_batch(summary)` is
    called inside each batch's transaction (the import page's progress) and once at the end."""
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(_("%(file)s：文件不存在") % {"file": path})
    rows = table_rows(path)
    try:
        header = next(rows)
    except StopIteration:
        raise ValidationFailed(_("%(file)s：文件为空") % {"file": path.name}) from None
    pos = (
        {code: int(i) for code, i in mapping.items() if code in TARGETS and 0 <= int(i) < len(header)}
        if mapping is not None
        else _normalise_header(header)
    )
    _check_columns(pos, path, undated_now=undated_now)
    categories: dict[str, Category] = {}
    for cat in Category.objects.order_by("level", "pk"):
        categories.setdefault(cat.name, cat)
    summary = ImportSummary(ignored_columns=ignored_columns(header, pos), fingerprinted="id" not in pos)
    if "time" not in pos:
        summary.notes.append(_("文件没有留言时间列：各行以导入时间为留言时间"))
    if summary.fingerprinted:
        summary.notes.append(_("文件没有留言编号列：以内容指纹识别重复行"))
    batch: list[_Row] = []
    seen: set[str] = set()
    row_of = functools.partial(_row_of, has_time="time" in pos)

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
        found = row_of(number, functools.partial(get, row), categories, seen, summary)
        if found is None:
            continue
        batch.append(found)
        if len(batch) >= BATCH:
            _flush(batch, summary, on_batch)
            batch = []
    if batch:
        _flush(batch, summary, on_batch)
    bar.close()
    if on_batch is not None:
        on_batch(summary)
    return summary


def _flush(
    batch: list[_Row], summary: ImportSummary, on_batch: Callable[[ImportSummary], None] | None = None
) -> None:
    """Store one batch in one transaction; `on_batch(summary)` runs inside it, so what it records of the
    batch (a job's demand ids) commits with the batch or not at all. A row already in is refused with the
    id of the demand holding it (`demand`), so a job taken again can tell its own earlier rows apart."""
    ids = [r.demand.external_id for r in batch if r.demand.external_id]
    existing = dict(
        Demand.objects.filter(channel=Channel.IMPORT, external_id__in=ids).values_list("external_id", "pk")
    )
    fresh: list[_Row] = []
    for r in batch:
        if r.demand.external_id and r.demand.external_id in existing:
            summary.refused.append(
                {
                    "row": r.number,
                    "reason": "already_imported",
                    "id": "" if r.demand.external_id.startswith(FINGERPRINT_PREFIX) else r.demand.external_id,
                    "title": r.demand.title[:60],
                    "demand": existing[r.demand.external_id],
                }
            )
            continue
        fresh.append(r)
    if not fresh:
        if on_batch is not None:
            on_batch(summary)
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
        summary.created_ids.extend(d.pk for d in created)
        if on_batch is not None:
            on_batch(summary)


def demands_import_command(command: BaseCommand, options: dict[str, Any]) -> None:
    """The `lianxin import demands FILE [--json] [--limit N]` door (wired in core's import command)."""
    summary = demands_import(
        options["file"],
        limit=options.get("limit"),
        progress=True,
        undated_now=bool(options.get("undated_now")),
    )
    for listener in list(_LISTENERS):
        listener(summary, Path(options["file"]))
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
    if data["ignored_columns"]:
        command.stdout.write(f"  ignored columns (no field reads them): {', '.join(data['ignored_columns'])}")
    for note in data["notes"]:
        command.stdout.write(f"  note: {note}")
    if summary.analysis_job is not None:
        command.stdout.write(f"  analysis of the imported demands queued (import job {summary.analysis_job})")
