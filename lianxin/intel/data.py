"""Lenient readers of message files (.xlsx or UTF-8/GB18030 .csv) into plain `Message` records.

Rules:
- Columns are found by the names of public Chinese message data or their English aliases
  (see `COLUMNS`); header cells may carry stray whitespace or a BOM and any case.
- A message's text is 留言主题 + 留言详情 when either is filled, otherwise the single `text` column.
- Times come in mixed formats (2019/2/28 11:25:05, 2019-02-28, 2019年2月28日 9时, Excel dates…);
  one that cannot be read becomes None. Counts that cannot be read become 0.
- A file without a column the caller needs is refused with an `IntelError` naming that column.
- Rows with nothing in them are skipped.
- A text cell longer than `text.MAX_CHARS` (50,000) characters keeps its first 50,000, and the message
  carries a note saying which column was cut and how long it was (`Message.notes`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from lianxin.intel.errors import IntelError
from lianxin.intel.text import clean, normalize

# canonical field -> accepted header names (Chinese first: that one is named in errors)
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("留言编号", "id", "编号"),
    "user": ("留言用户", "user", "用户"),
    "title": ("留言主题", "title", "主题"),
    "time": ("留言时间", "time", "时间"),
    "content": ("留言详情", "content", "详情"),
    "text": ("text", "文本"),
    "label": ("一级分类", "label", "label1"),
    "label2": ("二级分类", "label2"),
    "label3": ("三级分类", "label3"),
    "likes": ("点赞数", "likes"),
    "dislikes": ("反对数", "dislikes"),
    "reply": ("答复意见", "reply"),
    "reply_time": ("答复时间", "reply_time"),
}
# what a caller may ask for: a field, or "text" = title/content/text, whichever the file has
_KNOWN_NEEDS = set(COLUMNS)


@dataclass(frozen=True)
class Message:
    """One message as read from a file; `text` is its normalised title + content (or text column)."""

    row: int
    id: str
    text: str
    title: str = ""
    content: str = ""
    user: str = ""
    time: datetime | None = None
    label: str = ""
    label2: str = ""
    label3: str = ""
    likes: int = 0
    dislikes: int = 0
    reply: str = ""
    reply_time: datetime | None = None
    notes: tuple[str, ...] = ()  # what reading changed: texts cut to MAX_CHARS


# --- values -----------------------------------------------------------------------------------------

_DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:\s*[T\s]?\s*(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})?\s*(?:[:：分]\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)
_COMPACT_RE = re.compile(
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:[T\s]?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)
_CHINA = timezone(timedelta(hours=8))


def parse_time(value: object) -> datetime | None:
    """Read a time leniently; None when it cannot be read. Aware times become naive China time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _naive(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel serial day numbers (1982…2064); anything else is not a time
        if 30_000 <= float(value) <= 60_000:
            return _EXCEL_EPOCH + timedelta(days=float(value))
        return None
    text = normalize(value)
    if not text:
        return None
    match = _DATE_RE.search(text) or _COMPACT_RE.fullmatch(text)
    if match is None:
        try:
            number = float(text)
        except ValueError:
            return None
        return parse_time(number)
    parts = match.groupdict()
    try:
        moment = datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts.get("H") or 0),
            int(parts.get("M") or 0),
            int(parts.get("S") or 0),
        )
    except ValueError:
        return None
    tz = parts.get("tz")
    if tz:
        if tz == "Z":
            offset = timedelta(0)
        else:
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = _naive(moment.replace(tzinfo=timezone(offset)))
    return moment


def _naive(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(_CHINA).replace(tzinfo=None)


def parse_count(value: object) -> int:
    """A non-negative whole count, 0 when unreadable ("3", 3.0, " 12 ", "1,024")."""
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return max(0, int(value)) if value == value else 0  # NaN != NaN
    text = normalize(value).replace(",", "")
    try:
        return max(0, int(float(text)))
    except ValueError:
        return 0


def parse_id(value: object) -> str:
    """An identifier as text; 77861.0 (a spreadsheet float) becomes "77861"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = normalize(value)
    if re.fullmatch(r"\d+\.0+", text):
        return text.split(".")[0]
    return text


# --- files ------------------------------------------------------------------------------------------


def _header_key(cell: object) -> str:
    return normalize(cell).replace("\ufeff", "").replace(" ", "").lower()


def _map_header(header: Sequence[object]) -> dict[str, int]:
    keys = [_header_key(c) for c in header]
    found: dict[str, int] = {}
    for field, names in COLUMNS.items():
        for name in names:
            key = name.lower()
            if key in keys:
                found[field] = keys.index(key)
                break
    return found


def _read_xlsx(path: Path) -> Iterator[Sequence[object]]:
    from openpyxl import load_workbook  # only for .xlsx files

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise IntelError(f"{path.name}: not a readable .xlsx workbook ({exc})", code="bad_file") from exc
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def _read_csv(path: Path) -> Iterator[Sequence[object]]:
    text = _decode(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    csv.field_size_limit(1 << 30)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _rows(path: Path) -> Iterator[Sequence[object]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix in {".csv", ".tsv", ".txt"}:
        return _read_csv(path)
    if suffix == ".xls":
        raise IntelError(
            f"{path.name}: old .xls workbooks are not read; save it as .xlsx or .csv", code="bad_file"
        )
    raise IntelError(f"{path.name}: expected a .xlsx or .csv file", code="bad_file")


def _long_text(value: object, field: str, notes: list[str]) -> str:
    """A text cell normalised and cut to MAX_CHARS; a cut is noted in `notes`."""
    cleaned = clean(value)
    if cleaned.note:
        notes.append(f"{_describe(field)}: {cleaned.note}")
    return cleaned.text


def _describe(field: str) -> str:
    names = COLUMNS[field]
    return f"{names[0]} ({'/'.join(names[1:])})" if len(names) > 1 else names[0]


def _check_needs(path: Path, found: dict[str, int], needs: Iterable[str]) -> None:
    for need in needs:
        if need not in _KNOWN_NEEDS:
            raise ValueError(f"unknown column need {need!r}")
        if need == "text":
            if not ({"text", "title", "content"} & found.keys()):
                raise IntelError(
                    f"{path.name}: missing column 留言详情 (content) — or 留言主题 (title), or a single text column",
                    code="missing_column",
                )
        elif need not in found:
            raise IntelError(f"{path.name}: missing column {_describe(need)}", code="missing_column")


def read_messages(path: str | Path, *, need: Iterable[str] = ("text",)) -> list[Message]:
    """Read every message of `path`; `need` names the fields the caller cannot do without.

    The header is the first of the first ten rows that names at least one known column.
    Raises IntelError for a missing or unreadable file, or a needed column that is absent.
    """
    path = Path(path)
    if not path.exists():
        raise IntelError(f"{path}: no such file", code="bad_file")
    if path.is_dir():
        raise IntelError(f"{path}: is a folder, not a data file", code="bad_file")
    try:
        return _read(path, list(need))
    except IntelError:
        raise
    except (OSError, csv.Error, UnicodeError, ValueError) as exc:
        raise IntelError(f"{path.name}: could not be read ({exc})", code="bad_file") from exc


def _read(path: Path, needs: list[str]) -> list[Message]:
    rows = _rows(path)
    found: dict[str, int] = {}
    for _ in range(10):
        header = next(rows, None)
        if header is None:
            break
        found = _map_header(header)
        if found:
            break
    if not found:
        raise IntelError(
            f"{path.name}: no known column names in the first rows (expected e.g. 留言编号, 留言主题, 留言详情 or text)",
            code="missing_column",
        )
    _check_needs(path, found, needs)

    def cell(row: Sequence[object], field: str) -> object:
        index = found.get(field)
        if index is None or index >= len(row):
            return None
        return row[index]

    messages: list[Message] = []
    for number, row in enumerate(rows, start=2):
        if not row or all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        notes: list[str] = []
        title = _long_text(cell(row, "title"), "title", notes)
        content = _long_text(cell(row, "content"), "content", notes)
        text = title + content if (title or content) else _long_text(cell(row, "text"), "text", notes)
        messages.append(
            Message(
                row=number,
                id=parse_id(cell(row, "id")) or str(number),
                text=text,
                title=title,
                content=content,
                user=normalize(cell(row, "user")),
                time=parse_time(cell(row, "time")),
                label=normalize(cell(row, "label")),
                label2=normalize(cell(row, "label2")),
                label3=normalize(cell(row, "label3")),
                likes=parse_count(cell(row, "likes")),
                dislikes=parse_count(cell(row, "dislikes")),
                reply=_long_text(cell(row, "reply"), "reply", notes),
                reply_time=parse_time(cell(row, "reply_time")),
                notes=tuple(notes),
            )
        )
    return messages
