"""The risk level a case starts with, as proposed from its facts: intel's urgency detector reads the
summary (threats, self-harm words, violence, mass incidents), and the case's shape adds the other signs
(repeated petitions, many parties). A person decides: the opener may choose another level, and the
proposal with its reasons stays on the case.

Rules (each raises the proposal to at least the level given; the highest wins):

| sign | level |
|---|---|
| intel: self-harm, violence or mass incident stated as happening now (特急) | 重大 major |
| intel: a threat of self-harm or violence, harm reported, a mass incident warned (紧急) | 高 high |
| intel: any other critical signal | 高 high |
| intel: any other urgent signal | 中 medium |
| 10 or more parties (群体性) | 高 high |
| 5 to 9 parties | 中 medium |
| repeated petitions: 2 or more earlier petitions, or 多次/反复/越级/集体/进京上访 in the facts | one level up, at least 中 |
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lianxin.intel.urgency import KINDS, detect_urgency
from lianxin.mediation.choices import RISK_ORDER, RISK_RANK, Risk

GRAVE_KINDS = frozenset({"self_harm", "violence", "mass"})
THREAT_KINDS = frozenset({"self_harm", "violence", "mass", "harm_reported"})
MANY_PARTIES = 5
MASS_PARTIES = 10
REPEATED_PETITIONS = 2
_PETITION_WORDS = re.compile(r"(多次|反复|屡次|长期|越级|集体|进京|赴省)(信访|上访)|缠访|闹访")


@dataclass(frozen=True)
class RiskProposal:
    level: str
    reasons: list[dict[str, str]] = field(default_factory=list)  # {"sign", "label", "phrase"?}


def _at_least(level: str, floor: str) -> str:
    return level if RISK_RANK[level] >= RISK_RANK[floor] else floor


def risk_propose(text: str, *, parties: int, prior_petitions: int = 0) -> RiskProposal:
    level: str = Risk.LOW
    reasons: list[dict[str, str]] = []
    urgency = detect_urgency(text)
    for signal in urgency.evidence:
        if signal.level == "critical":
            floor = Risk.MAJOR if signal.kind in GRAVE_KINDS else Risk.HIGH
        elif signal.kind in THREAT_KINDS:
            floor = Risk.HIGH
        else:
            floor = Risk.MEDIUM
        level = _at_least(level, floor)
        reasons.append(
            {"sign": signal.kind, "label": KINDS.get(signal.kind, signal.kind), "phrase": signal.phrase}
        )
    if parties >= MASS_PARTIES:
        level = _at_least(level, Risk.HIGH)
        reasons.append({"sign": "many_parties", "label": f"当事人 {parties} 方（群体性）"})
    elif parties >= MANY_PARTIES:
        level = _at_least(level, Risk.MEDIUM)
        reasons.append({"sign": "many_parties", "label": f"当事人 {parties} 方"})
    words = _PETITION_WORDS.search(text or "")
    if prior_petitions >= REPEATED_PETITIONS or words:
        raised = RISK_ORDER[min(RISK_RANK[level] + 1, len(RISK_ORDER) - 1)]
        level = _at_least(raised, Risk.MEDIUM)
        reason = {"sign": "repeated_petitions", "label": f"重复信访（此前 {prior_petitions} 次）"}
        if words:
            reason["phrase"] = words.group(0)
        reasons.append(reason)
    return RiskProposal(str(level), reasons)
