"""What intel does when a demand is submitted or changes: nothing here may block intake.

- `demand_changed` (called by the demand services through the intel port, in the saving transaction)
  writes one `SimilarChange` row inside a savepoint (a failure is logged and swallowed), and after commit queues the intake check of a new demand and the
  reply-quality score of a fresh reply. Only ids cross into the tasks.
- `intake_check` proposes an urgency from the text and stores it with the category suggestions and
  the kinds of personal data found. Urgency is *flagged for the operator*, not set on the demand: the
  demand's deadlines and measures change only when a person confirms (at 受理). A `critical` proposal
  on a demand not already marked 特急 escalates at once: supervisors (and operators) are notified.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from lianxin.accounts.models import Role
from lianxin.analysis.classifier import active_version_id, suggest
from lianxin.analysis.models import DemandIntel, SimilarChange
from lianxin.analysis.tasks import demand_intake_task, reply_assess_task
from lianxin.core.notify import Message
from lianxin.demands.choices import Action, Status
from lianxin.demands.models import Demand, DemandEvent
from lianxin.demands.notifications import notify_roles
from lianxin.demands.services import demand_intel_urgency_set
from lianxin.intel.pii import detect_pii
from lianxin.intel.urgency import Signal, Urgency, detect_urgency, reason_signals
from lianxin.org.models import Category

logger = logging.getLogger("lianxin.analysis")

# The escalation body names each urgency signal by its kind, in the reader's language, with the
# words of the demand that showed it (intel's own reason uses the kind codes, for machines).
SIGNAL_LINES = {
    "life": gettext_noop("危及生命：“%(phrase)s”"),
    "self_harm": gettext_noop("轻生自伤：“%(phrase)s”"),
    "violence": gettext_noop("暴力侵害：“%(phrase)s”"),
    "mass": gettext_noop("群体性事件：“%(phrase)s”"),
    "hazard": gettext_noop("安全隐患：“%(phrase)s”"),
    "harm_reported": gettext_noop("人身伤害：“%(phrase)s”"),
    "vulnerable": gettext_noop("困难群体：“%(phrase)s”"),
    "outage": gettext_noop("停水停电：“%(phrase)s”"),
    "drowning": gettext_noop("落水溺水：“%(phrase)s”"),
    "trapped": gettext_noop("被困：“%(phrase)s”"),
    "gas_leak": gettext_noop("燃气泄漏：“%(phrase)s”"),
    "fire": gettext_noop("火灾：“%(phrase)s”"),
    "fall": gettext_noop("坠落：“%(phrase)s”"),
    "weather": gettext_noop("极端天气：“%(phrase)s”"),
    "food_poisoning": gettext_noop("食物中毒：“%(phrase)s”"),
    "collapse": gettext_noop("坍塌开裂：“%(phrase)s”"),
    "electric": gettext_noop("触电漏电：“%(phrase)s”"),
}
OTHER_SIGNAL_LINE = gettext_noop("其他信号：“%(phrase)s”")
# The kinds of personal data `intel.pii` finds, as the operator reads them.
PII_LABELS = {
    "phone": gettext_noop("电话号码"),
    "id_card": gettext_noop("身份证号"),
    "email": gettext_noop("电子邮箱"),
    "address": gettext_noop("门牌地址"),
    "name": gettext_noop("姓名"),
    "plate": gettext_noop("车牌号"),
    "bank_card": gettext_noop("银行卡号"),
}


def signal_message(kind: str, phrase: str) -> Message:
    """One urgency signal as a line: its kind in words, the demand's own words quoted."""
    return Message(SIGNAL_LINES.get(kind, OTHER_SIGNAL_LINE), {"phrase": phrase})


def signal_lines(reason: str) -> list[str]:
    """The signals of a stored urgency reason as lines in the active language."""
    return [signal_message(kind, phrase).render() for kind, phrase in reason_signals(reason)]


def pii_labels(kinds: list[str]) -> list[str]:
    return [gettext(PII_LABELS[k]) if k in PII_LABELS else k for k in kinds]


def demand_changed(demand: Demand, *, created: bool) -> None:
    """Called by the demand services (through the intel port) in the transaction that stored `demand`:
    one `SimilarChange` row (the similar-demand index follows these) and the outbox row of the intake
    check of a new demand or the reply-quality score of a fresh reply (lianxin.core.outbox: it commits
    with the demand, runs after commit and is re-run by the reconciler if a worker dies). Both are work
    the change owes: a failure to record them rolls the change back rather than lose them."""
    if not demand.pk:
        return
    SimilarChange.objects.create(demand_id=demand.pk)
    if created:
        demand_intake_task(demand.pk)
    elif demand.status == Status.REPLIED and demand.reply_text:
        reply_assess_task(demand.pk)


def intake_check(*, demand_id: int) -> DemandIntel | None:
    """Urgency proposal, personal data and category suggestions of a new demand; escalates 特急."""
    demand = (
        Demand.objects.filter(pk=demand_id).only("id", "title", "content", "urgency", "ticket_no").first()
    )
    if demand is None:
        return None
    with transaction.atomic():
        intel, urgency = intel_store(demand)
        demand_intel_urgency_set(demand_id=demand.pk, level=urgency.level)
        if urgency.level == "critical" and demand.urgency != "critical" and intel.escalated_at is None:
            _escalate(demand, intel, urgency.evidence[:5])
    return intel


def intel_store(demand: Demand, *, version: int | None | str = "active") -> tuple[DemandIntel, Urgency]:
    """The intake check's findings on `demand`'s text stored on its `DemandIntel` (urgency proposal with
    its reason, the kinds of personal data, the category suggestions of the model `version` — by default
    the active one): what a new submission and an imported letter share. The caller decides what the
    proposal does (a new demand's list flag and 特急 escalation; nothing for closed history)."""
    text = f"{demand.title}\n{demand.content}"
    urgency = detect_urgency(text)
    try:
        suggestions = suggest(text)
    except Exception:  # a broken model leaves the suggestions empty
        logger.exception("category suggestion failed for demand %s", demand.pk)
        suggestions = []
    kinds = sorted({f.kind for f in detect_pii(text)})
    model_version = active_version_id() if version == "active" else version
    intel, _ = DemandIntel.objects.update_or_create(
        demand=demand,
        defaults={
            "urgency": urgency.level,
            "urgency_reason": urgency.reason[:300],
            "pii_kinds": kinds,
            "suggestions": suggestions,
            "model_version_id": model_version if suggestions else None,
        },
    )
    return intel, urgency


def _escalate(demand: Demand, intel: DemandIntel, signals: Sequence[Signal]) -> None:
    notify_roles(
        demand,
        Role.SUPERVISOR,
        Role.OPERATOR,
        title=Message(
            gettext_noop("疑似特急诉求 %(ticket)s：%(title)s"),
            {"ticket": demand.ticket_no, "title": demand.title},
        ),
        body=[
            Message(gettext_noop("智能研判为特急，请立即核实处置。研判依据：")),
            *(signal_message(s.kind, s.phrase) for s in signals),
        ],
        kind="escalation",
    )
    intel.escalated_at = timezone.now()
    intel.save(update_fields=["escalated_at"])


def accepts_heard(events: list[DemandEvent]) -> None:
    """The demands event listener: a 受理 that set or kept a category confirms it against intel's
    suggestion, when intel made one (a demand without a check has nothing to learn from)."""
    for event in events:
        if event.action != Action.ACCEPT:
            continue
        cached = event._state.fields_cache.get("demand")
        demand = cached if isinstance(cached, Demand) else Demand.objects.get(pk=event.demand_id)
        if not demand.category_id:
            continue
        try:  # intel never blocks a 受理: this listener owes no background work, so its failure is logged
            with transaction.atomic():
                intel = DemandIntel.objects.filter(demand=demand).first()
                if intel is not None:
                    _confirm(intel, demand.category)
        except Exception:
            logger.exception("recording the confirmed category of demand %s failed", demand.pk)


def _confirm(intel: DemandIntel, category: Category | None) -> None:
    top = (intel.suggestions or [{}])[0] if intel.suggestions else {}
    root = category.root if category is not None else None
    intel.confirmed_category = category
    intel.corrected = bool(top) and root is not None and top.get("category") != root.name
    intel.save(update_fields=["confirmed_category", "corrected"])
