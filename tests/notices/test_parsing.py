"""The SMS answer parser: every accepted form, and bad input left for the operator (None)."""

import pytest

from lianxin.notices.parsing import sms_optout_parse, sms_reply_parse, sms_reply_resolved

S, B, U = "satisfied", "basic", "unsatisfied"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", S),
        ("2", B),
        ("3", U),
        (" 1 ", S),
        ("１", S),  # full-width digit
        ("３。", U),
        ("【2】", B),
        ("1!", S),
        ("01", S),
        ("满意", S),
        ("基本满意", B),
        ("不满意", U),
        ("很不满意!!", U),
        ("很不满意！！", U),
        ("非常满意，谢谢", S),
        ("满意😊", S),
        ("1满意", S),
        ("3 不满意", U),
        ("2，基本满意。", B),
        ("1已解决", S),
        ("3 未解决", U),
        ("我满意", S),
        # bad or ambiguous: None, left for the operator
        ("", None),
        ("   ", None),
        ("？？？", None),
        ("asdfgh", None),
        ("1 3", None),
        ("1,2", None),
        ("13", None),
        ("4", None),
        ("0", None),
        ("1不满意", None),
        ("满意 不满意", None),
        ("比较满意", None),
        ("不太满意", None),  # between 基本满意 and 不满意: the operator asks
        ("还行吧", None),
        ("你们什么时候来修", None),
        ("13912345678", None),
        ("TD", None),
        ("x" * 5000, None),
    ],
)
def test_reply_parse(text, expected):
    assert sms_reply_parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1已解决", True),
        ("1 解决了", True),
        ("3未解决", False),
        ("2 没有解决", False),
        ("1", None),
        ("", None),
    ],
)
def test_reply_resolved(text, expected):
    assert sms_reply_resolved(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TD", True),
        ("td", True),
        ("ＴＤ", True),
        (" 退订 ", True),
        ("退订。", True),
        ("1", False),
        ("TDD", False),
        ("", False),
    ],
)
def test_optout_parse(text, expected):
    assert sms_optout_parse(text) is expected
