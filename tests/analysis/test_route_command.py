"""The `lianxin route evaluate` door: the JSON of contract.md on a small CSV, bad input refused or noted,
and the Shanghai letters on a time split (skipped without ../shared)."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import SHARED
from tests.intel.test_routing import corpus

KEYS = {"accuracy_at_1", "accuracy_at_3", "macro_f1", "auto_share_at_95", "n_train", "n_test", "baselines"}
METRICS = {"accuracy_at_1", "accuracy_at_3", "macro_f1", "auto_share_at_95"}
LETTERS = SHARED / "data" / "shanghai_xfb" / "letters.csv"


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    examples = sorted(corpus(10), key=lambda e: e.time)
    rows = [[str(i), e.text[:6], e.text[6:], e.time.isoformat(), e.unit] for i, e in enumerate(examples)]
    header = ["id", "title", "content", "time", "reply_unit"]
    return write(tmp_path / "train.csv", header, rows[:60]), write(tmp_path / "test.csv", header, rows[60:])


def test_evaluate_prints_only_the_contract_json(files):
    train, test = files
    out, _ = run("route", "evaluate", "--train", str(train), "--test", str(test), "--json", "--no-progress")
    result = json.loads(out)
    assert set(result) >= KEYS
    assert set(result["baselines"]) == {"most_frequent", "place_rule"}
    for row in (result, *result["baselines"].values()):
        assert set(row) >= METRICS
        assert all(0.0 <= row[k] <= 1.0 for k in METRICS)
    assert (result["n_train"], result["n_test"]) == (60, 20)
    assert result["accuracy_at_1"] > result["baselines"]["place_rule"]["accuracy_at_1"]


def test_evaluate_reads_a_unit_column_and_a_single_text_column(tmp_path):
    examples = sorted(corpus(8), key=lambda e: e.time)
    rows = [[e.text, e.unit, e.time.isoformat()] for e in examples]
    train = write(tmp_path / "train.csv", ["text", "unit", "time"], rows[:48])
    test = write(tmp_path / "test.csv", ["text", "unit", "time"], rows[48:])
    out, _ = run("route", "evaluate", "--train", str(train), "--test", str(test), "--json", "--no-progress")
    assert json.loads(out)["n_test"] == 16


def test_a_file_without_a_unit_column_is_refused_by_name(files, tmp_path):
    train, _ = files
    bad = write(tmp_path / "no_unit.csv", ["title", "content"], [["道路施工", "噪音扰民"]])
    with pytest.raises(CommandError, match="missing column unit"):
        run("route", "evaluate", "--train", str(train), "--test", str(bad), "--json", "--no-progress")
    with pytest.raises(CommandError, match="no such file"):
        run("route", "evaluate", "--train", str(tmp_path / "absent.csv"), "--test", str(bad), "--json")


def test_odd_rows_are_noted_on_stderr_and_rare_units_in_the_json(files, tmp_path):
    train, test = files
    with train.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows += [
        ["900", "", "", "2024-02-01", "江南市东城区教育局"],
        ["901", "图书馆", "开放时间短", "2024-02-01", "图书馆"],
    ]
    rows += [["902", "很长", "路" * 60_000, "2024-02-01", "江南市东城区教育局"]]
    odd = write(tmp_path / "odd.csv", rows[0], rows[1:])
    out, err = run("route", "evaluate", "--train", str(odd), "--test", str(test), "--json", "--no-progress")
    assert "empty text, left out" in err and "too long" in err
    result = json.loads(out)
    assert result["left_out_units"] == 1
    assert any("fewer than 2 examples" in note and "图书馆" in note for note in result["notes"])


def test_evaluate_without_json_prints_a_table(files):
    train, test = files
    out, _ = run("route", "evaluate", "--train", str(train), "--test", str(test), "--no-progress")
    assert "model" in out and "place_rule" in out and "most_frequent" in out


@pytest.mark.shared
def test_shanghai_letters_on_a_time_split_beat_both_baselines(tmp_path):
    """A smaller time split of the real letters (the first 2,000 by date, tested on the next 500): the
    full split is in `make bench` (bench/bench_routing.py)."""
    if not LETTERS.exists():
        pytest.skip(f"{LETTERS} is absent (tests with real data need ../shared)")
    with LETTERS.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        rows = sorted(reader, key=lambda r: (r["time"], r["id"]))
    train = [[r[h] for h in header] for r in rows[:2000]]
    test = [[r[h] for h in header] for r in rows[2000:2500] if r["dup_title_content"] != "True"]
    out, _ = run(
        "route",
        "evaluate",
        "--train",
        str(write(tmp_path / "train.csv", header, train)),
        "--test",
        str(write(tmp_path / "test.csv", header, test)),
        "--json",
        "--no-progress",
    )
    result = json.loads(out)
    better = max(b["accuracy_at_1"] for b in result["baselines"].values())
    assert result["accuracy_at_1"] >= better + 0.1
    assert result["accuracy_at_3"] > max(b["accuracy_at_3"] for b in result["baselines"].values())
