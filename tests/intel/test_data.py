"""Lenient reading of message files."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import Workbook

from lianxin.intel.data import parse_count, parse_id, parse_time, read_messages
from lianxin.intel.errors import IntelError


def write_csv(path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019/2/28 11:25:05", datetime(2019, 2, 28, 11, 25, 5)),
        ("2019-02-28", datetime(2019, 2, 28)),
        (" 2019/2/8\t9:05 ", datetime(2019, 2, 8, 9, 5)),
        ("2019年2月28日9时30分", datetime(2019, 2, 28, 9, 30)),
        ("20190228", datetime(2019, 2, 28)),
        ("2019.2.8", datetime(2019, 2, 8)),
        ("2019-02-28T03:25:05Z", datetime(2019, 2, 28, 11, 25, 5)),  # UTC read as China time
        (43524.5, datetime(2019, 2, 28, 12, 0)),  # an Excel serial day
        (datetime(2020, 1, 1, 8), datetime(2020, 1, 1, 8)),
    ],
)
def test_parse_time_reads_mixed_formats(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize("value", ["", None, "garbage", "2019/13/45", "12:30", 7])
def test_parse_time_gives_none_for_what_is_not_a_time(value):
    assert parse_time(value) is None


def test_counts_and_ids_are_read_leniently():
    assert parse_count(" 12 ") == 12
    assert parse_count("1,024") == 1024
    assert parse_count("3.0") == 3
    assert parse_count("abc") == 0
    assert parse_count(-5) == 0
    assert parse_id(77861.0) == "77861"
    assert parse_id("77861.0") == "77861"
    assert parse_id(" A12 ") == "A12"


def test_chinese_columns_with_bom_and_stray_whitespace(tmp_path):
    path = tmp_path / "m.csv"
    write_csv(
        path,
        "\ufeff 留言编号 ,留言用户,留言主题,留言时间,留言详情,一级分类,点赞数,反对数\n"
        '1,U1,  小区\t停水 ,2019/2/28 11:25:05,"已经\n三天没水",城乡建设,3,1\n'
        ",,,,,,,\n"
        "2,U2,路灯坏了,2019-03-01,晚上很黑,城乡建设,,\n",
    )
    messages = read_messages(path, need=("id", "text", "label"))
    assert [m.id for m in messages] == ["1", "2"]
    first = messages[0]
    assert first.text == "小区停水已经三天没水"
    assert first.time == datetime(2019, 2, 28, 11, 25, 5)
    assert (first.likes, first.dislikes, first.label) == (3, 1, "城乡建设")
    assert messages[1].likes == 0


def test_english_aliases_and_a_single_text_column(tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, "id,text,label,time\n7,油烟扰民,环境保护,2019/1/2\n")
    (message,) = read_messages(path, need=("id", "text", "label"))
    assert (message.id, message.text, message.label) == ("7", "油烟扰民", "环境保护")


def test_text_column_is_used_only_when_title_and_content_are_empty(tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, "留言主题,留言详情,text,一级分类\n,,只有文本,教育文体\n标题,详情,忽略我,教育文体\n")
    assert [m.text for m in read_messages(path)] == ["只有文本", "标题详情"]


def test_an_enormous_text_cell_is_cut_to_50000_characters_with_a_note(tmp_path):
    path = tmp_path / "m.csv"
    write_csv(
        path,
        "留言编号,留言主题,留言详情,答复意见\n"
        + f"1,停水,{'水' * 60_000},{'答' * 70_000}\n2,路灯,不亮,已修\n",
    )
    long, short = read_messages(path, need=("text", "reply"))
    assert len(long.content) == 50_000 and len(long.reply) == 50_000 and long.text == "停水" + long.content
    content_note, reply_note = long.notes
    assert content_note.startswith("留言详情") and "60000" in content_note and "50000" in content_note
    assert reply_note.startswith("答复意见") and "70000" in reply_note
    assert short.notes == ()


def test_gb18030_csv_is_read(tmp_path):
    path = tmp_path / "gbk.csv"
    write_csv(path, "留言主题,一级分类\n小区停电,城乡建设\n", encoding="gb18030")
    assert read_messages(path, need=("text", "label"))[0].text == "小区停电"


def test_xlsx_with_a_title_row_before_the_header(tmp_path):
    path = tmp_path / "m.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["群众留言导出"])
    sheet.append(["留言编号", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"])
    sheet.append([360100, "油烟扰民", datetime(2019, 9, 5, 12, 29), "楼下烧烤", "已处理", "2019/9/10"])
    book.save(path)
    (message,) = read_messages(path, need=("id", "text", "reply"))
    assert message.id == "360100"
    assert message.time == datetime(2019, 9, 5, 12, 29)
    assert message.reply_time == datetime(2019, 9, 10)


def test_a_missing_column_is_refused_by_name(tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, "留言编号,留言主题\n1,停水\n")
    with pytest.raises(IntelError, match="一级分类"):
        read_messages(path, need=("text", "label"))
    with pytest.raises(IntelError, match="答复意见"):
        read_messages(path, need=("reply",))


def test_a_file_without_text_is_refused_naming_the_text_columns(tmp_path):
    path = tmp_path / "m.csv"
    write_csv(path, "留言编号,一级分类\n1,城乡建设\n")
    with pytest.raises(IntelError, match="留言详情"):
        read_messages(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0", "xlsx"),
        ("notes.pdf", b"%PDF", "xlsx"),
        ("broken.xlsx", b"not a zip", "xlsx"),
        ("empty.csv", b"", "no known column"),
        ("noheader.csv", "甲,乙\n1,2\n".encode(), "no known column"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IntelError, match=message):
        read_messages(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(IntelError, match="no such file"):
        read_messages(tmp_path / "nope.csv")
