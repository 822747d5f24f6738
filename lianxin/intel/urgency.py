"""Urgency from the words of a demand: danger to life, self-harm, violence, mass incidents → 特急.

Rules:
- Each signal is a phrase of one `kind`. Kinds in `CRITICAL_KINDS` (life in danger now, self-harm,
  serious violence, mass incidents) propose urgency `critical` (特急: immediate escalation); kinds in
  `URGENT_KINDS` (hazards, harm reported after the fact, vulnerable people, water/power outages)
  propose `urgent` (紧急); nothing found proposes `normal`.
- A phrase closely preceded by a negation (没有/无/不会/并未…: "没有生命危险") does not count.
- A danger that is feared rather than happening (一旦发生, 极易, 防止, 存在…隐患) is a hazard, not critical.
- Intel proposes, a person decides: the operator confirms or lowers the proposal.
- Texts are normalised first; empty or non-Chinese texts simply find nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lianxin.intel.text import normalize

CRITICAL_KINDS = ("life", "self_harm", "violence", "mass")
URGENT_KINDS = ("hazard", "harm_reported", "vulnerable", "outage")

_PHRASES: dict[str, tuple[str, ...]] = {
    "self_harm": (
        "自杀",
        "轻生",
        "跳楼",
        "跳河",
        "跳江",
        "割腕",
        "服毒",
        "喝农药",
        "吞安眠药",
        "吃了一瓶安眠药",
        "上吊",
        "寻死",
        "不想活",
        "活不下去",
        "了结自己",
        "结束自己的生命",
        "以死相逼",
        "以死明志",
        "一死了之",
    ),
    "life": (
        "有生命危险",
        "生命危险",
        "危及生命",
        "命悬一线",
        "快不行了",
        "昏迷不醒",
        "昏迷",
        "窒息了",
        "窒息死亡",
        "大出血",
        "呼吸困难",
        "心脏骤停",
        "煤气泄漏",
        "燃气泄漏",
        "天然气泄漏",
        "正在着火",
        "着火了",
        "起火了",
        "被困",
        "溺水",
        "一氧化碳中毒",
        "食物中毒",
        "集体中毒",
        "随时可能倒塌",
        "随时会倒",
        "随时可能垮",
        "马上要塌",
    ),
    "violence": (
        "杀人",
        "砍人",
        "持刀",
        "拿刀砍",
        "要杀",
        "弄死",
        "同归于尽",
        "报复社会",
        "家暴",
        "家庭暴力",
        "被绑架",
        "绑架了",
        "强奸",
        "性侵",
        "非法拘禁",
    ),
    "mass": (
        "群体性事件",
        "群体事件",
        "集体上访",
        "围堵",
        "堵路",
        "堵门",
        "拉横幅",
        "静坐",
        "集体罢工",
        "工人罢工",
        "罢课",
        "罢运",
        "集体讨薪",
        "打砸",
        "械斗",
        "暴乱",
    ),
    "hazard": (
        "安全隐患",
        "重大隐患",
        "火灾",
        "爆炸",
        "坍塌",
        "倒塌",
        "垮塌",
        "塌方",
        "塌陷",
        "触电",
        "漏电",
        "电线裸露",
        "井盖缺失",
        "没有井盖",
        "摇摇欲坠",
        "高空坠物",
        "消防通道堵塞",
        "堵塞消防通道",
        "危险化学品",
        "污染饮用水",
        "人命关天",
        "危房",
    ),
    "harm_reported": (
        "殴打",
        "暴打",
        "打人",
        "打伤",
        "被打",
        "围殴",
        "恐吓",
        "威胁",
        "黑社会",
        "抢劫",
        "猥亵",
    ),
    "vulnerable": ("孤寡老人", "独居老人", "留守儿童", "孕妇", "重病", "癌症", "瘫痪在床", "失能"),
    "outage": ("停水", "停电", "断水", "断电", "停气", "没有暖气"),
}
# Phrases that contain a signal but are not one (idioms, metaphors, other words around it).
_FALSE_FRIENDS = (
    "静坐式",
    "堵路口",
    "拥堵路",
    "火灾隐患",
    "消防",
    "防火",
    "抢救室",
    "急救中心",
    "急救站",
    "强奸民意",
    "一哭二闹三上吊",
    "暴征暴拆",
    "绑架民意",
)
_NEGATION = re.compile(
    r"(没有|没|无|不会|不会有|并未|未|不存在|不至于|不涉及|排除|谈不上)[^,，。;；!！?？]{0,3}$"
)
# A danger that is feared, not happening: it is a hazard (urgent), not an emergency (critical).
_HYPOTHETICAL = re.compile(
    r"(一旦|万一|如果|若是|假如|倘若|极易|容易|可能|防止|预防|避免|以免|担心|害怕|恐怕|隐患|风险|会不会|不要|引起|引发|酿成|甚至|势必)[^。;；!！?？]{0,8}$"
)

_PATTERN = re.compile(
    "|".join(
        f"(?P<{kind}>{'|'.join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))})"
        for kind, phrases in _PHRASES.items()
    )
)


@dataclass(frozen=True)
class Signal:
    kind: str
    phrase: str
    start: int
    end: int


@dataclass(frozen=True)
class Urgency:
    """The proposed urgency (`normal` | `urgent` | `critical`) and the signals behind it."""

    level: str
    signals: list[Signal] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return sorted({s.kind for s in self.signals})

    @property
    def evidence(self) -> list[Signal]:
        """The signals with each (kind, phrase) once, first place first: a phrase that stands in the
        title and again in the details is one piece of evidence, not two."""
        seen: set[tuple[str, str]] = set()
        distinct = []
        for signal in self.signals:
            if (signal.kind, signal.phrase) not in seen:
                seen.add((signal.kind, signal.phrase))
                distinct.append(signal)
        return distinct

    @property
    def reason(self) -> str:
        """The first five pieces of evidence as `kind: phrase; …` (stored; `reason_signals` reads it
        back)."""
        return "; ".join(f"{s.kind}: {s.phrase}" for s in self.evidence[:5])


def reason_signals(reason: str) -> list[tuple[str, str]]:
    """The (kind, phrase) pairs of a stored `Urgency.reason`."""
    pairs = []
    for part in filter(None, (p.strip() for p in reason.split("; "))):
        kind, _, phrase = part.partition(": ")
        pairs.append((kind, phrase or kind))
    return pairs


def detect_urgency(text: str | None) -> Urgency:
    """Propose an urgency for `text` from the signals found in it (see the module rules)."""
    body = normalize(text)
    if not body:
        return Urgency("normal")
    blocked = [(m.start(), m.end()) for p in _FALSE_FRIENDS for m in re.finditer(re.escape(p), body)]
    signals: list[Signal] = []
    for match in _PATTERN.finditer(body):
        start, end = match.span()
        if any(s <= start and end <= e for s, e in blocked):
            continue
        if _NEGATION.search(body[max(0, start - 8) : start]):
            continue
        kind = match.lastgroup or ""
        if kind in ("life", "violence", "mass") and _HYPOTHETICAL.search(body[max(0, start - 12) : start]):
            kind = "hazard"
        signals.append(Signal(kind, match.group(0), start, end))
    kinds = {s.kind for s in signals}
    if kinds & set(CRITICAL_KINDS):
        level = "critical"
    elif kinds & set(URGENT_KINDS):
        level = "urgent"
    else:
        level = "normal"
    return Urgency(level, signals)
