"""The intel adapter's writes and the functions its intel port (`lianxin.analysis.port`) calls.

Hook functions (`suggest_category`, `detect_urgency`, `detect_pii`, `mask_pii`, `similar_demand_ids`)
take plain values or a demand and return plain data; `lianxin.demands.intel_port` catches anything they raise, so
intake never fails because of intel. The rest are services: model versions (upload, activate,
rollback, retrain), the operator's accept-with-category, hot-issue refresh, reply scoring.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.accounts.models import User
from lianxin.analysis import classifier, hotspots, replies, similar
from lianxin.analysis.models import ClassifierVersion, DemandIntel, HotIssueRun, ReplyAssessment
from lianxin.core.errors import ValidationFailed
from lianxin.core.params import by_id
from lianxin.demands.models import Demand
from lianxin.demands.services import demand_accept
from lianxin.intel import pii as intel_pii
from lianxin.intel import urgency as intel_urgency
from lianxin.org.models import Area, Category

__all__ = [
    "classifier_version_activate",
    "classifier_version_rollback",
    "classifier_version_upload",
    "classifier_retrain_start",
    "demand_accept_confirmed",
    "detect_pii",
    "detect_urgency",
    "hotspots_refresh",
    "mask_pii",
    "reply_assess",
    "similar_demand_ids",
    "similar_for_text",
    "suggest_category",
]

# --- called through the intel port (lianxin.analysis.port) -----------------------------------------------------


def suggest_category(text: str) -> list[dict[str, Any]]:
    """Top three first-level categories with calibrated probabilities, best first:
    [{"category": name, "score": p, "id": org.Category id | None}]; [] without a usable model."""
    return classifier.suggest(text, top=3)


def stored_suggestions(demand: Demand) -> dict[str, Any] | None:
    """What the intake check stored for `demand` (top categories, urgency); None before it ran, or
    when it had no model to suggest with."""
    intel = DemandIntel.objects.filter(demand_id=demand.pk).only("suggestions", "urgency").first()
    if intel is None or not intel.suggestions:
        return None
    return {"categories": intel.suggestions[:3], "urgency": intel.urgency}


def detect_urgency(text: str) -> str:
    """ "normal" | "urgent" | "critical" as the words of the text signal (see lianxin.intel.urgency)."""
    return intel_urgency.detect_urgency(text).level


def detect_pii(text: str) -> list[dict[str, Any]]:
    """Personal data in free text: [{"kind", "start", "end"}]."""
    return [f.as_dict() for f in intel_pii.detect_pii(text)]


def mask_pii(text: str, *, official: bool = False) -> str:
    """The text with phones, identity numbers, e-mails, door numbers, plates, cards and private persons' names
    masked; `official` (a unit's reply) keeps its published contact lines readable."""
    return intel_pii.mask_pii(text, official=official)


def similar_demand_ids(demand: Demand, limit: int = 5) -> list[int]:
    """Open demands about the same problem and place as `demand` (itself excluded), best first."""
    matches = similar.similar_query(
        text=f"{demand.title}\n{demand.content}",
        area_path=demand.area.path if demand.area_id and demand.area else "",
        lat=demand.lat,
        lng=demand.lng,
        when=demand.created_at,
        exclude=demand.pk,
        limit=limit,
    )
    return [int(cast(int, m.id)) for m in matches]


def similar_for_text(
    *, title: str, content: str, area: Area | None = None, limit: int = 5, when: datetime | None = None
) -> list[int]:
    """Open demands like a text being written (the citizen's "already reported" hint)."""
    text = f"{title or ''}\n{content or ''}".strip()
    if len(text) < 4:
        return []
    lat, lng, path = (area.lat, area.lng, area.path) if area is not None else (None, None, "")
    matches = similar.similar_query(text=text, area_path=path, lat=lat, lng=lng, when=when, limit=limit)
    return [int(cast(int, m.id)) for m in matches]


# --- model versions ------------------------------------------------------------------------------------------


def classifier_version_upload(*, data: bytes, name: str = "", actor: User | None = None) -> ClassifierVersion:
    return classifier.classifier_version_upload(data=data, name=name, actor=actor)


def classifier_version_activate(
    *, version: ClassifierVersion, actor: User | None = None
) -> ClassifierVersion:
    return classifier.classifier_version_activate(version=version, actor=actor)


def classifier_version_rollback(*, actor: User | None = None) -> ClassifierVersion:
    return classifier.classifier_version_rollback(actor=actor)


def classifier_retrain_start(*, actor: User | None = None) -> ClassifierVersion:
    return classifier.retrain_start(actor=actor)


# --- operator intake --------------------------------------------------------------------------------------------


@transaction.atomic
def demand_accept_confirmed(
    *,
    demand: Demand,
    actor: User,
    category: Category | str | int | None = None,
    urgency: str | None = None,
    type: str | None = None,
    note: str = "",
) -> Demand:
    """受理 with the category the operator confirmed (from intel's suggestions or corrected), recorded
    against the suggestion (by the event listener) so that retraining learns from corrections. Raises what demand_accept raises;
    ValidationFailed for a category that is not active."""
    if category is not None and not isinstance(category, Category):
        category = by_id(Category.objects.filter(is_active=True), category)
        if category is None:
            raise ValidationFailed(_("分类不存在"), fields={"category": [_("分类不存在")]})
    if category is not None and category.contains(demand.category):
        # intel proposes first-level categories: adopting one keeps a deeper category of its branch
        # already on the demand (accepting never coarsens it), and confirms that one
        category = None
    # the confirmation is recorded by the 受理 event's listener (intake.accepts_heard), as for every 受理
    return demand_accept(demand=demand, actor=actor, note=note, type=type, urgency=urgency, category=category)


# --- hot issues and replies ---------------------------------------------------------------------------------


def hotspots_refresh(
    *, actor: User | None = None, days: int = hotspots.WINDOW_DAYS, now: datetime | None = None
) -> HotIssueRun:
    return hotspots.hotspots_refresh(actor=actor, days=days, now=now)


def reply_assess(*, demand: Demand) -> ReplyAssessment | None:
    return replies.reply_assess(demand=demand)
