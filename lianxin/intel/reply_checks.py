"""The hand-labelled reply check set (tests/intel/data/reply_checks.csv): how it was drawn, and how
the bench reads it with the texts from ../shared/data (the check set stores ids and labels only:
the Shanghai data has no licence to redistribute).

Drawing: per data set, replies with text sorted by length (then id), split into five length
quintiles, 22 drawn per quintile with `random.Random(17)`; the first half drawn per quintile is `dev`,
the rest `test`. Labels 1–5 (docs/reply-labelling.md), two passes; `final` is the common label, or
the lower one where the passes differ by one.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lianxin.intel.data import Message, read_messages

FILES = {"tipdm": ("tipdm2020c", "附件4.xlsx"), "shanghai": ("shanghai_xfb", "letters.csv")}


@dataclass(frozen=True)
class ReplyCheck:
    city: str
    id: str
    split: str
    score_pass1: int
    score_pass2: int | None
    final: int
    message: Message


def load_messages(shared: Path, city: str) -> dict[str, Message]:
    folder, name = FILES[city]
    return {m.id: m for m in read_messages(shared / folder / name, need=("id", "text", "reply")) if m.reply}


def draw(messages: dict[str, Message], *, per_quintile: int = 22, seed: int = 17) -> list[tuple[str, str]]:
    """(id, split) of the drawn replies, stratified by reply length."""
    ids = sorted(messages, key=lambda i: (len(messages[i].reply), i))
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for q in range(5):
        part = ids[q * len(ids) // 5 : (q + 1) * len(ids) // 5]
        chosen = rng.sample(part, per_quintile)
        out += [(i, "dev" if k < per_quintile // 2 else "test") for k, i in enumerate(chosen)]
    return out


def load_reply_checks(path: Path, shared: Path, *, cities: Iterable[str] | None = None) -> list[ReplyCheck]:
    """The check set's rows (of `cities`, default all) with their messages read from `shared`."""
    wanted = set(FILES if cities is None else cities)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cache: dict[str, dict[str, Message]] = {}
    checks = []
    for r in rows:
        if r["city"] not in wanted:
            continue
        if r["city"] not in cache:
            cache[r["city"]] = load_messages(shared, r["city"])
        checks.append(
            ReplyCheck(
                city=r["city"],
                id=r["id"],
                split=r["split"],
                score_pass1=int(r["score_pass1"]),
                score_pass2=int(r["score_pass2"]) if r["score_pass2"] else None,
                final=int(r["final"]),
                message=cache[r["city"]][r["id"]],
            )
        )
    return checks
