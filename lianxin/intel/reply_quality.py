"""Reply quality: how well an official reply answers its demand, before the follow-up call.

Parts (each 0…1) and how they are found:
- relevance — does the reply talk about what was asked? The demand's key terms (its named places, the
  words of its title, the most frequent words of its details) looked up in the reply, with quoted
  passages removed first (quoting the title back is not answering it). Places weigh double.
- completeness — four kinds of content a good reply has, each found by its cue phrases and counted
  once: facts found (经调查/经核实/现场查看, dates and figures), measures taken or planned (已责令/已安排/
  整改/下一步), a basis (根据…规定/依据…文件, a 《document》, an article 第…条), and a contact (a phone number, 联系电话/咨询电话).
  Replies to a consultation (咨询/请问/能否…) count a direct answer as measures.
- timeliness — working days from demand to reply: 1 within `limit_days` (default 15, the longest
  statutory limit of the domain), falling to 0 at three times the limit. Callers may pass their own
  working-day counter (the Chinese holiday calendar); the default counts Monday to Friday.
- flags — `empty`, `forward_only` (only "received / forwarded to …"), `template_only` (nothing left once
  greetings, thanks and quotes are removed), `evasive` (sends the citizen elsewhere or promises study,
  with no facts or measures, or in under 80 characters of substance), `late` (beyond the limit), `no_relevance`.
Score = 100 × (0.35 relevance + 0.40 completeness + 0.25 timeliness), times 0.3 for forward-only or
template-only replies and 0.6 for evasive ones.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from lianxin.intel.pii import detect_pii
from lianxin.intel.text import area_codes, normalize, place_names, tokens

WorkingDays = Callable[[datetime, datetime], int]

_QUOTED = re.compile(r"“[^”]{0,200}”|\"[^\"]{0,200}\"|《[^》]{0,100}》|「[^」]{0,200}」|‘[^’]{0,200}’")
_CUES: dict[str, re.Pattern[str]] = {
    "facts": re.compile(
        r"经(调查|核实|核查|查|了解|现场|实地|走访|检测|勘察)|调查(发现|核实后|了解到|结果)|核实(后|发现|情况)|"
        r"现场(查看|检查|勘察|核查)|实地(查看|察看|了解|调查)|了解到|据查|经查|属实|不属实|"
        r"\d{1,4}年\d{1,2}月|\d+(户|人|栋|米|元|万元|辆|家|处|个)"
    ),
    "measures": re.compile(
        r"已(责令|安排|要求|督促|协调|组织|完成|整改|拆除|修复|维修|处理|查处|取缔|立案|约谈|下达|停止|关停|恢复|开展|制定|启动|落实|纳入|联系)|"
        r"责令|整改|下一步|将(于|在|尽快|加强|督促|安排|组织|协调)|计划(于|在)|预计|立即|限期|处罚|罚款|立案|"
        r"正在(施工|办理|推进|审批|编制)|已经(完成|安排|整改|修复)"
    ),
    "basis": re.compile(
        r"(根据|依据|按照|依照)[^。,，;；]{0,25}(《|法|条例|规定|办法|文件|通知|意见|政策|标准|精神)|《[^》]{2,60}》|"
        r"第[一二三四五六七八九十百\d]+条|(法律|法规|条例|规章)规定"
    ),
    "contact": re.compile(
        r"(联系|咨询|服务|举报|监督|投诉)(电话|热线)|电话[:：]?\s?\d|致电|拨打|\d{3,4}-\d{7,8}|12345"
    ),
}
_DIRECT_ANSWER = re.compile(
    r"可以|不可以|不能|能够|需要|不需要|无需|须|应当|是[^,，。]{0,10}的|为\d|不存在|没有"
)
_CONSULTATION = re.compile(r"咨询|请问|能否|是否|可否|怎么|如何|什么时候|何时|吗[?？]?|多少")
_FORWARD = re.compile(
    r"(已|现)?(转|转交|转至|转办|交办|转给|发函)[^。,，]{0,20}(办理|核处|调查|处理|核实|处置|部门|单位)?|收悉|已收到|留言已阅"
)
_EVASIVE = re.compile(
    r"请(您)?(直接|自行|详细)?(咨询|联系|向|到|登陆|登录|拨打)|建议(您)?(通过|走|向|到|咨询|联系|与)|司法途径|法律途径|"
    r"(充分)?论证研究|研究论证|认真研究|根据实际情况|逐步(解决|完善)|适时|条件成熟|不属于(我|本)(单位|局|部门)|另行"
)
# the date a reply is signed with (not a fact found)
_SIGNOFF = re.compile(r"(?:(?<=[。!！\s.])|^)\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}日?(?=$|[\s“\"网尊您A-Za-z])")
_BOILERPLATE = re.compile(
    r"(网友|网民|市民|尊敬的)?[“\"]?[A-Za-z0-9]*[”\"]?[:：,，]?(您好|你好)[!！。,，]?|您的(留言|来信|来帖|函件|帖文)(已)?收悉[。,，]?|"
    r"(来信|来帖|留言|函件)(已)?收悉[。,，]?|现(将有关情况)?(回复|答复)如下[:：]?|感谢[^。!！]{0,30}[。!！]?|谢谢[!！。]?|"
    r"特此(回复|答复)[。]?|\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}日?|此致|敬礼"
)


def weekdays_between(start: datetime, end: datetime) -> int:
    """Working days from `start` to `end` counting Monday–Friday (the day of `start` not counted)."""
    if end <= start:
        return 0
    first = start.date() + timedelta(days=1)
    last = end.date()
    if last < first:
        return 0
    return int(np.busday_count(first, last + timedelta(days=1)))


@dataclass(frozen=True)
class ReplyScore:
    score: float
    relevance: float
    completeness: float
    timeliness: float | None
    working_days: int | None
    found: dict[str, bool] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "score": round(self.score, 1),
            "relevance": round(self.relevance, 3),
            "completeness": round(self.completeness, 3),
            "timeliness": None if self.timeliness is None else round(self.timeliness, 3),
            "working_days": self.working_days,
            "found": self.found,
            "flags": self.flags,
        }


def _demand_terms(title: str, content: str) -> dict[str, float]:
    weights: defaultdict[str, float] = defaultdict(float)
    body = f"{title}。{content}"
    for name in place_names(body[:600]):
        weights[name] = 2.0
    for word in tokens(title):
        if len(word) >= 2:
            weights[word] = max(weights[word], 1.5)
    counts = Counter(w for w in tokens(content[:1500]) if len(w) >= 2)
    for word, _ in counts.most_common(12):
        weights[word] = max(weights[word], 1.0)
    for code in area_codes(body[:600]):  # area codes are everywhere in replies: say little
        weights.pop(code, None)
    return weights


def _relevance(terms: dict[str, float], reply: str) -> float:
    if not terms:
        return 0.5
    total = sum(terms.values())
    found = sum(weight for term, weight in terms.items() if term in reply)
    return min(1.0, found / total / 0.6)  # finding 60% of the weighted terms is full relevance


def _substance(reply: str) -> str:
    text = _QUOTED.sub("", reply)
    text = _BOILERPLATE.sub("", text)
    return re.sub(r"[\s,，。.!！:：;；、]+", "", text)


def reply_score(
    demand: str,
    reply: str,
    *,
    title: str = "",
    asked_at: datetime | date | None = None,
    replied_at: datetime | date | None = None,
    working_days: WorkingDays | None = None,
    limit_days: int = 15,
) -> ReplyScore:
    """Score `reply` against its demand (`title` + `demand` details). See the module rules.

    `working_days(start, end)` counts working days between two moments (default: Monday–Friday).
    Never raises on odd input: empty or garbage replies score low with a flag.
    """
    title = normalize(title)
    content = normalize(demand)
    answer = normalize(reply)[:20_000]
    days: int | None = None
    timeliness: float | None = None
    if asked_at is not None and replied_at is not None:
        start = (
            asked_at if isinstance(asked_at, datetime) else datetime.combine(asked_at, datetime.min.time())
        )
        end = (
            replied_at
            if isinstance(replied_at, datetime)
            else datetime.combine(replied_at, datetime.min.time())
        )
        days = max(0, int((working_days or weekdays_between)(start, end)))
        timeliness = 1.0 if days <= limit_days else max(0.0, 1.0 - (days - limit_days) / (2.0 * limit_days))
    flags: list[str] = []
    if not answer:
        flags.append("empty")
        return ReplyScore(0.0, 0.0, 0.0, timeliness, days, {k: False for k in _CUES}, flags)

    body = _SIGNOFF.sub("", _QUOTED.sub("", answer))
    found = {kind: bool(pattern.search(body)) for kind, pattern in _CUES.items()}
    if not found["contact"]:
        found["contact"] = any(f.kind == "phone" for f in detect_pii(body))
    asked = f"{title}{content[:300]}"
    substance = _substance(body)
    if _CONSULTATION.search(asked) and _DIRECT_ANSWER.search(body) and len(substance) >= 15:
        found["measures"] = True
    completeness = (
        0.35 * found["facts"] + 0.35 * found["measures"] + 0.2 * found["basis"] + 0.1 * found["contact"]
    )
    relevance = _relevance(_demand_terms(title, content), body)
    forward_only = (
        bool(_FORWARD.search(answer)) and len(substance) < 40 and not (found["facts"] or found["measures"])
    )
    if forward_only:
        flags.append("forward_only")
    elif len(substance) < 20:
        flags.append("template_only")
    if _EVASIVE.search(body) and (not (found["facts"] or found["measures"]) or len(substance) < 80):
        flags.append("evasive")
    if days is not None and days > limit_days:
        flags.append("late")
    if relevance < 0.15:
        flags.append("no_relevance")
    score = 100.0 * (
        0.35 * relevance + 0.40 * completeness + 0.25 * (0.5 if timeliness is None else timeliness)
    )
    if "forward_only" in flags or "template_only" in flags:
        score *= 0.3
    elif "evasive" in flags:
        score *= 0.6
    return ReplyScore(score, relevance, completeness, timeliness, days, found, flags)
