"""Personal data in free text: find it, and mask it wherever the public or an export sees the text.

What is found (`kind`):
- `phone` — mainland mobile numbers (1[3-9] + 9 digits, also written 138-1234-5678, 138 1234 5678,
  139.1234.5678, 139—1234—5678, 139·1234·5678 or with +86/0086), landlines with an area code
  (0731-84567890, (0731)8456 7890, 0731.8456.7890), 400/800 numbers, and local landlines of 7–8 digits
  (84567890, 845-6789) when a contact cue (电话, 联系, 手机, 拨打, 致电, 热线, 座机, tel) comes just before.
- `id_card` — resident identity numbers: 18 characters (17 digits + digit or X, with a plausible birth
  date) or the old 15 digits. The checksum is reported, not required: a mistyped number is still personal.
- `email` — e-mail addresses.
- `address` — a named address down to the door: a road/street/lane or estate with a house, building,
  unit or room number (劳动东路123号, 江山帝景A14栋2单元301室). The name is kept, the numbers are masked,
  so that a reader still knows the place but not the door.
- `name` — a person's name introduced as such (我叫张三, 姓名：李四, 联系人王五).

Rules: detection works on the text as given (full-width digits count as digits); spans never overlap
(earlier and longer wins); masking replaces each masked character by `*` and keeps the text's length,
so that offsets computed on the original still hold. Digit runs are masked whole: the masked text
never contains the original phone or identity number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# full-width digits and letters are read as their ASCII forms (same length: offsets stay valid)
_WIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {
        "\uff0b": "+",
        "\uff0d": "-",
        "\uff08": "(",
        "\uff09": ")",
        "\u3000": " ",
        "\uff20": "@",
        "\uff0e": ".",
    }
)

_NOT_DIGIT_BEFORE = r"(?<![0-9])"
_NOT_DIGIT_AFTER = r"(?![0-9])"
# between the groups of a phone number: nothing, or up to three of space, hyphen, dot, dashes (—, –,
# ‐, ―, ——), middle dots (·, ・, •) or underscore: 139 1234 5678, 139.1234.5678, 139—1234—5678, 139 - 1234
_SEP = r"[ \-.·・•—–‐‑―_]{0,3}"

_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:(?:\+|00)?86"
    + _SEP
    + r")?1[3-9][0-9]"
    + _SEP
    + r"[0-9]{4}"
    + _SEP
    + r"[0-9]{4}"
    + _NOT_DIGIT_AFTER
)
_LANDLINE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:\(0[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2})"
    + _SEP
    + r"[2-9][0-9]{2,3}"
    + _SEP
    + r"[0-9]{4}"
    + _NOT_DIGIT_AFTER
)
_SERVICE = re.compile(
    _NOT_DIGIT_BEFORE + r"(?:400|800)" + _SEP + r"[0-9]{3}" + _SEP + r"[0-9]{4}" + _NOT_DIGIT_AFTER
)
# A local landline without its area code (8456 7890, 845-6789) is only a phone after a contact cue
# (电话, 联系, 手机, 拨打, 致电, 热线, 座机, tel, telephone, phone, mobile) and a few words of a phrase such as 联系电话号码是：
# — never across a sentence, never an amount (元, 万, %), a date (年, 月, 日, 20201126 after 时间) or part of a
# longer number (a 15-digit ticket number). Further numbers listed after it (、 或 / ，) are phones too.
_LOCAL = (
    _NOT_DIGIT_BEFORE
    + r"[2-9][0-9]{2,3}"
    + _SEP
    + r"[0-9]{4}(?![0-9]|[.,][0-9]|\s*(?:[元万亿千百年月日号次人户个岁米平%％]|块钱))"
)
_CUED_LOCAL = re.compile(
    r"(?:电话|联系|手机|拨打|致电|热线|座机|(?<![A-Za-z])(?i:tel(?:ephone)?|phone|mobile))"
    r"[\s:：是为即了的号码方式电话机座固定人本我其（）()/、.]{0,8}?"
    r"(?P<number>" + _LOCAL + r")"
)
_NEXT_LOCAL = re.compile(r"(?:[、,，/;；\s]|或|和|及){1,3}(?P<number>" + _LOCAL + r")")
_ID18 = re.compile(
    _NOT_DIGIT_BEFORE
    + r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    + r"(?![0-9A-Za-z])"
)
_ID15 = re.compile(
    _NOT_DIGIT_BEFORE
    + r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"
    + _NOT_DIGIT_AFTER
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_NUM = r"[0-9A-Za-z一二三四五六七八九十零〇]{1,5}(?:-[0-9]{1,4})?"
_NAME_CHAR = r"(?:(?![的在是了我你他她住到从向和与及于对把被给请问家])[\u4e00-\u9fffA-Za-z0-9])"
_DOOR_PART = (
    r"(?:"
    + _NUM
    + r"(?:号楼|栋|幢|座|单元|楼|层)|[0-9]{3,4}(?:室|房|号房|户)|[0-9]{1,4}号(?!线|文|令|院|公告))"
)
_ADDRESS = re.compile(
    r"(?P<name>"
    + _NAME_CHAR
    + r"{2,12}?(?:路|街|巷|大道|弄|里|村|组|小区|花园|家园|公寓|大厦|苑|园|城|府|广场|新村|社区))"
    r"(?P<door>" + _DOOR_PART + r"(?:" + _DOOR_PART + r"|[-—][0-9]{1,4}|[0-9]{3,4}(?![0-9]))*)"
)
# a door without a named place before it: 14栋2单元301室, G2栋320
_DOOR = re.compile(
    r"(?<![0-9A-Za-z])(?P<door>"
    + _NUM
    + r"(?:栋|幢|号楼)(?:"
    + _DOOR_PART
    + r"|[-—][0-9]{1,4}|[0-9]{3,4}(?![0-9]))*"
    r"|[0-9一二三四五六七八九十]{1,2}单元[0-9]{3,4}(?:室|房|号)?|[0-9]{3,4}室)"
)
_NAME = re.compile(
    r"(?:我叫|本人叫|本人名叫|名叫|姓名[:：是为]?|联系人[:：是为]?|户主[:：是为]?)\s?(?P<name>[\u4e00-\u9fff]{2,3})"
    r"(?=[,，。;；、\s(（]|$|[男女身电联手家现住今年我在的是])"
)
# Words that follow 我叫/姓名 but are not names.
_NOT_NAMES = {"不出", "不上", "什么", "某某", "网友", "市民", "群众", "业主", "居民", "村民", "一个", "一名"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and the span [start, end) that masking hides.

    `valid` is set for identity numbers only: whether the checksum holds.
    """

    kind: str
    start: int
    end: int
    valid: bool | None = None

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end}


def id_card_checksum_ok(number: str) -> bool:
    """Does an 18-character identity number's last character match its checksum (GB 11643)?"""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def detect_pii(text: str | None) -> list[Finding]:
    """All personal data in `text`, in order, without overlaps. Never raises."""
    if not text:
        return []
    text = str(text)
    folded = text.translate(_WIDTH)
    found: list[Finding] = []

    def add(kind: str, match: re.Match[str], group: str | int = 0, *, valid: bool | None = None) -> None:
        start, end = match.span(group)
        found.append(Finding(kind, start, end, valid))

    for match in _ID18.finditer(folded):
        add("id_card", match, valid=id_card_checksum_ok(match.group(0)))
    for match in _ID15.finditer(folded):
        add("id_card", match)
    for pattern in (_MOBILE, _LANDLINE, _SERVICE):
        for match in pattern.finditer(folded):
            add("phone", match)
    for cued in _CUED_LOCAL.finditer(folded):
        listed: re.Match[str] | None = cued
        while listed is not None:
            add("phone", listed, "number")
            listed = _NEXT_LOCAL.match(folded, listed.end())
    for match in _EMAIL.finditer(folded):
        add("email", match)
    for match in _ADDRESS.finditer(folded):
        add("address", match, "door")
    for match in _DOOR.finditer(folded):
        add("address", match, "door")
    for match in _NAME.finditer(folded):
        if match.group("name") not in _NOT_NAMES:
            add("name", match, "name")
    return _without_overlaps(found)


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    # personal numbers first (they must never leak), then the longest span, then the earliest
    priority = {"id_card": 0, "phone": 1, "email": 2, "name": 3, "address": 4}
    chosen: list[Finding] = []
    for item in sorted(found, key=lambda f: (priority[f.kind], -(f.end - f.start), f.start)):
        if any(item.start < other.end and other.start < item.end for other in chosen):
            continue
        chosen.append(item)
    return sorted(chosen, key=lambda f: f.start)


def _mask_span(text: str, start: int, end: int, kind: str) -> str:
    part = text[start:end]
    if kind == "phone":
        # every digit goes: no run of the number survives (separators and "+" stay)
        return "".join("*" if ch.translate(_WIDTH).isdigit() else ch for ch in part)
    if kind == "email":
        at = part.find("@") if "@" in part else part.translate(_WIDTH).find("@")
        return "*" * max(at, 0) + part[max(at, 0) :]
    return "*" * len(part)


def mask_pii(text: str | None, *, kinds: set[str] | None = None) -> str:
    """`text` with every personal datum (of `kinds`, default all) masked by `*`, same length."""
    if not text:
        return "" if text is None else str(text)
    text = str(text)
    out = list(text)
    for item in detect_pii(text):
        if kinds is not None and item.kind not in kinds:
            continue
        out[item.start : item.end] = _mask_span(text, item.start, item.end, item.kind)
    return "".join(out)
