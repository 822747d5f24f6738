"""`lianxin urgency` and `lianxin mask`: the JSON of contract.md, and bad input as a message, not a traceback."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _run(name: str, *args: str) -> tuple[object, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_urgency_prints_level_kinds_and_evidence(tmp_path, capsys):
    data = _csv(
        tmp_path / "m.csv",
        ["id", "title", "content"],
        [
            ["1", "紧急", "对面楼5楼着火了，浓烟很大"],
            ["2", "路灯", "路灯坏了请维修"],
            ["3", "", ""],
            ["4", "求助", "樓下有人持刀砍人"],
        ],
    )
    result, _ = _run("urgency", "--data", str(data), "--json")
    by_id = {r["id"]: r for r in result}
    assert set(by_id["1"]) >= {"id", "level", "kinds", "evidence"}
    assert by_id["1"]["level"] == "critical" and "fire" in by_id["1"]["kinds"]
    assert by_id["1"]["evidence"][0]["phrase"] in {"着火", "浓烟"}
    assert by_id["2"]["level"] == "normal" and by_id["2"]["evidence"] == []
    assert by_id["3"]["level"] == "normal" and by_id["3"]["notes"]  # an empty row is noted, not an error
    assert by_id["4"]["level"] == "critical" and any("traditional" in n for n in by_id["4"]["notes"])
    assert "note:" in capsys.readouterr().err


def test_mask_prints_masked_texts_and_keeps_official_lines_of_replies(tmp_path):
    data = _csv(
        tmp_path / "m.csv",
        ["id", "text", "reply"],
        [["1", "我叫祝落根，电话13812345678", "祝先生：您好！请致电0731-84567890咨询。"]],
    )
    (row,) = _run("mask", "--data", str(data), "--json")[0]
    assert row["id"] == "1" and "13812345678" not in row["text"] and "祝落根" not in row["text"]
    assert "0731-84567890" in row["reply"] and not row["reply"].startswith("祝")


def test_an_enormous_text_is_cut_with_a_note(tmp_path, capsys):
    data = _csv(tmp_path / "m.csv", ["id", "text"], [["1", "路灯坏了。" * 12_000]])
    result, _ = _run("urgency", "--data", str(data), "--json")
    assert result[0]["level"] == "normal" and result[0]["notes"] and "too long" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["urgency", "mask"])
def test_bad_input_is_a_command_error_naming_the_problem(tmp_path, name):
    with pytest.raises(CommandError, match="no such file"):
        call_command(name, "--data", str(tmp_path / "absent.csv"), "--json", stdout=StringIO())
    data = _csv(tmp_path / "m.csv", ["id", "likes"], [["1", "3"]])
    with pytest.raises(CommandError, match="missing column"):
        call_command(name, "--data", str(data), "--json", stdout=StringIO())
