"""The hand-labelled check sets of urgency and personal data, and their scores per city.

Each check set is a CSV in `tests/intel/data/` with a `source` column: `tipdm` (the A市 messages of
../shared/data/tipdm2020c), `shanghai` (the letters of ../shared/data/shanghai_xfb) or `written`
(cases written for the set, their text in the row). Rows drawn from the data sets carry only the
file and the id: their text is read from the data folder, so that no copy of the messages is kept
here. `load_*` raise IntelError when a data file the set needs is absent.

- Urgency (`urgency_checks.csv`): `level` (normal | urgent | critical) and `kinds` as labelled by
  reading; `urgency_scores` gives precision and recall per level and for "flagged" (urgent or
  critical), per source.
- Personal data (`pii_checks.csv`): for each text the pieces that must be masked (`expect`,
  `kind=piece` separated by `|`) and those that must stay readable (`keep`), with `official` saying
  whether the text is an official reply; `pii_scores` gives recall and precision per kind, per
  source (a finding is right when it overlaps an expected piece of its kind; a piece is found when
  findings of its kind cover every one of its characters), and the share of kept pieces left intact.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lianxin.intel.data import read_messages
from lianxin.intel.errors import IntelError

SOURCES = ("tipdm", "shanghai", "written")
_FILES = {
    "附件3.xlsx": "tipdm2020c/附件3.xlsx",
    "附件4.xlsx": "tipdm2020c/附件4.xlsx",
    "messages_labeled_dev.csv": "tipdm2020c/messages_labeled_dev.csv",
    "letters.csv": "shanghai_xfb/letters.csv",
}


@dataclass(frozen=True)
class UrgencyCheck:
    source: str
    id: str
    text: str
    level: str
    kinds: tuple[str, ...]
    asked_at: datetime | None = None
    split: str = "dev"


@dataclass(frozen=True)
class PiiCheck:
    source: str
    id: str
    text: str
    official: bool
    expect: tuple[tuple[str, str], ...]  # (kind, piece)
    keep: tuple[str, ...]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _records(shared: Path, files: Iterable[str]) -> dict[tuple[str, str], Any]:
    """(file, id) -> the message of that data file."""
    out: dict[tuple[str, str], Any] = {}
    for name in sorted(set(files)):
        relative = _FILES.get(name)
        if relative is None:
            raise IntelError(f"check set names an unknown data file {name!r}", code="bad_file")
        path = shared / relative
        if not path.exists():
            raise IntelError(f"{path}: absent (the check set needs ../shared/data)", code="bad_file")
        for m in read_messages(path, need=("id", "text")):
            out[(name, m.id)] = m
    return out


def load_urgency_checks(path: Path, shared: Path) -> list[UrgencyCheck]:
    """The urgency check set at `path`, texts of data rows read from `shared` (…/shared/data)."""
    rows = _rows(path)
    records = _records(shared, (r["file"] for r in rows if r["source"] != "written"))
    checks = []
    for r in rows:
        if r["source"] == "written":
            text, asked_at = r["text"], None
        else:
            m = records.get((r["file"], r["id"]))
            if m is None:
                raise IntelError(f"{r['file']} has no message {r['id']}", code="bad_file")
            text, asked_at = m.text, m.time
        kinds = tuple(k for k in r["kinds"].split(";") if k)
        checks.append(
            UrgencyCheck(r["source"], r["id"], text, r["level"], kinds, asked_at, r.get("split", "dev"))
        )
    return checks


def urgency_scores(
    checks: list[UrgencyCheck], detect: Callable[[UrgencyCheck], str]
) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """{source or "all": {level or "flagged": {"precision", "recall", "n_true", "n_predicted"}}}."""
    predicted = [detect(c) for c in checks]
    out: dict[str, dict[str, dict[str, float | int | None]]] = {}
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(checks):
        groups[c.source].append(i)
        groups["all"].append(i)
    for group, members in groups.items():
        row: dict[str, dict[str, float | int | None]] = {}
        for level in ("critical", "urgent", "flagged"):

            def hit(value: str, level: str = level) -> bool:
                return value in ("urgent", "critical") if level == "flagged" else value == level

            true = [i for i in members if hit(checks[i].level)]
            pred = [i for i in members if hit(predicted[i])]
            both = len(set(true) & set(pred))
            row[level] = {
                "precision": both / len(pred) if pred else None,
                "recall": both / len(true) if true else None,
                "n_true": len(true),
                "n_predicted": len(pred),
            }
        row["accuracy"] = {
            "value": sum(checks[i].level == predicted[i] for i in members) / len(members),
            "n": len(members),
        }
        out[group] = row
    return out


def load_pii_checks(path: Path, shared: Path) -> list[PiiCheck]:
    """The personal-data check set at `path`, texts of data rows read from `shared`."""
    rows = _rows(path)
    records = _records(shared, (r["file"] for r in rows if r["source"] != "written"))
    checks = []
    for r in rows:
        if r["source"] == "written":
            text = r["text"]
        else:
            m = records.get((r["file"], r["id"]))
            if m is None:
                raise IntelError(f"{r['file']} has no message {r['id']}", code="bad_file")
            text = m.reply if r["field"] == "reply" else m.text
        expect = tuple(
            (kind, piece) for kind, _, piece in (p.partition("=") for p in r["expect"].split("|") if p)
        )
        keep = tuple(p for p in r["keep"].split("|") if p)
        checks.append(PiiCheck(r["source"], r["id"], text, r["official"] == "1", expect, keep))
    return checks


def _spans(text: str, piece: str) -> list[tuple[int, int]]:
    out, start = [], text.find(piece)
    while start >= 0:
        out.append((start, start + len(piece)))
        start = text.find(piece, start + len(piece))
    return out


def pii_scores(
    checks: list[PiiCheck],
    detect: Callable[[PiiCheck], list[tuple[str, int, int]]],
    mask: Callable[[PiiCheck], str],
) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """{source or "all": {kind or "kept": {...}}}: recall and precision per kind, kept share."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: {"expected": 0, "found": 0, "returned": 0, "right": 0})
    )
    kept: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in checks:
        findings = detect(c)
        expected = [(kind, s, e) for kind, piece in c.expect for s, e in _spans(c.text, piece)]
        for group in (c.source, "all"):
            for kind, s, e in expected:
                row = counts[group][kind]
                row["expected"] += 1
                covered = {i for k, fs, fe in findings if k == kind for i in range(fs, fe)}
                row["found"] += all(i in covered for i in range(s, e))
            for kind, fs, fe in findings:
                row = counts[group][kind]
                row["returned"] += 1
                row["right"] += any(k == kind and fs < e and s < fe for k, s, e in expected)
        masked = mask(c)
        for piece in c.keep:
            for s, e in _spans(c.text, piece):
                for group in (c.source, "all"):
                    kept[group][1] += 1
                    kept[group][0] += masked[s:e] == piece
    out: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for group, kinds in counts.items():
        out[group] = {
            kind: {
                "recall": row["found"] / row["expected"] if row["expected"] else None,
                "precision": row["right"] / row["returned"] if row["returned"] else None,
                "expected": row["expected"],
                "returned": row["returned"],
            }
            for kind, row in sorted(kinds.items())
        }
    for group, (intact, total) in kept.items():
        out.setdefault(group, {})["kept"] = {"share": intact / total if total else None, "n": total}
    return out
