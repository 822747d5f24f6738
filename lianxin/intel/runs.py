"""File-level runs behind the command-line doors: read a data file, run one feature, shape the JSON.

The management commands only parse arguments and print what these return (contract.md fixes the keys).
Each raises IntelError with a message fit for the person at the terminal.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from lianxin.intel.classifier import (
    DemandClassifier,
    classifier_cross_validate,
    classifier_evaluate,
    classifier_train,
)
from lianxin.intel.data import Message, read_messages
from lianxin.intel.errors import IntelError
from lianxin.intel.hotspots import HotMessage, hotspots_find
from lianxin.intel.reply_quality import WorkingDays, reply_score


def _read(data: str | Path, need: tuple[str, ...]) -> list[Message]:
    """The messages of `data`; what reading changed (texts cut to 50,000 characters) is noted on
    stderr, one line per message, so that the JSON on stdout keeps the shape of contract.md."""
    messages = read_messages(data, need=need)
    for m in messages:
        for note in m.notes:
            print(f"note: {Path(data).name} row {m.row} (id {m.id}): {note}", file=sys.stderr)
    return messages


def _texts_labels(messages: list[Message]) -> tuple[list[str], list[str]]:
    rows = [m for m in messages if m.label]
    if not rows:
        raise IntelError("no message has a category (一级分类 / label)", code="not_enough_data")
    return [m.text for m in rows], [m.label for m in rows]


def classify_train_run(
    data: str | Path, out: str | Path, *, cv_folds: int = 5, progress: bool = False
) -> dict[str, Any]:
    """Train on `data`, write the model to `out`; returns the model's metadata."""
    messages = [m for m in _read(data, need=("text", "label")) if m.label]
    if not messages:
        raise IntelError("no message has a category (一级分类 / label)", code="not_enough_data")
    deeper: dict[str, Sequence[str]] = {
        level: [str(getattr(m, level)) for m in messages]
        for level in ("label2", "label3")
        if any(getattr(m, level) for m in messages)
    }
    model = classifier_train(
        [m.text for m in messages],
        [m.label for m in messages],
        deeper=deeper or None,
        cv_folds=cv_folds,
        progress=progress,
    )
    info = model.save(out)
    return {"model": str(out), **info.__dict__}


def classify_evaluate_run(train: str | Path, test: str | Path, *, progress: bool = False) -> dict[str, Any]:
    """Train on one file, score on the other: the JSON of contract.md."""
    train_texts, train_labels = _texts_labels(_read(train, need=("text", "label")))
    test_texts, test_labels = _texts_labels(_read(test, need=("text", "label")))
    return classifier_evaluate(
        train_texts, train_labels, test_texts, test_labels, progress=progress
    ).as_dict()


def classify_cv_run(data: str | Path, *, folds: int = 5, progress: bool = False) -> dict[str, Any]:
    """K-fold cross-validation on one file: the JSON of contract.md."""
    texts, labels = _texts_labels(_read(data, need=("text", "label")))
    return classifier_cross_validate(texts, labels, folds=folds, progress=progress).as_dict()


def classify_predict_run(
    model: str | Path, data: str | Path, *, progress: bool = False
) -> list[dict[str, Any]]:
    """Predict every message of `data` with a saved model: id, category, probability, top three."""
    classifier = DemandClassifier.load(model)
    messages = _read(data, need=("text",))
    predictions = classifier.predict([m.text for m in messages], progress=progress)
    return [
        {
            "id": m.id,
            "label": p.label,
            "probability": p.probability,
            "top": [{"label": s.label, "probability": s.probability} for s in p.top],
            **({"notes": [*m.notes, *p.notes]} if m.notes or p.notes else {}),
            **(
                {"deeper": {k: {"label": v.label, "probability": v.probability} for k, v in p.deeper.items()}}
                if p.deeper
                else {}
            ),
        }
        for m, p in zip(messages, predictions)
    ]


def hotspots_run(
    data: str | Path,
    *,
    top: int = 10,
    start: datetime | None = None,
    end: datetime | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Hot issues of `data` (optionally of a time window): the JSON list of contract.md."""
    messages = _read(data, need=("id", "text"))
    hot = [
        HotMessage(
            id=m.id,
            title=m.title,
            content=m.content if (m.title or m.content) else m.text,
            user=m.user,
            time=m.time,
            likes=m.likes,
            dislikes=m.dislikes,
        )
        for m in messages
    ]
    return [issue.as_dict() for issue in hotspots_find(hot, top=top, start=start, end=end, progress=progress)]


def reply_quality_run(
    data: str | Path,
    *,
    limit_days: int = 15,
    working_days: WorkingDays | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Score every reply of `data` against its message; a summary and one entry per reply."""
    messages = _read(data, need=("text", "reply"))
    replies: list[dict[str, Any]] = []
    for m in tqdm(messages, desc="score", disable=not progress, file=sys.stderr):
        result = reply_score(
            m.content or m.text,
            m.reply,
            title=m.title,
            asked_at=m.time,
            replied_at=m.reply_time,
            working_days=working_days,
            limit_days=limit_days,
        )
        replies.append({"id": m.id, **result.as_dict()})
    scores = [r["score"] for r in replies]
    days = [r["working_days"] for r in replies if r["working_days"] is not None]
    flags = Counter(flag for r in replies for flag in r["flags"])
    summary = {
        "n": len(replies),
        "mean_score": round(statistics.fmean(scores), 1) if scores else None,
        "median_score": round(statistics.median(scores), 1) if scores else None,
        "median_working_days": statistics.median(days) if days else None,
        "flags": dict(sorted(flags.items())),
    }
    return {"summary": summary, "replies": replies}
