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
- `name` — a private person's name: introduced as such (我叫张三, 姓名：李四, 联系人王五, 户主：张三、李四),
  after a role that names a private person (村民/业主/举报人/被举报人/控告人/当事人/申请人/患者… + a name
  that starts with a common surname), before 男/女 in a description (封群雄，男，), and the surname of
  the salutation that opens a reply (沈同志：, 王**女士：, 李先生/女士：).
- `plate` — vehicle plates (沪A·12345, 湘AB1234D): the province character and the letter stay.
- `bank_card` — bank card and account numbers: 12–19 digits after a cue (卡号, 银行卡, 账号…), or 16/19
  digits starting with 62 that pass the Luhn check.

Official replies (`official=True`): a unit's published contact lines — landlines, 400/800 numbers
and local numbers after a contact cue, and the addresses of offices (…委员会（零陵北路41号）) — are
*kept*; mobile numbers, names and everything else personal are still masked. Hotlines (12345, 110,
119, 120, 12315…) are never personal data: they are too short to be taken for a phone.

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
    + r"[1-9][0-9]{2,3}"
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
    + r"#(?:楼|栋|幢)?|"
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
    + r"(?:栋|幢|号楼|#楼|#栋|#)(?:"
    + _DOOR_PART
    + r"|[-—][0-9]{1,4}|[0-9]{3,4}(?![0-9]))*"
    r"|[0-9一二三四五六七八九十]{1,2}单元[0-9]{3,4}(?:室|房|号)?|[0-9]{3,4}室)"
)
_NAME = re.compile(
    r"(?:我叫|本人叫|本人名叫|名叫|姓名[:：是为]?|联系人[:：是为]?|户主[:：是为]?)\s?(?P<name>[\u4e00-\u9fff]{2,3})"
    r"(?=[,，。;；、\s(（]|$|[男女身电联手家现住今年我在的是])"
)
# Common surnames (the 200 most frequent, and the double ones): a role word followed by one of them
# and one or two more characters is a name (村民张三, 被举报人李四华).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜"
    "倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
    "房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商"
    "刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝封荀郁陆"
)
_DOUBLE_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
)
_SURNAME = "(?:" + "|".join(_DOUBLE_SURNAMES) + "|[" + _SURNAMES + "])"
# characters that end a name early (a verb, a particle or a place word after a two-character name)
_AFTER_NAME = r"(?=[,，。;；、:：\s(（）)“”\"]|$|[的是在家等和与及于把将说称反向到去来被也都就已又因从对男女同老先家户住今年现])"
_ROLE_NAME = re.compile(
    r"(?:村民|居民|业主|住户|租户|房东|户主|被举报人|举报人|被控告人|控告人|被投诉人|投诉人|被申请人|申请人|当事人|信访人|"
    r"受害人|患者|病人|家属|死者|职工|员工|老人|老师|同学|司机|老板|店主|承租人|出租人|债务人|借款人|嫌疑人|责任人|丈夫|妻子|儿子|女儿)[:：]?"
    r"(?P<name>" + _SURNAME + r"[\u4e00-\u9fff*＊]{1,2}?)" + _AFTER_NAME
)
_NAME_SEX = re.compile(
    r"(?<![\u4e00-\u9fff])(?P<name>" + _SURNAME + r"[\u4e00-\u9fff]{1,2})[,，]\s?(?:男|女)[,，。、\s]"
)
_NAME_LIST_NEXT = re.compile(r"[、,，和及](?P<name>" + _SURNAME + r"[\u4e00-\u9fff]{1,2}?)" + _AFTER_NAME)
# the salutation that opens a reply: 沈同志：, 王**女士：, 李先生/女士：, 网友张三：
_SALUTATION = re.compile(
    r"(?:^|[。！!:：\s]|意见书|告知书|答复书|决定书)(?P<name>"
    + _SURNAME
    + r"(?:[\u4e00-\u9fff]{0,2}?|[*＊xX×某]{1,3}))"
    r"(?:同志|先生/女士|先生|女士|老师|阿姨|师傅|（先生/女士）|\(先生/女士\))(?=[:：,，!！您你])"
)
_COMRADE = re.compile(r"(?P<name>" + _SURNAME + r"[\u4e00-\u9fff]{1,2})同志(?![们])")
_PLATE = re.compile(
    r"(?<![A-Za-z0-9])[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][·•・\s-]?"
    r"(?P<rest>[A-Z0-9*＊]{4,5}[A-Z0-9挂学警港澳*＊])(?![A-Za-z0-9])"
)
_PLATE_CUED = re.compile(
    r"(?:车牌号码|车牌号|车牌|牌照号|牌照)[^。；;！!？?]{0,12}?(?P<plate>[\u4e00-\u9fff]?[A-Za-z][·•・\s-]?[A-Za-z0-9*＊]{4,6})"
)
_PLATE_NEXT = re.compile(
    r"[,，、和及/\s]{1,2}(?P<plate>[\u4e00-\u9fff]?[A-Za-z][·•・\s-]?[A-Za-z0-9*＊]{4,6})(?![A-Za-z0-9])"
)
_CARD_CUED = re.compile(
    r"(?:卡号|银行卡|储蓄卡|信用卡|借记卡|账号|帐号|银行账户|收款账户|工资卡|社保卡号)[\s:：是为]{0,4}(?:[\u4e00-\u9fff]{0,6}?)"
    r"(?P<number>(?<![0-9])[0-9](?:[ -]?[0-9]){11,18}(?![0-9]))"
)
_CARD_BARE = re.compile(r"(?<![0-9])62[0-9]{14}(?:[0-9]{3})?(?![0-9])")
# cheap tests that a text can hold what a pattern looks for (most texts hold none)
_ANY_LETTER = re.compile(r"[A-Za-z]")
_ANY_DIGIT = re.compile(r"[0-9]")
# characters that `_WIDTH` changes: a text without any is its own folded form (no copy made)
_ANY_WIDE = re.compile("[" + "".join(sorted(chr(c) for c in _WIDTH)) + "]")
# Every address match ends its name with a place word followed by a door part, which holds one of
# these characters (# 号 栋 幢 座 单元 楼 层 室 房 户); a door without a name holds one of _DOOR_MARKS.
_ADDRESS_MARKS = frozenset("#号栋幢座单楼层室房户")
_DOOR_MARKS = frozenset("#号栋幢单室")
_ADDRESS_TAIL = re.compile(
    r"(?=(?:路|街|巷|大道|弄|里|村|组|小区|花园|家园|公寓|大厦|苑|园|城|府|广场|新村|社区)" + _DOOR_PART + ")"
)
_ADDRESS_NAME_MIN, _ADDRESS_NAME_MAX = 2, 12  # the name's characters before the place word (_ADDRESS)
_LONG_NUMBER = re.compile(r"[0-9](?:[ -]?[0-9]){11}")
_NAME_PATTERNS = (
    (
        _ROLE_NAME,
        re.compile(
            r"村民|居民|业主|住户|租户|房东|户主|举报人|控告人|投诉人|申请人|当事人|信访人|受害人|患者|病人|家属|死者|职工|员工|老人|老师|同学|司机|老板|店主|承租人|出租人|债务人|借款人|嫌疑人|责任人|丈夫|妻子|儿子|女儿"
        ),
    ),
    (_NAME_SEX, re.compile(r"[,，]\s?[男女]")),
    (_SALUTATION, re.compile(r"同志|先生|女士|老师|阿姨|师傅")),
    (_COMRADE, re.compile(r"同志")),
)
_OFFICE = re.compile(
    r"(?:委员会|中心|局|办公室|办|所|站|院|政府|大厅|窗口|科|处|队|公司|街道|居委|村委|热线|服务台|地址[:：]|位于)"
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
    folded = text.translate(_WIDTH) if _ANY_WIDE.search(text) else text
    found: list[Finding] = []

    def add(kind: str, match: re.Match[str], group: str | int = 0, *, valid: bool | None = None) -> None:
        start, end = match.span(group)
        found.append(Finding(kind, start, end, valid))

    # identity, phone and local numbers all hold digits: a text without one is not scanned for them
    if _ANY_DIGIT.search(folded) is not None:
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
    for match in _EMAIL.finditer(folded) if "@" in folded else ():
        add("email", match)
    for match in _address_matches(folded):
        add("address", match, "door")
    for match in _DOOR.finditer(folded) if not _DOOR_MARKS.isdisjoint(folded) else ():
        add("address", match, "door")
    _people_plates_cards(folded, found)
    return _without_overlaps(found)


def _address_matches(folded: str) -> list[re.Match[str]]:
    """What `_ADDRESS.finditer(folded)` yields, found faster: a match's place word and first door part
    (`_ADDRESS_TAIL`, at q) come 2 to 12 characters after its start, so `_ADDRESS` is tried only at the
    starts from q-12 to q-2 of each such q, left to right, from the end of the previous match."""
    if _ADDRESS_MARKS.isdisjoint(folded):
        return []
    tails = [m.start() for m in _ADDRESS_TAIL.finditer(folded)]
    if not tails:
        return []
    starts = sorted(
        {s for q in tails for s in range(max(0, q - _ADDRESS_NAME_MAX), q - _ADDRESS_NAME_MIN + 1)}
    )
    found: list[re.Match[str]] = []
    end = 0
    for start in starts:
        if start < end:
            continue
        match = _ADDRESS.match(folded, start)
        if match is not None:
            found.append(match)
            end = match.end()
    return found


def _people_plates_cards(folded: str, found: list[Finding]) -> None:
    """Names of private persons, vehicle plates and bank cards of `folded`, appended to `found`."""

    def add(kind: str, match: re.Match[str], group: str | int = 0) -> None:
        start, end = match.span(group)
        found.append(Finding(kind, start, end))

    for match in _NAME.finditer(folded):
        if match.group("name") not in _NOT_NAMES:
            add("name", match, "name")
            listed = _NAME_LIST_NEXT.match(folded, match.end())
            while listed is not None:
                add("name", listed, "name")
                listed = _NAME_LIST_NEXT.match(folded, listed.end())
    for pattern, anchor in _NAME_PATTERNS:
        if not anchor.search(folded):
            continue
        for match in pattern.finditer(folded):
            if match.group("name") not in _NOT_NAMES and not match.group("name").endswith("某"):
                add("name", match, "name")
    has_letter = _ANY_LETTER.search(folded) is not None
    for match in _PLATE.finditer(folded) if has_letter else ():
        add("plate", match, "rest")
    for cued in _PLATE_CUED.finditer(folded) if has_letter and "牌" in folded else ():
        plate: re.Match[str] | None = cued
        while plate is not None:
            start, end = plate.span("plate")
            found.append(Finding("plate", start + 2 if folded[start] > "\u4e00" else start + 1, end))
            plate = _PLATE_NEXT.match(folded, end)
    long_number = _LONG_NUMBER.search(folded) is not None
    for match in _CARD_CUED.finditer(folded) if long_number else ():
        add("bank_card", match, "number")
    for match in _CARD_BARE.finditer(folded) if long_number else ():
        if _luhn_ok(match.group(0)):
            add("bank_card", match)


def _luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def official_line(text: str, finding: Finding) -> bool:
    """Is `finding` a unit's published contact line in an official reply (kept readable there)? A
    landline, 400/800 or cued local number — not a mobile — or an office's address."""
    if finding.kind == "phone":
        digits = "".join(ch for ch in text[finding.start : finding.end].translate(_WIDTH) if ch.isdigit())
        mobile = len(digits) >= 11 and digits[-11] == "1" and digits[-10] in "3456789"
        return not mobile
    if finding.kind == "address":
        return bool(_OFFICE.search(text[max(0, finding.start - 24) : finding.start]))
    if finding.kind == "name":  # the contact person a unit names in its own reply
        return "联系人" in text[max(0, finding.start - 5) : finding.start]
    return False


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    # personal numbers first (they must never leak), then the longest span, then the earliest
    priority = {"id_card": 0, "bank_card": 1, "phone": 2, "email": 3, "plate": 4, "name": 5, "address": 6}
    chosen: list[Finding] = []
    for item in sorted(found, key=lambda f: (priority[f.kind], -(f.end - f.start), f.start)):
        if any(item.start < other.end and other.start < item.end for other in chosen):
            continue
        chosen.append(item)
    return sorted(chosen, key=lambda f: f.start)


def _mask_span(text: str, start: int, end: int, kind: str) -> str:
    part = text[start:end]
    if kind == "plate":
        return "".join("*" if ch.isalnum() else ch for ch in part)
    if kind in ("phone", "bank_card"):
        # every digit goes: no run of the number survives (separators and "+" stay)
        return "".join("*" if ch.translate(_WIDTH).isdigit() else ch for ch in part)
    if kind == "email":
        at = part.find("@") if "@" in part else part.translate(_WIDTH).find("@")
        return "*" * max(at, 0) + part[max(at, 0) :]
    return "*" * len(part)


def mask_pii(text: str | None, *, kinds: set[str] | None = None, official: bool = False) -> str:
    """`text` with every personal datum (of `kinds`, default all) masked by `*`, same length.

    `official`: the text is an official reply; the unit's published contact lines stay readable
    (`official_line`)."""
    if not text:
        return "" if text is None else str(text)
    text = str(text)
    out = list(text)
    for item in detect_pii(text):
        if kinds is not None and item.kind not in kinds:
            continue
        if official and official_line(text, item):
            continue
        out[item.start : item.end] = _mask_span(text, item.start, item.end, item.kind)
    return "".join(out)
