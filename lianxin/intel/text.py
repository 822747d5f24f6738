"""Text handling shared by every intel feature: normalisation, truncation, segmentation, places.

Rules:
- `normalize` folds full-width forms to half-width (NFKC), drops control and zero-width characters and
  collapses whitespace: a run of whitespace disappears next to a non-ASCII character (Chinese has no
  spaces between words; stray tabs and newlines come from web forms) and becomes one space between two
  ASCII characters. It is idempotent and never raises, whatever it is given.
- `clean` normalises and keeps at most `MAX_CHARS` characters, with a note saying it cut the text.
- `tokens` segments with jieba plus the domain dictionary shipped beside this module (`domain.dict`);
  area codes such as A市, A5区 or K9县 are always kept as one token.
- `area_codes` and `place_names` find where a text is about: coded areas, and named places (estates,
  roads, schools, villages…) found as the characters before a place suffix such as 小区, 路 or 学院.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba

try:
    # jieba's own algorithm and dictionary with the word-graph search in C: the same cuts, about 1.8x
    # faster (segmentation dominates classification time). Installed where it builds (Python 3.11);
    # elsewhere plain jieba does the same work more slowly.
    import jieba_fast as _segmenter
except ImportError:  # pragma: no cover - depends on the installation
    _segmenter = jieba

MAX_CHARS = 50_000
_RAW_LIMIT = MAX_CHARS * 4  # raw text beyond this is cut before normalising, to bound the work

_HERE = Path(__file__).resolve().parent
DOMAIN_DICT = _HERE / "domain.dict"
STOPWORDS_FILE = _HERE / "stopwords.txt"

_WHITESPACE_RUN = re.compile(r"\s+")
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


def _drop_controls(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _DROP_CATEGORIES)


def _collapse_whitespace(text: str) -> str:
    def join(match: re.Match[str]) -> str:
        start, end = match.span()
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if before.isascii() and after.isascii() and before and after:
            return " "
        return ""

    return _WHITESPACE_RUN.sub(join, text).strip()


def _normalize_once(text: str) -> str:
    return _collapse_whitespace(unicodedata.normalize("NFKC", _drop_controls(text)))


def normalize(value: object) -> str:
    """Return `value` as normalised text ("" for None); see the module rules. Never raises."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if len(text) > _RAW_LIMIT:
        text = text[:_RAW_LIMIT]
    # Each step can expose work for another (NFKC may yield spaces, dropping a character may join a
    # combining mark); repeat until stable so that normalize(normalize(x)) == normalize(x).
    for _ in range(4):
        done = _normalize_once(text)
        if done == text:
            break
        text = done
    return text


@dataclass(frozen=True)
class CleanText:
    """A normalised text, cut to `MAX_CHARS` characters; `note` says when and how much was cut."""

    text: str
    truncated: bool = False
    original_length: int = 0

    @property
    def note(self) -> str | None:
        if not self.truncated:
            return None
        return (
            f"text too long ({self.original_length} characters after normalising, or more): "
            f"only the first {len(self.text)} were analysed"
        )


def clean(value: object, *, max_chars: int = MAX_CHARS) -> CleanText:
    """Normalise `value` and keep its first `max_chars` characters (noting the cut)."""
    raw_length = len(value) if isinstance(value, str) else 0
    text = normalize(value)
    length = max(len(text), raw_length if raw_length > _RAW_LIMIT else 0)
    if len(text) > max_chars:
        return CleanText(text=text[:max_chars], truncated=True, original_length=length)
    return CleanText(text=text, truncated=length > max_chars, original_length=length)


# --- places -----------------------------------------------------------------------------------------

AREA_CODE_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z]\d{0,2}[市区县州]")

# Suffixes that end a named place; longest first so that 幼儿园 wins over 园.
PLACE_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        [
            "小区",
            "花园",
            "家园",
            "公寓",
            "大厦",
            "广场",
            "新城",
            "新村",
            "山庄",
            "庄园",
            "苑",
            "园",
            "城",
            "社区",
            "街道",
            "村",
            "镇",
            "乡",
            "路",
            "街",
            "大道",
            "巷",
            "大桥",
            "学院",
            "大学",
            "中学",
            "小学",
            "幼儿园",
            "学校",
            "医院",
            "卫生院",
            "诊所",
            "公园",
            "市场",
            "车站",
            "高铁站",
            "地铁站",
            "商场",
            "超市",
            "工业园",
            "产业园",
            "园区",
            "隧道",
            "水库",
            "工地",
            "厂",
            "公司",
            "集团",
            "酒店",
            "宾馆",
            "景区",
            "码头",
            "机场",
            "停车场",
            "加油站",
            "垃圾站",
            "搅拌站",
            "农贸市场",
            "汽车站",
            "火车站",
            "派出所",
            "号线",
            "湖",
            "河",
            "山",
        ],
        key=len,
        reverse=True,
    )
)
# Characters that rarely sit inside a place name: a backwards walk from a suffix stops there.
_NAME_STOP = set(
    "的在是了我你他她它们这那该本对把被给从向到和与及或请问也都就还又很没要想说让使将已曾再去来侧旁边面省有个等至设仅只最少么什跑"
)
_GENERIC_NAMES = {
    "城市道路",
    "公共道路",
    "城区道路",
    "市政道路",
    "走投无路",
    "必经之路",
    "过马路",
    "绿水青山",
    "父老乡",
    "社会主义新农村",
    "小城镇",
    "大马路",
    "水泥路",
    "泥巴路",
    "断头路",
    "快速路",
    "交叉路",
    "十字路",
}
# Words that often stand just before a place suffix without being part of the name (导致小区…).
_LEADING_NOISE = tuple(
    sorted(
        [
            "导致",
            "严重影响",
            "影响",
            "整个",
            "一个",
            "两个",
            "几个",
            "各个",
            "多个",
            "目前",
            "由于",
            "因为",
            "作为",
            "造成",
            "进入",
            "进出",
            "附近",
            "周边",
            "当地",
            "全体",
            "部分",
            "一名",
            "一所",
            "两所",
            "一条",
            "一家",
            "两家",
            "距离",
            "占用",
            "侵占",
            "投诉",
            "表扬",
            "感谢",
            "而且",
            "并且",
            "但是",
            "所以",
            "居民",
            "住宅",
            "安置",
            "居住",
            "生活",
            "新建",
            "高档",
            "增加",
            "减少",
            "公共",
            "未经",
            "所在",
            "位于",
            "来自",
            "回到",
            "为了",
            "为",
            "于",
            "且",
            "距",
            "条",
            "各",
            "整",
            "全",
            "个",
            "家",
            "名",
            "所",
            "离",
            "近",
            "区",
        ],
        key=len,
        reverse=True,
    )
)
_MAX_NAME_BEFORE_SUFFIX = 6
# A suffix followed by these characters is part of another word (路灯, 路面, 街头), not a place.
_NOT_AFTER = {
    "路": "灯面费径况由人过线",
    "街": "头坊",
    "山": "上下林",
    "河": "道水苑畔",
    "湖": "水",
    "厂": "家商",
    "城": "市镇管区际乡建中",
    "园": "区林",
}
_SUFFIX_RE = re.compile(
    "|".join(re.escape(s) + (f"(?![{_NOT_AFTER[s]}])" if s in _NOT_AFTER else "") for s in PLACE_SUFFIXES)
)


def area_codes(text: str) -> list[str]:
    """Coded areas in order of appearance, without repeats: ['A市', 'A5区']."""
    seen: dict[str, None] = {}
    for match in AREA_CODE_RE.finditer(text):
        seen.setdefault(match.group(0), None)
    return list(seen)


def primary_area(text: str) -> str:
    """The most specific coded area a text names (a 区/县 before a 市), or ""."""
    codes = area_codes(text)
    for code in codes:
        if code[-1] in "区县":
            return code
    return codes[0] if codes else ""


def _is_name_char(ch: str) -> bool:
    return ("\u4e00" <= ch <= "\u9fff" or ch.isalnum()) and ch not in _NAME_STOP


@lru_cache(maxsize=65536)
def place_core(name: str) -> str:
    """A place name without its suffix when at least two characters remain (魅力之城小区 → 魅力之城)."""
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def without_places(words: Iterable[str], names: Iterable[str]) -> list[str]:
    """`words` less those inside a named place or its core: where is judged apart from what."""
    noise = {*names, *(place_core(n) for n in names)}
    return [w for w in words if not (len(w) >= 2 and any(w in n for n in noise))]


def place_names(text: str) -> list[str]:
    """Named places in `text`, in order, without repeats: ['劳动东路', '魅力之城小区'].

    A name is the run of name characters (Chinese, letters, digits — not function characters such as
    的/在/我) just before a place suffix, at most six characters, stopping at an area code or another
    place; it needs at least two characters before the suffix.
    """
    found: dict[str, None] = {}
    boundary = 0
    codes = [m.span() for m in AREA_CODE_RE.finditer(text)]
    for match in _SUFFIX_RE.finditer(text):
        start, end = match.span()
        if start < boundary:
            continue
        # A suffix straight after another belongs to the same name: 魅力之城 + 小区.
        while (follow := _SUFFIX_RE.match(text, end)) is not None:
            end = follow.end()
        limit = start - _MAX_NAME_BEFORE_SUFFIX
        lower = max(boundary, limit)
        for code_start, code_end in codes:
            if code_start < start and code_end > lower:
                lower = min(code_end, start)
        i = start
        while i > lower and _is_name_char(text[i - 1]):
            i -= 1
        if i == limit and i > 0 and lower == limit and _is_name_char(text[i - 1]):
            # cut by the length limit inside a run of name characters: the first word may be partial
            words = _get_tokenizer().lcut(text[i:start], HMM=False)
            if len(words) > 1:
                i += len(words[0])
        boundary = end
        while True:
            prefix = next((p for p in _LEADING_NOISE if text.startswith(p, i, start)), "")
            if not prefix:
                break
            i += len(prefix)
        name = text[i:end]
        head = start - i
        if head < 2:
            continue
        if name in _GENERIC_NAMES or text[i:start].isdigit():
            continue
        found.setdefault(name, None)
    return list(found)


# --- segmentation -----------------------------------------------------------------------------------

_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def _get_tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                _segmenter.setLogLevel(logging.WARNING)
                tok = _segmenter.Tokenizer()
                tok.initialize()
                tok.load_userdict(str(DOMAIN_DICT))
                _tokenizer = tok
    return _tokenizer


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words and greetings that say nothing about the problem (stopwords.txt, whitespace-
    separated; `#` starts a comment that runs to the end of its line)."""
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(word for line in lines for word in line.split("#", 1)[0].split())


def tokens(text: str, *, drop_stopwords: bool = True, stop: frozenset[str] | None = None) -> list[str]:
    """Segment normalised `text` into words (jieba + domain dictionary), area codes kept whole.

    Punctuation and whitespace never come out; with `drop_stopwords` neither do stopwords (`stop`,
    by default those of stopwords.txt) nor bare numbers.
    """
    if not text:
        return []
    tok = _get_tokenizer()
    cut = tok.lcut
    if not drop_stopwords:
        stop = frozenset()
    elif stop is None:
        stop = stopwords()
    out: list[str] = []
    pos = 0
    pieces: list[tuple[str, bool]] = []
    for match in AREA_CODE_RE.finditer(text):
        if match.start() > pos:
            pieces.append((text[pos : match.start()], False))
        pieces.append((match.group(0), True))
        pos = match.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    for piece, is_code in pieces:
        if is_code:
            out.append(piece)
            continue
        for word in cut(piece, HMM=False):
            if not word.isalnum() and not any(ch.isalnum() for ch in word):  # punctuation, spaces
                continue
            if word.isascii():
                word = word.lower()
                if drop_stopwords and word.isdigit():
                    continue
            if word in stop:
                continue
            out.append(word)
    return out


def char_ngrams(text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> list[str]:
    """Character n-grams of `text` with whitespace removed (robust to segmentation errors)."""
    text = text.replace(" ", "")
    grams: list[str] = []
    for n in sizes:
        if n == 1:
            grams.extend(text)
        elif n == 2:
            grams.extend(map(str.__add__, text, text[1:]))
        else:
            grams.extend([text[i : i + n] for i in range(len(text) - n + 1)])
    return grams
