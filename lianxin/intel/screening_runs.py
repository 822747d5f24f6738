"""File-level runs behind `lianxin urgency` and `lianxin mask`: read a data file, judge or mask each
message, shape the JSON of contract.md.

Each message gives one entry, in file order; what could not be judged as given is said per row in
`notes` (an empty text, a text cut at 50,000 characters, traditional characters read as simplified)
and printed on stderr, so that stdout keeps only the JSON. A missing or unreadable file, or one
without a text column, raises IntelError naming the problem.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from lianxin.intel.data import Message, read_messages
from lianxin.intel.hanzi import traditional_share
from lianxin.intel.pii import mask_pii
from lianxin.intel.urgency import detect_urgency


def _read(data: str | Path) -> list[Message]:
    return read_messages(data, need=("text",))


def _note(data: str | Path, m: Message, note: str) -> None:
    print(f"note: {Path(data).name} row {m.row} (id {m.id}): {note}", file=sys.stderr)


def _reading_notes(m: Message) -> list[str]:
    notes = list(m.notes)
    if not m.text:
        notes.append("empty text: nothing to read")
    elif traditional_share(m.text) > 0.05:
        notes.append("traditional characters: read as simplified")
    return notes


def urgency_run(data: str | Path) -> list[dict[str, Any]]:
    """One {"id", "level", "kinds", "evidence"} per message (evidence offsets are into the message's
    normalised title + content, or its text column)."""
    out: list[dict[str, Any]] = []
    for m in _read(data):
        result = detect_urgency(m.text, asked_at=m.time)
        notes = _reading_notes(m) + [n for n in result.notes if "traditional" not in n]
        entry: dict[str, Any] = {
            "id": m.id,
            "level": result.level,
            "kinds": result.kinds,
            "evidence": [s.as_dict() for s in result.evidence],
        }
        if notes:
            entry["notes"] = notes
            for note in notes:
                _note(data, m, note)
        out.append(entry)
    return out


def mask_run(data: str | Path) -> list[dict[str, Any]]:
    """One {"id", "text"} per message with personal data masked; when the file has replies (答复意见),
    also "reply", masked as an official reply (the unit's published phone lines and hotlines kept)."""
    out: list[dict[str, Any]] = []
    for m in _read(data):
        entry: dict[str, Any] = {"id": m.id, "text": mask_pii(m.text)}
        if m.reply:
            entry["reply"] = mask_pii(m.reply, official=True)
        notes = _reading_notes(m)
        if notes:
            entry["notes"] = notes
            for note in notes:
                _note(data, m, note)
        out.append(entry)
    return out
