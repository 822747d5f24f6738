"""Reply quality of a demand, with the demands app's working-day calendar (holidays and 调休).

Timeliness counts working days from dispatch (the reply stage's start; submission when never
dispatched) to the reply, against the reply limit of the demand's deadline policy. The score is stored
per demand (`ReplyAssessment`, recomputed when the reply text changes) and summed up per lead unit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.utils import timezone

from lianxin.analysis.clock import local_naive
from lianxin.analysis.models import ReplyAssessment
from lianxin.demands.deadlines import deadline_policy
from lianxin.demands.models import Demand
from lianxin.demands.workdays import working_days_between
from lianxin.intel.reply_quality import reply_score

FLAG_LABELS = {
    "empty": "空答复",
    "forward_only": "仅转办/收悉",
    "template_only": "套话模板",
    "evasive": "推诿敷衍",
    "late": "超时答复",
    "no_relevance": "答非所问",
    "vague_promise": "空泛承诺（无时限、无责任人）",
    "dated_before_letter": "答复日期早于来信",
    "deferred": "事项暂缓或待研究（无结果、无时限）",
}
SERIOUS_FLAGS = {"empty", "forward_only", "template_only", "evasive", "no_relevance"}


def _working_days(start: datetime, end: datetime) -> int:
    return working_days_between(start.date(), end.date())


def _reply_limit(demand: Demand) -> int:
    limits = deadline_policy().limits(
        demand_type=demand.type, urgency=demand.urgency, category=demand.category
    )
    return int(limits.reply_working_days)


def reply_assess(*, demand: Demand) -> ReplyAssessment | None:
    """Score the demand's reply (None when it has none); stored, and reused while the text is the same."""
    if not demand.reply_text:
        return None
    digest = hashlib.sha256(demand.reply_text.encode("utf-8")).hexdigest()
    existing = ReplyAssessment.objects.filter(demand_id=demand.pk).first()
    if existing is not None and existing.reply_hash == digest:
        return existing
    asked = demand.dispatched_at or demand.created_at
    replied = demand.replied_at or timezone.now()
    result = reply_score(
        demand.content,
        demand.reply_text,
        title=demand.title,
        asked_at=local_naive(asked),
        replied_at=local_naive(replied),
        working_days=_working_days,
        limit_days=_reply_limit(demand),
    )
    flags = list(result.flags)
    assessment, _ = ReplyAssessment.objects.update_or_create(
        demand_id=demand.pk,
        defaults={
            "unit_id": demand.lead_unit_id,
            "replied_at": demand.replied_at,
            "reply_hash": digest,
            "score": round(result.score, 1),
            "relevance": round(result.relevance, 3),
            "completeness": round(result.completeness, 3),
            "timeliness": None if result.timeliness is None else round(result.timeliness, 3),
            "working_days": result.working_days,
            "found": result.found,
            "flags": flags,
            "flagged": bool(set(flags) & SERIOUS_FLAGS),
        },
    )
    return assessment


def flag_labels(flags: list[str]) -> list[str]:
    return [FLAG_LABELS.get(f, f) for f in flags]


def reply_draft_check(*, demand: Demand, text: str) -> dict[str, object]:
    """The reply-quality check of a draft before it is sent (nothing stored): its score, the flags by name,
    and whether any flag is serious (an empty, forward-only, template, evasive or off-topic answer)."""
    asked = demand.dispatched_at or demand.created_at
    result = reply_score(
        demand.content,
        text,
        title=demand.title,
        asked_at=local_naive(asked),
        replied_at=local_naive(timezone.now()),
        working_days=_working_days,
        limit_days=_reply_limit(demand),
    )
    flags = list(result.flags)
    return {
        "score": round(result.score, 1),
        "flags": flag_labels(flags),
        "serious": bool(set(flags) & SERIOUS_FLAGS),
    }
