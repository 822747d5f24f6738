"""The importer's rules (issue 16.11): no silent dates, ignored columns named, re-imports add nothing."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from lianxin.demands.importers import (
    FINGERPRINT_PREFIX,
    demands_import,
    fingerprint,
    guess_mapping,
    ignored_columns,
)
from lianxin.demands.models import Demand
from tests.imports.conftest import write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def test_a_row_without_a_date_is_refused_with_the_reason(tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["1", "U1", "路灯坏了", "2021-03-01 09:00:00", "小区路灯坏了", "", ""],
            ["2", "U2", "噪音扰民", "", "夜里施工", "", ""],
            ["3", "U3", "垃圾", "昨天下午", "垃圾没人清", "", ""],
        ],
    )
    summary = demands_import(path, progress=False)
    assert summary.taken == 1
    by_row = {r["row"]: r for r in summary.refused}
    assert by_row[3]["reason"] == "missing_time" and by_row[3]["id"] == "2"
    assert by_row[4]["reason"] == "bad_time" and by_row[4]["value"] == "昨天下午"
    assert summary.errors == 2 and summary.duplicates == 0
    assert not Demand.objects.filter(external_id__in=["2", "3"]).exists()


def test_an_unreadable_reply_time_refuses_the_row(tmp_path):
    path = write_csv(tmp_path / "m.csv", [["1", "U1", "路灯", "2021-03-01", "坏了", "已修", "下周"]])
    summary = demands_import(path, progress=False)
    assert summary.taken == 0 and summary.refused[0]["reason"] == "bad_time"


def test_ignored_columns_are_named_in_the_report(tmp_path, capsys):
    header = ["留言编号", "留言主题", "留言时间", "留言详情", "备注", "来源网址", ""]
    path = write_csv(
        tmp_path / "m.csv", [["1", "路灯", "2021-03-01", "坏了", "x", "http://a", "y"]], header=header
    )
    summary = demands_import(path, progress=False)
    assert summary.ignored_columns == ["备注", "来源网址", "第7列"]
    call_command("import", "demands", str(path), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["ignored_columns"] == ["备注", "来源网址", "第7列"]
    call_command("import", "demands", str(path))
    assert "ignored columns (no field reads them): 备注, 来源网址, 第7列" in capsys.readouterr().out


def test_reimport_with_ids_adds_nothing(tmp_path):
    rows = [
        ["a1", "U1", "路灯", "2021-03-01", "坏了", "", ""],
        ["a2", "U2", "噪音", "2021-03-02", "吵", "", ""],
    ]
    path = write_csv(tmp_path / "m.csv", rows)
    assert demands_import(path, progress=False).taken == 2
    again = demands_import(path, progress=False)
    assert again.taken == 0 and again.duplicates == 2 and again.errors == 0
    assert Demand.objects.count() == 2


def test_reimport_without_ids_adds_nothing_by_fingerprint(tmp_path):
    header = ["留言用户", "留言主题", "留言时间", "留言详情"]
    rows = [
        ["U1", "路灯坏了", "2021-03-01 09:00:00", "小区路灯坏了"],
        ["U2", "噪音扰民", "2021-03-02 10:00:00", "夜里施工"],
        ["U1", "路灯坏了", "2021-03-01 09:00:00", "小区路灯坏了"],  # the same row twice in the file
        ["U3", "路灯坏了", "2021-03-01 09:00:00", "小区路灯坏了"],  # same text, another person: kept
    ]
    path = write_csv(tmp_path / "m.csv", rows, header=header)
    first = demands_import(path, progress=False)
    assert first.fingerprinted and first.taken == 3
    assert [r["reason"] for r in first.refused] == ["duplicate_row"]
    ids = list(Demand.objects.values_list("external_id", flat=True))
    assert all(i.startswith(FINGERPRINT_PREFIX) and len(i) <= 64 for i in ids)
    # the same rows in another file, spaced differently and in xlsx: still nothing new
    respaced = [[u, f" {t} ", datetime(2021, 3, 1, 9, 0) if "路灯" in t else d, c] for u, t, d, c in rows]
    xlsx = write_xlsx(tmp_path / "again.xlsx", respaced, header=header)
    again = demands_import(xlsx, progress=False)
    assert again.taken == 0 and again.duplicates == 4
    assert Demand.objects.count() == 3


def test_fingerprint_ignores_spacing_and_width_but_not_the_date():
    moment = datetime(2021, 3, 1, 9, 0)
    a = fingerprint(title="路灯 坏了", content="ABC", created=moment, contact="张三")
    b = fingerprint(title="路灯坏了", content="ＡＢＣ", created=moment, contact=" 张三 ")
    c = fingerprint(title="路灯坏了", content="ABC", created=moment.replace(day=2), contact="张三")
    assert a == b != c and a.startswith("fp:")


def test_mapping_replaces_the_header_guess(tmp_path):
    header = ["编号", "标题", "日期", "正文", "其他"]
    path = write_csv(tmp_path / "m.csv", [["x9", "井盖丢失", "2022/5/6", "路口井盖丢失", "-"]], header=header)
    assert guess_mapping(header) == {}
    mapping = {"id": 0, "title": 1, "time": 2, "content": 3}
    summary = demands_import(path, progress=False, mapping=mapping)
    assert summary.taken == 1 and summary.ignored_columns == ["其他"]
    d = Demand.objects.get()
    assert (d.external_id, d.title, d.content, timezone.localdate(d.created_at).isoformat()) == (
        "x9",
        "井盖丢失",
        "路口井盖丢失",
        "2022-05-06",
    )
    assert ignored_columns(header, mapping) == ["其他"]


def test_a_file_without_a_time_column_is_refused_unless_asked_and_then_says_so(tmp_path):
    from lianxin.core.errors import ValidationFailed

    path = write_xlsx(tmp_path / "t.xlsx", [["学校乱收费我要投诉", "教育文体"]], header=["text", "label"])
    with pytest.raises(ValidationFailed) as refused:
        demands_import(path, progress=False)
    assert "time" in refused.value.fields and not Demand.objects.exists()
    summary = demands_import(path, progress=False, undated_now=True)
    assert summary.taken == 1 and summary.undated == 1
    assert any("没有留言时间列" in n for n in summary.notes)
    # fingerprinted without a date: still once
    assert demands_import(path, progress=False, undated_now=True).taken == 0


def test_real_letters_if_present(tmp_path, capsys):
    from tests.conftest import SHARED

    letters = SHARED / "data" / "shanghai_xfb" / "letters.csv"
    if not letters.exists():
        pytest.skip("../shared/data/shanghai_xfb/letters.csv is absent")
    call_command("import", "demands", str(letters), "--json", "--limit", "300")
    out = json.loads(capsys.readouterr().out)
    assert out["taken"] + out["refused"] == out["rows"] == 300
    assert {"reply_unit", "source_url"} <= set(out["ignored_columns"])
    call_command("import", "demands", str(letters), "--json", "--limit", "300")
    again = json.loads(capsys.readouterr().out)
    assert again["taken"] == 0
