"""Reading a caller's SMS answer to the 短信回访 (no Django: plain text in, a verdict out).

`sms_reply_parse(text)` → "satisfied" | "basic" | "unsatisfied" | None. Accepted: "1", "2", "3" (also
full-width "１"), "满意", "基本满意", "不满意", with intensifiers ("很不满意", "非常满意"), politeness
("谢谢") and any punctuation, spaces or emoji around them, and a digit with its matching word ("1满意").
Everything else is None and left for the operator: gibberish, two answers ("1 3", "1不满意"), a number
other than 1/2/3 ("4", "13"), a word outside the three ("比较满意", "还行").

`sms_reply_resolved(text)` → True when the caller says the problem is solved ("已解决", "解决了"), False
when they say it is not ("未解决", "没解决", "没有解决"), None when they say neither (then the rating is
recorded as not resolved: a rate is never inflated).

`sms_optout_parse(text)` → True for an opt-out ("TD", "退订", whatever the case or punctuation).
"""

from __future__ import annotations

import re
import unicodedata

SATISFIED = "satisfied"
BASIC = "basic"
UNSATISFIED = "unsatisfied"

DIGITS = {"1": SATISFIED, "2": BASIC, "3": UNSATISFIED}
WORDS = {"满意": SATISFIED, "基本满意": BASIC, "不满意": UNSATISFIED}

_NOT_SOLVED = re.compile(r"(未|没有|没|不能|尚未|还没)解决")
_SOLVED = re.compile(r"(已经?|都)解决|解决了|已处理")
# Words that change nothing in the answer: intensifiers, politeness, the caller naming what they rate.
_FILLERS = re.compile(
    r"已经?解决了?|解决了|已处理|(未|没有|没|不能|尚未|还没)解决|谢谢你?们?|感谢|您好|你好|"
    r"非常|十分|特别|很|太|真|我|评价|回复|对|办理|结果|服务|表示"
)
_NUMBER = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[\W\d_]+")
_OPTOUT = frozenset({"td", "退订", "退订短信", "取消订阅"})


def _normal(text: str) -> str:
    # NFKC: full-width digits, letters and punctuation become their ASCII forms
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def sms_reply_parse(text: str) -> str | None:
    """The rating an SMS answer gives, or None when it gives none or more than one (see the module)."""
    s = _normal(text)[:200]
    if not s:
        return None
    s = _FILLERS.sub(" ", s)
    answers: set[str] = set()
    for number in _NUMBER.findall(s):
        answer = DIGITS.get(number.lstrip("0") if len(number) > 1 and number.startswith("0") else number)
        if answer is None:
            return None
        answers.add(answer)
    for word in _NOT_WORD.split(s):
        if not word:
            continue
        answer = WORDS.get(word)
        if answer is None:
            return None
        answers.add(answer)
    return answers.pop() if len(answers) == 1 else None


def sms_reply_resolved(text: str) -> bool | None:
    s = _normal(text)
    if _NOT_SOLVED.search(s):
        return False
    if _SOLVED.search(s):
        return True
    return None


def sms_optout_parse(text: str) -> bool:
    return _NOT_WORD.sub("", _normal(text)) in _OPTOUT
