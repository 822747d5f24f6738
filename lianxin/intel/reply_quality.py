"""Reply quality: how well an official reply answers its demand, before the follow-up call.

Parts (each 0…1) and how they are found:
- relevance — does the reply talk about what was asked? The demand's key terms (its named places, the
  words of its title, the most frequent words of its details) looked up in the reply, with quoted
  passages and sentences restating the letter removed first (quoting the title back is not answering
  it). Places weigh double.
- completeness — kinds of content a good reply has, each found by its cue phrases and counted once:
  facts found (经调查/经核实/现场查看, dates and figures), measures taken or planned, an outcome, a direct
  answer to a question, a basis (根据…规定, a 《document》, 第…条), numbered points (一是…二是…), a dated
  measure (预计9月底前) and a contact (a phone number).
- resolution — how far the reply takes the matter, the best of: settled (a result: 已修复完毕, 得到改善,
  为您解决了, 做了如下调整, 查处…三十余台) 1.0; a question answered (conditions, how and where) 0.9; an
  action taken (已责令/已督促/立即到现场/约谈了) 0.7; a dated plan 0.6; a plan 0.4; facts only 0.3 — capped
  at 0.5 when the matter is put off (暂无法/暂未, 待…后, 将…研究, 适时). Closing the letter's file
  (信访事项已处理完毕/已受理) is not a result.
- detail — the log of the reply's own characters (greetings, thanks, quotes, dates removed), full at 400.
- flags — `empty`, `forward_only` (only "received / forwarded to …"), `template_only` (nothing left once
  greetings, thanks and quotes are removed), `evasive` (a referral without why and where, or "will
  study" with nothing concrete), `vague_promise`, `deferred` (put off, with no result, answer or date),
  `late` (beyond the limit), `dated_before_letter`, `no_relevance`.
Score = 100 × (0.20 relevance + 0.35 completeness + 0.15 detail + 0.30 resolution), times 0.3 for
forward-only or template-only replies, 0.6 for evasive ones and 0.8 for vague promises. The score
depends on the texts only: timeliness (working days against `limit_days`) is reported beside it.
"""

from __future__ import annotations

import math
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
        r"经(调查|核实|核查|查|了解|现场|实地|走访|检测|勘察)|经核(?=[,，:：])|调查(发现|核实后|了解到|结果)|核实(后|发现|情况)|"
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
_FOUND = (*_CUES, "direct_answer", "outcome", "done", "numbered", "dated", "deferred")
_DIRECT_ANSWER = re.compile(
    r"可以|不可以|不能|能够|需要|不需要|无需|须|应当|是[^,，。]{0,10}的|为\d|不存在|没有|不会|截止|时间为|"
    r"可(按|通过|由|向|到|在|凭|持|以|于|登录|拨打)|(无|不|没有)(任何)?影响|暂无|(不)?符合|(不)?享受|(不)?属于|条件|可将|需(提供|持|携带|办理)|凭"
)
_CONSULTATION = re.compile(
    r"咨询|请问|能否|是否|可否|怎么|如何|什么时候|何时|吗[?？]?|多少|"
    r"(请求|要求|希望|申请)[^。，,]{0,6}(公开|公示|告知|提供|查看|查询|了解|答复|说明|解释)"
)
_FORWARD = re.compile(
    r"(已|现)?(转|转交|转至|转办|交办|转给|发函)[^。,，]{0,20}(办理|核处|调查|处理|核实|处置|部门|单位)?|收悉|已收到|留言已阅"
)
_EVASIVE = re.compile(
    r"请(您)?(直接|自行|详细)?(咨询|联系|向|到|登陆|登录|拨打)|建议(您)?(通过|走|向|到|咨询|联系|与)|司法途径|法律途径|"
    r"(充分)?论证研究|研究论证|认真研究|根据实际情况|逐步(解决|完善)|适时|条件成熟|不属于(我|本)(单位|局|部门)|另行"
)
# the date a reply is signed with (not a fact found)
_SIGNOFF = re.compile(r"(?:(?<=[。!！\s.])|^)\d{4}[年.\-/]\d{1,2}[月.\-/]\d{1,2}日?(?=$|[\s“\"网尊您A-Za-z])")
# the reply says the matter is settled: what was done, with its result
_OUTCOME = re.compile(
    r"已(经)?(解决|清除|清理|修剪|结清|退款|退还|修缮|更换|关闭|停止|完工|办结|到位|开通|发放|拆除|修复|整改到位|调整)|"
    r"达成(一致|协议)|表示(满意|认可|同意|接受)|全部(结清|发放|到位)|已不再|"
    r"进行了[^。；;，,]{0,4}(修剪|清理|清除|清运|维修|修缮|整治|调解|劝导|更换|粉刷|修复|拆除|处罚|查处|调整|疏通|驱离|整改)|"
    # a completed action reported with its end state (已…完毕 / 现已…解决 / 目前已…完工)
    r"(已|已经|现已|目前已)[^。；;，,!！]{0,15}(完毕|完成|完工|干净|解决|改善|到位|恢复|开通|安装|撤除|清运|修复|更换|退还|退款|补发|结清)|"
    r"(得到|有所|明显)(了)?(改善|解决|落实|缓解|好转)|为(您|你)[^。；;]{0,20}(解决|办理|落实|退还|补发|办好)了|"
    r"做了(如下|相应|相关)?调整|(调整|提前|延长|改)(至|为|到)[^。；;]{0,6}\d|"
    r"(查处|处罚|清理|拆除|清运|取缔|整治|劝离|驱离|查扣|暂扣|罚款|捣毁|收缴)[^。；;]{0,12}"
    r"(\d+|[一二两三四五六七八九十百千几]+)(余)?(台|辆|起|家|处|户|人|次|吨|平方米|个|元|副|余)"
)
# an action already taken, short of a result (责令 / 约谈 / 立即到现场…)
_DONE = re.compile(
    r"已(经)?(责令|安排|要求|督促|协调|组织|约谈|联系|下达|立案|开展|落实|派|会同|召开|告知|提醒|对[^。；;]{0,20}进行)|"
    r"(立即|随即|第一时间|当场|及时|迅速|当即)[^。；;，,]{0,8}(到|赶赴|前往|派|安排|组织|开展|联系|约谈|进行|核实|处置|处理|查看|召开)|"
    r"(约谈|走访|督促|沟通|协调)了|批评教育|致歉|宣传教育|(对|向)[^。；;]{0,20}(进行了|作出了|开展了)"
)
# the matter put off: not possible now, not yet, waiting for something, to be studied
_DEFERRED = re.compile(
    r"暂(时)?(无法|未|不能|不具备|没有|不予|不)|待[^。；;]{1,20}(后|成熟|完成|确定|出台|发布)|"
    r"(将|会)[^。；;]{0,15}(研究|论证|考虑|探讨|商议|讨论|借鉴)|纳入[^。；;]{0,12}研究|予以(研究|考虑|参考|借鉴)|"
    r"借鉴意义|请(您)?关注[^。；;]{0,20}(发布|通知|公告|政策)|适时|条件成熟"
)
# numbered measures or answers: 一是…二是…, (一)…(二)…, 1.…2.…
_NUMBERED = re.compile(
    r"[一二三四五]是|[（(][一二三四五][）)]|(?:^|[。；;:：!！\s])[1-5][.、．](?!\d)|[一二三四五]、"
)
# a measure with a date or deadline
_DATED = re.compile(
    r"(预计|计划|将于|争取|拟于|力争|于)[^。；;]{0,20}(\d{1,2}月|\d+日|年底|年内|月底|季度|前|\d{4}年)|\d+(个)?(工作日|日|天)内"
)
# promises with no date or owner
_VAGUE = re.compile(
    r"将(认真)?研究|研究(解决|处理)|妥善(解决|处理)|适时|进一步(加强|做好|完善)|加大[^。]{0,6}力度|积极(协调|推进|争取)|"
    r"高度重视|尽快(解决|处理)|逐步(解决|完善)|条件成熟"
)
# sending the writer elsewhere
_REFERRAL = re.compile(
    r"建议(你|您)?(向|到|与|通过|咨询|联系|走|直接)|请(你|您)?(直接|自行)?(向|到)[^。]{0,20}(咨询|反映|办理|申请)|"
    r"不属于[^。]{0,12}(受理|职责|范围|职能)|司法途径|法律途径|法定途径|(提起|申请)(诉讼|仲裁|复议)"
)
_REFERRAL_WHY = re.compile(r"因|由于|根据|按照|依据|属于|规定")
_REFERRAL_WHERE = re.compile(r"\d{3,}|局|所|中心|法院|窗口|网站|大厅|办公室|科|队|委员会")
# the handling of the letter itself, not of the matter (您的信访事项已处理完毕 / 已受理)
_PROCEDURAL = re.compile(
    r"(信访|来信|反映的|提出的)?事项[,，]?[^。，,!！]{0,12}(已|已经)(受理|处理完毕|办结|收悉|办理完毕)"
)
# the reply restating the letter ("您反映…的问题") is not an answer to it; a restatement ends at its
# sentence's end or where the letter is acknowledged (…的信访事项已受理,经研究…): the answer often follows
# in the same sentence after a comma
_RESTATED = re.compile(
    r"(关于)?(您|你)(来信|信访|网上)?(反映|咨询|建议|提出|要求|认为)[^。!！]{0,200}?"
    r"(?:[。!！]|(已|本机关已|我[局委办单位]{1,2}已)?(受理|收悉|收到)[,，。:：]?)"
)
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


# weights of relevance, completeness, detail and resolution in the score
WEIGHTS = (0.20, 0.35, 0.15, 0.30)
# resolution of a settled matter, an answered question, an action taken, a dated plan, a plan, facts
# only; and the cap when the matter is put off
RESOLUTION = (1.0, 0.9, 0.7, 0.6, 0.4, 0.3, 0.5)


def _resolution(found: dict[str, bool]) -> float:
    """How far the reply takes the matter: settled, a question answered, an action taken, a dated plan,
    a plan, facts only; a matter put off (not possible now, to be studied) is capped."""
    if found["outcome"]:
        level = RESOLUTION[0]
    elif found["direct_answer"]:
        level = RESOLUTION[1]
    elif found["done"]:
        level = RESOLUTION[2]
    elif found["dated"]:
        level = RESOLUTION[3]
    elif found["measures"]:
        level = RESOLUTION[4]
    elif found["facts"]:
        level = RESOLUTION[5]
    else:
        level = 0.0
    return min(level, RESOLUTION[6]) if found["deferred"] else level


def _moment(value: datetime | date) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())


def _timing(
    asked_at: datetime | date | None,
    replied_at: datetime | date | None,
    working_days: WorkingDays | None,
    limit_days: int,
) -> tuple[int | None, float | None, list[str]]:
    """Working days, timeliness and the date flag; a reply dated before its letter gets neither."""
    if asked_at is None or replied_at is None:
        return None, None, []
    start, end = _moment(asked_at), _moment(replied_at)
    if end.date() < start.date():
        return None, None, ["dated_before_letter"]
    days = max(0, int((working_days or weekdays_between)(start, end)))
    timeliness = 1.0 if days <= limit_days else max(0.0, 1.0 - (days - limit_days) / (2.0 * limit_days))
    return days, timeliness, []


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
    The score depends on the texts only (identical letters and replies score the same); timeliness
    is reported beside it, with the `late` flag, and a reply dated before its letter is flagged
    `dated_before_letter` and gets no timeliness at all. Never raises on odd input.
    """
    title = normalize(title)
    content = normalize(demand)
    answer = normalize(reply)[:20_000]
    days, timeliness, flags = _timing(asked_at, replied_at, working_days, limit_days)
    if not answer:
        flags.append("empty")
        return ReplyScore(0.0, 0.0, 0.0, timeliness, days, {k: False for k in _FOUND}, flags)

    body = _PROCEDURAL.sub("", _SIGNOFF.sub("", _QUOTED.sub("", answer)))
    own = _RESTATED.sub("", body)  # what the reply adds to the letter
    found = {kind: bool(pattern.search(body)) for kind, pattern in _CUES.items()}
    if not found["contact"]:
        found["contact"] = any(f.kind == "phone" for f in detect_pii(body))
    asked = f"{title}{content[:300]}"
    substance = _substance(own)
    found["direct_answer"] = bool(
        _CONSULTATION.search(asked) and _DIRECT_ANSWER.search(body) and len(substance) >= 15
    )
    found["outcome"] = bool(_OUTCOME.search(body))
    found["done"] = found["outcome"] or bool(_DONE.search(body))
    found["numbered"] = len(set(_NUMBERED.findall(body))) >= 2
    found["dated"] = bool(_DATED.search(body))
    found["deferred"] = bool(_DEFERRED.search(own))
    concrete = found["facts"] or found["outcome"] or found["direct_answer"] or found["dated"]
    completeness = (
        0.20 * found["facts"]
        + 0.15 * (found["measures"] or found["done"])
        + 0.20 * found["outcome"]
        + 0.10 * (found["direct_answer"] or found["outcome"])
        + 0.10 * found["basis"]
        + 0.10 * found["numbered"]
        + 0.10 * found["dated"]
        + 0.05 * found["contact"]
    )
    resolution = _resolution(found)
    relevance = _relevance(_demand_terms(title, content), own)
    forward_only = bool(_FORWARD.search(answer)) and len(substance) < 40 and not concrete
    if forward_only:
        flags.append("forward_only")
    elif len(substance) < 20:
        flags.append("template_only")
    referral = _REFERRAL.search(own)
    if referral:
        if not (_REFERRAL_WHY.search(own) and _REFERRAL_WHERE.search(own[referral.start() :])):
            flags.append("evasive")  # sent elsewhere without saying why and where
    elif _EVASIVE.search(own) and (not concrete or len(substance) < 80):
        flags.append("evasive")
    if _VAGUE.search(own) and not (found["dated"] or found["outcome"] or found["facts"]):
        flags.append("vague_promise")
    if found["deferred"] and not (found["outcome"] or found["direct_answer"] or found["dated"]):
        flags.append("deferred")
    if days is not None and days > limit_days:
        flags.append("late")
    if relevance < 0.15:
        flags.append("no_relevance")
    # how much the reply says: specific replies are longer, with diminishing returns
    detail = min(1.0, math.log1p(len(substance)) / math.log1p(400))
    relevance_w, completeness_w, detail_w, resolution_w = WEIGHTS
    score = 100.0 * (
        relevance_w * relevance
        + completeness_w * completeness
        + detail_w * detail
        + resolution_w * resolution
    )
    if "forward_only" in flags or "template_only" in flags:
        score *= 0.3
    elif "evasive" in flags:
        score *= 0.6
    elif "vague_promise" in flags:
        score *= 0.8
    return ReplyScore(score, relevance, completeness, timeliness, days, found, flags)
